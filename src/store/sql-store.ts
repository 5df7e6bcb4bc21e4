import type { Kysely, Selectable } from 'kysely';
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
import type {
  AccountStatesTable,
  AccountsTable,
  ApiKeysTable,
  CollateralTable,
  Database,
  InsuranceFundTable,
  LiquidationFillsTable,
  LiquidationPlansTable,
  PositionsTable,
} from './database.js';
import { prepared, preparedBatch } from './prepared-query.js';
import { VerifiedKeys, type KeysVersion } from './verified-keys.js';
import type { StoreConnection } from './store-connection.js';
import type {
  AccountMode,
  AccountRecord,
  AccountStateRecord,
  ApiKeyRecord,
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

/** Where a store's statements run: the connection itself (one statement) or a transaction of it. */
type Db = Kysely<Database>;

/**
 * The `Store` semantics written once over kysely, with one query code path for both databases: `sqlite-store.ts` and
 * `postgres-store.ts` only create the connection (`store-connection.ts`). Every write is one transaction, and every
 * check (account exists, key unused) runs inside it, so a rejected call has written nothing.
 */
export class SqlStore implements Store {
  readonly backend: Store['backend'];
  readonly #connection: StoreConnection;
  readonly #now: () => Date;
  /** Bounds the scrypt work of wrong secrets against rows not yet upgraded from the legacy scheme. */
  readonly #legacyGuard: LegacyScryptGuard;
  readonly #checkedSecrets = new CheckedSecrets();
  readonly #verifiedKeys = new VerifiedKeys<ApiKeyRecord>();
  /** Write transactions begun and ended by this store (each bumps it twice): a verified key is kept only while it is unchanged. */
  #ownWrites = 0;

  constructor(connection: StoreConnection, options: SqlStoreOptions = {}) {
    this.#connection = connection;
    this.backend = connection.backend;
    this.#now = options.now ?? (() => new Date());
    this.#legacyGuard = new LegacyScryptGuard(undefined, () => this.#now().getTime());
  }

  /** Every write of this store goes through here, so that a key verified before it is read again after it. */
  async #transaction<T>(work: (tx: Db) => Promise<T>): Promise<T> {
    this.#ownWrites++;
    try {
      return await this.#connection.write(work);
    } finally {
      this.#ownWrites++;
    }
  }

  /** One read statement: it sees one snapshot on its own (store-connection.ts `statement`). */
  #select<T>(work: (db: Db) => Promise<T>): Promise<T> {
    return this.#connection.statement(work);
  }

  async createAccount(account: NewAccount, audit?: AuditFor<AccountRecord>): Promise<AccountRecord> {
    const input = parse(NewAccountSchema, account, 'account');
    const positions = (input.positions ?? []).map((p, i) => parse(PositionSchema, { accountId: input.id, ...p }, `account.positions.${i}`));
    const balances = Object.entries(input.collateral ?? {}).map(([currency, amount]) => parse(CollateralSchema, { accountId: input.id, currency, amount }, 'account.collateral'));
    const createdAt = this.#nowIso();
    return this.#transaction(async (tx) => {
      if ((await accountIds(tx, input.id)).rows.length > 0) {
        throw storeError('conflict', `account "${input.id}" already exists`, { field: 'id' });
      }
      if (input.ownerKeyId !== undefined) {
        const key = await tx.selectFrom('api_keys').select(['role', 'revoked_at']).where('id', '=', input.ownerKeyId).executeTakeFirst();
        if (key === undefined || key.revoked_at !== null) {
          throw storeError('not-found', `API key "${input.ownerKeyId}" not found`, { field: 'ownerKeyId' });
        }
        if (key.role !== 'account-holder') {
          throw storeError('invalid', `API key "${input.ownerKeyId}" is not an account-holder key`, { field: 'ownerKeyId' });
        }
      }
      await insertAccount(tx, input.id, input.currency, input.mode, input.ownerKeyId ?? null, createdAt);
      if (input.ownerKeyId !== undefined) {
        await tx.insertInto('api_key_accounts').values({ key_id: input.ownerKeyId, account_id: input.id }).execute();
      }
      for (const p of positions) await writePosition(tx, p);
      for (const c of balances) await writeCollateral(tx, c);
      const record: AccountRecord = { id: input.id, currency: input.currency, mode: input.mode, ownerKeyId: input.ownerKeyId, createdAt };
      await writeAudit(tx, audit, record);
      return record;
    });
  }

  async listAccounts(): Promise<AccountRecord[]> {
    const rows = await this.#select((db) => db.selectFrom('accounts').selectAll().orderBy('id').execute());
    return rows.map(toAccount);
  }

  async getAccount(id: string): Promise<AccountRecord | undefined> {
    const [row] = (await this.#select((db) => accounts(db, id))).rows;
    return row === undefined ? undefined : toAccount(row);
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
    const { rows } = await this.#select((db) => accountPositions(db, accountId));
    return rows.map(toPosition);
  }

  async applyTrade(trade: TradeInput, audit?: AuditFor<TradeResult>): Promise<TradeResult> {
    const input = parse(TradeSchema, trade, 'trade');
    const at = this.#nowIso();
    return this.#transaction(async (tx) => {
      await requireAccount(tx, input.accountId);
      // Claim the key first. On PostgreSQL a concurrent claim of the same key waits on the primary key until the
      // first transaction ends, then finds the row: the delta is applied by exactly one of them.
      const claimed = await claimTrade(tx, input.accountId, input.idempotencyKey, input.instrument, input.quantity, at);
      if (claimed.rows.length === 0) return replayTrade(tx, input);
      const [updated] = (await tradeIntoPosition(tx, input.accountId, input.instrument, input.quantity, input.entryPrice ?? null)).rows;
      const position = updated === undefined ? input.quantity : updated.quantity;
      if (position === 0) await removePosition(tx, input.accountId, input.instrument);
      await tradePosition(tx, position, input.accountId, input.idempotencyKey);
      const result: TradeResult = { accountId: input.accountId, instrument: input.instrument, quantity: input.quantity, idempotencyKey: input.idempotencyKey, position, at, replayed: false };
      // A replay writes nothing, so it has no audit entry either. The audit keeps the input's entry price too.
      await writeAudit(tx, audit, { ...input, ...result });
      return result;
    });
  }

  async getTrade(accountId: string, idempotencyKey: string): Promise<TradeResult | undefined> {
    const [row] = (await this.#select((db) => trades(db, accountId, idempotencyKey))).rows;
    if (row === undefined) return undefined;
    return { accountId, instrument: row.instrument, quantity: row.quantity, idempotencyKey, position: present(row.position, 'position'), at: row.at, replayed: true };
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
      const claimed = await tx
        .insertInto('collateral_requests')
        .values({ account_id: input.accountId, idempotency_key: input.idempotencyKey, payload, at })
        .onConflict((oc) => oc.columns(['account_id', 'idempotency_key']).doNothing())
        .returning('idempotency_key')
        .executeTakeFirst();
      if (claimed === undefined) {
        const row = first(
          await tx
            .selectFrom('collateral_requests')
            .select('payload')
            .where('account_id', '=', input.accountId)
            .where('idempotency_key', '=', input.idempotencyKey)
            .executeTakeFirst(),
        );
        if (row.payload !== payload) {
          throw storeError('conflict', `idempotency key "${input.idempotencyKey}" was already used for a different collateral change (${row.payload})`, {
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
    const { rows } = await this.#select((db) => accountCollateral(db, accountId));
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
        await insertEvent(tx, e.accountId, e.type, JSON.stringify(e.payload), e.at);
      }
      for (const a of audits) await insertAudit(tx, a);
      await upsertAccountStates(tx, states, 'accountStates');
      return record;
    });
  }

  async latestMarketSnapshot(): Promise<MarketSnapshotRecord | undefined> {
    const row = await this.#select((db) => db.selectFrom('market_snapshots').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirst());
    if (row === undefined) return undefined;
    const engineState = row.engine_state === null ? undefined : (JSON.parse(row.engine_state) as unknown);
    return { id: Number(row.id), asOf: row.as_of, json: JSON.parse(row.json) as unknown, storedAt: row.stored_at, ...(engineState === undefined ? {} : { engineState }) };
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
      await tx.insertInto('parameter_sets').values({ model: input.model, version: input.version, json: text, uploaded_at: uploadedAt }).execute();
      const record: ParameterSetRecord = { model: input.model, version: input.version, json: input.json, uploadedAt, active: false };
      await writeAudit(tx, audit, record);
      return record;
    });
  }

  async listParameterSets(model?: string): Promise<ParameterSetRecord[]> {
    const rows = await this.#select((db) => {
      let query = parameterSets(db);
      if (model !== undefined) query = query.where('p.model', '=', model);
      return query.orderBy('p.model').orderBy('p.uploaded_at').orderBy('p.version').execute();
    });
    return rows.map(toParameterSet);
  }

  async activateParameterSet(model: string, version: string, audit?: AuditFor<ParameterSetRecord>): Promise<ParameterSetRecord> {
    return this.#transaction(async (tx) => {
      const existing = await selectParameterSet(tx, model, version);
      if (existing === undefined) throw storeError('not-found', `parameter set ${model} version "${version}" not found`, { field: 'version' });
      await tx
        .insertInto('active_parameter_sets')
        .values({ model, version })
        .onConflict((oc) => oc.column('model').doUpdateSet((eb) => ({ version: eb.ref('excluded.version') })))
        .execute();
      const record: ParameterSetRecord = { ...existing, active: true };
      await writeAudit(tx, audit, record);
      return record;
    });
  }

  async activeParameterSet(model: string): Promise<ParameterSetRecord | undefined> {
    const row = await this.#select((db) => parameterSets(db).where('p.model', '=', model).where('a.version', 'is not', null).executeTakeFirst());
    return row === undefined ? undefined : toParameterSet(row);
  }

  async putAccountStates(rows: readonly AccountStateRecord[]): Promise<void> {
    // Every row is checked before the transaction starts: one bad row and nothing is written.
    const inputs = rows.map((row, i) => parse(AccountStateSchema, row, `accountStates.${i}`));
    if (inputs.length === 0) return;
    await this.#transaction((tx) => upsertAccountStates(tx, inputs, 'accountStates'));
  }

  async listAccountStates(): Promise<AccountStateRecord[]> {
    const rows = await this.#select((db) => db.selectFrom('account_states').selectAll().orderBy('account_id').execute());
    return rows.map(toAccountState);
  }

  async listAllPositions(): Promise<PositionRecord[]> {
    const rows = await this.#select((db) => db.selectFrom('positions').selectAll().where('quantity', '<>', 0).orderBy('account_id').orderBy('instrument').execute());
    return rows.map(toPosition);
  }

  async listAllCollateral(): Promise<CollateralRecord[]> {
    const rows = await this.#select((db) => db.selectFrom('collateral').selectAll().orderBy('account_id').orderBy('currency').execute());
    return rows.map(toCollateral);
  }

  async saveLiquidationPlan(plan: NewLiquidationPlan, audit?: AuditFor<LiquidationPlanRecord>): Promise<LiquidationPlanRecord> {
    const input = parse(LiquidationPlanInputSchema, plan, 'liquidationPlan');
    const text = JSON.stringify(input.json);
    /** A plan id names one plan forever: a retry of the save is a no-op (and writes no audit entry). */
    const resave = (existing: Selectable<LiquidationPlansTable>): LiquidationPlanRecord => {
      if (existing.account_id === input.accountId && existing.json === text) return toLiquidationPlan(existing);
      throw storeError('conflict', `liquidation plan "${input.id}" already exists with other content`, { field: 'id' });
    };
    return this.#transaction(async (tx) => {
      await requireAccount(tx, input.accountId);
      const existing = await selectLiquidationPlan(tx, input.id);
      if (existing !== undefined) return resave(existing);
      // (Not this id: on PostgreSQL a concurrent save of it may have committed since the read above.)
      const active = await tx
        .selectFrom('liquidation_plans')
        .select('id')
        .where('account_id', '=', input.accountId)
        .where('status', '=', 'active')
        .where('id', '<>', input.id)
        .executeTakeFirst();
      if (active !== undefined) {
        throw storeError('conflict', `account "${input.accountId}" already has an active liquidation plan ("${active.id}")`, {
          field: 'accountId',
          details: { activePlanId: active.id },
        });
      }
      // On PostgreSQL a concurrent save of the same id waits on the primary key, then finds the row (a retry, no-op);
      // a concurrent save of another plan for the account fails on the one-active index (CONFLICT as well).
      const inserted = await tx
        .insertInto('liquidation_plans')
        .values({ id: input.id, account_id: input.accountId, status: 'active', json: text, created_at: input.createdAt })
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted === undefined) return resave(first(await selectLiquidationPlan(tx, input.id)));
      const record: LiquidationPlanRecord = { id: input.id, accountId: input.accountId, json: input.json, createdAt: input.createdAt, status: 'active' };
      await writeAudit(tx, audit, record);
      return record;
    });
  }

  async getLiquidationPlan(id: string): Promise<LiquidationPlanRecord | undefined> {
    const row = await this.#select((db) => selectLiquidationPlan(db, id));
    return row === undefined ? undefined : toLiquidationPlan(row);
  }

  async latestLiquidationPlan(accountId: string): Promise<LiquidationPlanRecord | undefined> {
    const row = await this.#select((db) =>
      db
        .selectFrom('liquidation_plans')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst(),
    );
    return row === undefined ? undefined : toLiquidationPlan(row);
  }

  async activeLiquidationPlans(): Promise<LiquidationPlanRecord[]> {
    const rows = await this.#select((db) =>
      db.selectFrom('liquidation_plans').selectAll().where('status', '=', 'active').orderBy('created_at').orderBy('id').execute(),
    );
    return rows.map(toLiquidationPlan);
  }

  async applyLiquidationFill(fill: LiquidationFillInput, audit?: AuditFor<LiquidationFillRecord>): Promise<LiquidationFillRecord> {
    const input = parse(LiquidationFillSchema, fill, 'liquidationFill');
    return this.#transaction(async (tx) => {
      await requireAccount(tx, input.accountId);
      // Every fill and the completion of a plan lock its row first (PostgreSQL; SQLite runs one writer at a time), so
      // a retry racing the original waits and then finds the slice, and no fill lands on a plan being ended.
      const plan = await lockPlan(tx, input.planId);
      const applied = await tx.selectFrom('liquidation_fills').selectAll().where('plan_id', '=', input.planId).where('slice', '=', input.slice).executeTakeFirst();
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
      await tx
        .insertInto('liquidation_fills')
        .values({
          plan_id: input.planId,
          slice: input.slice,
          account_id: input.accountId,
          instrument: input.instrument,
          quantity: input.quantity,
          price: input.price,
          cash_delta: input.cashDelta,
          cash_currency: input.cashCurrency,
          fund_received: input.fundReceived,
          position,
          balance,
          at: input.at,
        })
        .execute();
      const record: LiquidationFillRecord = { ...input, position, balance, replayed: false };
      await writeAudit(tx, audit, record);
      return record;
    });
  }

  async listLiquidationFills(planId: string): Promise<LiquidationFillRecord[]> {
    const rows = await this.#select((db) => db.selectFrom('liquidation_fills').selectAll().where('plan_id', '=', planId).orderBy('slice').execute());
    return rows.map((row) => toLiquidationFill(row, false));
  }

  async completeLiquidationPlan(completion: LiquidationCompletion, audit?: AuditFor<LiquidationPlanRecord>): Promise<LiquidationPlanRecord> {
    const input = parse(LiquidationCompletionSchema, completion, 'liquidationCompletion');
    const outcome = JSON.stringify(input.outcome);
    return this.#transaction(async (tx) => {
      const plan = await lockPlan(tx, input.planId);
      if (plan.status !== 'active') {
        // A retry of the completion is a no-op (no audit entry); ending it the other way is refused.
        if (plan.status === input.status) return plan.record;
        throw storeError('conflict', `liquidation plan "${input.planId}" is already ${plan.status}`, { field: 'status', details: { status: plan.status } });
      }
      await tx.updateTable('liquidation_plans').set({ status: input.status, completed_at: input.at, outcome }).where('id', '=', input.planId).execute();
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
    const rows = await this.#select((db) =>
      db
        .selectFrom('insurance_fund')
        .select((eb) => ['currency', eb.fn.sum<number | string>('amount').as('balance')])
        .groupBy('currency')
        .orderBy('currency')
        .execute(),
    );
    return Object.fromEntries(rows.map((row) => [row.currency, toNumber(row.balance, 'balance')]));
  }

  async addInsuranceFundEntry(entry: Omit<InsuranceFundEntry, 'id'>): Promise<InsuranceFundEntry> {
    const input = parse(InsuranceFundEntrySchema, entry, 'insuranceFundEntry');
    return this.#transaction(async (tx) => {
      if (input.accountId !== undefined) await requireAccount(tx, input.accountId);
      if (input.planId !== undefined && (await tx.selectFrom('liquidation_plans').select('id').where('id', '=', input.planId).executeTakeFirst()) === undefined) {
        throw storeError('not-found', `liquidation plan "${input.planId}" not found`, { field: 'planId' });
      }
      return insertFundEntry(tx, input);
    });
  }

  async listInsuranceFund(query: { readonly accountId?: string | undefined; readonly afterId?: number | undefined; readonly limit?: number | undefined } = {}): Promise<InsuranceFundEntry[]> {
    const input = parse(InsuranceFundQuerySchema, query, 'insuranceFundQuery');
    const rows = await this.#select((db) => {
      let select = db.selectFrom('insurance_fund').selectAll();
      if (input.accountId !== undefined) select = select.where('account_id', '=', input.accountId);
      if (input.afterId !== undefined) select = select.where('id', '>', input.afterId);
      select = select.orderBy('id');
      if (input.limit !== undefined) select = select.limit(input.limit);
      return select.execute();
    });
    return rows.map(toFundEntry);
  }

  async appendEvent(event: NewEvent): Promise<EventRecord> {
    const input = parse(EventInputSchema, event, 'event');
    const row = await this.#transaction(async (tx) => {
      await requireAccount(tx, input.accountId);
      return (await insertEvent(tx, input.accountId, input.type, JSON.stringify(input.payload), input.at)).rows[0];
    });
    return { id: toNumber(first(row).id, 'id'), ...input };
  }

  async listEvents(query: EventQuery = {}): Promise<EventRecord[]> {
    const input = parse(EventQuerySchema, query, 'eventQuery');
    const rows = await this.#select((db) => {
      let select = db.selectFrom('events').selectAll();
      if (input.accountId !== undefined) select = select.where('account_id', '=', input.accountId);
      if (input.since !== undefined) select = select.where('at', '>=', input.since);
      if (input.afterId !== undefined) select = select.where('id', '>', input.afterId);
      select = select.orderBy('id');
      if (input.limit !== undefined) select = select.limit(input.limit);
      return select.execute();
    });
    return rows.map((row) => ({ id: toNumber(row.id, 'id'), accountId: row.account_id, type: row.type, payload: JSON.parse(row.payload) as unknown, at: row.at }));
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditRecord> {
    const input = parse(AuditInputSchema, entry, 'audit');
    return this.#transaction((tx) => insertAudit(tx, input));
  }

  async listAudit(query: AuditQuery = {}): Promise<AuditRecord[]> {
    const input = parse(AuditQuerySchema, query, 'auditQuery');
    const rows = await this.#select((db) => {
      let select = db.selectFrom('audit_log').selectAll();
      if (input.keyId !== undefined) select = select.where('key_id', '=', input.keyId);
      if (input.since !== undefined) select = select.where('at', '>=', input.since);
      if (input.afterId !== undefined) select = select.where('id', '>', input.afterId);
      select = select.orderBy('id');
      if (input.limit !== undefined) select = select.limit(input.limit);
      return select.execute();
    });
    return rows.map((row) => ({ id: toNumber(row.id, 'id'), keyId: row.key_id, action: row.action, target: row.target, payload: JSON.parse(row.payload) as unknown, at: row.at }));
  }

  async createApiKey(key: NewApiKey, audit?: AuditFor<ApiKeyRecord>): Promise<CreatedApiKey> {
    const input = parse(ApiKeyInputSchema, key, 'apiKey');
    const { id, secret, plaintext } = newApiKeySecret();
    const hashed = hashApiKeySecret(secret);
    const createdAt = this.#nowIso();
    const accountIds = [...new Set(input.accountIds ?? [])].sort();
    const record = await this.#transaction(async (tx) => {
      await tx
        .insertInto('api_keys')
        .values({ id, role: input.role, label: input.label ?? null, salt: hashed.salt, hash: hashed.hash, params: hashed.params, created_at: createdAt })
        .execute();
      for (const [i, accountId] of accountIds.entries()) {
        await requireAccount(tx, accountId, `accountIds.${i}`);
        await tx.insertInto('api_key_accounts').values({ key_id: id, account_id: accountId }).execute();
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

  /** The database's version for verified keys (verified-keys.ts), or undefined when the connection cannot tell it. */
  #keysVersion(): KeysVersion | undefined {
    const elsewhere = this.#connection.changesElsewhere();
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
      const { rows } = await this.#select((db) => keyWithGrants(db, parsed.id));
      const found = rows[0] === undefined ? undefined : { row: rows[0], accountIds: rows.flatMap((r) => (r.granted_account === null ? [] : [r.granted_account])) };
      if (found === undefined || found.row.revoked_at !== null) {
        verifyApiKeySecretDummy(parsed.secret);
        return undefined;
      }
      const stored: ApiKeyHash = { salt: found.row.salt, hash: found.row.hash, params: found.row.params };
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
          tx
            .updateTable('api_keys')
            .set({ salt: upgraded.salt, hash: upgraded.hash, params: upgraded.params })
            .where('id', '=', parsed.id)
            .where('hash', '=', stored.hash)
            .where('params', '=', stored.params)
            .execute(),
        );
        return true;
      });
      if (ok !== 'retry') return ok ? toApiKey(found.row, found.accountIds) : undefined;
    }
    return undefined;
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    return this.#connection.read(async (tx) => {
      const rows = await tx.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id').execute();
      const grants = await tx.selectFrom('api_key_accounts').select(['key_id', 'account_id']).orderBy('account_id').execute();
      return rows.map((row) =>
        toApiKey(
          row,
          grants.filter((g) => g.key_id === row.id).map((g) => g.account_id),
        ),
      );
    });
  }

  async revokeApiKey(id: string, at: string, audit?: AuditFor<ApiKeyRecord>): Promise<ApiKeyRecord> {
    const revokedAt = parse(AuditInputSchema.shape.at, at, 'revokedAt');
    return this.#transaction(async (tx) => {
      const changed = await tx.updateTable('api_keys').set({ revoked_at: revokedAt }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      const row = await tx.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      if (row === undefined) throw storeError('not-found', `API key "${id}" not found`, { field: 'id' });
      if (changed.numUpdatedRows === 0n) throw storeError('conflict', `API key "${id}" is already revoked`, { field: 'id' });
      const record = toApiKey(row, await keyAccounts(tx, id));
      await writeAudit(tx, audit, record);
      return record;
    });
  }

  close(): Promise<void> {
    return this.#connection.close();
  }

  #nowIso(): string {
    return this.#now().toISOString();
  }
}

function parse<S extends z.ZodType>(schema: S, value: unknown, source: string): z.output<S> {
  return parseWithSchema(schema, value, `store ${source}`);
}

/** Parameter sets with whether each is its model's active version. */
function parameterSets(db: Db) {
  return db
    .selectFrom('parameter_sets as p')
    .leftJoin('active_parameter_sets as a', (join) => join.onRef('a.model', '=', 'p.model').onRef('a.version', '=', 'p.version'))
    .select(['p.model', 'p.version', 'p.json', 'p.uploaded_at', 'a.version as active_version']);
}

async function selectParameterSet(tx: Db, model: string, version: string): Promise<ParameterSetRecord | undefined> {
  const row = await parameterSets(tx).where('p.model', '=', model).where('p.version', '=', version).executeTakeFirst();
  return row === undefined ? undefined : toParameterSet(row);
}

function selectLiquidationPlan(db: Db, id: string): Promise<Selectable<LiquidationPlansTable> | undefined> {
  return db.selectFrom('liquidation_plans').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * The plan's row, locked until the transaction ends (`FOR UPDATE`; SQLite's connection drops the clause, its writer
 * holding the database's one write lock already); NOT_FOUND naming `planId` if none.
 */
async function lockPlan(tx: Db, planId: string): Promise<{ accountId: string; status: LiquidationPlanStatus; record: LiquidationPlanRecord }> {
  const row = await tx.selectFrom('liquidation_plans').selectAll().where('id', '=', planId).forUpdate().executeTakeFirst();
  if (row === undefined) throw storeError('not-found', `liquidation plan "${planId}" not found`, { field: 'planId' });
  const record = toLiquidationPlan(row);
  return { accountId: record.accountId, status: record.status, record };
}

/*
 * The statements of the common calls (every write checks its account and most write an audit entry; trades, positions
 * and balances are the most frequent writes; the key check runs on every request), compiled once (prepared-query.ts).
 */

const accountIds = prepared((db, id: string) => db.selectFrom('accounts').select('id').where('id', '=', id));

const insertAccount = prepared((db, id: string, currency: string, mode: AccountMode, ownerKeyId: string | null, createdAt: string) =>
  db.insertInto('accounts').values({ id, currency, mode, owner_key_id: ownerKeyId, created_at: createdAt }),
);

const accounts = prepared((db, id: string) => db.selectFrom('accounts').selectAll().where('id', '=', id));

const accountPositions = prepared((db, accountId: string) =>
  db.selectFrom('positions').selectAll().where('account_id', '=', accountId).where('quantity', '<>', 0).orderBy('instrument'),
);

const accountCollateral = prepared((db, accountId: string) => db.selectFrom('collateral').selectAll().where('account_id', '=', accountId).orderBy('currency'));

const upsertPosition = prepared((db, accountId: string, instrument: string, quantity: number, entryPrice: number | null) =>
  db
    .insertInto('positions')
    .values({ account_id: accountId, instrument, quantity, entry_price: entryPrice })
    .onConflict((oc) => oc.columns(['account_id', 'instrument']).doUpdateSet((eb) => ({ quantity: eb.ref('excluded.quantity'), entry_price: eb.ref('excluded.entry_price') }))),
);

const removePosition = prepared((db, accountId: string, instrument: string) =>
  db.deleteFrom('positions').where('account_id', '=', accountId).where('instrument', '=', instrument),
);

const upsertCollateral = prepared((db, accountId: string, currency: string, amount: number) =>
  db
    .insertInto('collateral')
    .values({ account_id: accountId, currency, amount })
    .onConflict((oc) => oc.columns(['account_id', 'currency']).doUpdateSet((eb) => ({ amount: eb.ref('excluded.amount') }))),
);

const removeCollateral = prepared((db, accountId: string, currency: string) =>
  db.deleteFrom('collateral').where('account_id', '=', accountId).where('currency', '=', currency),
);

const insertAuditEntry = prepared((db, keyId: string, action: string, target: string, payload: string, at: string) =>
  db.insertInto('audit_log').values({ key_id: keyId, action, target, payload, at }).returning('id'),
);

const insertEvent = prepared((db, accountId: string, type: StoredEventType, payload: string, at: string) =>
  db.insertInto('events').values({ account_id: accountId, type, payload, at }).returning('id'),
);

/** Claims a trade's idempotency key: a row back when this call is the first with it. */
const claimTrade = prepared((db, accountId: string, idempotencyKey: string, instrument: string, quantity: number, at: string) =>
  db
    .insertInto('trades')
    .values({ account_id: accountId, idempotency_key: idempotencyKey, instrument, quantity, position: null, at })
    .onConflict((oc) => oc.columns(['account_id', 'idempotency_key']).doNothing())
    .returning('idempotency_key'),
);

/** Adds a trade's quantity to its position (the trade's entry price, if any, replaces the position's). */
const tradeIntoPosition = prepared((db, accountId: string, instrument: string, quantity: number, entryPrice: number | null) =>
  db
    .insertInto('positions')
    .values({ account_id: accountId, instrument, quantity, entry_price: entryPrice })
    .onConflict((oc) =>
      oc.columns(['account_id', 'instrument']).doUpdateSet((eb) => ({
        quantity: eb('positions.quantity', '+', eb.ref('excluded.quantity')),
        entry_price: eb.ref('excluded.entry_price'),
      })),
    )
    .returning('quantity'),
);

const tradePosition = prepared((db, position: number, accountId: string, idempotencyKey: string) =>
  db.updateTable('trades').set({ position }).where('account_id', '=', accountId).where('idempotency_key', '=', idempotencyKey),
);

const trades = prepared((db, accountId: string, idempotencyKey: string) =>
  db.selectFrom('trades').selectAll().where('account_id', '=', accountId).where('idempotency_key', '=', idempotencyKey),
);

const insertSnapshot = prepared((db, asOf: string, json: string, storedAt: string, engineState: string | null) =>
  db.insertInto('market_snapshots').values({ as_of: asOf, json, stored_at: storedAt, engine_state: engineState }).returning('id'),
);

/** A key and its grants in one statement (one snapshot, no transaction). */
const keyWithGrants = prepared((db, id: string) =>
  db
    .selectFrom('api_keys as k')
    .leftJoin('api_key_accounts as g', 'g.key_id', 'k.id')
    .selectAll('k')
    .select('g.account_id as granted_account')
    .where('k.id', '=', id)
    .orderBy('g.account_id'),
);


/** Absolute position; 0 removes it. */
async function writePosition(tx: Db, p: PositionRecord): Promise<void> {
  if (p.quantity === 0) {
    await removePosition(tx, p.accountId, p.instrument);
    return;
  }
  await upsertPosition(tx, p.accountId, p.instrument, p.quantity, p.entryPrice ?? null);
}

async function insertMarketSnapshot(
  tx: Db,
  input: { asOf: string; json: unknown; engineState?: unknown },
  storedAt: string,
  audit: AuditFor<MarketSnapshotRecord> | undefined,
): Promise<MarketSnapshotRecord> {
  const [row] = (await insertSnapshot(tx, input.asOf, JSON.stringify(input.json), storedAt, input.engineState === undefined ? null : JSON.stringify(input.engineState))).rows;
  const record: MarketSnapshotRecord = { id: toNumber(first(row).id, 'id'), asOf: input.asOf, json: input.json, storedAt, ...(input.engineState === undefined ? {} : { engineState: input.engineState }) };
  await writeAudit(tx, audit, record);
  return record;
}

/** Absolute balance; 0 removes it. */
async function writeCollateral(tx: Db, c: CollateralRecord): Promise<void> {
  if (c.amount === 0) {
    await removeCollateral(tx, c.accountId, c.currency);
    return;
  }
  await upsertCollateral(tx, c.accountId, c.currency, c.amount);
}

async function insertAudit(tx: Db, input: NewAuditEntry): Promise<AuditRecord> {
  const [row] = (await insertAuditEntry(tx, input.keyId, input.action, input.target, JSON.stringify(input.payload), input.at)).rows;
  return { id: toNumber(first(row).id, 'id'), ...input };
}

/** The audit entry of a change, in the change's transaction: a bad entry rolls the change back too. */
async function writeAudit<R>(tx: Db, audit: AuditFor<R> | undefined, result: R): Promise<void> {
  if (audit === undefined) return;
  const entry = typeof audit === 'function' ? audit(result) : audit;
  await insertAudit(tx, parse(AuditInputSchema, entry, 'audit'));
}

async function requireAccount(tx: Db, accountId: string, field = 'accountId'): Promise<void> {
  if ((await accountIds(tx, accountId)).rows.length === 0) throw storeError('not-found', `account "${accountId}" not found`, { field });
}

async function replayTrade(tx: Db, input: TradeInput): Promise<TradeResult> {
  const row = first((await trades(tx, input.accountId, input.idempotencyKey)).rows[0]);
  const original = { instrument: row.instrument, quantity: row.quantity };
  if (original.instrument !== input.instrument || original.quantity !== input.quantity) {
    throw storeError(
      'conflict',
      `idempotency key "${input.idempotencyKey}" was already used for a different trade (${original.quantity} ${original.instrument})`,
      { field: 'idempotencyKey', details: { original } },
    );
  }
  return { ...input, position: present(row.position, 'position'), at: row.at, replayed: true };
}

async function keyAccounts(tx: Db, keyId: string): Promise<string[]> {
  const rows = await tx.selectFrom('api_key_accounts').select('account_id').where('key_id', '=', keyId).orderBy('account_id').execute();
  return rows.map((row) => row.account_id);
}

function first<T>(row: T | undefined): T {
  if (row === undefined) throw storeError('internal', 'expected a row from the database, got none');
  return row;
}

/** A column that is NULL only inside the transaction that fills it (trades.position). */
function present(value: number | null, column: string): number {
  if (value === null) throw storeError('internal', `column ${column} is not a number`);
  return value;
}

/** Identity columns and sums: PostgreSQL returns BIGINT as a string (it may exceed 2^53); ids stay far below that. */
function toNumber(value: number | string | bigint | null, column: string): number {
  const n = Number(value);
  if (value === null || !Number.isFinite(n)) throw storeError('internal', `column ${column} is not a number`);
  return n;
}

/** Most rows one multi-row statement writes (9 columns: 4,500 parameters, within both databases' limits). */
const ROWS_PER_STATEMENT = 500;

/**
 * Splits a batch for multi-row statements: full chunks of ROWS_PER_STATEMENT, then the rest in power-of-two chunks,
 * so that a batch of any size uses one of a few statements (each compiled once, `preparedBatch`, and kept prepared by
 * the SQLite connection).
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

type AccountStateInput = z.output<typeof AccountStateSchema>;

/**
 * Upserts current-state rows with multi-row `INSERT … ON CONFLICT (account_id) DO UPDATE` statements, a chunk at a
 * time, each chunk's accounts checked by one query first (NOT_FOUND naming `accountId`, as every write answers for an
 * unknown account). A later row of one account replaces an earlier one, as row-by-row upserts would.
 */
async function upsertAccountStates(tx: Db, rows: readonly AccountStateInput[], source: string): Promise<void> {
  // One statement may not touch a row twice (PostgreSQL refuses), so only each account's last row is written.
  const latest = new Map<string, { row: AccountStateInput; index: number }>();
  rows.forEach((row, index) => latest.set(row.accountId, { row, index }));
  for (const chunk of chunks([...latest.values()])) {
    const found = new Set((await existingAccounts(tx, chunk.map(({ row }) => ({ id: row.accountId })))).rows.map((row) => row.id));
    const missing = chunk.find(({ row }) => !found.has(row.accountId));
    if (missing !== undefined) {
      throw storeError('not-found', `account "${missing.row.accountId}" not found (${source}.${missing.index})`, {
        field: 'accountId',
        details: { index: missing.index },
      });
    }
    await upsertAccountStateRows(
      tx,
      chunk.map(({ row }) => ({
        account_id: row.accountId,
        state: row.state,
        initial_margin: row.initialMargin,
        maintenance_margin: row.maintenanceMargin,
        equity: row.equity,
        currency: row.currency,
        as_of: row.asOf,
        unmarginable: row.unmarginable === undefined ? null : JSON.stringify(row.unmarginable),
        updated_at: row.updatedAt,
      })),
    );
  }
}

/** Which of the listed accounts exist (one statement per chunk). */
const existingAccounts = preparedBatch(['id'], (db, rows: readonly { id: string }[]) =>
  db.selectFrom('accounts').select('id').where('id', 'in', rows.map((row) => row.id)),
);

const ACCOUNT_STATE_COLUMNS = ['account_id', 'state', 'initial_margin', 'maintenance_margin', 'equity', 'currency', 'as_of', 'unmarginable', 'updated_at'] as const;

const upsertAccountStateRows = preparedBatch(ACCOUNT_STATE_COLUMNS, (db, rows: readonly Selectable<AccountStatesTable>[]) =>
  db
    .insertInto('account_states')
    .values(rows)
    .onConflict((oc) =>
      oc.column('account_id').doUpdateSet((eb) => ({
        state: eb.ref('excluded.state'),
        initial_margin: eb.ref('excluded.initial_margin'),
        maintenance_margin: eb.ref('excluded.maintenance_margin'),
        equity: eb.ref('excluded.equity'),
        currency: eb.ref('excluded.currency'),
        as_of: eb.ref('excluded.as_of'),
        unmarginable: eb.ref('excluded.unmarginable'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    ),
);

/**
 * Adds `quantity` to a position (as applyTrade does) and returns the position after; 0 removes the row. A fill carries
 * no entry price: a reduction keeps the position's entry (the rest's P&L is unchanged, entryAfterTrade), anything
 * else (opening, adding, crossing zero) leaves none, as a trade without an entry price does.
 */
async function addToPosition(tx: Db, accountId: string, instrument: string, quantity: number): Promise<number> {
  const updated = await tx
    .insertInto('positions')
    .values({ account_id: accountId, instrument, quantity, entry_price: null })
    .onConflict((oc) =>
      oc.columns(['account_id', 'instrument']).doUpdateSet((eb) => {
        const before = eb.ref('positions.quantity');
        const after = eb('positions.quantity', '+', eb.ref('excluded.quantity'));
        // entry_price = CASE WHEN before * (after) > 0 AND abs(after) <= abs(before) THEN entry_price END (else NULL)
        const reduced = eb.and([eb(eb(before, '*', eb.parens(after)), '>', eb.lit(0)), eb(eb.fn('abs', [after]), '<=', eb.fn('abs', [before]))]);
        return { quantity: after, entry_price: eb.case().when(reduced).then(eb.ref('positions.entry_price')).end() };
      }),
    )
    .returning('quantity')
    .executeTakeFirst();
  const position = first(updated).quantity;
  if (position === 0) await removePosition(tx, accountId, instrument);
  return position;
}

/** Adds `delta` to a balance, never below 0 (0 removes the row, as everywhere), and returns the balance after. */
async function addToBalance(tx: Db, accountId: string, currency: string, delta: number): Promise<number> {
  const updated = await tx
    .insertInto('collateral')
    .values({ account_id: accountId, currency, amount: delta })
    .onConflict((oc) => oc.columns(['account_id', 'currency']).doUpdateSet((eb) => ({ amount: eb('collateral.amount', '+', eb.ref('excluded.amount')) })))
    .returning('amount')
    .executeTakeFirst();
  const balance = first(updated).amount;
  if (balance > 0) return balance;
  await removeCollateral(tx, accountId, currency);
  return 0;
}

async function insertFundEntry(tx: Db, entry: Omit<InsuranceFundEntry, 'id'>): Promise<InsuranceFundEntry> {
  const row = await tx
    .insertInto('insurance_fund')
    .values({ currency: entry.currency, amount: entry.amount, account_id: entry.accountId ?? null, plan_id: entry.planId ?? null, reason: entry.reason, at: entry.at })
    .returning('id')
    .executeTakeFirst();
  return {
    id: toNumber(first(row).id, 'id'),
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

/** NULL becomes `undefined` here, at the database boundary. */
function optional<T>(value: T | null): T | undefined {
  return value === null ? undefined : value;
}

function toPosition(row: Selectable<PositionsTable>): PositionRecord {
  return { accountId: row.account_id, instrument: row.instrument, quantity: row.quantity, ...(row.entry_price === null ? {} : { entryPrice: row.entry_price }) };
}

function toCollateral(row: Selectable<CollateralTable>): CollateralRecord {
  return { accountId: row.account_id, currency: row.currency, amount: row.amount };
}

function toAccountState(row: Selectable<AccountStatesTable>): AccountStateRecord {
  return {
    accountId: row.account_id,
    state: row.state,
    initialMargin: row.initial_margin,
    maintenanceMargin: row.maintenance_margin,
    equity: row.equity,
    currency: row.currency,
    asOf: row.as_of,
    ...(row.unmarginable === null ? {} : { unmarginable: JSON.parse(row.unmarginable) as AccountStateRecord['unmarginable'] }),
    updatedAt: row.updated_at,
  };
}

function toLiquidationPlan(row: Selectable<LiquidationPlansTable>): LiquidationPlanRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    json: JSON.parse(row.json) as unknown,
    createdAt: row.created_at,
    status: row.status,
    ...(row.completed_at === null ? {} : { completedAt: row.completed_at }),
    ...(row.outcome === null ? {} : { outcome: JSON.parse(row.outcome) as unknown }),
  };
}

function toLiquidationFill(row: Selectable<LiquidationFillsTable>, replayed: boolean): LiquidationFillRecord {
  return {
    planId: row.plan_id,
    accountId: row.account_id,
    slice: row.slice,
    instrument: row.instrument,
    quantity: row.quantity,
    price: row.price,
    cashDelta: row.cash_delta,
    cashCurrency: row.cash_currency,
    fundReceived: row.fund_received,
    at: row.at,
    position: row.position,
    balance: row.balance,
    replayed,
  };
}

function toFundEntry(row: Selectable<InsuranceFundTable>): InsuranceFundEntry {
  return {
    id: toNumber(row.id, 'id'),
    currency: row.currency,
    amount: row.amount,
    ...(row.account_id === null ? {} : { accountId: row.account_id }),
    ...(row.plan_id === null ? {} : { planId: row.plan_id }),
    reason: row.reason,
    at: row.at,
  };
}

function toAccount(row: Selectable<AccountsTable>): AccountRecord {
  return { id: row.id, currency: row.currency, mode: row.mode, ownerKeyId: optional(row.owner_key_id), createdAt: row.created_at };
}

function toParameterSet(row: { model: string; version: string; json: string; uploaded_at: string; active_version: string | null }): ParameterSetRecord {
  return { model: row.model, version: row.version, json: JSON.parse(row.json) as unknown, uploadedAt: row.uploaded_at, active: row.active_version !== null };
}

function toApiKey(row: Selectable<ApiKeysTable>, accountIds: readonly string[]): ApiKeyRecord {
  return { id: row.id, role: row.role, accountIds, label: optional(row.label), createdAt: row.created_at, revokedAt: optional(row.revoked_at) };
}
