import { CrossmarginError, toCrossmarginError } from '../core/errors.js';
import type { LiveEngine, LiveMargin, MarketCommit, MaxOrderSize, ReportedFigures, WhatIfResult } from '../engine/live/live-engine.js';
import { applyTrades, positionOf, type TradeInput as EngineTradeInput } from '../engine/live/apply-trades.js';
import { isDeltaOne } from '../instruments/instrument-spec.js';
import { resolveInstrument } from '../instruments/resolve-instrument.js';
import { entryAfterTrade } from '../portfolio/entry-after-trade.js';
import { parseMarketUpdate } from '../market/market-update.js';
import type { PortfolioFile } from '../portfolio/portfolio-schema.js';
import type { AccountMode, AccountRecord, ApiKeyRecord, ApiKeyRole, CollateralRecord, MarketAccountChange, NewAuditEntry, NewEvent, PositionRecord, Store, TradeResult } from '../store/store.js';
import type { EngineHost } from './engine-host.js';
import { accountStateRecords, storedEventOf, type ActiveParameterSet } from './restore-engine.js';

/**
 * Who made a change: the key id goes to the audit log (`system` / `feed:<name>` for the service's own changes). The
 * role decides what a change may carry (an explicit fill price is for privileged roles); the service's own changes
 * have none and are privileged.
 */
export interface Actor {
  readonly keyId: string;
  readonly role?: ApiKeyRole | undefined;
}

/** Admission limits (docs/service.md "Admission"). */
export interface AdmissionPolicy {
  /** Largest |quantity| of a trade or a position, contracts. */
  readonly maxQuantity: number;
  /** Largest collateral balance, units of its currency. */
  readonly maxBalance: number;
  /** An explicit fill price must lie within this relative band around the mark (0.1 = ±10 %) unless overridden. */
  readonly fillPriceBand: number;
}

export const DEFAULT_ADMISSION: AdmissionPolicy = { maxQuantity: 1e9, maxBalance: 1e15, fillPriceBand: 0.1 };

export interface NewServiceAccount {
  readonly id: string;
  readonly currency: string;
  readonly mode: AccountMode;
  readonly positions: readonly { readonly instrument: string; readonly quantity: number; readonly entryPrice?: number | undefined }[];
  readonly collateral: Readonly<Record<string, number>>;
  readonly ownerKeyId?: string | undefined;
}

export interface AccountView extends AccountRecord {
  readonly positions: { instrument: string; quantity: number; entryPrice?: number }[];
  readonly collateral: Record<string, number>;
}

export interface MarketPushResult {
  readonly snapshotId: number;
  readonly asOf: string;
  readonly accepted: string[];
  readonly held: string[];
  readonly recomputed: number;
  readonly events: number;
  readonly settled: number;
}

/**
 * The service's operations, shared by the HTTP routes and the feeds. Rule for every change: **store first, engine
 * second**. The store write is the durable acknowledgement (it survives kill -9); the engine is in-memory state
 * rebuilt from the store on restart (restoreEngine), so a crash between the two loses nothing.
 *
 * Changes run one at a time (`serial`): the engine and the store then see them in the same order, and a market
 * push's "older than the engine's market" check cannot race another push.
 */
export class MarginService {
  private tail: Promise<void> = Promise.resolve();
  private readonly marginListeners = new Set<(accountIds: readonly string[]) => void>();

  constructor(
    readonly store: Store,
    readonly host: EngineHost,
    /** Builds a fresh engine from the store (after a parameter set of the engine's model is activated). */
    private readonly rebuild?: (active?: ActiveParameterSet) => Promise<LiveEngine>,
    readonly model?: string,
    private readonly policy: AdmissionPolicy = DEFAULT_ADMISSION,
  ) {}

  get engine() {
    return this.host.engine;
  }

  /**
   * Listens to "these accounts' margins were recomputed" (after a market update, a trade, a position or collateral
   * change), so the stream can push fresh overview rows. Returns the unsubscribe function.
   */
  onMarginsChanged(listener: (accountIds: readonly string[]) => void): () => void {
    this.marginListeners.add(listener);
    return () => {
      this.marginListeners.delete(listener);
    };
  }

  async createAccount(raw: NewServiceAccount, actor: Actor): Promise<AccountView> {
    const input = { ...raw, currency: canonicalCurrency(raw.currency), positions: this.canonicalPositions(raw.positions, 'positions'), collateral: this.canonicalBalances(raw.collateral) };
    return this.serial(async () => {
      // The account currency must be one the market can state amounts in (an empty account values nothing else).
      requirePriced(this.engine.currentMarket(), input.currency, 'USD', 'currency');
      // Admission: the account as it would be, margined on the live market, before anything is written.
      this.admit({ account: input.id, currency: input.currency, mode: input.mode, positions: input.positions, collateral: input.collateral }, (e) => e.field ?? 'positions');
      // Account, positions, balances and audit entry: one store transaction.
      const record = await this.store.createAccount(
        { id: input.id, currency: input.currency, mode: input.mode, ownerKeyId: input.ownerKeyId, positions: input.positions, collateral: input.collateral },
        this.audit(actor, 'account.create', input.id, input),
      );
      await this.syncAccount(input.id);
      return this.accountView(record);
    });
  }

  async getAccount(id: string): Promise<AccountView> {
    const record = await this.store.getAccount(id);
    if (record === undefined) throw notFound(id);
    return this.accountView(record);
  }

  async setPositions(accountId: string, raw: readonly PositionRecord[] | readonly { instrument: string; quantity: number; entryPrice?: number | undefined }[], actor: Actor): Promise<AccountView> {
    const positions = this.canonicalPositions(raw, 'positions');
    return this.serial(async () => {
      const current = await this.getAccount(accountId);
      // Absolute positions over the current ones (0 removes; unlisted ones stay), as the store will apply them.
      const next = new Map(current.positions.map((p) => [p.instrument, p]));
      for (const p of positions) {
        if (p.quantity === 0) next.delete(p.instrument);
        else next.set(p.instrument, p);
      }
      this.admit({ ...documentOf(current), positions: [...next.values()] }, (e) => fieldOfInstrument(e, positions, 'positions'));
      await this.store.setPositions(accountId, positions, this.audit(actor, 'positions.set', accountId, { positions }));
      await this.syncAccount(accountId);
      return this.getAccount(accountId);
    });
  }

  /**
   * Idempotent trade: a replayed key returns the stored result and does not touch the engine again. A future or
   * perpetual's entry price is averaged at the fill price (`price`, default the engine's mark: entryAfterTrade); the
   * cash side of a trade (premium, fees, realised P&L of a reduction) reaches the service as collateral.
   */
  async applyTrade(
    accountId: string,
    raw: { instrument: string; quantity: number; idempotencyKey: string; price?: number | undefined; priceOverride?: string | undefined },
    actor: Actor,
  ): Promise<TradeResult> {
    const spec = resolveInstrument(raw.instrument, 'instrument');
    // Canonical name: `btc_usdc-perpetual` and `BTC_USDC-PERPETUAL` are one position.
    const trade = { ...raw, instrument: spec.symbol };
    this.checkQuantity(trade.quantity, 'quantity');
    return this.serial(async () => {
      const current = await this.getAccount(accountId);
      // A retried key answers its stored result whatever the market does now (the store checks the content).
      const previous = await this.store.getTrade(accountId, trade.idempotencyKey);
      if (previous !== undefined) return this.store.applyTrade({ accountId, instrument: trade.instrument, quantity: trade.quantity, idempotencyKey: trade.idempotencyKey });
      const fill = this.fillPrice(spec, trade, actor);
      const held = current.positions.find((p) => p.instrument === trade.instrument);
      this.checkQuantity((held?.quantity ?? 0) + trade.quantity, 'quantity');
      const deltaOne = isDeltaOne(spec);
      const entryPrice = deltaOne ? entryAfterTrade(spec.settlement, held?.quantity ?? 0, held?.entryPrice, trade.quantity, fill) : undefined;
      const doc = documentOf(current);
      const unmarginable = this.requireReduceOnly(accountId, doc, trade);
      const after = applyTrades(doc, [{ instrument: trade.instrument, quantity: trade.quantity }], () => fill);
      // An unmarginable account may still reduce a position (it cannot get worse for it): the rest stays refused.
      this.admit(after, (e) => (e.code === 'ACCOUNT_UNMARGINABLE' ? 'quantity' : 'instrument'), unmarginable);
      const result = await this.store.applyTrade(
        { accountId, instrument: trade.instrument, quantity: trade.quantity, idempotencyKey: trade.idempotencyKey, ...(entryPrice === undefined ? {} : { entryPrice }) },
        this.audit(actor, 'trade.apply', accountId, { ...trade, ...(fill === undefined ? {} : { fillPrice: fill }) }),
      );
      if (result.replayed) return result;
      // The store is the truth: the engine takes the position (and its entry price) from it.
      await this.syncAccount(accountId);
      return result;
    });
  }

  /**
   * Idempotent balance change (absolute balances, 0 removes): a retried key writes nothing and answers the current
   * balances; the same key with other content is a CONFLICT. Admitted like a trade: a currency the market cannot value
   * is refused before anything is written.
   */
  async setCollateral(accountId: string, raw: Readonly<Record<string, number>>, idempotencyKey: string, actor: Actor): Promise<CollateralRecord[]> {
    const balances = this.canonicalBalances(raw);
    return this.serial(async () => {
      const current = await this.getAccount(accountId);
      const collateral = { ...current.collateral, ...balances };
      for (const [ccy, amount] of Object.entries(balances)) if (amount === 0) delete collateral[ccy];
      const currencies = Object.keys(balances);
      // Every currency given must be one the market values (checked on its own, so no tolerance below can let it in).
      const market = this.engine.currentMarket();
      for (const ccy of currencies) if ((balances[ccy] ?? 0) > 0) requirePriced(market, ccy, current.currency, `collateral.${ccy}`);
      // Adding collateral to an unmarginable account is how an operator lets an expiry settle: it never adds risk.
      const adds = currencies.every((c) => (balances[c] ?? 0) >= (current.collateral[c] ?? 0));
      this.admit(
        { ...documentOf(current), collateral },
        (e) => {
          const named = currencies.find((c) => e.message.includes(c));
          return named === undefined ? 'collateral' : `collateral.${named}`;
        },
        adds && this.unmarginableCode(accountId) !== undefined,
        this.unmarginableCode(accountId),
      );
      const change = await this.store.applyCollateralChange({ accountId, balances, idempotencyKey }, this.audit(actor, 'collateral.set', accountId, { balances, idempotencyKey }));
      if (!change.replayed) await this.syncAccount(accountId);
      return this.store.listCollateral(accountId);
    });
  }

  /**
   * A market update: validated, checked against the engine's market (an older asOf is refused before anything is
   * stored), stored, then given to the engine. What is stored is the update merged over the engine's current market
   * (underlyings and fx it does not list keep their values), so the latest stored snapshot is a whole market and a
   * restart restores all of it.
   */
  async pushMarket(json: unknown, actor: Actor): Promise<MarketPushResult> {
    const update = parseMarketUpdate(json, 'market');
    return this.serial(async () => {
      let snapshotId: number | undefined;
      // The engine checks the update (age, bounds, guard) and computes its effect aside; the commit stores the
      // accepted market with the engine's checkpoint, expiry settlements, events and audit in one transaction; only
      // then does the engine apply it. A refused update writes nothing.
      const commit = async (c: MarketCommit): Promise<void> => {
        const stored = await this.store.commitMarket(
          {
            asOf: c.market.asOf,
            json: c.market,
            engineState: c.checkpoint,
            accountChanges: settlementChanges(c, actor),
            accountStates: accountStateRecords(c.accountStates, new Date().toISOString()),
            ...splitEvents(c),
          },
          (record) => this.audit(actor, 'market.push', 'market', { snapshotId: record.id, asOf: update.asOf, underlyings: Object.keys(update.underlyings) }),
        );
        snapshotId = stored.id;
      };
      const result = await this.engine.onMarket(update, { commit });
      this.notifyMargins(result.recomputed);
      return {
        snapshotId: snapshotId ?? (await this.store.latestMarketSnapshot())?.id ?? 0,
        asOf: update.asOf,
        accepted: result.accepted,
        held: result.held,
        recomputed: result.recomputed.length,
        events: result.events.length,
        settled: result.settled.length,
      };
    });
  }

  margin(accountId: string): LiveMargin {
    return this.engine.margin(accountId);
  }

  whatIf(accountId: string, trades: readonly EngineTradeInput[]): WhatIfResult {
    return this.engine.whatIf(accountId, trades);
  }

  /**
   * A what-if with the account as it is now, both on one market snapshot (docs/service.md "What-if"): pairing an
   * after-state with a margin read on another tick showed changes the trades did not make. The engine is
   * single-threaded, so reads in one synchronous turn see one market; the asOf check guards that. An account the
   * last update did not touch still reports the asOf it was recomputed at: its before-state is then evaluated on the
   * what-if's market with no trades (what the next update touching it would report).
   */
  whatIfWithBefore(accountId: string, trades: readonly EngineTradeInput[]): { before: ReportedFigures; after: WhatIfResult } {
    return whatIfWithBefore(this.engine, accountId, trades);
  }

  async uploadParameterSet(model: string, version: string, json: unknown, actor: Actor) {
    return this.serial(async () => {
      return this.store.uploadParameterSet({ model, version, json }, this.audit(actor, 'parameter-set.upload', `${model}@${version}`, { model, version }));
    });
  }

  /**
   * Activates a stored version; for the engine's own model the engine is rebuilt from the store with it first, so an
   * activation the engine cannot run with is refused before it is stored (nothing changes).
   */
  async activateParameterSet(model: string, version: string, actor: Actor) {
    return this.serial(async () => {
      let next: LiveEngine | undefined;
      if (model === this.model && this.rebuild !== undefined) {
        const set = (await this.store.listParameterSets(model)).find((s) => s.version === version);
        if (set !== undefined) next = await this.rebuild({ version: set.version, json: set.json });
      }
      const record = await this.store.activateParameterSet(model, version, this.audit(actor, 'parameter-set.activate', `${model}@${version}`, { model, version }));
      if (next !== undefined) this.host.swap(next);
      return record;
    });
  }

  async createKey(input: { role: ApiKeyRecord['role']; accountIds?: string[] | undefined; label?: string | undefined }, actor: Actor) {
    return this.serial(async () => {
      return this.store.createApiKey(input, (record) => this.audit(actor, 'key.create', record.id, { role: input.role, accountIds: input.accountIds, label: input.label }));
    });
  }

  async revokeKey(id: string, actor: Actor) {
    return this.serial(async () => {
      return this.store.revokeApiKey(id, new Date().toISOString(), this.audit(actor, 'key.revoke', id, {}));
    });
  }

  /** Waits until every change asked for so far has finished (graceful shutdown). */
  async drain(): Promise<void> {
    await this.tail;
  }

  /**
   * Runs a change the service makes on its own (a liquidation slice: liquidation-driver.ts) in the same queue as every
   * other change, so its store write and engine mirror never interleave with a request's; `changed` accounts get
   * fresh overview rows afterwards.
   */
  runExclusive<T>(fn: () => Promise<T>, changed: readonly string[] = []): Promise<T> {
    return this.serial(async () => {
      const result = await fn();
      this.notifyMargins(changed);
      return result;
    });
  }

  // ---- internals -------------------------------------------------------------------------------------------

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** The audit entry of a change; the store writes it in the change's transaction. */
  private audit(actor: Actor, action: string, target: string, payload: unknown): NewAuditEntry {
    return { keyId: actor.keyId, action, target, payload, at: new Date().toISOString() };
  }

  /**
   * Margins `doc` on the live market (LiveEngine.admit); a failure is refused naming the request's field. With
   * `tolerate` (a change that cannot add risk to an account that is unmarginable already) a failure is let through,
   * when it has the account's own reason (`sameCode`, if given): the account stays unmarginable, no worse.
   */
  private admit(doc: PortfolioFile, fieldOf: (error: CrossmarginError) => string, tolerate = false, sameCode?: string): void {
    try {
      this.engine.admit(doc);
    } catch (error) {
      const e = toCrossmarginError(error);
      if (tolerate && (sameCode === undefined || e.code === sameCode)) return;
      const field = fieldOf(e);
      const code = e.code === 'INTERNAL' ? 'ACCOUNT_UNMARGINABLE' : e.code;
      throw new CrossmarginError(code, `${field}: refused, the account could not be margined after this change: ${e.message}`, {
        field,
        details: { ...(e.details ?? {}), cause: { code: e.code, ...(e.field === undefined ? {} : { field: e.field }) } },
      });
    }
  }

  /**
   * The fill price of a trade (docs/service.md "Fill prices"): the engine's mark, unless a privileged actor gives an
   * explicit price within the band around the mark (or outside it with an override reason, kept in the audit log).
   * An account holder cannot choose its price: that would let it invent equity.
   */
  private fillPrice(spec: ReturnType<typeof resolveInstrument>, trade: { price?: number | undefined; priceOverride?: string | undefined }, actor: Actor): number | undefined {
    const mark = this.engine.fillPrice()(spec);
    if (trade.price === undefined) {
      if (trade.priceOverride !== undefined) throw new CrossmarginError('SCHEMA_INVALID', 'priceOverride: goes with an explicit price', { field: 'priceOverride' });
      return mark;
    }
    if (actor.role === 'account-holder' || actor.role === 'risk-officer') {
      throw new CrossmarginError('FORBIDDEN', `price: a ${actor.role} key trades at the mark; an explicit fill price is for admin keys and feeds`, { field: 'price' });
    }
    if (spec.kind !== 'future' && spec.kind !== 'perpetual') {
      throw new CrossmarginError('SCHEMA_INVALID', `price: a fill price applies to futures and perpetuals (their entry price), not to ${spec.kind} ${spec.symbol}`, { field: 'price' });
    }
    const band = this.policy.fillPriceBand;
    const inBand = mark !== undefined && Math.abs(trade.price / mark - 1) <= band;
    if (!inBand && trade.priceOverride === undefined) {
      throw new CrossmarginError(
        'SCHEMA_INVALID',
        mark === undefined
          ? `price: no mark to check ${trade.price} against (no market for ${spec.underlying}); give priceOverride with a reason to force it`
          : `price: ${trade.price} is outside ±${band * 100} % of the mark ${mark}; give priceOverride with a reason to force it`,
        { field: 'price', details: { price: trade.price, ...(mark === undefined ? {} : { mark }), band } },
      );
    }
    return trade.price;
  }

  /** The error code that makes the account unmarginable now, undefined when it is not. */
  private unmarginableCode(accountId: string): string | undefined {
    try {
      return this.engine.margin(accountId).unmarginable?.code;
    } catch (error) {
      const e = toCrossmarginError(error);
      return e.code === 'ACCOUNT_UNMARGINABLE' ? String(e.details?.['code'] ?? e.code) : undefined;
    }
  }

  /**
   * An unmarginable account is reduce-only: a trade must shrink an existing position (docs/service.md). True when
   * the account is unmarginable (and the trade reduces).
   */
  private requireReduceOnly(accountId: string, doc: PortfolioFile, trade: { instrument: string; quantity: number }): boolean {
    if (this.unmarginableCode(accountId) === undefined) return false;
    const position = positionOf(doc, trade.instrument);
    const reduces = position !== 0 && Math.sign(trade.quantity) === -Math.sign(position) && Math.abs(trade.quantity) <= Math.abs(position);
    if (!reduces) {
      throw new CrossmarginError('REDUCE_ONLY', `quantity: account "${accountId}" is unmarginable and reduce-only: the trade must reduce the ${trade.instrument} position (${position})`, {
        field: 'quantity',
        details: { accountId, position },
      });
    }
    return true;
  }

  private checkQuantity(quantity: number, field: string): void {
    if (!(Math.abs(quantity) <= this.policy.maxQuantity)) {
      throw new CrossmarginError('SCHEMA_INVALID', `${field}: |${quantity}| is above the largest accepted quantity ${this.policy.maxQuantity}`, { field });
    }
  }

  /** Positions with canonical instrument names and bounded quantities; an entry price only on futures and perpetuals. */
  private canonicalPositions(
    positions: readonly { instrument: string; quantity: number; entryPrice?: number | undefined }[],
    field: string,
  ): { instrument: string; quantity: number; entryPrice?: number }[] {
    const seen = new Set<string>();
    return positions.map((p, i) => {
      const spec = resolveInstrument(p.instrument, `${field}.${i}.instrument`);
      if (p.entryPrice !== undefined && spec.kind !== 'future' && spec.kind !== 'perpetual') {
        throw new CrossmarginError('SCHEMA_INVALID', `${field}.${i}.entryPrice: an entry price applies to futures and perpetuals, not to ${spec.kind} ${spec.symbol}`, {
          field: `${field}.${i}.entryPrice`,
        });
      }
      if (seen.has(spec.symbol)) {
        throw new CrossmarginError('SCHEMA_INVALID', `${field}.${i}.instrument: ${spec.symbol} is listed twice`, { field: `${field}.${i}.instrument` });
      }
      seen.add(spec.symbol);
      this.checkQuantity(p.quantity, `${field}.${i}.quantity`);
      return { instrument: spec.symbol, quantity: p.quantity, ...(p.entryPrice === undefined ? {} : { entryPrice: p.entryPrice }) };
    });
  }

  /** Balances under canonical (upper-case) currency codes, each within the largest accepted balance. */
  private canonicalBalances(balances: Readonly<Record<string, number>>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [raw, amount] of Object.entries(balances)) {
      const ccy = canonicalCurrency(raw, `collateral.${raw}`);
      if (ccy in out) throw new CrossmarginError('SCHEMA_INVALID', `collateral.${raw}: ${ccy} is listed twice`, { field: `collateral.${raw}` });
      if (!(amount <= this.policy.maxBalance)) {
        throw new CrossmarginError('SCHEMA_INVALID', `collateral.${raw}: ${amount} is above the largest accepted balance ${this.policy.maxBalance}`, { field: `collateral.${raw}` });
      }
      out[ccy] = amount;
    }
    return out;
  }

  private async requireAccount(id: string): Promise<AccountRecord> {
    const record = await this.store.getAccount(id);
    if (record === undefined) throw notFound(id);
    return record;
  }

  /** Puts the store's view of an account into the engine (the store is the truth). */
  private async syncAccount(id: string): Promise<void> {
    const view = await this.getAccount(id);
    await this.engine.upsertAccount({ account: id, currency: view.currency, mode: view.mode, positions: view.positions, collateral: view.collateral });
    this.notifyMargins([id]);
  }

  private notifyMargins(accountIds: readonly string[]): void {
    if (accountIds.length === 0) return;
    for (const listener of this.marginListeners) {
      try {
        listener(accountIds);
      } catch {
        // A failing listener (a closed socket) must not fail the change that is already stored.
      }
    }
  }

  private async accountView(record: AccountRecord): Promise<AccountView> {
    const [positions, collateral] = await Promise.all([this.store.listPositions(record.id), this.store.listCollateral(record.id)]);
    return {
      ...record,
      positions: positions.map((p) => ({ instrument: p.instrument, quantity: p.quantity, ...(p.entryPrice === undefined ? {} : { entryPrice: p.entryPrice }) })),
      collateral: Object.fromEntries(collateral.map((c) => [c.currency, c.amount])),
    };
  }
}

export function notFound(accountId: string): CrossmarginError {
  return new CrossmarginError('NOT_FOUND', `account "${accountId}" does not exist`, { field: 'id', details: { accountId } });
}

/** `from` must be convertible to `to` on `market` (none yet: nothing to check); the market's error names `field`. */
function requirePriced(market: ReturnType<LiveEngine['currentMarket']>, from: string, to: string, field: string): void {
  if (market === undefined) return;
  try {
    market.fxRate(from, to);
  } catch (error) {
    const e = toCrossmarginError(error);
    throw new CrossmarginError(e.code, `${field}: ${e.message}`, { field, ...(e.details === undefined ? {} : { details: e.details }) });
  }
}

/** A currency code as the engine names it: upper case, letters, digits and _ only (`usdc` is `USDC`). */
function canonicalCurrency(raw: string, field = 'currency'): string {
  const ccy = raw.trim().toUpperCase();
  if (!/^[A-Z0-9_]{1,32}$/.test(ccy)) {
    throw new CrossmarginError('SCHEMA_INVALID', `${field}: expected a currency code (letters, digits, _), got "${raw}"`, { field });
  }
  return ccy;
}

/** The engine's portfolio document of a stored account. */
function documentOf(view: AccountView): PortfolioFile {
  return { account: view.id, currency: view.currency, mode: view.mode, positions: view.positions, collateral: view.collateral };
}

/** The request field of an admission error about positions: the listed position its message names, else the list. */
function fieldOfInstrument(error: CrossmarginError, positions: readonly { instrument: string }[], field: string): string {
  const i = positions.findIndex((p) => error.message.includes(p.instrument));
  return i < 0 ? field : `${field}.${i}.instrument`;
}

/** Expiry settlements of a market commit as store changes: settled positions removed, balances set, one audit entry each. */
function settlementChanges(commit: MarketCommit, actor: Actor): MarketAccountChange[] {
  return commit.settled.map((s) => ({
    accountId: s.accountId,
    positions: s.settlements.map((x) => ({ instrument: x.instrument, quantity: 0 })),
    collateral: Object.fromEntries([...new Set(s.settlements.map((x) => x.currency))].map((ccy) => [ccy, s.doc.collateral[ccy] ?? 0])),
    audit: { keyId: 'system', action: 'expiry.settle', target: s.accountId, payload: { settlements: s.settlements, trigger: actor.keyId }, at: new Date().toISOString() },
  }));
}

/** A commit's events as the store keeps them: account events in the events table, the guard's in the audit log. */
function splitEvents(commit: MarketCommit): { events: NewEvent[]; audits: NewAuditEntry[] } {
  const events: NewEvent[] = [];
  const audits: NewAuditEntry[] = [];
  for (const event of commit.events) {
    const stored = storedEventOf(event);
    if (stored.kind === 'event') events.push(stored.event);
    else audits.push(stored.audit);
  }
  return { events, audits };
}

/** MarginService.whatIfWithBefore on `engine` (a cluster worker answers a gateway's what-if with it too). */
export function whatIfWithBefore(engine: LiveEngine, accountId: string, trades: readonly EngineTradeInput[]): { before: ReportedFigures; after: WhatIfResult } {
  // The answer carries the explained result: evaluated once, with the figures (WhatIfOptions.explained).
  const after = engine.whatIf(accountId, trades, { explained: true });
  let before: ReportedFigures = engine.marginFigures(accountId);
  if (before.asOf !== after.asOf) {
    try {
      const now = engine.whatIf(accountId, []);
      before = { initialMargin: now.initialMargin, maintenanceMargin: now.maintenanceMargin, equity: now.equity, excess: now.status.excess, state: now.state, asOf: now.asOf };
    } catch {
      // Not evaluable with no trades (unmarginable as it stands): refused below, with both asOfs.
    }
  }
  if (before.asOf !== after.asOf) {
    throw new CrossmarginError('CONFLICT', `what-if: the account's margin (as of ${before.asOf}) and the what-if (as of ${after.asOf}) are on different markets; retry`, {
      details: { accountId, beforeAsOf: before.asOf, afterAsOf: after.asOf },
    });
  }
  return { before, after };
}

/** The maximum-order answer on `engine` (the single-process route's and a cluster worker's): its parameter version too. */
export function maxOrderAnswer(engine: LiveEngine, accountId: string, instrument: string, side: 'buy' | 'sell'): MaxOrderSize & { parameterVersion?: string } {
  const result = engine.maxOrderSize(accountId, instrument, side);
  const version = engine.margin(accountId).parameterVersion;
  return { ...result, ...(version === undefined ? {} : { parameterVersion: version }) };
}
