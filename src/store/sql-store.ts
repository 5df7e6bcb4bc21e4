import type { z } from 'zod';
import { parseWithSchema } from '../core/validate.js';
import {
  CheckedSecrets,
  hashApiKeySecret,
  isLegacyApiKeyHash,
  LegacyScryptGuard,
  newApiKeySecret,
  parseApiKey,
  verifyApiKeySecretDummy,
  verifyLegacyApiKeySecret,
  type ApiKeyHash,
} from './api-key-hash.js';
import { VerifiedKeys, type KeysVersion } from './verified-keys.js';
import type { SqlDriver, SqlExecutor, SqlRow, SqlValue } from './sql-driver.js';
import type {
  AccountMode,
  AccountRecord,
  AccountStateRecord,
  ApiKeyRecord,
  ApiKeyRole,
  AuditFor,
  AuditQuery,
  AuditRecord,
  CollateralRecord,
  CreatedApiKey,
  CollateralBalances,
  CollateralChange,
  CollateralChangeResult,
  EventQuery,
  InsuranceFundEntry,
  LiquidationCompletion,
  LiquidationFillInput,
  LiquidationFillRecord,
  LiquidationPlanRecord,
  LiquidationPlanStatus,
  MarketCommitInput,
  EventRecord,
  MarketSnapshotRecord,
  NewAccount,
  NewApiKey,
  NewAuditEntry,
  NewEvent,
  NewLiquidationPlan,
  NewMarketSnapshot,
  NewParameterSet,
  ParameterSetRecord,
  PositionRecord,
  PositionChange,
  Store,
  StoredAccountState,
  StoredEventType,
  TradeInput,
  TradeResult,
} from './store.js';
import {
  AccountStateSchema,
  ApiKeyInputSchema,
  AuditInputSchema,
  AuditQuerySchema,
  CollateralChangeSchema,
  CollateralSchema,
  EventInputSchema,
  EventQuerySchema,
  InsuranceFundEntrySchema,
  InsuranceFundQuerySchema,
  LiquidationCompletionSchema,
  LiquidationFillSchema,
  LiquidationPlanInputSchema,
  MarketSnapshotInputSchema,
  NewAccountSchema,
  ParameterSetInputSchema,
  PositionSchema,
  TradeSchema,
} from './store-input-schemas.js';
import { storeError } from './store-error.js';

export interface SqlStoreOptions {
  /** Clock for store-assigned timestamps (`createdAt`, trade `at`) and the legacy-key cooldown; tests pin it. */
  readonly now?: () => Date;
}

/**
 * The `Store` semantics written once over a `SqlDriver`; `sqlite-store.ts` and `postgres-store.ts` only supply the
 * connection. Every write is one driver transaction, and every check (account exists, key unused) runs inside it, so
 * a rejected call has written nothing.
 */
export class SqlStore implements Store {
  readonly backend: Store['backend'];
  readonly #driver: SqlDriver;
  readonly #now: () => Date;
  /** Bounds the scrypt work of wrong secrets against rows not yet upgraded from the legacy scheme. */
  readonly #legacyGuard: LegacyScryptGuard;
  readonly #checkedSecrets = new CheckedSecrets();
  readonly #verifiedKeys = new VerifiedKeys<ApiKeyRecord>();
  /** Write transactions begun and ended by this store (each bumps it twice): a verified key is kept only while it is unchanged. */
  #ownWrites = 0;

  constructor(driver: SqlDriver, options: SqlStoreOptions = {}) {
    this.#driver = driver;
    this.backend = driver.dialect;
    this.#now = options.now ?? (() => new Date());
    this.#legacyGuard = new LegacyScryptGuard(undefined, () => this.#now().getTime());
  }

  /** Every write of this store goes through here, so that a key verified before it is read again after it. */
  async #transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    this.#ownWrites++;
    try {
      return await this.#driver.transaction(work);
    } finally {
      this.#ownWrites++;
    }
  }

  async createAccount(account: NewAccount, audit?: AuditFor<AccountRecord>): Promise<AccountRecord> {
    const input = parse(NewAccountSchema, account, 'account');
    const positions = (input.positions ?? []).map((p, i) => parse(PositionSchema, { accountId: input.id, ...p }, `account.positions.${i}`));
    const balances = Object.entries(input.collateral ?? {}).map(([currency, amount]) => parse(CollateralSchema, { accountId: input.id, currency, amount }, 'account.collateral'));
    const createdAt = this.#nowIso();
    return this.#transaction(async (tx) => {
      if ((await tx.query('SELECT id FROM accounts WHERE id = ?', [input.id])).length > 0) {
        throw storeError('conflict', `account "${input.id}" already exists`, { field: 'id' });
      }
      if (input.ownerKeyId !== undefined) {
        const key = await tx.query('SELECT role, revoked_at FROM api_keys WHERE id = ?', [input.ownerKeyId]);
        if (key[0] === undefined || key[0]['revoked_at'] !== null) {
          throw storeError('not-found', `API key "${input.ownerKeyId}" not found`, { field: 'ownerKeyId' });
        }
        if (key[0]['role'] !== 'account-holder') {
          throw storeError('invalid', `API key "${input.ownerKeyId}" is not an account-holder key`, { field: 'ownerKeyId' });
        }
      }
      await tx.execute('INSERT INTO accounts (id, currency, mode, owner_key_id, created_at) VALUES (?, ?, ?, ?, ?)', [
        input.id,
        input.currency,
        input.mode,
        input.ownerKeyId ?? null,
        createdAt,
      ]);
      if (input.ownerKeyId !== undefined) {
        await tx.execute('INSERT INTO api_key_accounts (key_id, account_id) VALUES (?, ?)', [input.ownerKeyId, input.id]);
      }
      for (const p of positions) await writePosition(tx, p);
      for (const c of balances) await writeCollateral(tx, c);
      const record: AccountRecord = { id: input.id, currency: input.currency, mode: input.mode, ownerKeyId: input.ownerKeyId, createdAt };
      await writeAudit(tx, audit, record);
      return record;
    });
  }

  async listAccounts(): Promise<AccountRecord[]> {
    const rows = await this.#driver.read((tx) => tx.query('SELECT * FROM accounts ORDER BY id'));
    return rows.map(toAccount);
  }

  async getAccount(id: string): Promise<AccountRecord | undefined> {
    const rows = await this.#driver.read((tx) => tx.query('SELECT * FROM accounts WHERE id = ?', [id]));
    return rows[0] === undefined ? undefined : toAccount(rows[0]);
  }

  async setPosition(position: PositionRecord, audit?: AuditFor<PositionRecord>): Promise<PositionRecord> {
    const input = parse(PositionSchema, position, 'position');
    return this.#transaction(async (tx) => {
      await requireAccount(tx, input.accountId);
      await writePosition(tx, input);
      await writeAudit(tx, audit, input);
      return input;
    });
  }

  async setPositions(accountId: string, positions: readonly PositionChange[], audit?: AuditFor<PositionRecord[]>): Promise<PositionRecord[]> {
    // Every row is checked before the transaction starts: one bad row and nothing is written.
    const inputs = positions.map((p, i) =>
      parse(PositionSchema, { accountId, instrument: p.instrument, quantity: p.quantity, ...(p.entryPrice === undefined ? {} : { entryPrice: p.entryPrice }) }, `positions.${i}`),
    );
    return this.#transaction(async (tx) => {
      await requireAccount(tx, accountId);
      for (const p of inputs) await writePosition(tx, p);
      await writeAudit(tx, audit, inputs);
      return inputs;
    });
  }

  async listPositions(accountId: string): Promise<PositionRecord[]> {
    const rows = await this.#driver.read((tx) =>
      tx.query('SELECT * FROM positions WHERE account_id = ? AND quantity <> 0 ORDER BY instrument', [accountId]),
    );
    return rows.map(toPosition);
  }

  async applyTrade(trade: TradeInput, audit?: AuditFor<TradeResult>): Promise<TradeResult> {
    const input = parse(TradeSchema, trade, 'trade');
    const at = this.#nowIso();
    return this.#transaction(async (tx) => {
      await requireAccount(tx, input.accountId);
      // Claim the key first. On PostgreSQL a concurrent claim of the same key waits on the primary key until the
      // first transaction ends, then finds the row: the delta is applied by exactly one of them.
      const claimed = await tx.query(
        `INSERT INTO trades (account_id, idempotency_key, instrument, quantity, position, at) VALUES (?, ?, ?, ?, NULL, ?)
         ON CONFLICT (account_id, idempotency_key) DO NOTHING RETURNING idempotency_key`,
        [input.accountId, input.idempotencyKey, input.instrument, input.quantity, at],
      );
      if (claimed.length === 0) return replayTrade(tx, input);
      const updated = await tx.query(
        `INSERT INTO positions (account_id, instrument, quantity, entry_price) VALUES (?, ?, ?, ?)
         ON CONFLICT (account_id, instrument) DO UPDATE SET quantity = positions.quantity + excluded.quantity, entry_price = excluded.entry_price
         RETURNING quantity`,
        [input.accountId, input.instrument, input.quantity, input.entryPrice ?? null],
      );
      const position = updated[0] === undefined ? input.quantity : num(updated[0], 'quantity');
      if (position === 0) {
        await tx.execute('DELETE FROM positions WHERE account_id = ? AND instrument = ?', [input.accountId, input.instrument]);
      }
      await tx.execute('UPDATE trades SET position = ? WHERE account_id = ? AND idempotency_key = ?', [
        position,
        input.accountId,
        input.idempotencyKey,
      ]);
      const result: TradeResult = { accountId: input.accountId, instrument: input.instrument, quantity: input.quantity, idempotencyKey: input.idempotencyKey, position, at, replayed: false };
      // A replay writes nothing, so it has no audit entry either. The audit keeps the input's entry price too.
      await writeAudit(tx, audit, { ...input, ...result });
      return result;
    });
  }

  async getTrade(accountId: string, idempotencyKey: string): Promise<TradeResult | undefined> {
    const rows = await this.#driver.read((tx) => tx.query('SELECT * FROM trades WHERE account_id = ? AND idempotency_key = ?', [accountId, idempotencyKey]));
    const row = rows[0];
    if (row === undefined) return undefined;
    return { accountId, instrument: str(row, 'instrument'), quantity: num(row, 'quantity'), idempotencyKey, position: num(row, 'position'), at: str(row, 'at'), replayed: true };
  }

  async setCollateral(collateral: CollateralRecord, audit?: AuditFor<CollateralRecord>): Promise<CollateralRecord> {
    const input = parse(CollateralSchema, collateral, 'collateral');
    return this.#transaction(async (tx) => {
      await requireAccount(tx, input.accountId);
      await writeCollateral(tx, input);
      await writeAudit(tx, audit, input);
      return input;
    });
  }

  async setCollateralBalances(accountId: string, balances: CollateralBalances, audit?: AuditFor<CollateralRecord[]>): Promise<CollateralRecord[]> {
    const inputs = Object.entries(balances).map(([currency, amount]) => parse(CollateralSchema, { accountId, currency, amount }, `collateral.${currency}`));
    return this.#transaction(async (tx) => {
      await requireAccount(tx, accountId);
      for (const c of inputs) await writeCollateral(tx, c);
      await writeAudit(tx, audit, inputs);
      return inputs;
    });
  }

  async applyCollateralChange(change: CollateralChange, audit?: AuditFor<CollateralRecord[]>): Promise<CollateralChangeResult> {
    const input = parse(CollateralChangeSchema, change, 'collateralChange');
    const inputs = Object.entries(input.balances).map(([currency, amount]) => parse(CollateralSchema, { accountId: input.accountId, currency, amount }, `collateral.${currency}`));
    // Key order must not make two payloads of one content differ.
    const payload = JSON.stringify(Object.fromEntries(Object.entries(input.balances).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
    const at = this.#nowIso();
    return this.#transaction(async (tx) => {
      await requireAccount(tx, input.accountId);
      // Claim the key first (as applyTrade does): a concurrent claim waits on the primary key, then finds the row.
      const claimed = await tx.query(
        `INSERT INTO collateral_requests (account_id, idempotency_key, payload, at) VALUES (?, ?, ?, ?)
         ON CONFLICT (account_id, idempotency_key) DO NOTHING RETURNING idempotency_key`,
        [input.accountId, input.idempotencyKey, payload, at],
      );
      if (claimed.length === 0) {
        const row = first(await tx.query('SELECT payload FROM collateral_requests WHERE account_id = ? AND idempotency_key = ?', [input.accountId, input.idempotencyKey]));
        if (str(row, 'payload') !== payload) {
          throw storeError('conflict', `idempotency key "${input.idempotencyKey}" was already used for a different collateral change (${str(row, 'payload')})`, {
            field: 'idempotencyKey',
          });
        }
        return { balances: inputs, replayed: true };
      }
      for (const c of inputs) await writeCollateral(tx, c);
      await writeAudit(tx, audit, inputs);
      return { balances: inputs, replayed: false };
    });
  }

  async listCollateral(accountId: string): Promise<CollateralRecord[]> {
    const rows = await this.#driver.read((tx) => tx.query('SELECT * FROM collateral WHERE account_id = ? ORDER BY currency', [accountId]));
    return rows.map(toCollateral);
  }

  async appendMarketSnapshot(snapshot: NewMarketSnapshot, audit?: AuditFor<MarketSnapshotRecord>): Promise<MarketSnapshotRecord> {
    const input = parse(MarketSnapshotInputSchema, snapshot, 'marketSnapshot');
    const storedAt = this.#nowIso();
    return this.#transaction(async (tx) => insertMarketSnapshot(tx, input, storedAt, audit));
  }

  async commitMarket(commit: MarketCommitInput, audit?: AuditFor<MarketSnapshotRecord>): Promise<MarketSnapshotRecord> {
    const input = parse(MarketSnapshotInputSchema, { asOf: commit.asOf, json: commit.json, ...(commit.engineState === undefined ? {} : { engineState: commit.engineState }) }, 'marketSnapshot');
    // Every row is checked before the transaction starts: one bad row and nothing is written.
    const changes = (commit.accountChanges ?? []).map((c, i) => ({
      accountId: c.accountId,
      positions: c.positions.map((p, j) => parse(PositionSchema, { accountId: c.accountId, ...p }, `accountChanges.${i}.positions.${j}`)),
      collateral: Object.entries(c.collateral).map(([currency, amount]) => parse(CollateralSchema, { accountId: c.accountId, currency, amount }, `accountChanges.${i}.collateral.${currency}`)),
      audit: parse(AuditInputSchema, c.audit, `accountChanges.${i}.audit`),
    }));
    const events = (commit.events ?? []).map((e, i) => parse(EventInputSchema, e, `events.${i}`));
    const audits = (commit.audits ?? []).map((a, i) => parse(AuditInputSchema, a, `audits.${i}`));
    const states = (commit.accountStates ?? []).map((s, i) => parse(AccountStateSchema, s, `accountStates.${i}`));
    const storedAt = this.#nowIso();
    return this.#transaction(async (tx) => {
      const record = await insertMarketSnapshot(tx, input, storedAt, audit);
      for (const c of changes) {
        await requireAccount(tx, c.accountId);
        for (const p of c.positions) await writePosition(tx, p);
        for (const b of c.collateral) await writeCollateral(tx, b);
        await insertAudit(tx, c.audit);
      }
      for (const e of events) {
        await requireAccount(tx, e.accountId);
        await tx.execute('INSERT INTO events (account_id, type, payload, at) VALUES (?, ?, ?, ?)', [e.accountId, e.type, JSON.stringify(e.payload), e.at]);
      }
      for (const a of audits) await insertAudit(tx, a);
      await upsertAccountStates(tx, states, 'accountStates');
      return record;
    });
  }

  async latestMarketSnapshot(): Promise<MarketSnapshotRecord | undefined> {
    const rows = await this.#driver.read((tx) => tx.query('SELECT * FROM market_snapshots ORDER BY id DESC LIMIT 1'));
    const row = rows[0];
    if (row === undefined) return undefined;
    const engineState = row.engine_state === null || row.engine_state === undefined ? undefined : json(row, 'engine_state');
    return { id: num(row, 'id'), asOf: str(row, 'as_of'), json: json(row, 'json'), storedAt: str(row, 'stored_at'), ...(engineState === undefined ? {} : { engineState }) };
  }

  async uploadParameterSet(set: NewParameterSet, audit?: AuditFor<ParameterSetRecord>): Promise<ParameterSetRecord> {
    const input = parse(ParameterSetInputSchema, set, 'parameterSet');
    const text = JSON.stringify(input.json);
    const uploadedAt = this.#nowIso();
    return this.#transaction(async (tx) => {
      const existing = await selectParameterSet(tx, input.model, input.version);
      if (existing !== undefined) {
        // A version names one content forever: margin results record the version they used.
        if (JSON.stringify(existing.json) === text) {
          await writeAudit(tx, audit, existing);
          return existing;
        }
        throw storeError('conflict', `parameter set ${input.model} version "${input.version}" already exists with other content`, {
          field: 'version',
        });
      }
      await tx.execute('INSERT INTO parameter_sets (model, version, json, uploaded_at) VALUES (?, ?, ?, ?)', [
        input.model,
        input.version,
        text,
        uploadedAt,
      ]);
      const record: ParameterSetRecord = { model: input.model, version: input.version, json: input.json, uploadedAt, active: false };
      await writeAudit(tx, audit, record);
      return record;
    });
  }

  async listParameterSets(model?: string): Promise<ParameterSetRecord[]> {
    const rows = await this.#driver.read((tx) =>
      tx.query(
        `${PARAMETER_SET_SELECT} ${model === undefined ? '' : 'WHERE p.model = ?'} ORDER BY p.model, p.uploaded_at, p.version`,
        model === undefined ? [] : [model],
      ),
    );
    return rows.map(toParameterSet);
  }

  async activateParameterSet(model: string, version: string, audit?: AuditFor<ParameterSetRecord>): Promise<ParameterSetRecord> {
    return this.#transaction(async (tx) => {
      const existing = await selectParameterSet(tx, model, version);
      if (existing === undefined) throw storeError('not-found', `parameter set ${model} version "${version}" not found`, { field: 'version' });
      await tx.execute(
        'INSERT INTO active_parameter_sets (model, version) VALUES (?, ?) ON CONFLICT (model) DO UPDATE SET version = excluded.version',
        [model, version],
      );
      const record: ParameterSetRecord = { ...existing, active: true };
      await writeAudit(tx, audit, record);
      return record;
    });
  }

  async activeParameterSet(model: string): Promise<ParameterSetRecord | undefined> {
    const rows = await this.#driver.read((tx) => tx.query(`${PARAMETER_SET_SELECT} WHERE p.model = ? AND a.version IS NOT NULL`, [model]));
    return rows[0] === undefined ? undefined : toParameterSet(rows[0]);
  }

  async putAccountStates(rows: readonly AccountStateRecord[]): Promise<void> {
    // Every row is checked before the transaction starts: one bad row and nothing is written.
    const inputs = rows.map((row, i) => parse(AccountStateSchema, row, `accountStates.${i}`));
    if (inputs.length === 0) return;
    await this.#transaction((tx) => upsertAccountStates(tx, inputs, 'accountStates'));
  }

  async listAccountStates(): Promise<AccountStateRecord[]> {
    const rows = await this.#driver.read((tx) => tx.query('SELECT * FROM account_states ORDER BY account_id'));
    return rows.map(toAccountState);
  }

  async listAllPositions(): Promise<PositionRecord[]> {
    const rows = await this.#driver.read((tx) => tx.query('SELECT * FROM positions WHERE quantity <> 0 ORDER BY account_id, instrument'));
    return rows.map(toPosition);
  }

  async listAllCollateral(): Promise<CollateralRecord[]> {
    const rows = await this.#driver.read((tx) => tx.query('SELECT * FROM collateral ORDER BY account_id, currency'));
    return rows.map(toCollateral);
  }

  async saveLiquidationPlan(plan: NewLiquidationPlan, audit?: AuditFor<LiquidationPlanRecord>): Promise<LiquidationPlanRecord> {
    const input = parse(LiquidationPlanInputSchema, plan, 'liquidationPlan');
    const text = JSON.stringify(input.json);
    /** A plan id names one plan forever: a retry of the save is a no-op (and writes no audit entry). */
    const resave = (existing: SqlRow): LiquidationPlanRecord => {
      if (str(existing, 'account_id') === input.accountId && str(existing, 'json') === text) return toLiquidationPlan(existing);
      throw storeError('conflict', `liquidation plan "${input.id}" already exists with other content`, { field: 'id' });
    };
    return this.#transaction(async (tx) => {
      await requireAccount(tx, input.accountId);
      const existing = (await tx.query('SELECT * FROM liquidation_plans WHERE id = ?', [input.id]))[0];
      if (existing !== undefined) return resave(existing);
      // (Not this id: on PostgreSQL a concurrent save of it may have committed since the read above.)
      const active = (await tx.query("SELECT id FROM liquidation_plans WHERE account_id = ? AND status = 'active' AND id <> ?", [input.accountId, input.id]))[0];
      if (active !== undefined) {
        throw storeError('conflict', `account "${input.accountId}" already has an active liquidation plan ("${str(active, 'id')}")`, {
          field: 'accountId',
          details: { activePlanId: str(active, 'id') },
        });
      }
      // On PostgreSQL a concurrent save of the same id waits on the primary key, then finds the row (a retry, no-op);
      // a concurrent save of another plan for the account fails on the one-active index (CONFLICT as well).
      const inserted = await tx.query(
        "INSERT INTO liquidation_plans (id, account_id, status, json, created_at) VALUES (?, ?, 'active', ?, ?) ON CONFLICT (id) DO NOTHING RETURNING id",
        [input.id, input.accountId, text, input.createdAt],
      );
      if (inserted.length === 0) return resave(first(await tx.query('SELECT * FROM liquidation_plans WHERE id = ?', [input.id])));
      const record: LiquidationPlanRecord = { id: input.id, accountId: input.accountId, json: input.json, createdAt: input.createdAt, status: 'active' };
      await writeAudit(tx, audit, record);
      return record;
    });
  }

  async getLiquidationPlan(id: string): Promise<LiquidationPlanRecord | undefined> {
    const rows = await this.#driver.read((tx) => tx.query('SELECT * FROM liquidation_plans WHERE id = ?', [id]));
    return rows[0] === undefined ? undefined : toLiquidationPlan(rows[0]);
  }

  async latestLiquidationPlan(accountId: string): Promise<LiquidationPlanRecord | undefined> {
    const rows = await this.#driver.read((tx) =>
      tx.query('SELECT * FROM liquidation_plans WHERE account_id = ? ORDER BY created_at DESC, id DESC LIMIT 1', [accountId]),
    );
    return rows[0] === undefined ? undefined : toLiquidationPlan(rows[0]);
  }

  async activeLiquidationPlans(): Promise<LiquidationPlanRecord[]> {
    const rows = await this.#driver.read((tx) => tx.query("SELECT * FROM liquidation_plans WHERE status = 'active' ORDER BY created_at, id"));
    return rows.map(toLiquidationPlan);
  }

  async applyLiquidationFill(fill: LiquidationFillInput, audit?: AuditFor<LiquidationFillRecord>): Promise<LiquidationFillRecord> {
    const input = parse(LiquidationFillSchema, fill, 'liquidationFill');
    return this.#transaction(async (tx) => {
      await requireAccount(tx, input.accountId);
      // Every fill and the completion of a plan lock its row first (PostgreSQL; SQLite runs one writer at a time), so
      // a retry racing the original waits and then finds the slice, and no fill lands on a plan being ended.
      const plan = await this.#lockPlan(tx, input.planId);
      const applied = (await tx.query('SELECT * FROM liquidation_fills WHERE plan_id = ? AND slice = ?', [input.planId, input.slice]))[0];
      if (applied !== undefined) {
        const original = toLiquidationFill(applied, true);
        const differs = FILL_CONTENT.filter((key) => original[key] !== input[key]);
        if (differs.length > 0) {
          throw storeError('conflict', `slice ${input.slice} of liquidation plan "${input.planId}" was already applied with other content (${differs.join(', ')})`, {
            field: 'slice',
            details: { original, differs },
          });
        }
        // A replay writes nothing, so it has no audit entry either.
        return original;
      }
      if (plan.accountId !== input.accountId) {
        throw storeError('conflict', `liquidation plan "${input.planId}" belongs to account "${plan.accountId}", not "${input.accountId}"`, { field: 'accountId' });
      }
      if (plan.status !== 'active') {
        throw storeError('conflict', `liquidation plan "${input.planId}" is ${plan.status}: no further slices apply`, { field: 'planId', details: { status: plan.status } });
      }
      const position = await addToPosition(tx, input.accountId, input.instrument, input.quantity);
      const balance = await addToBalance(tx, input.accountId, input.cashCurrency, input.cashDelta);
      if (input.fundReceived > 0) {
        await insertFundEntry(tx, { currency: input.cashCurrency, amount: input.fundReceived, accountId: input.accountId, planId: input.planId, reason: 'penalty', at: input.at });
      }
      await tx.execute(
        `INSERT INTO liquidation_fills (plan_id, slice, account_id, instrument, quantity, price, cash_delta, cash_currency, fund_received, position, balance, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [input.planId, input.slice, input.accountId, input.instrument, input.quantity, input.price, input.cashDelta, input.cashCurrency, input.fundReceived, position, balance, input.at],
      );
      const record: LiquidationFillRecord = { ...input, position, balance, replayed: false };
      await writeAudit(tx, audit, record);
      return record;
    });
  }

  async listLiquidationFills(planId: string): Promise<LiquidationFillRecord[]> {
    const rows = await this.#driver.read((tx) => tx.query('SELECT * FROM liquidation_fills WHERE plan_id = ? ORDER BY slice', [planId]));
    return rows.map((row) => toLiquidationFill(row, false));
  }

  async completeLiquidationPlan(completion: LiquidationCompletion, audit?: AuditFor<LiquidationPlanRecord>): Promise<LiquidationPlanRecord> {
    const input = parse(LiquidationCompletionSchema, completion, 'liquidationCompletion');
    const outcome = JSON.stringify(input.outcome);
    return this.#transaction(async (tx) => {
      const plan = await this.#lockPlan(tx, input.planId);
      if (plan.status !== 'active') {
        // A retry of the completion is a no-op (no audit entry); ending it the other way is refused.
        if (plan.status === input.status) return plan.record;
        throw storeError('conflict', `liquidation plan "${input.planId}" is already ${plan.status}`, { field: 'status', details: { status: plan.status } });
      }
      await tx.execute('UPDATE liquidation_plans SET status = ?, completed_at = ?, outcome = ? WHERE id = ?', [input.status, input.at, outcome, input.planId]);
      const cover = input.fundCover;
      if (cover !== undefined && cover.amount > 0) {
        // The fund pays the account's deficit: one ledger line out, the same amount into the account's balance. The bad
        // debt left over moves no money; the engine records it in `outcome`.
        await insertFundEntry(tx, { currency: cover.currency, amount: -cover.amount, accountId: plan.accountId, planId: input.planId, reason: 'cover', at: input.at });
        await addToBalance(tx, plan.accountId, cover.currency, cover.amount);
      }
      const record: LiquidationPlanRecord = { ...plan.record, status: input.status, completedAt: input.at, outcome: input.outcome };
      await writeAudit(tx, audit, record);
      return record;
    });
  }

  async insuranceFundBalances(): Promise<Record<string, number>> {
    const rows = await this.#driver.read((tx) => tx.query('SELECT currency, SUM(amount) AS balance FROM insurance_fund GROUP BY currency ORDER BY currency'));
    return Object.fromEntries(rows.map((row) => [str(row, 'currency'), num(row, 'balance')]));
  }

  async addInsuranceFundEntry(entry: Omit<InsuranceFundEntry, 'id'>): Promise<InsuranceFundEntry> {
    const input = parse(InsuranceFundEntrySchema, entry, 'insuranceFundEntry');
    return this.#transaction(async (tx) => {
      if (input.accountId !== undefined) await requireAccount(tx, input.accountId);
      if (input.planId !== undefined && (await tx.query('SELECT id FROM liquidation_plans WHERE id = ?', [input.planId])).length === 0) {
        throw storeError('not-found', `liquidation plan "${input.planId}" not found`, { field: 'planId' });
      }
      return insertFundEntry(tx, input);
    });
  }

  async listInsuranceFund(query: { readonly accountId?: string | undefined; readonly afterId?: number | undefined; readonly limit?: number | undefined } = {}): Promise<InsuranceFundEntry[]> {
    const input = parse(InsuranceFundQuerySchema, query, 'insuranceFundQuery');
    const { where, params } = filters([
      ['account_id = ?', input.accountId],
      ['id > ?', input.afterId],
    ]);
    const rows = await this.#driver.read((tx) => tx.query(`SELECT * FROM insurance_fund ${where} ORDER BY id ${limit(input.limit)}`, params));
    return rows.map(toFundEntry);
  }

  /** The plan's row, locked until the transaction ends (PostgreSQL `FOR UPDATE`); NOT_FOUND naming `planId` if none. */
  async #lockPlan(tx: SqlExecutor, planId: string): Promise<{ accountId: string; status: LiquidationPlanStatus; record: LiquidationPlanRecord }> {
    const rows = await tx.query(`SELECT * FROM liquidation_plans WHERE id = ?${this.#driver.dialect === 'postgres' ? ' FOR UPDATE' : ''}`, [planId]);
    if (rows[0] === undefined) throw storeError('not-found', `liquidation plan "${planId}" not found`, { field: 'planId' });
    const record = toLiquidationPlan(rows[0]);
    return { accountId: record.accountId, status: record.status, record };
  }

  async appendEvent(event: NewEvent): Promise<EventRecord> {
    const input = parse(EventInputSchema, event, 'event');
    const rows = await this.#transaction(async (tx) => {
      await requireAccount(tx, input.accountId);
      return tx.query('INSERT INTO events (account_id, type, payload, at) VALUES (?, ?, ?, ?) RETURNING id', [
        input.accountId,
        input.type,
        JSON.stringify(input.payload),
        input.at,
      ]);
    });
    return { id: num(first(rows), 'id'), ...input };
  }

  async listEvents(query: EventQuery = {}): Promise<EventRecord[]> {
    const input = parse(EventQuerySchema, query, 'eventQuery');
    const { where, params } = filters([
      ['account_id = ?', input.accountId],
      ['at >= ?', input.since],
      ['id > ?', input.afterId],
    ]);
    const rows = await this.#driver.read((tx) => tx.query(`SELECT * FROM events ${where} ORDER BY id ${limit(input.limit)}`, params));
    return rows.map((row) => ({
      id: num(row, 'id'),
      accountId: str(row, 'account_id'),
      type: str(row, 'type') as StoredEventType,
      payload: json(row, 'payload'),
      at: str(row, 'at'),
    }));
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditRecord> {
    const input = parse(AuditInputSchema, entry, 'audit');
    return this.#transaction((tx) => insertAudit(tx, input));
  }

  async listAudit(query: AuditQuery = {}): Promise<AuditRecord[]> {
    const input = parse(AuditQuerySchema, query, 'auditQuery');
    const { where, params } = filters([
      ['key_id = ?', input.keyId],
      ['at >= ?', input.since],
      ['id > ?', input.afterId],
    ]);
    const rows = await this.#driver.read((tx) => tx.query(`SELECT * FROM audit_log ${where} ORDER BY id ${limit(input.limit)}`, params));
    return rows.map((row) => ({
      id: num(row, 'id'),
      keyId: str(row, 'key_id'),
      action: str(row, 'action'),
      target: str(row, 'target'),
      payload: json(row, 'payload'),
      at: str(row, 'at'),
    }));
  }

  async createApiKey(key: NewApiKey, audit?: AuditFor<ApiKeyRecord>): Promise<CreatedApiKey> {
    const input = parse(ApiKeyInputSchema, key, 'apiKey');
    const { id, secret, plaintext } = newApiKeySecret();
    const hashed = hashApiKeySecret(secret);
    const createdAt = this.#nowIso();
    const accountIds = [...new Set(input.accountIds ?? [])].sort();
    const record = await this.#transaction(async (tx) => {
      await tx.execute('INSERT INTO api_keys (id, role, label, salt, hash, params, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        id,
        input.role,
        input.label ?? null,
        hashed.salt,
        hashed.hash,
        hashed.params,
        createdAt,
      ]);
      for (const [i, accountId] of accountIds.entries()) {
        await requireAccount(tx, accountId, `accountIds.${i}`);
        await tx.execute('INSERT INTO api_key_accounts (key_id, account_id) VALUES (?, ?)', [id, accountId]);
      }
      const created: ApiKeyRecord = { id, role: input.role, accountIds, label: input.label, createdAt, revokedAt: undefined };
      await writeAudit(tx, audit, created);
      return created;
    });
    return { record, plaintext };
  }

  /**
   * The key's record when `plaintext` is a live key. Costs one read and one HMAC whether the id exists or not (an
   * unknown or revoked id runs a dummy HMAC), so neither CPU nor timing tells ids apart. A legacy scrypt row is
   * checked with scrypt (through the guard: not again for a while after a wrong secret) and, when the secret is right,
   * rewritten to the HMAC scheme in the same call, so each legacy key pays scrypt once.
   */
  verifiedApiKey(plaintext: string): ApiKeyRecord | undefined {
    const parsed = parseApiKey(plaintext);
    const version = this.#keysVersion();
    return parsed === undefined || version === undefined ? undefined : this.#verifiedKeys.get(parsed.id, parsed.secret, version);
  }

  /** The database's version for verified keys (verified-keys.ts), or undefined when the driver cannot tell it. */
  #keysVersion(): KeysVersion | undefined {
    const elsewhere = this.#driver.changesElsewhere();
    return elsewhere === undefined ? undefined : { ownWrites: this.#ownWrites, elsewhere };
  }

  async verifyApiKey(plaintext: string): Promise<ApiKeyRecord | undefined> {
    const parsed = parseApiKey(plaintext);
    if (parsed === undefined) return undefined;
    // A key verified since the last commit anywhere needs no read (verified-keys.ts); the version is taken first.
    const version = this.#keysVersion();
    const known = version === undefined ? undefined : this.#verifiedKeys.get(parsed.id, parsed.secret, version);
    if (known !== undefined) return known;
    // A retry follows a concurrent legacy check of the same id (the row may just have been upgraded); a few suffice.
    for (let attempt = 0; attempt < 3; attempt++) {
      // The key and its grants in one statement (one snapshot, no transaction): every request runs it.
      const rows = await this.#driver.readOne(
        'SELECT k.*, g.account_id AS granted_account FROM api_keys k LEFT JOIN api_key_accounts g ON g.key_id = k.id WHERE k.id = ? ORDER BY g.account_id',
        [parsed.id],
      );
      const found = rows[0] === undefined ? undefined : { row: rows[0], accountIds: rows.flatMap((r) => (r['granted_account'] === null ? [] : [str(r, 'granted_account')])) };
      if (found === undefined || found.row['revoked_at'] !== null) {
        verifyApiKeySecretDummy(parsed.secret);
        return undefined;
      }
      const stored: ApiKeyHash = { salt: str(found.row, 'salt'), hash: str(found.row, 'hash'), params: str(found.row, 'params') };
      if (!isLegacyApiKeyHash(stored)) {
        if (!this.#checkedSecrets.verify(parsed.id, parsed.secret, stored)) return undefined;
        // Frozen: the same record answers every request of the key until the next commit.
        const record = Object.freeze(toApiKey(found.row, Object.freeze(found.accountIds) as string[]));
        if (version !== undefined) this.#verifiedKeys.set(parsed.id, parsed.secret, version, record);
        return record;
      }
      const ok = await this.#legacyGuard.run(parsed.id, async () => {
        if (!(await verifyLegacyApiKeySecret(parsed.secret, stored))) return false;
        const upgraded = hashApiKeySecret(parsed.secret);
        // Only the row as read: a concurrent revocation or upgrade is not overwritten.
        await this.#transaction((tx) =>
          tx.execute('UPDATE api_keys SET salt = ?, hash = ?, params = ? WHERE id = ? AND hash = ? AND params = ?', [
            upgraded.salt,
            upgraded.hash,
            upgraded.params,
            parsed.id,
            stored.hash,
            stored.params,
          ]),
        );
        return true;
      });
      if (ok !== 'retry') return ok ? toApiKey(found.row, found.accountIds) : undefined;
    }
    return undefined;
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    return this.#driver.read(async (tx) => {
      const rows = await tx.query('SELECT * FROM api_keys ORDER BY created_at, id');
      const grants = await tx.query('SELECT key_id, account_id FROM api_key_accounts ORDER BY account_id');
      return rows.map((row) =>
        toApiKey(
          row,
          grants.filter((g) => g['key_id'] === row['id']).map((g) => str(g, 'account_id')),
        ),
      );
    });
  }

  async revokeApiKey(id: string, at: string, audit?: AuditFor<ApiKeyRecord>): Promise<ApiKeyRecord> {
    const revokedAt = parse(AuditInputSchema.shape.at, at, 'revokedAt');
    return this.#transaction(async (tx) => {
      const changed = await tx.execute('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [revokedAt, id]);
      const rows = await tx.query('SELECT * FROM api_keys WHERE id = ?', [id]);
      if (rows[0] === undefined) throw storeError('not-found', `API key "${id}" not found`, { field: 'id' });
      if (changed === 0) throw storeError('conflict', `API key "${id}" is already revoked`, { field: 'id' });
      const record = toApiKey(rows[0], await keyAccounts(tx, id));
      await writeAudit(tx, audit, record);
      return record;
    });
  }

  close(): Promise<void> {
    return this.#driver.close();
  }

  #nowIso(): string {
    return this.#now().toISOString();
  }
}

const PARAMETER_SET_SELECT = `SELECT p.model, p.version, p.json, p.uploaded_at, a.version AS active_version
  FROM parameter_sets p LEFT JOIN active_parameter_sets a ON a.model = p.model AND a.version = p.version`;

function parse<S extends z.ZodType>(schema: S, value: unknown, source: string): z.output<S> {
  return parseWithSchema(schema, value, `store ${source}`);
}

/** Absolute position; 0 removes it. */
async function writePosition(tx: SqlExecutor, p: PositionRecord): Promise<void> {
  if (p.quantity === 0) {
    await tx.execute('DELETE FROM positions WHERE account_id = ? AND instrument = ?', [p.accountId, p.instrument]);
    return;
  }
  await tx.execute(
    `INSERT INTO positions (account_id, instrument, quantity, entry_price) VALUES (?, ?, ?, ?)
     ON CONFLICT (account_id, instrument) DO UPDATE SET quantity = excluded.quantity, entry_price = excluded.entry_price`,
    [p.accountId, p.instrument, p.quantity, p.entryPrice ?? null],
  );
}

async function insertMarketSnapshot(
  tx: SqlExecutor,
  input: { asOf: string; json: unknown; engineState?: unknown },
  storedAt: string,
  audit: AuditFor<MarketSnapshotRecord> | undefined,
): Promise<MarketSnapshotRecord> {
  const rows = await tx.query('INSERT INTO market_snapshots (as_of, json, stored_at, engine_state) VALUES (?, ?, ?, ?) RETURNING id', [
    input.asOf,
    JSON.stringify(input.json),
    storedAt,
    input.engineState === undefined ? null : JSON.stringify(input.engineState),
  ]);
  const record: MarketSnapshotRecord = { id: num(first(rows), 'id'), asOf: input.asOf, json: input.json, storedAt, ...(input.engineState === undefined ? {} : { engineState: input.engineState }) };
  await writeAudit(tx, audit, record);
  return record;
}

/** Absolute balance; 0 removes it. */
async function writeCollateral(tx: SqlExecutor, c: CollateralRecord): Promise<void> {
  if (c.amount === 0) {
    await tx.execute('DELETE FROM collateral WHERE account_id = ? AND currency = ?', [c.accountId, c.currency]);
    return;
  }
  await tx.execute(
    `INSERT INTO collateral (account_id, currency, amount) VALUES (?, ?, ?)
     ON CONFLICT (account_id, currency) DO UPDATE SET amount = excluded.amount`,
    [c.accountId, c.currency, c.amount],
  );
}

async function insertAudit(tx: SqlExecutor, input: NewAuditEntry): Promise<AuditRecord> {
  const rows = await tx.query('INSERT INTO audit_log (key_id, action, target, payload, at) VALUES (?, ?, ?, ?, ?) RETURNING id', [
    input.keyId,
    input.action,
    input.target,
    JSON.stringify(input.payload),
    input.at,
  ]);
  return { id: num(first(rows), 'id'), ...input };
}

/** The audit entry of a change, in the change's transaction: a bad entry rolls the change back too. */
async function writeAudit<R>(tx: SqlExecutor, audit: AuditFor<R> | undefined, result: R): Promise<void> {
  if (audit === undefined) return;
  const entry = typeof audit === 'function' ? audit(result) : audit;
  await insertAudit(tx, parse(AuditInputSchema, entry, 'audit'));
}

async function requireAccount(tx: SqlExecutor, accountId: string, field = 'accountId'): Promise<void> {
  const rows = await tx.query('SELECT id FROM accounts WHERE id = ?', [accountId]);
  if (rows.length === 0) throw storeError('not-found', `account "${accountId}" not found`, { field });
}

async function replayTrade(tx: SqlExecutor, input: TradeInput): Promise<TradeResult> {
  const row = first(await tx.query('SELECT * FROM trades WHERE account_id = ? AND idempotency_key = ?', [input.accountId, input.idempotencyKey]));
  const original = { instrument: str(row, 'instrument'), quantity: num(row, 'quantity') };
  if (original.instrument !== input.instrument || original.quantity !== input.quantity) {
    throw storeError(
      'conflict',
      `idempotency key "${input.idempotencyKey}" was already used for a different trade (${original.quantity} ${original.instrument})`,
      { field: 'idempotencyKey', details: { original } },
    );
  }
  return { ...input, position: num(row, 'position'), at: str(row, 'at'), replayed: true };
}

async function selectParameterSet(tx: SqlExecutor, model: string, version: string): Promise<ParameterSetRecord | undefined> {
  const rows = await tx.query(`${PARAMETER_SET_SELECT} WHERE p.model = ? AND p.version = ?`, [model, version]);
  return rows[0] === undefined ? undefined : toParameterSet(rows[0]);
}

async function keyAccounts(tx: SqlExecutor, keyId: string): Promise<string[]> {
  const rows = await tx.query('SELECT account_id FROM api_key_accounts WHERE key_id = ? ORDER BY account_id', [keyId]);
  return rows.map((row) => str(row, 'account_id'));
}

function filters(clauses: readonly (readonly [string, SqlValue | undefined])[]): { where: string; params: SqlValue[] } {
  const used = clauses.filter((clause): clause is readonly [string, SqlValue] => clause[1] !== undefined);
  return {
    where: used.length === 0 ? '' : `WHERE ${used.map(([sql]) => sql).join(' AND ')}`,
    params: used.map(([, value]) => value),
  };
}

/** `limit` is a validated positive integer, so inlining it is safe. */
function limit(n: number | undefined): string {
  return n === undefined ? '' : `LIMIT ${n}`;
}

function first(rows: readonly SqlRow[]): SqlRow {
  const row = rows[0];
  if (row === undefined) throw storeError('internal', 'expected a row from the database, got none');
  return row;
}

function str(row: SqlRow, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw storeError('internal', `column ${column} is not text`);
  return value;
}

/** NULL becomes `undefined` here, at the database boundary. */
function optStr(row: SqlRow, column: string): string | undefined {
  const value = row[column];
  return value === null || value === undefined ? undefined : String(value);
}

/** A nullable number column: NULL becomes `undefined` at the database boundary. */
function optNum(row: SqlRow, column: string): number | undefined {
  return row[column] === null || row[column] === undefined ? undefined : num(row, column);
}

/** PostgreSQL returns BIGINT as a string (it may exceed 2^53); ids stay far below that. */
function num(row: SqlRow, column: string): number {
  const value = Number(row[column]);
  if (row[column] === null || !Number.isFinite(value)) throw storeError('internal', `column ${column} is not a number`);
  return value;
}

function json(row: SqlRow, column: string): unknown {
  return JSON.parse(str(row, column)) as unknown;
}

/** Most rows one multi-row statement writes (9 columns: 4,500 parameters, within both databases' limits). */
const ROWS_PER_STATEMENT = 500;

/**
 * Splits a batch for multi-row statements: full chunks of ROWS_PER_STATEMENT, then the rest in power-of-two chunks,
 * so that a batch of any size uses one of a few statement texts (the SQLite driver keeps each prepared).
 */
function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  let i = 0;
  for (; items.length - i >= ROWS_PER_STATEMENT; i += ROWS_PER_STATEMENT) out.push(items.slice(i, i + ROWS_PER_STATEMENT));
  for (let size = 256; size >= 1; size /= 2) {
    if (items.length - i >= size) {
      out.push(items.slice(i, i + size));
      i += size;
    }
  }
  return out;
}

/** `?, ?, …` (n placeholders). */
function marks(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

type AccountStateInput = z.output<typeof AccountStateSchema>;

/**
 * Upserts current-state rows with multi-row `INSERT … ON CONFLICT (account_id) DO UPDATE` statements, a chunk at a
 * time, each chunk's accounts checked by one query first (NOT_FOUND naming `accountId`, as every write answers for an
 * unknown account). A later row of one account replaces an earlier one, as row-by-row upserts would.
 */
async function upsertAccountStates(tx: SqlExecutor, rows: readonly AccountStateInput[], source: string): Promise<void> {
  // One statement may not touch a row twice (PostgreSQL refuses), so only each account's last row is written.
  const latest = new Map<string, { row: AccountStateInput; index: number }>();
  rows.forEach((row, index) => latest.set(row.accountId, { row, index }));
  for (const chunk of chunks([...latest.values()])) {
    const ids = chunk.map(({ row }) => row.accountId);
    const found = new Set((await tx.query(`SELECT id FROM accounts WHERE id IN (${marks(ids.length)})`, ids)).map((row) => str(row, 'id')));
    const missing = chunk.find(({ row }) => !found.has(row.accountId));
    if (missing !== undefined) {
      throw storeError('not-found', `account "${missing.row.accountId}" not found (${source}.${missing.index})`, {
        field: 'accountId',
        details: { index: missing.index },
      });
    }
    await tx.execute(
      `INSERT INTO account_states (account_id, state, initial_margin, maintenance_margin, equity, currency, as_of, unmarginable, updated_at)
       VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
       ON CONFLICT (account_id) DO UPDATE SET state = excluded.state, initial_margin = excluded.initial_margin,
         maintenance_margin = excluded.maintenance_margin, equity = excluded.equity, currency = excluded.currency,
         as_of = excluded.as_of, unmarginable = excluded.unmarginable, updated_at = excluded.updated_at`,
      chunk.flatMap(({ row }) => [
        row.accountId,
        row.state,
        row.initialMargin,
        row.maintenanceMargin,
        row.equity,
        row.currency,
        row.asOf,
        row.unmarginable === undefined ? null : JSON.stringify(row.unmarginable),
        row.updatedAt,
      ]),
    );
  }
}

/**
 * Adds `quantity` to a position (as applyTrade does) and returns the position after; 0 removes the row. A fill carries
 * no entry price: a reduction keeps the position's entry (the rest's P&L is unchanged, entryAfterTrade), anything
 * else (opening, adding, crossing zero) leaves none, as a trade without an entry price does.
 */
async function addToPosition(tx: SqlExecutor, accountId: string, instrument: string, quantity: number): Promise<number> {
  const updated = await tx.query(
    `INSERT INTO positions (account_id, instrument, quantity, entry_price) VALUES (?, ?, ?, NULL)
     ON CONFLICT (account_id, instrument) DO UPDATE SET quantity = positions.quantity + excluded.quantity,
       entry_price = CASE WHEN positions.quantity * (positions.quantity + excluded.quantity) > 0
         AND abs(positions.quantity + excluded.quantity) <= abs(positions.quantity) THEN positions.entry_price END
     RETURNING quantity`,
    [accountId, instrument, quantity],
  );
  const position = num(first(updated), 'quantity');
  if (position === 0) await tx.execute('DELETE FROM positions WHERE account_id = ? AND instrument = ?', [accountId, instrument]);
  return position;
}

/** Adds `delta` to a balance, never below 0 (0 removes the row, as everywhere), and returns the balance after. */
async function addToBalance(tx: SqlExecutor, accountId: string, currency: string, delta: number): Promise<number> {
  const updated = await tx.query(
    `INSERT INTO collateral (account_id, currency, amount) VALUES (?, ?, ?)
     ON CONFLICT (account_id, currency) DO UPDATE SET amount = collateral.amount + excluded.amount
     RETURNING amount`,
    [accountId, currency, delta],
  );
  const balance = num(first(updated), 'amount');
  if (balance > 0) return balance;
  await tx.execute('DELETE FROM collateral WHERE account_id = ? AND currency = ?', [accountId, currency]);
  return 0;
}

async function insertFundEntry(tx: SqlExecutor, entry: Omit<InsuranceFundEntry, 'id'>): Promise<InsuranceFundEntry> {
  const rows = await tx.query('INSERT INTO insurance_fund (currency, amount, account_id, plan_id, reason, at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id', [
    entry.currency,
    entry.amount,
    entry.accountId ?? null,
    entry.planId ?? null,
    entry.reason,
    entry.at,
  ]);
  return {
    id: num(first(rows), 'id'),
    currency: entry.currency,
    amount: entry.amount,
    ...(entry.accountId === undefined ? {} : { accountId: entry.accountId }),
    ...(entry.planId === undefined ? {} : { planId: entry.planId }),
    reason: entry.reason,
    at: entry.at,
  };
}

/** What a retried slice must repeat to be a replay (its `at` may differ: the stored one is answered). */
const FILL_CONTENT = ['accountId', 'instrument', 'quantity', 'price', 'cashDelta', 'cashCurrency', 'fundReceived'] as const;

function toPosition(row: SqlRow): PositionRecord {
  const entryPrice = optNum(row, 'entry_price');
  return { accountId: str(row, 'account_id'), instrument: str(row, 'instrument'), quantity: num(row, 'quantity'), ...(entryPrice === undefined ? {} : { entryPrice }) };
}

function toCollateral(row: SqlRow): CollateralRecord {
  return { accountId: str(row, 'account_id'), currency: str(row, 'currency'), amount: num(row, 'amount') };
}

function toAccountState(row: SqlRow): AccountStateRecord {
  const unmarginable = optStr(row, 'unmarginable');
  return {
    accountId: str(row, 'account_id'),
    state: str(row, 'state') as StoredAccountState,
    initialMargin: num(row, 'initial_margin'),
    maintenanceMargin: num(row, 'maintenance_margin'),
    equity: num(row, 'equity'),
    currency: str(row, 'currency'),
    asOf: str(row, 'as_of'),
    ...(unmarginable === undefined ? {} : { unmarginable: JSON.parse(unmarginable) as AccountStateRecord['unmarginable'] }),
    updatedAt: str(row, 'updated_at'),
  };
}

function toLiquidationPlan(row: SqlRow): LiquidationPlanRecord {
  const completedAt = optStr(row, 'completed_at');
  const outcome = optStr(row, 'outcome');
  return {
    id: str(row, 'id'),
    accountId: str(row, 'account_id'),
    json: json(row, 'json'),
    createdAt: str(row, 'created_at'),
    status: str(row, 'status') as LiquidationPlanStatus,
    ...(completedAt === undefined ? {} : { completedAt }),
    ...(outcome === undefined ? {} : { outcome: JSON.parse(outcome) as unknown }),
  };
}

function toLiquidationFill(row: SqlRow, replayed: boolean): LiquidationFillRecord {
  return {
    planId: str(row, 'plan_id'),
    accountId: str(row, 'account_id'),
    slice: num(row, 'slice'),
    instrument: str(row, 'instrument'),
    quantity: num(row, 'quantity'),
    price: num(row, 'price'),
    cashDelta: num(row, 'cash_delta'),
    cashCurrency: str(row, 'cash_currency'),
    fundReceived: num(row, 'fund_received'),
    at: str(row, 'at'),
    position: num(row, 'position'),
    balance: num(row, 'balance'),
    replayed,
  };
}

function toFundEntry(row: SqlRow): InsuranceFundEntry {
  const accountId = optStr(row, 'account_id');
  const planId = optStr(row, 'plan_id');
  return {
    id: num(row, 'id'),
    currency: str(row, 'currency'),
    amount: num(row, 'amount'),
    ...(accountId === undefined ? {} : { accountId }),
    ...(planId === undefined ? {} : { planId }),
    reason: str(row, 'reason'),
    at: str(row, 'at'),
  };
}

function toAccount(row: SqlRow): AccountRecord {
  return {
    id: str(row, 'id'),
    currency: str(row, 'currency'),
    mode: str(row, 'mode') as AccountMode,
    ownerKeyId: optStr(row, 'owner_key_id'),
    createdAt: str(row, 'created_at'),
  };
}

function toParameterSet(row: SqlRow): ParameterSetRecord {
  return {
    model: str(row, 'model'),
    version: str(row, 'version'),
    json: json(row, 'json'),
    uploadedAt: str(row, 'uploaded_at'),
    active: optStr(row, 'active_version') !== undefined,
  };
}

function toApiKey(row: SqlRow, accountIds: readonly string[]): ApiKeyRecord {
  return {
    id: str(row, 'id'),
    role: str(row, 'role') as ApiKeyRole,
    accountIds,
    label: optStr(row, 'label'),
    createdAt: str(row, 'created_at'),
    revokedAt: optStr(row, 'revoked_at'),
  };
}
