/**
 * The one persistence interface of the margin service (DESIGN.md "store/, bus/: adapters behind small interfaces").
 *
 * SQLite (`sqlite-store.ts`) and PostgreSQL (`postgres-store.ts`) implement it with the same semantics, so the
 * engine and the server never know which database they talk to. Every write runs in one transaction: when a call
 * rejects, nothing of it was stored. When a write resolves, it is durable (committed, fsynced by the database), so a
 * caller may publish what it wrote only after the promise resolves — the engine's "persisted before published" rule.
 *
 * Absent values are `undefined` (never `null`); the adapters convert at the database boundary. Timestamps are ISO
 * 8601 UTC strings (`2024-06-17T08:00:00.000Z`), normalised on write so that they sort as text.
 */

export type AccountMode = 'cross' | 'isolated';

export interface NewAccount {
  readonly id: string;
  /** Account (reporting) currency: margins are stated in it. */
  readonly currency: string;
  readonly mode: AccountMode;
  /** The account-holder key that owns the account; the key is granted the account in the same transaction. */
  readonly ownerKeyId?: string | undefined;
  /** Initial positions (0 skips), written in the same transaction as the account. */
  readonly positions?: readonly PositionChange[] | undefined;
  /** Initial balances by currency (0 skips), written in the same transaction as the account. */
  readonly collateral?: CollateralBalances | undefined;
}

/** One row of a positions batch: the absolute position (0 removes it). */
export interface PositionChange {
  readonly instrument: string;
  readonly quantity: number;
  /** Average entry price (futures and perpetuals; docs/accounts.md "Entry price"); absent: none. */
  readonly entryPrice?: number | undefined;
}

/** Absolute balances by currency (0 removes a balance). */
export type CollateralBalances = Readonly<Record<string, number>>;

/**
 * The audit entry of a change, written in the change's own transaction (both or neither are stored). A function
 * receives the change's result, for entries naming what the store assigned (a key id, a snapshot id).
 */
export type AuditFor<R> = NewAuditEntry | ((result: R) => NewAuditEntry);

export interface AccountRecord {
  readonly id: string;
  readonly currency: string;
  readonly mode: AccountMode;
  readonly ownerKeyId: string | undefined;
  readonly createdAt: string;
}

export interface PositionRecord {
  readonly accountId: string;
  /** Instrument symbol as the client named it (`BTC-PERPETUAL`); resolution to a spec happens above the store. */
  readonly instrument: string;
  /** Signed contracts, long positive. */
  readonly quantity: number;
  /** Average entry price in the instrument's quote (futures and perpetuals), when known. */
  readonly entryPrice?: number | undefined;
}

export interface TradeInput {
  readonly accountId: string;
  readonly instrument: string;
  /** Signed change in contracts. */
  readonly quantity: number;
  /** Client-chosen key, unique per account: a retried request with the same key is applied once. */
  readonly idempotencyKey: string;
  /** Entry price of the position after the trade (the service averages it); absent: the position has none. */
  readonly entryPrice?: number | undefined;
}

export interface TradeResult {
  readonly accountId: string;
  readonly instrument: string;
  readonly quantity: number;
  readonly idempotencyKey: string;
  /** The position right after this trade was applied (the original value on a replay, not the current one). */
  readonly position: number;
  readonly at: string;
  /** True when the key had already been applied and this is the stored original result. */
  readonly replayed: boolean;
}

export interface CollateralRecord {
  readonly accountId: string;
  readonly currency: string;
  /** Balance in units of `currency`. */
  readonly amount: number;
}

export interface NewMarketSnapshot {
  readonly asOf: string;
  /** The snapshot document (DESIGN.md "Market snapshot file"), stored as JSON text. */
  readonly json: unknown;
  /** The live engine's checkpoint after this market (guard, last updates, floors), stored with it. */
  readonly engineState?: unknown;
}

export interface MarketSnapshotRecord {
  readonly id: number;
  readonly asOf: string;
  readonly json: unknown;
  readonly storedAt: string;
  /** Absent for snapshots stored without one (before store version 4). */
  readonly engineState?: unknown;
}

/** An account's positions and balances changed by a market update (expiry settlement), with its audit entry. */
export interface MarketAccountChange {
  readonly accountId: string;
  /** Absolute positions (0 removes). */
  readonly positions: readonly PositionChange[];
  /** Absolute balances (0 removes). */
  readonly collateral: CollateralBalances;
  readonly audit: NewAuditEntry;
}

/** Everything a market update writes, in one transaction (MarginService.pushMarket). */
export interface MarketCommitInput extends NewMarketSnapshot {
  readonly accountChanges?: readonly MarketAccountChange[];
  /** Account events the update made. */
  readonly events?: readonly NewEvent[];
  /** Further audit entries (the spike guard's events, which concern an underlying, not an account). */
  readonly audits?: readonly NewAuditEntry[];
  /**
   * Current-state rows of the accounts whose reported state or held figures the update changed, upserted in the same
   * transaction (multi-row statements: tens of thousands of rows are cheap). A later row of one account replaces an
   * earlier one; an unknown account refuses the whole commit (NOT_FOUND naming `accountId`).
   */
  readonly accountStates?: readonly AccountStateRecord[];
}

export type StoredAccountState = 'healthy' | 'margin-call' | 'liquidation' | 'unmarginable';

/**
 * An account's current-state row (docs/service.md "Restarts"): the live engine's last reported state and figures,
 * kept one row per account so a restart rebuilds the engine without reading any account's event history. Written in
 * the transaction of the change that moved them. Amounts in `currency` (the account currency).
 */
export interface AccountStateRecord {
  readonly accountId: string;
  readonly state: StoredAccountState;
  /** ≥ 0. */
  readonly initialMargin: number;
  /** ≥ 0. */
  readonly maintenanceMargin: number;
  readonly equity: number;
  readonly currency: string;
  /** asOf of the market the figures were computed on ('' when none), kept as written (not normalised: it names a market). */
  readonly asOf: string;
  /** Set while the engine cannot margin the account: why, with the evaluation's error code. */
  readonly unmarginable?: { readonly reason: string; readonly code: string; readonly field?: string | undefined; readonly since: number } | undefined;
  readonly updatedAt: string;
}

export type LiquidationPlanStatus = 'active' | 'completed' | 'cancelled';

/** A liquidation plan as the store keeps it: the plan document is the engine's (engine/liquidation), opaque here. */
export interface NewLiquidationPlan {
  /** Unique plan id (the engine derives it from the account and the market it was planned on). */
  readonly id: string;
  readonly accountId: string;
  readonly json: unknown;
  readonly createdAt: string;
}

export interface LiquidationPlanRecord extends NewLiquidationPlan {
  readonly status: LiquidationPlanStatus;
  readonly completedAt?: string | undefined;
  /** What completing the plan recorded (final equity, insurance-fund cover, deficit), opaque here. */
  readonly outcome?: unknown;
}

/**
 * One executed slice of a liquidation plan, applied in one transaction and at most once per (plan, slice): the
 * position change, the cash the fill moved (impact and penalty, account currency), and the penalty the insurance
 * fund received. A retry of an applied slice writes nothing and answers `replayed` (with the stored record, whatever
 * its `at`); the same slice with other content (account, instrument, quantity, price, cash, fund) is a CONFLICT naming
 * `slice`. A retry is answered even after the plan ended; a new slice needs the plan `active` (else CONFLICT naming
 * `planId`; unknown plan: NOT_FOUND naming `planId`; another account's plan: CONFLICT naming `accountId`).
 *
 * The position changes as `applyTrade` changes it (0 removes the row). A fill carries no entry price: a reduction keeps
 * the position's entry (entryAfterTrade: the rest's P&L is unchanged), anything else (opening, adding, crossing zero)
 * leaves none, as a trade without an entry price does.
 */
export interface LiquidationFillInput {
  readonly planId: string;
  readonly accountId: string;
  /** Index of the slice in the plan (0-based). */
  readonly slice: number;
  readonly instrument: string;
  /** Signed contracts traded (a long position is closed by a negative quantity). */
  readonly quantity: number;
  /** Fill price, in the instrument's price currency. */
  readonly price: number;
  /** Change of the balance of `cashCurrency` (negative: paid), applied to the stored balance (which never goes below 0). */
  readonly cashDelta: number;
  readonly cashCurrency: string;
  /** Amount the insurance fund received from this slice (penalty), in `cashCurrency`, ≥ 0. */
  readonly fundReceived: number;
  readonly at: string;
}

export interface LiquidationFillRecord extends LiquidationFillInput {
  /** The position right after this slice (the original value on a replay). */
  readonly position: number;
  /** The balance of `cashCurrency` right after this slice (≥ 0; a balance brought to 0 is removed, as everywhere). */
  readonly balance: number;
  /** True when the slice had already been applied and this is the stored original; listings answer false. */
  readonly replayed: boolean;
}

/** How a plan ended, written with the plan's status in one transaction. */
export interface LiquidationCompletion {
  readonly planId: string;
  readonly status: 'completed' | 'cancelled';
  readonly outcome: unknown;
  readonly at: string;
  /**
   * The insurance fund's cover of the account's deficit: `amount` > 0 pays the account — a `cover` ledger line of
   * −amount (with the account and plan ids), and the account's balance of `currency` rises by it, in the completion's
   * transaction. The store does not check the fund's balance: the caller caps the cover at it. The bad debt left over
   * moves no money, so it is no ledger line: the engine keeps it in `outcome`.
   */
  readonly fundCover?: { readonly currency: string; readonly amount: number; readonly badDebt: number } | undefined;
}

/** One line of the insurance-fund ledger: `amount` > 0 received (penalties), < 0 paid out (deficit cover). */
export interface InsuranceFundEntry {
  readonly id: number;
  readonly currency: string;
  readonly amount: number;
  readonly accountId?: string | undefined;
  readonly planId?: string | undefined;
  /**
   * Free text (non-empty): the store writes 'penalty' (fills) and 'cover' (completions); `addInsuranceFundEntry` takes
   * any other ('deposit', …).
   */
  readonly reason: string;
  readonly at: string;
}

export interface CollateralChange {
  readonly accountId: string;
  /** Absolute balances by currency (0 removes; others unchanged). */
  readonly balances: CollateralBalances;
  /** Client-chosen key, unique per account: a retry with the same key and content is applied once. */
  readonly idempotencyKey: string;
}

export interface CollateralChangeResult {
  readonly balances: CollateralRecord[];
  /** True when the key had already been applied: nothing was written. */
  readonly replayed: boolean;
}

export interface NewParameterSet {
  readonly model: string;
  readonly version: string;
  readonly json: unknown;
}

export interface ParameterSetRecord {
  readonly model: string;
  readonly version: string;
  readonly json: unknown;
  readonly uploadedAt: string;
  readonly active: boolean;
}

export type StoredEventType = 'margin-call' | 'liquidation' | 'state-transition' | 'stale';

export interface NewEvent {
  readonly accountId: string;
  readonly type: StoredEventType;
  readonly payload: unknown;
  readonly at: string;
}

export interface EventRecord extends NewEvent {
  /** Increasing in append order; use it as the cursor for `afterId`. */
  readonly id: number;
}

export interface EventQuery {
  readonly accountId?: string | undefined;
  /** Only events with `at >= since`. */
  readonly since?: string | undefined;
  /** Only events with `id > afterId` (cursor paging). */
  readonly afterId?: number | undefined;
  readonly limit?: number | undefined;
}

export interface NewAuditEntry {
  /** Key that made the change; `system` for the service's own actions. */
  readonly keyId: string;
  readonly action: string;
  readonly target: string;
  readonly payload: unknown;
  readonly at: string;
}

export interface AuditRecord extends NewAuditEntry {
  readonly id: number;
}

export interface AuditQuery {
  readonly keyId?: string | undefined;
  readonly since?: string | undefined;
  readonly afterId?: number | undefined;
  readonly limit?: number | undefined;
}

export type ApiKeyRole = 'admin' | 'risk-officer' | 'account-holder';

export interface NewApiKey {
  readonly role: ApiKeyRole;
  /** Accounts an account holder owns (they must exist). Only for `account-holder`. */
  readonly accountIds?: readonly string[] | undefined;
  readonly label?: string | undefined;
}

export interface ApiKeyRecord {
  readonly id: string;
  readonly role: ApiKeyRole;
  /** Accounts the key may see and act on; empty for admin and risk officer, whose roles cover every account. */
  readonly accountIds: readonly string[];
  readonly label: string | undefined;
  readonly createdAt: string;
  readonly revokedAt: string | undefined;
}

export interface CreatedApiKey {
  readonly record: ApiKeyRecord;
  /** The secret, shown once: only a keyed digest of it (HMAC-SHA256, per-row salt) is stored. */
  readonly plaintext: string;
}

export type StoreBackend = 'sqlite' | 'postgres';

export interface Store {
  readonly backend: StoreBackend;

  /**
   * Every state-changing call takes an optional `audit` entry, written in the same transaction as the change: a
   * crash never keeps one without the other. A replayed trade writes nothing, so no entry either.
   */
  createAccount(account: NewAccount, audit?: AuditFor<AccountRecord>): Promise<AccountRecord>;
  listAccounts(): Promise<AccountRecord[]>;
  getAccount(id: string): Promise<AccountRecord | undefined>;

  /** Sets the absolute position (0 removes it). */
  setPosition(position: PositionRecord, audit?: AuditFor<PositionRecord>): Promise<PositionRecord>;
  /** Sets several absolute positions (0 removes; others unchanged) in one transaction: all or nothing. */
  setPositions(accountId: string, positions: readonly PositionChange[], audit?: AuditFor<PositionRecord[]>): Promise<PositionRecord[]>;
  /** Non-zero positions of the account, by instrument. */
  listPositions(accountId: string): Promise<PositionRecord[]>;
  /**
   * Adds `quantity` to the position, atomically and at most once per (account, idempotency key). A retry with the
   * same key and content returns the original result; the same key with other content is rejected.
   */
  applyTrade(trade: TradeInput, audit?: AuditFor<TradeResult>): Promise<TradeResult>;
  /** The stored result of a trade key (as a replay answers it), undefined when the key was never applied. */
  getTrade(accountId: string, idempotencyKey: string): Promise<TradeResult | undefined>;

  /** Sets the balance of one currency (0 removes it). */
  setCollateral(collateral: CollateralRecord, audit?: AuditFor<CollateralRecord>): Promise<CollateralRecord>;
  /** Sets several balances (0 removes; others unchanged) in one transaction: all or nothing. */
  setCollateralBalances(accountId: string, balances: CollateralBalances, audit?: AuditFor<CollateralRecord[]>): Promise<CollateralRecord[]>;
  listCollateral(accountId: string): Promise<CollateralRecord[]>;
  /**
   * Idempotent balance change: applied at most once per (account, key); a retry with the same content writes nothing
   * and answers `replayed`; the same key with other content is rejected (CONFLICT).
   */
  applyCollateralChange(change: CollateralChange, audit?: AuditFor<CollateralRecord[]>): Promise<CollateralChangeResult>;

  appendMarketSnapshot(snapshot: NewMarketSnapshot, audit?: AuditFor<MarketSnapshotRecord>): Promise<MarketSnapshotRecord>;
  /** A market snapshot with its checkpoint, the account changes, events and audit entries it caused: all or nothing. */
  commitMarket(commit: MarketCommitInput, audit?: AuditFor<MarketSnapshotRecord>): Promise<MarketSnapshotRecord>;
  /** The most recently appended snapshot. */
  latestMarketSnapshot(): Promise<MarketSnapshotRecord | undefined>;

  /** Stores a version; re-uploading identical content is a no-op, other content under a stored version is rejected. */
  uploadParameterSet(set: NewParameterSet, audit?: AuditFor<ParameterSetRecord>): Promise<ParameterSetRecord>;
  listParameterSets(model?: string): Promise<ParameterSetRecord[]>;
  activateParameterSet(model: string, version: string, audit?: AuditFor<ParameterSetRecord>): Promise<ParameterSetRecord>;
  activeParameterSet(model: string): Promise<ParameterSetRecord | undefined>;

  /**
   * Upserts current-state rows in one transaction, with multi-row statements (a later row of one account replaces an
   * earlier one); one bad row or unknown account (NOT_FOUND naming `accountId`) and nothing is written. Engine
   * bookkeeping: no audit entry.
   */
  putAccountStates(rows: readonly AccountStateRecord[]): Promise<void>;
  /** Every account's current-state row (restore reads them all in one query). */
  listAccountStates(): Promise<AccountStateRecord[]>;
  /** Every account's positions in one query, by account then instrument (restore). */
  listAllPositions(): Promise<PositionRecord[]>;
  /** Every account's balances in one query, by account then currency (restore). */
  listAllCollateral(): Promise<CollateralRecord[]>;

  /**
   * Stores a new active plan. Re-saving the same id with the same account and `json` is a no-op answering the stored
   * record, whatever its status (no audit entry); other content under the id (CONFLICT naming `id`), or a second
   * active plan for the account (CONFLICT naming `accountId`), is rejected.
   */
  saveLiquidationPlan(plan: NewLiquidationPlan, audit?: AuditFor<LiquidationPlanRecord>): Promise<LiquidationPlanRecord>;
  getLiquidationPlan(id: string): Promise<LiquidationPlanRecord | undefined>;
  /** The account's most recent plan (any status): latest `createdAt`, then greatest id. */
  latestLiquidationPlan(accountId: string): Promise<LiquidationPlanRecord | undefined>;
  /** Plans still active (a restart resumes them), oldest first. */
  activeLiquidationPlans(): Promise<LiquidationPlanRecord[]>;
  /** Applies one slice at most once (see LiquidationFillInput); the plan must be active. */
  applyLiquidationFill(fill: LiquidationFillInput, audit?: AuditFor<LiquidationFillRecord>): Promise<LiquidationFillRecord>;
  /** The applied slices of a plan, by slice index (empty for an unknown plan). */
  listLiquidationFills(planId: string): Promise<LiquidationFillRecord[]>;
  /**
   * Ends an active plan (and records the fund's cover, see LiquidationCompletion). Ending an ended plan with the same
   * status is a no-op answering the stored record (no audit entry, no second cover); with the other status, CONFLICT
   * naming `status`; an unknown plan is NOT_FOUND naming `planId`.
   */
  completeLiquidationPlan(completion: LiquidationCompletion, audit?: AuditFor<LiquidationPlanRecord>): Promise<LiquidationPlanRecord>;
  /** Insurance-fund balance per currency (sum of the ledger). */
  insuranceFundBalances(): Promise<Record<string, number>>;
  /**
   * Adds a ledger line (a deposit, e.g. the demo's opening balance). `accountId` and `planId`, when given, must exist
   * (NOT_FOUND naming them). Takes no audit entry: a caller that wants one appends it.
   */
  addInsuranceFundEntry(entry: Omit<InsuranceFundEntry, 'id'>): Promise<InsuranceFundEntry>;
  /** Ledger lines in append order (`id` increasing: the cursor for `afterId`), optionally of one account. */
  listInsuranceFund(query?: { readonly accountId?: string | undefined; readonly afterId?: number | undefined; readonly limit?: number | undefined }): Promise<InsuranceFundEntry[]>;

  /** Durable when the promise resolves: publish the event only after that. */
  appendEvent(event: NewEvent): Promise<EventRecord>;
  /** In append order. */
  listEvents(query?: EventQuery): Promise<EventRecord[]>;

  appendAudit(entry: NewAuditEntry): Promise<AuditRecord>;
  /** In append order. */
  listAudit(query?: AuditQuery): Promise<AuditRecord[]>;

  createApiKey(key: NewApiKey, audit?: AuditFor<ApiKeyRecord>): Promise<CreatedApiKey>;
  /** The key's record when the plaintext is a live (unrevoked) key, else `undefined`; upgrades a legacy scrypt row on success. */
  verifyApiKey(plaintext: string): Promise<ApiKeyRecord | undefined>;
  /**
   * The key's record when this plaintext was verified in full and nothing has been committed since, by this store or
   * any other connection; else `undefined` (which says nothing about the key: verify it with verifyApiKey). Read
   * nothing, so it answers at once: the common case of every authenticated request.
   */
  verifiedApiKey(plaintext: string): ApiKeyRecord | undefined;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  revokeApiKey(id: string, at: string, audit?: AuditFor<ApiKeyRecord>): Promise<ApiKeyRecord>;

  close(): Promise<void>;
}
