import { CrossmarginError, toCrossmarginError } from '../../core/errors.js';
import { parseIsoInstant } from '../../core/dates.js';
import { parseWithSchema } from '../../core/validate.js';
import { InstrumentTable } from '../../instruments/instrument-table.js';
import { parseMarketSnapshot, type MarketSnapshot } from '../../market/market-snapshot.js';
import type { MarketSnapshotFile } from '../../market/market-snapshot-schema.js';
import { checkMarketBounds, DEFAULT_MARKET_BOUNDS, mergeMarketUpdate, type MarketBounds, type MarketUpdateFile } from '../../market/market-update.js';
import { resolveInstrument } from '../../instruments/resolve-instrument.js';
import type { InstrumentSpec } from '../../instruments/instrument-spec.js';
import { computeMargins, type ComputeMarginsOptions, type PortfolioInput } from '../../models/compute-margin.js';
import type { MarginResult } from '../../models/margin-result.js';
import { getModel } from '../../models/model-registry.js';
import { PortfolioFileSchema, type PortfolioFile } from '../../portfolio/portfolio-schema.js';
import { resolvePortfolio } from '../../portfolio/resolve-portfolio.js';
import { instrumentMarketInputs } from '../../pricing/instrument-inputs.js';
import { accountEquity } from '../account/account-equity.js';
import { parseAccountParams, type AccountParams } from '../account/account-params.js';
import { classifyAccount, LIVE_ACCOUNT_STATES, type AccountState, type AccountStatus, type LiveAccountState } from '../account/account-state.js';
import { applyTrades, exposureKeys, positionOf, type FillPrice, type InstrumentInput, type TradeInput } from './apply-trades.js';
import type { EngineEvent, EngineListener, EventSink } from './engine-event.js';
import type { AccountFloor, EngineCheckpoint, UnmarginableInfo } from './engine-checkpoint.js';
import { largestFeasible } from './largest-feasible.js';
import { nextExpiryMs, settleExpired, type ExpirySettlement } from './settle-expired.js';
import { judgeIndexUpdate, relativeMove, type SpikeState } from './spike-guard.js';

/** Milliseconds since the epoch; injected so tests control time. */
export interface EngineClock {
  now(): number;
}

export interface LiveEngineOptions {
  /** Margin model id (model registry). */
  readonly model: string;
  /** Model parameters document, validated once here by the model's schema (MODEL_PARAMS_INVALID). */
  readonly params?: unknown;
  /** Version of the parameter set `params` came from; recorded on every margin the engine reports. */
  readonly parameterVersion?: string;
  /** Account parameters (haircuts, buffers of the state machine); defaults apply. */
  readonly accountParams?: unknown;
  /** History for the VaR family (see computeMargins). */
  readonly historyLoader?: ComputeMarginsOptions['historyLoader'];
  readonly clock: EngineClock;
  /** An underlying not updated for longer than this (ms) is stale, and so is every account exposed to it. */
  readonly staleAfterMs: number;
  /** Oracle-spike band, relative (0.25 = an index move beyond ±25 % of the last accepted value is held). */
  readonly spikeBand: number;
  /** Sanity bounds on market input (MARKET_DATA_INVALID beyond them); default DEFAULT_MARKET_BOUNDS. */
  readonly marketBounds?: MarketBounds;
  readonly sink: EventSink;
}

/** AccountStatus of a live account: its state may also be `unmarginable` (then reduce-only). */
export type LiveAccountStatus = Omit<AccountStatus, 'state'> & { readonly state: LiveAccountState };

/** What the engine reports for one account. Amounts in the account currency. */
export interface LiveMargin {
  readonly accountId: string;
  /** The reported margin: recomputed, or floored at the last reported margin while stale (see `stale`). */
  readonly result: MarginResult;
  readonly status: LiveAccountStatus;
  readonly state: LiveAccountState;
  /**
   * Set when the engine cannot margin the account on the current market (docs/service.md "Unmarginable accounts"):
   * `result` then holds the last good figures (never lower), and the account is reduce-only.
   */
  readonly unmarginable?: UnmarginableInfo;
  /** Collateral after haircuts plus positions' value (accountEquity). */
  readonly equity: number;
  /** True when an underlying the account is exposed to has not been updated within staleAfterMs (read time). */
  readonly stale: boolean;
  /** Those underlyings. */
  readonly staleUnderlyings: readonly string[];
  /** asOf of the market the margin was computed on. */
  readonly asOf: string;
  /** Engine clock when the margin was computed, epoch ms. */
  readonly computedAt: number;
  readonly parameterVersion?: string;
  /** Why the last recompute failed (the margin above is then the previous one). */
  readonly error?: string;
}

/** A what-if answer: the account as it would be after hypothetical trades; engine state unchanged. */
export interface WhatIfResult extends Omit<LiveMargin, 'computedAt' | 'error'> {
  /** The positions after the trades. */
  readonly positions: PortfolioFile['positions'];
  /** Value of the traded quantities at the current mark, account currency, taken out of equity (trades at mark). */
  readonly tradeValue: number;
}

export interface MaxOrderSize {
  readonly accountId: string;
  readonly instrument: string;
  readonly side: 'buy' | 'sell';
  /** Largest order, contracts (≥ 0, unsigned), continuous: round down to the venue's lot size. */
  readonly quantity: number;
  /** Signed position held in the instrument before the order. */
  readonly position: number;
  /** Relative precision of `quantity`: the true boundary lies in [quantity, quantity × (1 + precision)] (or absolute below 1 contract). */
  readonly precision: number;
  /** True when the search stopped at its bound with every size feasible (the margin does not limit the order). */
  readonly unbounded: boolean;
  readonly reason: string;
}

/** What one market update did. */
export interface MarketUpdateResult {
  /** Accounts recomputed, in insertion order. */
  readonly recomputed: string[];
  /** Underlyings applied (including confirmed spikes). */
  readonly accepted: string[];
  /** Underlyings whose update is held by the spike guard. */
  readonly held: string[];
  /** Events persisted and published by this update. */
  readonly events: EngineEvent[];
  /** Accounts whose expired positions were settled by this update. */
  readonly settled: readonly AccountSettlement[];
}

/** The expired positions of one account settled by a market update (docs/service.md "Expiry"). */
export interface AccountSettlement {
  readonly accountId: string;
  /** The account's document after settlement (positions removed, collateral credited or debited). */
  readonly doc: PortfolioFile;
  readonly settlements: readonly ExpirySettlement[];
}

/**
 * Everything a market update changes, handed to the `commit` callback of onMarket before the engine applies it: the
 * service writes it in one store transaction (snapshot, checkpoint, settlements, events, audit). If the callback
 * rejects, the engine changes nothing.
 */
export interface MarketCommit {
  /** The accepted market after the update (held spikes are not in it), a whole snapshot. */
  readonly market: MarketSnapshotFile;
  /** Guard, last-update times and every account's floor after the update. */
  readonly checkpoint: EngineCheckpoint;
  readonly settled: readonly AccountSettlement[];
  /** The update's events, numbered: with a commit callback they are not given to the sink. */
  readonly events: readonly EngineEvent[];
}

export interface MarketUpdateOptions {
  readonly commit?: (commit: MarketCommit) => Promise<void>;
}

/** Precision of maxOrderSize (relative, see largestFeasible). */
const ORDER_SIZE_PRECISION = 1e-9;

interface AccountView {
  readonly result: MarginResult;
  readonly status: AccountStatus;
  readonly equity: number;
  readonly asOf: string;
  readonly computedAt: number;
}

interface AccountEntry {
  readonly doc: PortfolioFile;
  readonly exposure: readonly string[];
  readonly view: AccountView | undefined;
  readonly error: string | undefined;
  /** State before this engine saw the account (restored from the store): hysteresis until the first evaluation. */
  readonly seedState?: LiveAccountState | undefined;
  /** A `stale` event was emitted for the current staleness episode (reset when the account is fresh again). */
  readonly staleNotified?: boolean | undefined;
  /** Set while the engine cannot margin the account (the view, if any, is the last good one, held). */
  readonly unmarginable?: UnmarginableInfo | undefined;
  /** Earliest expiry among the positions, epoch ms (+∞ without dated positions): which accounts an update settles. */
  readonly nextExpiryMs: number;
}

/** What staleTick found: the stale accounts (as tick()) and the `stale` events it persisted and published. */
export interface StaleTickResult {
  readonly stale: string[];
  readonly events: EngineEvent[];
}

/** Options of upsertAccount. */
export interface UpsertAccountOptions {
  /**
   * The account's state before this engine saw it (e.g. its last persisted state-transition on restore). Used as
   * the previous state of the first classification, so the hysteresis continues; ignored once the engine has
   * classified the account itself.
   */
  readonly previousState?: LiveAccountState | undefined;
}

type Unsequenced<E> = E extends EngineEvent ? Omit<E, 'seq'> : never;
type EventDraft = Unsequenced<EngineEvent>;

/** One evaluation: the recomputed (raw) margin and equity, before flooring and classification. */
interface RawEvaluation {
  readonly result: MarginResult;
  readonly equity: number;
}

/**
 * The live margin engine (docs/live-engine.md): accounts, market and per-account margin state in memory;
 * incremental recompute of only the accounts exposed to what a market update changed (one model compilation for all
 * of them, computeMargins); the healthy / margin-call / liquidation state machine with hysteresis (classifyAccount);
 * the oracle-spike guard; staleness that never lowers a margin; persist-before-publish events; what-if and maximum
 * order size.
 *
 * Every mutating call is serialised (one at a time, in call order) and atomic: the new state is computed aside,
 * its events are appended to the sink one by one (awaited), and only then is the state replaced and the events
 * published. If an append rejects, the state is left as it was, nothing is published, and the call rejects.
 */
export class LiveEngine {
  private readonly modelId: string;
  private readonly params: unknown;
  private readonly parameterVersion: string | undefined;
  private readonly accountParams: AccountParams;
  private readonly historyLoader: ComputeMarginsOptions['historyLoader'];
  private readonly clock: EngineClock;
  private readonly staleAfterMs: number;
  private readonly spikeBand: number;
  private readonly marketBounds: MarketBounds;
  private readonly sink: EventSink;

  private readonly accounts = new Map<string, AccountEntry>();
  /** key (underlying or currency) → ids of accounts exposed to it. */
  private readonly exposureIndex = new Map<string, Set<string>>();
  private market: MarketSnapshot | undefined;
  private guard = new Map<string, SpikeState>();
  /** underlying → engine clock (ms) of its last accepted update. */
  private lastUpdate = new Map<string, number>();
  private seq = 0;
  private readonly listeners = new Set<EngineListener>();
  private tail: Promise<void> = Promise.resolve();

  constructor(options: LiveEngineOptions) {
    const model = getModel(options.model);
    // Validate now so a bad parameter file fails at start-up, not on the first market update.
    parseWithSchema(model.paramsSchema, options.params ?? {}, 'params', 'MODEL_PARAMS_INVALID');
    requirePositive(options.staleAfterMs, 'staleAfterMs');
    requirePositive(options.spikeBand, 'spikeBand');
    this.modelId = options.model;
    this.params = options.params;
    this.parameterVersion = options.parameterVersion;
    this.accountParams = parseAccountParams(options.accountParams);
    this.historyLoader = options.historyLoader;
    this.clock = options.clock;
    this.staleAfterMs = options.staleAfterMs;
    this.spikeBand = options.spikeBand;
    this.marketBounds = options.marketBounds ?? DEFAULT_MARKET_BOUNDS;
    this.sink = options.sink;
  }

  /** Listens to events after they were persisted. Returns the unsubscribe function. */
  subscribe(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** The model, its parameters and the account parameters the engine margins with (for explanations and what-ifs off the engine). */
  settings(): { readonly model: string; readonly params: unknown; readonly parameterVersion: string | undefined; readonly accountParams: AccountParams; readonly historyLoader: ComputeMarginsOptions['historyLoader'] } {
    return { model: this.modelId, params: this.params, parameterVersion: this.parameterVersion, accountParams: this.accountParams, historyLoader: this.historyLoader };
  }

  /** The engine's current (merged, accepted) market, undefined before the first update. */
  currentMarket(): MarketSnapshot | undefined {
    return this.market;
  }

  accountIds(): string[] {
    return [...this.accounts.keys()];
  }

  /** An account's mode (cross or isolated), without copying its document (overview rows, per account per update). */
  accountMode(accountId: string): PortfolioFile['mode'] {
    return this.entry(accountId).doc.mode;
  }

  /** The portfolio document the engine holds for an account (a copy). */
  account(accountId: string): PortfolioFile {
    return structuredClone(this.entry(accountId).doc);
  }

  /**
   * Adds or replaces an account (a portfolio document). Bad documents throw (SCHEMA_INVALID, instrument errors)
   * and change nothing. With a market, the account is evaluated at once; an evaluation error (an underlying not in
   * the market yet) does not refuse the account: it is recorded and margin() reports it.
   */
  upsertAccount(document: unknown, options: UpsertAccountOptions = {}): Promise<LiveMargin | undefined> {
    return this.exclusive(async () => {
      const doc = parseWithSchema(PortfolioFileSchema, document, 'account');
      const seed = options.previousState;
      if (seed !== undefined && !LIVE_ACCOUNT_STATES.includes(seed)) {
        throw new CrossmarginError('SCHEMA_INVALID', `previousState: expected one of ${LIVE_ACCOUNT_STATES.join(', ')}, got ${String(seed)}`, { field: 'previousState' });
      }
      return this.replaceAccount(doc, seed);
    });
  }

  /**
   * Admission control (docs/service.md "Admission"): throws the coded error that margining `document` on the current
   * market gives (an expired or unknown instrument, an underlying or fx rate the market lacks, a non-finite figure),
   * so a change that would leave an account unmarginable is refused before anything is written. Nothing changes.
   * Without a market only what needs none is checked: names resolve and nothing has expired by the engine clock.
   */
  admit(document: unknown): void {
    const doc = parseWithSchema(PortfolioFileSchema, document, 'account');
    const market = this.market;
    const atMs = market?.asOfMs ?? this.clock.now();
    doc.positions.forEach((p, i) => {
      const field = `positions.${i}.instrument`;
      const spec = resolveInstrument(p.instrument, field);
      if (hasExpired(spec, atMs, field)) throw expiredError(spec, field, market?.asOf ?? new Date(atMs).toISOString());
    });
    if (market === undefined) return;
    const raw = this.evaluateMany([doc], market)[0] as RawEvaluation | CrossmarginError;
    if (raw instanceof CrossmarginError) throw raw;
  }

  /** Removes an account; false when it was not there. No event (the store records the removal itself). */
  removeAccount(accountId: string): Promise<boolean> {
    return this.exclusive(() => {
      const entry = this.accounts.get(accountId);
      if (entry === undefined) return false;
      this.accounts.delete(accountId);
      this.reindex(accountId, entry.exposure, []);
      return true;
    });
  }

  /**
   * Adds `quantityDelta` contracts (buy positive) to the account's position in `instrument` and re-evaluates it.
   * Positions only: the cash side of the trade (premium, fees) reaches the engine as collateral (setCollateral).
   * Idempotency of trade requests is the store's job.
   */
  applyTrade(accountId: string, instrument: InstrumentInput, quantityDelta: number): Promise<LiveMargin | undefined> {
    return this.exclusive(async () => {
      requireFinite(quantityDelta, 'quantityDelta');
      const doc = applyTrades(this.entry(accountId).doc, [{ instrument, quantity: quantityDelta }], this.fillPrice());
      return this.replaceAccount(parseWithSchema(PortfolioFileSchema, doc, 'account'));
    });
  }

  /** Sets the account's balance in `currency` (units of it, ≥ 0; 0 removes the balance) and re-evaluates it. */
  setCollateral(accountId: string, currency: string, balance: number): Promise<LiveMargin | undefined> {
    return this.exclusive(async () => {
      const entry = this.entry(accountId);
      const collateral = { ...entry.doc.collateral, [currency]: balance };
      if (balance === 0) delete collateral[currency];
      const doc = parseWithSchema(PortfolioFileSchema, { ...entry.doc, collateral }, 'account');
      return this.replaceAccount(doc);
    });
  }

  /**
   * A market update (docs/live-engine.md "Market updates", docs/service.md "Market input"). The update (a whole
   * snapshot, or a partial update file whose underlyings list only the fields that changed) is checked against the
   * market bounds; each underlying with an index goes through the spike guard; accepted ones are merged field by
   * field into the engine's market (mergeMarketUpdate: what the update does not name keeps its value). Positions that
   * have expired at the new asOf are settled (settleExpired). Accounts exposed to an underlying or fx rate whose data
   * changed are recomputed together (one model compilation), as are settled accounts and accounts this update makes
   * fresh again. With `options.commit`, everything the update changes is handed to it before it is applied (the
   * service stores it in one transaction); without, events go to the sink. Throws MARKET_DATA_INVALID for an update
   * older than the engine's market or outside the bounds; nothing changes then.
   */
  onMarket(input: MarketSnapshot | MarketUpdateFile, options: MarketUpdateOptions = {}): Promise<MarketUpdateResult> {
    return this.exclusive(async () => {
      const now = this.clock.now();
      const update: MarketUpdateFile = isSnapshot(input) ? input.toJSON() : input;
      const updateMs = parseIsoInstant(update.asOf, 'asOf');
      if (this.market !== undefined && updateMs < this.market.asOfMs) {
        throw new CrossmarginError('MARKET_DATA_INVALID', `asOf: market update at ${update.asOf} is older than the engine's market (${this.market.asOf})`, {
          field: 'asOf',
        });
      }
      checkMarketBounds(update, this.marketBounds);
      const current = this.market?.toJSON();
      const asOf = current?.asOf;
      const guard = new Map(this.guard);
      const lastUpdate = new Map(this.lastUpdate);
      const accepted: string[] = [];
      const held: string[] = [];
      const events: EventDraft[] = [];

      for (const [name, u] of Object.entries(update.underlyings)) {
        const state = guard.get(name) ?? { lastAccepted: undefined, held: undefined };
        // An update without an index (vol or forwards only) has nothing for the guard to judge.
        const verdict = u.index === undefined ? 'accept' : judgeIndexUpdate(state, u.index, this.spikeBand);
        if (verdict === 'hold') {
          const last = state.lastAccepted as number; // 'hold' needs a last accepted value
          const index = u.index as number;
          guard.set(name, { lastAccepted: last, held: index });
          events.push({ type: 'spike-held', at: now, asOf, underlying: name, lastAccepted: last, held: index, move: relativeMove(index, last) });
          held.push(name);
          continue;
        }
        if (verdict === 'confirm' || verdict === 'drop') {
          events.push({ type: verdict === 'confirm' ? 'spike-confirmed' : 'spike-dropped', at: now, asOf, underlying: name, held: state.held as number, accepted: u.index as number });
        }
        if (u.index !== undefined) guard.set(name, { lastAccepted: u.index, held: undefined });
        lastUpdate.set(name, now);
        accepted.push(name);
      }
      const fxChanged = Object.entries(update.fx ?? {}).filter(([ccy, rate]) => current?.fx?.[ccy] !== rate).map(([ccy]) => ccy);

      // Nothing accepted and no fx: the market (and its asOf) stays as it was; only the guard's state moves.
      const unchanged = accepted.length === 0 && fxChanged.length === 0;
      const mergedFile = unchanged ? current : mergeMarketUpdate(current, update, new Set(accepted));
      const market = unchanged ? this.market : parseMarketSnapshot(mergedFile, 'live market');

      const changed = new Set<string>(fxChanged);
      for (const name of Object.keys(mergedFile?.underlyings ?? {})) {
        if (JSON.stringify(current?.underlyings[name]) !== JSON.stringify(mergedFile?.underlyings[name])) changed.add(name);
      }
      const targets = new Set<string>();
      for (const key of changed) for (const id of this.exposureIndex.get(key) ?? []) targets.add(id);
      for (const name of accepted) {
        for (const id of this.exposureIndex.get(name) ?? []) {
          const entry = this.accounts.get(id) as AccountEntry;
          if (targets.has(id)) continue;
          // Fresh again, or never evaluated / failed last time: recompute even though its data did not change.
          const wasStale = this.staleUnderlyings(entry.exposure, now, this.lastUpdate, this.market).length > 0;
          if (wasStale || entry.view === undefined || entry.unmarginable !== undefined) targets.add(id);
        }
      }
      // An account never margined or unmarginable is retried on every new market, whatever it is exposed to (an empty
      // account is exposed to its currency only, which no underlying update names).
      if (market !== undefined && market !== this.market) {
        for (const [id, entry] of this.accounts) if (entry.view === undefined || entry.unmarginable !== undefined) targets.add(id);
      }
      // Expired positions are settled on the first market at or after their expiry (docs/service.md "Expiry").
      const settled: AccountSettlement[] = [];
      const docs = new Map<string, PortfolioFile>();
      const blocked = new Map<string, CrossmarginError>();
      if (market !== undefined && market !== this.market) {
        for (const [id, entry] of this.accounts) {
          if (entry.nextExpiryMs > market.asOfMs) continue;
          const outcome = settleExpired(entry.doc, market);
          if (outcome === undefined) continue;
          targets.add(id);
          if (outcome.kind === 'blocked') {
            blocked.set(id, new CrossmarginError('INSTRUMENT_EXPIRED', outcome.reason, { field: outcome.field }));
            continue;
          }
          settled.push({ accountId: id, doc: outcome.doc, settlements: outcome.settlements });
          docs.set(id, outcome.doc);
        }
      }

      const recomputed = [...this.accounts.keys()].filter((id) => targets.has(id));
      // Computed aside and applied only after the events are persisted.
      const updates = new Map<string, AccountEntry>();
      if (market !== undefined && recomputed.length > 0) {
        const raw = this.evaluateMany(
          recomputed.map((id) => docs.get(id) ?? (this.accounts.get(id) as AccountEntry).doc),
          market,
        );
        recomputed.forEach((id, i) => {
          const entry = this.accounts.get(id) as AccountEntry;
          const doc = docs.get(id);
          const base = doc === undefined ? entry : { ...entry, doc, exposure: exposureKeys(doc), nextExpiryMs: nextExpiryMs(doc) };
          const next = this.nextEntry(base, blocked.get(id) ?? (raw[i] as RawEvaluation | CrossmarginError), market, now, lastUpdate);
          events.push(...this.transitionEvents(id, entry, next, now, market.asOf, lastUpdate, market));
          updates.set(id, next);
        });
      }

      let persisted: EngineEvent[];
      if (options.commit !== undefined && mergedFile !== undefined) {
        persisted = events.map((draft, i) => ({ ...draft, seq: this.seq + i + 1 }) as EngineEvent);
        const floors = new Map([...this.accounts].map(([id, e]) => [id, updates.get(id) ?? e]));
        try {
          await options.commit({ market: mergedFile, checkpoint: this.checkpointOf(guard, lastUpdate, floors), settled, events: persisted });
        } catch (error) {
          throw toCrossmarginError(error);
        }
        this.seq += persisted.length;
      } else {
        persisted = await this.persist(events);
      }
      this.market = market;
      this.guard = guard;
      this.lastUpdate = lastUpdate;
      for (const [id, entry] of updates) {
        const before = this.accounts.get(id) as AccountEntry;
        this.accounts.set(id, entry);
        // Settlement removes positions: the account's exposure may shrink.
        if (entry.exposure !== before.exposure) this.reindex(id, before.exposure, entry.exposure);
      }
      this.publish(persisted);
      return { recomputed, accepted, held, events: persisted, settled };
    });
  }

  /** What a restart must not forget: the guard, last-update times and every account's floor (docs/service.md "Restarts"). */
  checkpoint(): EngineCheckpoint {
    return this.checkpointOf(this.guard, this.lastUpdate, this.accounts);
  }

  /**
   * Restores a stored market with its checkpoint (restoreEngine, after the accounts were added): the guard keeps its
   * held spikes, each underlying its last update time (a market that was stale is still stale), and each account
   * starts from its stored floor: a stale account's margin is floored at it, an unmarginable account holds it. No
   * event is made (the states were announced before the restart). Without a checkpoint (a store written before
   * checkpoints existed), the market is applied as a fresh update.
   */
  restore(file: MarketSnapshotFile, checkpoint: EngineCheckpoint | undefined): Promise<void> {
    if (checkpoint === undefined) return this.onMarket(parseMarketSnapshot(file, 'stored market')).then(() => undefined);
    return this.exclusive(() => {
      const market = parseMarketSnapshot(file, 'stored market');
      const now = this.clock.now();
      const guard = new Map<string, SpikeState>(Object.entries(checkpoint.guard).map(([name, g]) => [name, { lastAccepted: g.lastAccepted, held: g.held }]));
      const lastUpdate = new Map(Object.entries(checkpoint.lastUpdate));
      const ids = [...this.accounts.keys()];
      const seeded = ids.map((id) => {
        const entry = this.accounts.get(id) as AccountEntry;
        const floor = checkpoint.floors[id];
        if (floor === undefined) return entry;
        return { ...entry, view: this.floorView(floor, market), seedState: floor.state, unmarginable: floor.unmarginable };
      });
      const raw = this.evaluateMany(
        seeded.map((e) => e.doc),
        market,
      );
      seeded.forEach((entry, i) => {
        const next = this.nextEntry(entry, raw[i] as RawEvaluation | CrossmarginError, market, now, lastUpdate);
        // A restart never lowers a held figure: an account that was unmarginable and is still not margined keeps it.
        this.accounts.set(entry.doc.account, next);
      });
      this.market = market;
      this.guard = guard;
      this.lastUpdate = lastUpdate;
    });
  }

  /**
   * Accounts that are stale now: exposed to an underlying of the market not updated within staleAfterMs. Reading
   * is enough to see staleness (margin() checks the clock too); tick() is for a timer that wants the list.
   */
  tick(): string[] {
    const now = this.clock.now();
    return [...this.accounts].filter(([, e]) => this.staleUnderlyings(e.exposure, now, this.lastUpdate, this.market).length > 0).map(([id]) => id);
  }

  /**
   * tick() for a timer, plus events: a `stale` event (persisted, then published) for each account that became
   * stale since it was last fresh, once per staleness episode. An account is fresh again when a check (this one,
   * or a recompute) finds it not stale.
   */
  staleTick(): Promise<StaleTickResult> {
    return this.exclusive(async () => {
      const now = this.clock.now();
      const stale: string[] = [];
      const drafts: EventDraft[] = [];
      const flags = new Map<string, boolean>();
      for (const [id, entry] of this.accounts) {
        const underlyings = this.staleUnderlyings(entry.exposure, now, this.lastUpdate, this.market);
        if (underlyings.length > 0) {
          stale.push(id);
          if (entry.staleNotified !== true) {
            drafts.push({ type: 'stale', at: now, asOf: this.market?.asOf, accountId: id, staleUnderlyings: underlyings });
            flags.set(id, true);
          }
        } else if (entry.staleNotified === true) {
          flags.set(id, false);
        }
      }
      const persisted = await this.persist(drafts);
      for (const [id, notified] of flags) {
        const entry = this.accounts.get(id);
        if (entry !== undefined) this.accounts.set(id, { ...entry, staleNotified: notified });
      }
      this.publish(persisted);
      return { stale, events: persisted };
    });
  }

  /** The account's current margin, status and staleness. Throws when it has never been evaluated. */
  margin(accountId: string): LiveMargin {
    const entry = this.entry(accountId);
    const view = entry.view;
    if (view === undefined && entry.unmarginable !== undefined) {
      throw new CrossmarginError('ACCOUNT_UNMARGINABLE', `account "${accountId}" is unmarginable and has no margin yet: ${entry.unmarginable.reason}`, {
        field: 'accountId',
        details: { accountId, state: 'unmarginable', reason: entry.unmarginable.reason, code: entry.unmarginable.code },
      });
    }
    if (view === undefined) {
      throw new CrossmarginError('USAGE_INVALID', `account "${accountId}" has no margin yet: ${entry.error ?? 'no market update has been accepted'}`, {
        field: 'accountId',
        details: { accountId },
      });
    }
    return this.report(accountId, entry, view);
  }

  /**
   * The account after hypothetical trades (signed contracts, buy positive), engine state unchanged. Trades are
   * assumed done at the current mark: their value (option premium, spot holding) is paid out of equity, so a trade
   * moves equity only through haircuts, and the margin through the model. Staleness and hysteresis apply as for a
   * real trade (a stale account's margin is floored at its reported one).
   */
  whatIf(accountId: string, trades: readonly TradeInput[]): WhatIfResult {
    const entry = this.entry(accountId);
    trades.forEach((t, i) => requireFinite(t.quantity, `trades.${i}.quantity`));
    const market = this.requireMarket();
    const doc = parseWithSchema(PortfolioFileSchema, applyTrades(entry.doc, trades, this.fillPrice(market)), 'what-if');
    const raw = this.evaluateMany([doc], market)[0] as RawEvaluation | CrossmarginError;
    if (raw instanceof CrossmarginError) throw raw;
    const tradeValue = trades.length === 0 ? 0 : this.positionsValue({ ...doc, positions: trades.map((t) => ({ ...t })), collateral: {} }, market);
    const now = this.clock.now();
    const exposure = exposureKeys(doc);
    const stale = this.staleUnderlyings(exposure, now, this.lastUpdate, market);
    const view = this.classify({ result: raw.result, equity: raw.equity - tradeValue }, entry.view, stale.length > 0, market.asOf, now, entry.seedState);
    return { ...this.marginFields(accountId, view, stale, market.asOf), positions: doc.positions, tradeValue };
  }

  /**
   * Largest order (contracts, ≥ 0) in `instrument` on `side` after which equity ≥ initial margin (whatIf of the
   * order), found by bracketing and bisection (largestFeasible) to a relative precision of 1e-9. An account not
   * healthy (margin call, liquidation) is reduce-only: 0, or up to closing the position when the order reduces it.
   * A healthy account's reducing order starts its search at the closing size when that is feasible.
   */
  maxOrderSize(accountId: string, instrument: InstrumentInput, side: 'buy' | 'sell'): MaxOrderSize {
    if (side !== 'buy' && side !== 'sell') {
      throw new CrossmarginError('SCHEMA_INVALID', `side: expected "buy" or "sell", got ${String(side)}`, { field: 'side' });
    }
    const entry = this.entry(accountId);
    const spec = resolveInstrument(instrument, 'instrument');
    const symbol = spec.symbol;
    const market = this.market;
    // An order the engine could not margin is not sized (even reduce-only): an unknown underlying or an expired instrument.
    if (market !== undefined && !market.has(spec.underlying)) market.underlying(spec.underlying, 'instrument');
    const position = positionOf(entry.doc, symbol);
    if (market !== undefined && hasExpired(spec, market.asOfMs, 'instrument')) {
      if (position === 0) throw expiredError(spec, 'instrument', market.asOf);
      // A held expired position is not traded: it settles (docs/service.md "Expiry").
      const held = stateOf(entry) ?? 'unmarginable';
      const why = `${symbol} has expired: it is settled, not traded`;
      return { accountId, instrument: symbol, side, position, precision: ORDER_SIZE_PRECISION, quantity: 0, unbounded: false, reason: held === 'healthy' ? why : `reduce-only (${held}): ${why}` };
    }
    const sign = side === 'buy' ? 1 : -1;
    const closing = position !== 0 && Math.sign(position) === -sign ? Math.abs(position) : 0;
    const base = { accountId, instrument: symbol, side, position, precision: ORDER_SIZE_PRECISION };
    // An unmarginable account without a figure is reduce-only too (margin() would refuse it).
    const state = stateOf(entry) ?? 'unmarginable';
    if (state !== 'healthy' || entry.view === undefined) {
      return closing > 0
        ? { ...base, quantity: closing, unbounded: false, reason: `reduce-only (${state}): up to closing the position` }
        : { ...base, quantity: 0, unbounded: false, reason: `reduce-only (${state}): the order would not reduce a position` };
    }
    const feasible = (q: number): boolean => {
      const w = this.whatIf(accountId, [{ instrument, quantity: sign * q }]);
      return w.equity >= w.result.initialMargin;
    };
    if (!feasible(0)) return { ...base, quantity: 0, unbounded: false, reason: 'equity is below initial margin already' };
    const lo = closing > 0 && feasible(closing) ? closing : 0;
    const search = largestFeasible(feasible, { lo, firstStep: Math.max(1, closing), relativePrecision: ORDER_SIZE_PRECISION });
    return {
      ...base,
      quantity: search.quantity,
      unbounded: search.unbounded,
      reason: search.unbounded ? 'every size searched keeps equity ≥ initial margin' : 'largest size keeping equity ≥ initial margin',
    };
  }

  // ---- internals -------------------------------------------------------------------------------------------

  /** Runs `fn` after every earlier mutating call has finished (success or failure). */
  private exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private entry(accountId: string): AccountEntry {
    const entry = this.accounts.get(accountId);
    if (entry === undefined) {
      throw new CrossmarginError('USAGE_INVALID', `account "${accountId}" is not known to the engine`, { field: 'accountId', details: { accountId } });
    }
    return entry;
  }

  /**
   * Fills at the mark: an instrument's reference price on the engine's market (its forward for a future, the index
   * for a perpetual), in its quote; undefined without a market or when the market lacks the underlying.
   */
  fillPrice(market: MarketSnapshot | undefined = this.market): FillPrice {
    return (spec) => {
      if (market === undefined) return undefined;
      try {
        return instrumentMarketInputs(spec, market, 'trade', { needVol: false }).reference;
      } catch {
        return undefined;
      }
    };
  }

  private requireMarket(): MarketSnapshot {
    if (this.market === undefined) throw new CrossmarginError('USAGE_INVALID', 'the engine has no market yet: push a market update first', { field: 'market' });
    return this.market;
  }

  /** Replaces (or adds) an account with `doc`, re-evaluating it; shared by upsert, trades and collateral. */
  private async replaceAccount(doc: PortfolioFile, seedState?: LiveAccountState): Promise<LiveMargin | undefined> {
    const id = doc.account;
    const known = this.accounts.get(id);
    const seed = seedState ?? known?.seedState;
    const exposure = exposureKeys(doc);
    const now = this.clock.now();
    let next: AccountEntry = {
      doc,
      exposure,
      view: known?.view,
      error: undefined,
      seedState: seed,
      staleNotified: known?.staleNotified,
      unmarginable: known?.unmarginable,
      nextExpiryMs: nextExpiryMs(doc),
    };
    // A seeded new account transitions from its seed state (no event when it is still in it).
    const previous = known ?? (seed === undefined ? undefined : { ...next, view: undefined });
    const events: EventDraft[] = [];
    const market = this.market;
    if (market !== undefined) {
      const raw = this.evaluateMany([doc], market)[0] as RawEvaluation | CrossmarginError;
      next = this.nextEntry(next, raw, market, now, this.lastUpdate);
      events.push(...this.transitionEvents(id, previous, next, now, market.asOf, this.lastUpdate, market));
    } else {
      // No market yet: nothing can margin the account (fail closed), until the first market update.
      next = { ...next, unmarginable: next.unmarginable ?? { reason: 'no market data yet: push a market update first', code: 'MARKET_UNDERLYING_MISSING', field: 'market', since: now } };
    }
    const persisted = await this.persist(events);
    this.accounts.set(id, next);
    this.reindex(id, known?.exposure ?? [], exposure);
    this.publish(persisted);
    return next.view === undefined ? undefined : this.report(id, next, next.view);
  }

  /**
   * Raw margins and equities of `docs` on `market`: one computeMargins call (one model compilation, one shared
   * revaluation) for all; if it throws (one bad account must not block the others), each is retried on its own
   * and a failure is returned in its place.
   */
  private evaluateMany(docs: readonly PortfolioFile[], market: MarketSnapshot): (RawEvaluation | CrossmarginError)[] {
    const inputs: PortfolioInput[] = docs.map((document) => ({ document, source: `account ${document.account}` }));
    const options: ComputeMarginsOptions = {
      ...(this.params === undefined ? {} : { params: this.params }),
      ...(this.historyLoader === undefined ? {} : { historyLoader: this.historyLoader }),
    };
    try {
      const results = computeMargins(inputs, market, this.modelId, options);
      const table = new InstrumentTable();
      return docs.map((doc, i) => {
        try {
          return finiteEvaluation({ result: results[i] as MarginResult, equity: this.equityOf(doc, table, market) });
        } catch (error) {
          return toCrossmarginError(error);
        }
      });
    } catch (error) {
      if (docs.length === 1) return [toCrossmarginError(error)];
      return docs.map((doc) => this.evaluateMany([doc], market)[0] as RawEvaluation | CrossmarginError);
    }
  }

  private equityOf(doc: PortfolioFile, table: InstrumentTable, market: MarketSnapshot): number {
    return accountEquity(resolvePortfolio(doc, table, `account ${doc.account}`), table, market, this.accountParams).equity;
  }

  private positionsValue(doc: PortfolioFile, market: MarketSnapshot): number {
    const table = new InstrumentTable();
    return accountEquity(resolvePortfolio(doc, table, 'trades'), table, market, this.accountParams).positionsValue;
  }

  /**
   * The reported view from a raw evaluation: while stale, initial and maintenance margin are floored at the
   * previously reported ones (a stale market never lowers a margin); then classified with the previous state
   * (hysteresis).
   */
  private classify(raw: RawEvaluation, previous: AccountView | undefined, stale: boolean, asOf: string, now: number, seedState?: LiveAccountState): AccountView {
    let result = raw.result;
    if (stale && previous !== undefined) {
      const initialMargin = Math.max(previous.result.initialMargin, raw.result.initialMargin);
      const maintenanceMargin = Math.max(previous.result.maintenanceMargin, raw.result.maintenanceMargin);
      result = {
        ...raw.result,
        initialMargin,
        maintenanceMargin,
        details: {
          ...raw.result.details,
          staleFloor: {
            recomputedInitialMargin: raw.result.initialMargin,
            recomputedMaintenanceMargin: raw.result.maintenanceMargin,
            floorInitialMargin: previous.result.initialMargin,
            floorMaintenanceMargin: previous.result.maintenanceMargin,
          },
        },
      };
    }
    const status = classifyAccount(raw.equity, result.initialMargin, result.maintenanceMargin, this.accountParams, hysteresisState(previous?.status.state ?? seedState));
    return { result, status, equity: raw.equity, asOf, computedAt: now };
  }

  private nextEntry(
    entry: AccountEntry,
    raw: RawEvaluation | CrossmarginError,
    market: MarketSnapshot,
    now: number,
    lastUpdate: ReadonlyMap<string, number>,
  ): AccountEntry {
    if (raw instanceof CrossmarginError) {
      // Fail closed: the last good view is held (never lowered) and the account is unmarginable until a recompute works.
      const since = entry.unmarginable?.since ?? now;
      return { ...entry, error: raw.message, unmarginable: { reason: raw.message, code: raw.code, ...(raw.field === undefined ? {} : { field: raw.field }), since } };
    }
    const stale = this.staleUnderlyings(entry.exposure, now, lastUpdate, market).length > 0;
    // Back from unmarginable: the held figure floors the first margin, as a stale market's would (never lower at once).
    const view = this.classify(raw, entry.view, stale || entry.unmarginable !== undefined, market.asOf, now, entry.seedState);
    // A recompute on a fresh market ends the staleness episode: the next one gets its own `stale` event.
    return { ...entry, view, error: undefined, unmarginable: undefined, staleNotified: stale && entry.staleNotified === true };
  }

  /** state-transition (+ margin-call / liquidation signal) events between two entries of one account. */
  private transitionEvents(
    accountId: string,
    before: AccountEntry | undefined,
    after: AccountEntry,
    now: number,
    asOf: string,
    lastUpdate: ReadonlyMap<string, number>,
    market: MarketSnapshot,
  ): EventDraft[] {
    const view = after.view;
    // An account added before any market was waiting, not failing: its first margin is announced as for a new account.
    const awaitingMarket = before !== undefined && before.view === undefined && before.unmarginable?.field === 'market';
    const from = before === undefined || awaitingMarket ? before?.seedState : stateOf(before);
    const to = stateOf(after);
    // A new account that starts healthy is not news; any other change of state is.
    if (to === undefined || from === to || (from === undefined && to === 'healthy')) return [];
    const stale = this.staleUnderlyings(after.exposure, now, lastUpdate, market).length > 0;
    const events: EventDraft[] = [
      {
        type: 'state-transition',
        at: now,
        asOf,
        accountId,
        from,
        to,
        ...(view === undefined
          ? {}
          : { equity: view.equity, initialMargin: view.result.initialMargin, maintenanceMargin: view.result.maintenanceMargin, currency: view.result.currency }),
        stale,
        ...(after.unmarginable === undefined ? {} : { reason: after.unmarginable.reason, code: after.unmarginable.code }),
      },
    ];
    if (view === undefined) return events;
    const currency = view.result.currency;
    if (to === 'margin-call' && from !== 'liquidation') {
      events.push({ type: 'margin-call', at: now, asOf, accountId, equity: view.equity, initialMargin: view.result.initialMargin, shortfall: view.result.initialMargin - view.equity, currency });
    }
    if (to === 'liquidation') {
      events.push({
        type: 'liquidation',
        at: now,
        asOf,
        accountId,
        equity: view.equity,
        maintenanceMargin: view.result.maintenanceMargin,
        liquidationBelow: view.status.thresholds.liquidationBelow,
        currency,
      });
    }
    return events;
  }

  /** Moves account `id` in the exposure index from the keys `before` to the keys `after`. */
  private reindex(id: string, before: readonly string[], after: readonly string[]): void {
    for (const key of before) {
      const set = this.exposureIndex.get(key);
      set?.delete(id);
      if (set?.size === 0) this.exposureIndex.delete(key);
    }
    for (const key of after) {
      let set = this.exposureIndex.get(key);
      if (set === undefined) this.exposureIndex.set(key, (set = new Set()));
      set.add(id);
    }
  }

  /** Underlyings of `market` among `exposure` whose last accepted update is older than staleAfterMs at `now`. */
  private staleUnderlyings(exposure: readonly string[], now: number, lastUpdate: ReadonlyMap<string, number>, market: MarketSnapshot | undefined): string[] {
    if (market === undefined) return [];
    return exposure.filter((k) => market.has(k) && now - (lastUpdate.get(k) ?? Number.NEGATIVE_INFINITY) > this.staleAfterMs);
  }

  private report(accountId: string, entry: AccountEntry, view: AccountView): LiveMargin {
    const stale = this.staleUnderlyings(entry.exposure, this.clock.now(), this.lastUpdate, this.market);
    const fields = { ...this.marginFields(accountId, view, stale, view.asOf), computedAt: view.computedAt, ...(entry.error === undefined ? {} : { error: entry.error }) };
    if (entry.unmarginable === undefined) return fields;
    // The held figures, shown as unmarginable and reduce-only: never healthy while the engine cannot margin it.
    return { ...fields, state: 'unmarginable', status: { ...view.status, state: 'unmarginable', reduceOnly: true }, unmarginable: entry.unmarginable };
  }

  /** Every account's last reported figures, for the checkpoint (accounts never margined have none). */
  private checkpointOf(guard: ReadonlyMap<string, SpikeState>, lastUpdate: ReadonlyMap<string, number>, entries: ReadonlyMap<string, AccountEntry>): EngineCheckpoint {
    const floors: [string, AccountFloor][] = [];
    for (const [id, entry] of entries) {
      const view = entry.view;
      if (view === undefined) continue;
      floors.push([id, {
        initialMargin: view.result.initialMargin,
        maintenanceMargin: view.result.maintenanceMargin,
        equity: view.equity,
        currency: view.result.currency,
        state: stateOf(entry) ?? view.status.state,
        asOf: view.asOf,
        ...(entry.unmarginable === undefined ? {} : { unmarginable: entry.unmarginable }),
      }]);
    }
    return {
      version: 1,
      guard: Object.fromEntries(
        [...guard].map(([name, g]) => [name, { ...(g.lastAccepted === undefined ? {} : { lastAccepted: g.lastAccepted }), ...(g.held === undefined ? {} : { held: g.held }) }]),
      ),
      lastUpdate: Object.fromEntries(lastUpdate),
      // Own properties whatever the ids (Object.fromEntries defines, never assigns through a prototype).
      floors: Object.fromEntries(floors),
    };
  }

  /** A view made of stored figures (restore): the previous view a stale account is floored at, or the held one. */
  private floorView(floor: AccountFloor, market: MarketSnapshot): AccountView {
    const result: MarginResult = {
      model: this.modelId,
      currency: floor.currency,
      initialMargin: floor.initialMargin,
      maintenanceMargin: floor.maintenanceMargin,
      components: [],
      positions: [],
      details: { restoredFloor: { asOf: floor.asOf, note: 'figures stored before a restart; held while the account is stale or unmarginable' } },
    };
    const status = classifyAccount(floor.equity, floor.initialMargin, floor.maintenanceMargin, this.accountParams, hysteresisState(floor.state));
    return { result, status, equity: floor.equity, asOf: floor.asOf === '' ? market.asOf : floor.asOf, computedAt: this.clock.now() };
  }

  /** What a live margin and a what-if answer share: the model's result, the classified status and staleness. */
  private marginFields(accountId: string, view: Pick<AccountView, 'result' | 'status' | 'equity'>, stale: readonly string[], asOf: string) {
    return {
      accountId,
      result: view.result,
      status: view.status,
      state: view.status.state,
      equity: view.equity,
      stale: stale.length > 0,
      staleUnderlyings: stale,
      asOf,
      ...(this.parameterVersion === undefined ? {} : { parameterVersion: this.parameterVersion }),
    };
  }

  /**
   * Appends `drafts` to the sink in order, numbering them. A rejection aborts: the caller has not applied its state
   * yet, so nothing changes and nothing is published. Sequence numbers of events appended before the failure stay
   * used, so the store never sees one number twice.
   */
  private async persist(drafts: readonly EventDraft[]): Promise<EngineEvent[]> {
    const persisted: EngineEvent[] = [];
    for (const draft of drafts) {
      const event = { ...draft, seq: this.seq + 1 } as EngineEvent;
      try {
        await this.sink.append(event);
      } catch (error) {
        throw new CrossmarginError('INTERNAL', `event sink rejected event ${event.seq} (${event.type}): the change was not applied`, { cause: error });
      }
      this.seq = event.seq;
      persisted.push(event);
    }
    return persisted;
  }

  private publish(events: readonly EngineEvent[]): void {
    for (const event of events) {
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch {
          // A listener's failure is its own: the event is persisted and the state applied; other listeners still
          // get it. Listeners that need to know about their errors catch them themselves.
        }
      }
    }
  }
}


/** The account's state as reported: unmarginable when the engine cannot margin it, else its classification (or seed). */
function stateOf(entry: AccountEntry): LiveAccountState | undefined {
  if (entry.unmarginable !== undefined) return 'unmarginable';
  return entry.view?.status.state ?? entry.seedState;
}

/**
 * The previous state the margin-call hysteresis continues from: an account back from unmarginable is treated as
 * coming out of a margin call (it must rebuild the cushion before it is healthy again).
 */
function hysteresisState(state: LiveAccountState | undefined): AccountState | undefined {
  return state === 'unmarginable' ? 'margin-call' : state;
}

/** True when a dated instrument's expiry is at or before `atMs` (epoch ms). */
function hasExpired(spec: InstrumentSpec, atMs: number, field: string): boolean {
  return spec.expiry !== undefined && parseIsoInstant(spec.expiry, field) <= atMs;
}

function expiredError(spec: InstrumentSpec, field: string, asOf: string): CrossmarginError {
  return new CrossmarginError('INSTRUMENT_EXPIRED', `${field}: ${spec.symbol} expired at ${spec.expiry}, not after the market's asOf ${asOf}`, {
    field,
    details: { instrument: spec.symbol },
  });
}

function isSnapshot(input: MarketSnapshot | MarketUpdateFile): input is MarketSnapshot {
  return typeof (input as MarketSnapshot).toJSON === 'function';
}

/** No non-finite figure leaves the engine: a model or an equity that produced one makes the account unmarginable. */
function finiteEvaluation(raw: RawEvaluation): RawEvaluation {
  const figures: [string, number][] = [
    ['initialMargin', raw.result.initialMargin],
    ['maintenanceMargin', raw.result.maintenanceMargin],
    ['equity', raw.equity],
  ];
  for (const [field, value] of figures) {
    if (!Number.isFinite(value)) {
      throw new CrossmarginError('ACCOUNT_UNMARGINABLE', `${field}: the model produced a non-finite figure (${String(value)})`, { field });
    }
  }
  return raw;
}

function requireFinite(value: number, field: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new CrossmarginError('SCHEMA_INVALID', `${field}: expected a finite number, got ${String(value)}`, { field });
  }
}

function requirePositive(value: number, field: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new CrossmarginError('SCHEMA_INVALID', `${field}: expected a positive number, got ${String(value)}`, { field });
  }
}
