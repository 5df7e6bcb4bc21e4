import { CrossmarginError, toCrossmarginError } from '../../core/errors.js';
import { parseIsoInstant } from '../../core/dates.js';
import { parseWithSchema } from '../../core/validate.js';
import { InstrumentTable } from '../../instruments/instrument-table.js';
import { resolveInstrument } from '../../instruments/resolve-instrument.js';
import type { InstrumentSpec } from '../../instruments/instrument-spec.js';
import { parseMarketSnapshot, type MarketSnapshot } from '../../market/market-snapshot.js';
import type { MarketSnapshotFile } from '../../market/market-snapshot-schema.js';
import { DEFAULT_MARKET_BOUNDS, type MarketBounds, type MarketUpdateFile } from '../../market/market-update.js';
import { compileModelRun, computeMargins, prepareModelRun, type ComputeMarginsOptions, type ModelRun, type PortfolioInput } from '../../models/compute-margin.js';
import type { MarginResult } from '../../models/margin-result.js';
import type { MarketHistory } from '../../scenarios/history/market-history.js';
import { PortfolioFileSchema, type PortfolioFile } from '../../portfolio/portfolio-schema.js';
import { resolvePortfolio } from '../../portfolio/resolve-portfolio.js';
import { instrumentMarketInputs } from '../../pricing/instrument-inputs.js';
import { checkThreads, defaultThreads } from '../../risk/kernel-pool.js';
import { accountEquity } from '../account/account-equity.js';
import { parseAccountParams, type AccountParams } from '../account/account-params.js';
import { classifyAccount, LIVE_ACCOUNT_STATES, type LiveAccountState } from '../account/account-state.js';
import { equityMarks, type EquityMarks } from './account-equities.js';
import { admitMarkets, type AdmittedMarkets, type TimedMarketUpdate } from './admit-markets.js';
import { applyTrades, positionOf, realisedPnl, type FillPrice, type InstrumentInput, type TradeInput } from './apply-trades.js';
import { AccountFigures, PRESENT, STALE_NOTIFIED, UNMARGINABLE } from './account-figures.js';
import {
  deriveTick,
  deriveView,
  hysteresisState,
  nextEntry,
  stateOf,
  stateRowOf,
  stateRowWorthWriting,
  statusOf,
  transitionEvents,
  type AccountEntry,
  type AccountStateRow,
  type AccountView,
  type DerivedTick,
  type StoredEntry,
} from './derive-states.js';
import type { EngineEvent, EngineListener, EventDraft, EventSink } from './engine-event.js';
import type { AccountFloor, EngineCheckpoint } from './engine-checkpoint.js';
import { largestFeasible } from './largest-feasible.js';
import { exposed, keyFilter, LiveBook } from './live-book.js';
import {
  evaluateWithGeneration,
  figuresAt,
  finiteFigures,
  putFigures,
  remarginAccounts,
  remarginOutput,
  remarginScratch,
  type Generation,
  type MarginSettings,
  type RawFigures,
  type RemarginOutput,
  type RemarginScratch,
} from './remargin-accounts.js';
import type {
  AccountStateSink,
  EngineClock,
  LiveAccountStatus,
  LiveEngineOptions,
  LiveMargin,
  MarketUpdateOptions,
  MarketUpdateResult,
  MaxOrderSize,
  ReportedFigures,
  StaleTickResult,
  UpsertAccountOptions,
  WhatIfOptions,
  WhatIfResult,
} from './live-engine-types.js';
import { selectAccounts } from './select-accounts.js';
import { fastWhatIf } from './what-if.js';
import { lazyProperty } from './lazy-property.js';
import type { SpikeState } from './spike-guard.js';

export type {
  AccountSettlement,
  AccountStateSink,
  EngineClock,
  LiveAccountStatus,
  LiveEngineOptions,
  LiveMargin,
  MarketCommit,
  MarketUpdateOptions,
  MarketUpdateResult,
  MaxOrderSize,
  ReportedFigures,
  StaleTickResult,
  TickTimings,
  UpsertAccountOptions,
  WhatIfOptions,
  WhatIfResult,
} from './live-engine-types.js';
export type { AccountStateRow } from './derive-states.js';

/** Precision of maxOrderSize (relative, see largestFeasible). */
const ORDER_SIZE_PRECISION = 1e-9;

/**
 * The live margin engine (docs/live-engine.md, docs/architecture.md "The live engine"). It keeps its compiled state
 * between ticks: every account's document is parsed and validated once, at admission, into the rows of a LiveBook
 * (typed arrays, instruments interned); a market update flows through stages, one file each — admit (bounds, spike
 * guard, staleness: admit-market.ts) → merge into the market (merge-market.ts) → revalue the instruments of the
 * exposed accounts and re-margin those accounts together through the model's batch kernels, equity by the equity
 * kernel (remargin-accounts.ts, account-equities.ts) → derive states and events (derive-states.ts) → persist →
 * publish. The healthy / margin-call / liquidation state machine has hysteresis; staleness never lowers a margin;
 * events are persisted before they are published; what-ifs and order sizes reuse the latest compiled model.
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
  private readonly stateSink: AccountStateSink | undefined;
  private readonly run: ModelRun;
  private readonly marginOptions: ComputeMarginsOptions;
  private readonly threads: number;
  private readonly book: LiveBook;
  private readonly scratch: RemarginScratch = remarginScratch();
  /** The tick's output columns, reused between ticks (a tick is applied before the next one starts). */
  private readonly outputBuffers = { columns: new Float64Array(0) };
  private readonly deriveBuffers = { f64: new Float64Array(0), u8: new Uint8Array(0) };

  /** Accounts by id, in admission order (their views are in `figures`, by slot). */
  private readonly accounts = new Map<string, StoredEntry>();
  /** The same entries by slot (the tick's loops index them without a map lookup). */
  private readonly slotEntries: (StoredEntry | undefined)[] = [];
  private readonly figures = new AccountFigures();
  /** Per slot: PRESENT, UNMARGINABLE, STALE_NOTIFIED (what the tick's loops test without touching the entries). */
  private entryFlags = new Uint8Array(0);
  private market: MarketSnapshot | undefined;
  private guard = new Map<string, SpikeState>();
  /** underlying → engine clock (ms) of its last accepted update. */
  private lastUpdate = new Map<string, number>();
  private seq = 0;
  private readonly listeners = new Set<EngineListener>();
  private tail: Promise<void> = Promise.resolve();
  /** The latest compiled model on the current market (trades and what-ifs evaluate with it when it covers them). */
  private latest: Generation | undefined;
  private generations = 0;
  private marks: { readonly market: MarketSnapshot; readonly instruments: number; readonly currencies: number; readonly marks: EquityMarks } | undefined;
  /** Explained results already made (by slot, with the figures' version they explain); bounded. */
  private readonly explained = new Map<number, { readonly version: number; readonly result: MarginResult }>();
  /** Instrument names (as clients spell them) → book id, for what-ifs. */
  private readonly symbolIds = new Map<string, number | undefined>();

  constructor(options: LiveEngineOptions) {
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
    this.stateSink = options.stateSink;
    this.threads = options.threads === undefined ? defaultThreads() : checkThreads(options.threads);
    this.marginOptions = {
      ...(options.params === undefined ? {} : { params: options.params }),
      ...(options.historyLoader === undefined ? {} : { historyLoader: memoisedHistory(options.historyLoader) }),
    };
    // Validates the parameters now (MODEL_PARAMS_INVALID), so a bad parameter file fails at start-up.
    this.run = prepareModelRun(options.model, this.marginOptions);
    this.book = new LiveBook({
      ...(this.run.prepared?.catalogue === undefined ? {} : { catalogue: this.run.prepared.catalogue }),
      collateralAsPositions: this.run.model.stressesCollateral === true,
    });
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

  /** True when the engine holds the account (O(1): request paths ask this, not accountIds()). */
  hasAccount(accountId: string): boolean {
    return this.accounts.has(accountId);
  }

  /** Number of accounts the engine holds. */
  accountCount(): number {
    return this.accounts.size;
  }

  /** An account's mode (cross or isolated), without copying its document (overview rows, per account per update). */
  accountMode(accountId: string): PortfolioFile['mode'] {
    return this.entry(accountId).doc.mode;
  }

  /** The portfolio document the engine holds for an account (a copy). */
  account(accountId: string): PortfolioFile {
    return structuredClone(this.entry(accountId).doc);
  }

  /** What the live state holds (accounts, compiled margin rows, interned instruments), for memory reports. */
  stats(): { readonly accounts: number; readonly marginRows: number; readonly instruments: number } {
    return this.book.stats();
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
    const raw = this.evaluateOne(doc, market);
    if (raw instanceof CrossmarginError) throw raw;
  }

  /** Removes an account; false when it was not there. No event (the store records the removal itself). */
  removeAccount(accountId: string): Promise<boolean> {
    return this.exclusive(() => {
      const slot = this.book.slot(accountId);
      if (slot === undefined || !this.accounts.has(accountId)) return false;
      this.accounts.delete(accountId);
      this.slotEntries[slot] = undefined;
      this.entryFlags[slot] = 0;
      this.figures.write(slot, undefined);
      this.explained.delete(slot);
      this.book.remove(accountId);
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
   * A market update (docs/live-engine.md "Market updates", docs/service.md "Market input"), through the tick
   * pipeline: admit (bounds, spike guard) → merge (field by field; changes found by comparing values) → settle
   * expired positions → revalue and re-margin the exposed accounts in one batch → derive states and events →
   * persist (with `options.commit`, everything the update changes is handed to it before it is applied: the service
   * stores it in one transaction; without, events go to the sink) → apply → publish. Exposed accounts: those holding
   * an underlying or currency whose data changed, settled accounts, accounts this update makes fresh again, and
   * accounts never margined or unmarginable. Throws MARKET_DATA_INVALID for an update older than the engine's market
   * or outside the bounds; nothing changes then.
   */
  onMarket(input: MarketSnapshot | MarketUpdateFile, options: MarketUpdateOptions = {}): Promise<MarketUpdateResult> {
    return this.onMarkets([{ update: isSnapshot(input) ? input.toJSON() : input, at: options.at }], options).then((result) => {
      if (result.refused.length > 0) throw result.refused[0]!.error;
      return result;
    });
  }

  /**
   * Several market updates in one tick (a cluster worker that fell behind the market stream, issue 17): each is
   * admitted in order as onMarket would (bounds, spike guard, stamped with its own `at`), then the accounts they
   * expose are re-margined once on the market after them all. An update refused is skipped and reported in
   * `refused` (it changes nothing); when every one is refused, nothing changes.
   */
  onMarkets(updates: readonly TimedMarketUpdate[], options: Omit<MarketUpdateOptions, 'at'> = {}): Promise<MarketUpdateResult & { readonly refused: AdmittedMarkets['refused'] }> {
    return this.exclusive(async () => {
      const t0 = performance.now();
      // 1. admit, 2. merge
      const admission = admitMarkets(updates, { market: this.market, guard: this.guard, lastUpdate: this.lastUpdate, bounds: this.marketBounds, spikeBand: this.spikeBand, clockNow: this.clock.now() });
      const t1 = performance.now();
      const zero = { admit: t1 - t0, select: 0, remargin: 0, derive: 0, persist: 0, apply: 0 };
      if (admission.admitted === 0) return { recomputed: [], accepted: [], held: [], events: [], settled: [], timings: zero, refused: admission.refused };
      const now = admission.now;
      const market = admission.market;
      const events: EventDraft[] = [...admission.events];
      const newMarket = market !== undefined && market !== this.market;

      // Which accounts to re-margin, by key flags and slot (no per-account sets, no map lookups).
      const keyCount = this.book.keys.names.length;
      const changedKeys = this.keyFlags(admission.changed, keyCount);
      const acceptedKeys = this.keyFlags(admission.accepted, keyCount);
      const staleBefore = this.staleKeyFlags(now, this.lastUpdate, this.market);
      // 3. select
      const { slots, settled, docs, blocked } = selectAccounts({
        book: this.book,
        has: this.figures.has,
        entryFlags: this.entryFlags,
        entryOf: (slot) => this.slotEntries[slot] as StoredEntry,
        changedKeys,
        acceptedKeys,
        staleBefore,
        newMarket: newMarket ? market : undefined,
      });
      const count = slots.length;
      const targets: string[] = new Array<string>(count);
      for (let k = 0; k < count; k++) targets[k] = this.book.id(slots[k]!);

      // 4. revalue and re-margin, computed aside; applied only after the events are persisted.
      const t3 = performance.now();
      let t4 = t3;
      let derived: DerivedTick | undefined;
      let derivedRaw: RemarginOutput | undefined;
      if (market !== undefined && count > 0) {
        const raw = this.remargin(slots, market, docs, blocked);
        derivedRaw = raw;
        t4 = performance.now();
        // 5. derive states and events
        derived = this.derive(slots, raw, market, now, admission.lastUpdate, docs, events);
      }
      const rows = derived?.rows ?? [];
      const t5 = performance.now();

      // 6. persist
      let persisted: EngineEvent[];
      if (options.commit !== undefined && admission.file !== undefined) {
        persisted = events.map((draft, i) => ({ ...draft, seq: this.seq + i + 1 }) as EngineEvent);
        try {
          await options.commit({ market: admission.file, checkpoint: this.checkpointOf(admission.guard, admission.lastUpdate), accountStates: rows, settled, events: persisted });
        } catch (error) {
          throw toCrossmarginError(error);
        }
        this.seq += persisted.length;
      } else {
        persisted = await this.persist(events, rows);
      }
      const t6 = performance.now();
      // Apply.
      if (market !== this.market) this.marks = undefined;
      this.market = market;
      this.guard = admission.guard;
      this.lastUpdate = admission.lastUpdate;
      if (this.latest !== undefined && this.latest.market !== market) this.latest = undefined;
      if (derived !== undefined && market !== undefined) this.applyDerived(slots, derived, docs, derivedRaw as RemarginOutput, market.asOf, now);
      const t7 = performance.now();
      // 7. publish
      this.publish(persisted);
      const timings = { admit: t1 - t0, select: t3 - t1, remargin: t4 - t3, derive: t5 - t4, persist: t6 - t5, apply: t7 - t6 };
      return { recomputed: targets, accepted: admission.accepted, held: admission.held, events: persisted, settled, timings, refused: admission.refused };
    });
  }

  /** What a restart must not forget of the market side: the guard and last-update times (docs/service.md "Restarts"). */
  checkpoint(): EngineCheckpoint {
    return this.checkpointOf(this.guard, this.lastUpdate);
  }

  /** The account's current-state row (the figures a restart or a new owner floors at); undefined before its first margin. */
  accountState(accountId: string): AccountStateRow | undefined {
    return this.accounts.has(accountId) ? stateRowOf(accountId, this.entry(accountId)) : undefined;
  }

  /** Every account's current-state row (the figures a restart floors at), for a full write. */
  accountStates(): AccountStateRow[] {
    const rows: AccountStateRow[] = [];
    for (const id of this.accounts.keys()) {
      const row = stateRowOf(id, this.entry(id));
      if (row !== undefined) rows.push(row);
    }
    return rows;
  }

  /**
   * Restores a stored market with its checkpoint (restoreEngine, after the accounts were added): the guard keeps its
   * held spikes, each underlying its last update time (a market that was stale is still stale), and each account
   * starts from its stored floor (`floors`, the current-state rows; or a version-1 checkpoint's own floors): a stale
   * account's margin is floored at it, an unmarginable account holds it. No event is made (the states were
   * announced before the restart). Without a checkpoint (a store written before checkpoints existed), the market is
   * applied as a fresh update.
   */
  restore(file: MarketSnapshotFile, checkpoint: EngineCheckpoint | undefined, floors?: Readonly<Record<string, AccountFloor>>): Promise<void> {
    if (checkpoint === undefined) return this.onMarket(parseMarketSnapshot(file, 'stored market')).then(() => undefined);
    return this.exclusive(() => {
      const market = parseMarketSnapshot(file, 'stored market');
      const guard = new Map<string, SpikeState>(Object.entries(checkpoint.guard).map(([name, g]) => [name, { lastAccepted: g.lastAccepted, held: g.held }]));
      const lastUpdate = new Map(Object.entries(checkpoint.lastUpdate));
      this.seedFloors([...this.accounts.keys()], floors ?? checkpoint.floors ?? {}, market, lastUpdate);
      this.market = market;
      this.marks = undefined;
      this.guard = guard;
      this.lastUpdate = lastUpdate;
    });
  }

  /**
   * Accounts added to this engine that were margined elsewhere before (a partition taken over from another worker,
   * issue 17) start from the figures last reported there, as restore() seeds them after a restart: a stale account's
   * margin is floored at its floor, an unmarginable one holds it, the hysteresis goes on from its state. On the
   * current market; accounts this engine does not have, and every account when there is no market yet, are skipped.
   * No event is made (the states were announced by the previous owner).
   */
  holdFloors(floors: Readonly<Record<string, AccountFloor>>): Promise<void> {
    return this.exclusive(() => {
      const market = this.market;
      if (market === undefined) return;
      this.seedFloors(Object.keys(floors).filter((id) => this.accounts.has(id)), floors, market, this.lastUpdate);
    });
  }

  /** restore() and holdFloors(): the accounts `ids` seeded with their floors, then margined on `market`. */
  private seedFloors(ids: readonly string[], floors: Readonly<Record<string, AccountFloor>>, market: MarketSnapshot, lastUpdate: ReadonlyMap<string, number>): void {
    const now = this.clock.now();
    const seeded = ids.map((id) => {
      const entry = this.entry(id);
      const floor = Object.hasOwn(floors, id) ? floors[id] : undefined;
      if (floor === undefined) return entry;
      return { ...entry, view: this.floorView(floor, market), seedState: floor.state, unmarginable: floor.unmarginable };
    });
    const slots = Int32Array.from(ids, (id) => this.book.slot(id) as number);
    const raw = this.remargin(slots, market, new Map(), new Map());
    const staleFlags = this.staleKeyFlags(now, lastUpdate, market);
    seeded.forEach((entry, i) => {
      const stale = this.book.exposedTo(slots[i]!, staleFlags);
      // A restart never lowers a held figure: an account that was unmarginable and is still not margined keeps it.
      this.store(ids[i]!, nextEntry(entry, figuresAt(raw, i), market.asOf, now, stale, this.accountParams));
    });
  }

  /**
   * Accounts that are stale now: exposed to an underlying of the market not updated within staleAfterMs. Reading
   * is enough to see staleness (margin() checks the clock too); tick() is for a timer that wants the list.
   */
  tick(): string[] {
    const flags = this.staleKeyFlags(this.clock.now(), this.lastUpdate, this.market);
    return [...this.accounts.keys()].filter((id) => this.book.exposedTo(this.book.slot(id) as number, flags));
  }

  /**
   * tick() for a timer, plus events: a `stale` event (persisted, then published) for each account that became
   * stale since it was last fresh, once per staleness episode. An account is fresh again when a check (this one,
   * or a recompute) finds it not stale.
   */
  staleTick(): Promise<StaleTickResult> {
    return this.exclusive(async () => {
      const now = this.clock.now();
      const flags = this.staleKeyFlags(now, this.lastUpdate, this.market);
      const stale: string[] = [];
      const drafts: EventDraft[] = [];
      const notified = new Map<string, boolean>();
      for (const [id, entry] of this.accounts) {
        if (this.book.exposedTo(this.book.slot(id) as number, flags)) {
          stale.push(id);
          if (entry.staleNotified !== true) {
            drafts.push({ type: 'stale', at: now, asOf: this.market?.asOf, accountId: id, staleUnderlyings: this.staleUnderlyingsOf(entry.doc, now, this.lastUpdate, this.market) });
            notified.set(id, true);
          }
        } else if (entry.staleNotified === true) {
          notified.set(id, false);
        }
      }
      const persisted = await this.persist(drafts, []);
      for (const [id, flag] of notified) {
        const entry = this.accounts.get(id);
        if (entry !== undefined) this.setStored(id, { ...entry, staleNotified: flag });
      }
      this.publish(persisted);
      return { stale, events: persisted };
    });
  }

  /** The account's current margin, status and staleness. Throws when it has never been evaluated. */
  margin(accountId: string): LiveMargin {
    const { entry, view } = this.reported(accountId);
    return this.report(accountId, entry, view);
  }

  /** margin's figures alone (no explanation, no staleness list, no object per field): a what-if's before-state. */
  marginFigures(accountId: string): ReportedFigures {
    const { entry, view } = this.reported(accountId);
    const status = statusOf(view, this.accountParams);
    // As report(): held figures of an unmarginable account are never reported healthy.
    const state: LiveAccountState = entry.unmarginable === undefined ? status.state : 'unmarginable';
    return { initialMargin: view.initialMargin, maintenanceMargin: view.maintenanceMargin, equity: view.equity, excess: status.excess, state, asOf: view.asOf };
  }

  /** The underlyings of the account whose price is stale now (margin's `staleUnderlyings`, without the rest of it). */
  staleUnderlyings(accountId: string): string[] {
    // The stored entry as it is (entry() would copy it to attach a view); entry() names an unknown account.
    const doc = (this.accounts.get(accountId) ?? this.entry(accountId)).doc;
    return this.staleUnderlyingsOf(doc, this.clock.now(), this.lastUpdate, this.market);
  }

  /** The account's entry and its reported view; refused when there is none yet (margin's errors). */
  private reported(accountId: string): { entry: StoredEntry; view: AccountView } {
    // The stored entry as it is, its view read from the figures (entry() copies it to attach the view: a cost on the
    // what-if route); entry() names an unknown account.
    const entry = this.accounts.get(accountId) ?? this.entry(accountId);
    const view = this.figures.read(this.book.slot(accountId) as number);
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
    return { entry, view };
  }

  /**
   * The account after hypothetical trades (signed contracts, buy positive), engine state unchanged. Trades are
   * assumed done at the current mark: their value (option premium, spot holding) is paid out of equity, so a trade
   * moves equity only through haircuts, and the margin through the model. Staleness and hysteresis apply as for a
   * real trade (a stale account's margin is floored at its reported one). Evaluated with the latest compiled model
   * when it holds every instrument named (no compilation).
   */
  whatIf(accountId: string, trades: readonly TradeInput[], options: WhatIfOptions = {}): WhatIfResult {
    for (let i = 0; i < trades.length; i++) requireFinite(trades[i]!.quantity, `trades.${i}.quantity`);
    const stored = this.accounts.get(accountId);
    const market = this.requireMarket();
    const now = this.clock.now();
    if (stored !== undefined) {
      const fast = this.fastWhatIf(accountId, stored.doc, trades, market, options.explained === true);
      if (fast instanceof CrossmarginError) throw fast;
      if (fast !== undefined) {
        const previous = this.figures.previous(this.book.slot(accountId) as number);
        const stale = fast.exposure.filter((k) => this.isStale(k, now, market));
        const view = deriveView({ ...fast.raw, equity: fast.raw.equity - fast.tradeValue + fast.realisedPnl }, stored.doc.currency, previous, stale.length > 0, market.asOf, now, stored.seedState, this.accountParams);
        const fields = this.marginFields(accountId, view, stale, market.asOf) as ReturnType<LiveEngine['marginFields']> & { tradeValue: number; realisedPnl: number };
        fields.tradeValue = fast.tradeValue;
        fields.realisedPnl = fast.realisedPnl;
        const withPositions = lazyProperty(fields, 'positions', fast.positions) as typeof fields & { positions: PortfolioFile['positions'] };
        return lazyResult(withPositions, () => this.explain({ ...stored.doc, positions: withPositions.positions }, view, false, fast.explain));
      }
    }
    const entry = this.entry(accountId);
    const doc = parseWithSchema(PortfolioFileSchema, applyTrades(entry.doc, trades, this.fillPrice(market)), 'what-if');
    const raw = this.evaluateOne(doc, market);
    if (raw instanceof CrossmarginError) throw raw;
    const tradeValue = trades.length === 0 ? 0 : this.positionsValue({ ...doc, positions: trades.map((t) => ({ ...t })), collateral: {} }, market);
    const realised = realisedPnl(entry.doc, doc, trades, (d) => this.positionsValue(d, market));
    const stale = this.staleUnderlyingsOf(doc, now, this.lastUpdate, market);
    const view = deriveView({ ...raw, equity: raw.equity - tradeValue + realised }, doc.currency, entry.view, stale.length > 0, market.asOf, now, entry.seedState, this.accountParams);
    return lazyResult({ ...this.marginFields(accountId, view, stale, market.asOf), positions: doc.positions, tradeValue, realisedPnl: realised }, () => this.explain(doc, view, false));
  }

  /** The what-if fast path (what-if.ts) with the latest compiled model, when there is one for this market. */
  private fastWhatIf(accountId: string, doc: PortfolioFile, trades: readonly TradeInput[], market: MarketSnapshot, explained: boolean): ReturnType<typeof fastWhatIf> {
    const generation = this.latest?.market === market ? this.latest : undefined;
    const slot = this.book.slot(accountId);
    if (generation === undefined || slot === undefined) return undefined;
    return fastWhatIf(slot, doc, trades, {
      book: this.book,
      generation,
      instrumentId: (input) => this.instrumentId(input),
      fillPrice: this.fillPrice(market),
      marks: this.marksFor(market),
      explained,
    });
  }

  /** Book id of a named instrument (a string input, cached), undefined for one the book lacks or a spec object. */
  private instrumentId(input: InstrumentInput): number | undefined {
    if (typeof input !== 'string') return undefined;
    let id = this.symbolIds.get(input);
    if (id === undefined && !this.symbolIds.has(input)) {
      try {
        id = this.book.instruments.id(resolveInstrument(input, 'instrument').symbol);
      } catch {
        id = undefined;
      }
      // Only names the book knows are kept (a what-if naming garbage must not grow the cache).
      if (id !== undefined) this.symbolIds.set(input, id);
    }
    return id;
  }

  /** True when `key` is an underlying of `market` not updated within staleAfterMs at `now`. */
  private isStale(key: string, now: number, market: MarketSnapshot): boolean {
    return market.has(key) && now - (this.lastUpdate.get(key) ?? Number.NEGATIVE_INFINITY) > this.staleAfterMs;
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

  /** The account with its view (an object made from the figure columns). */
  private entry(accountId: string): AccountEntry {
    const entry = this.accounts.get(accountId);
    if (entry === undefined) {
      throw new CrossmarginError('USAGE_INVALID', `account "${accountId}" is not known to the engine`, { field: 'accountId', details: { accountId } });
    }
    return { ...entry, view: this.figures.read(this.book.slot(accountId) as number) };
  }

  /** Stores an account's entry and view (the book holds its document's rows already). */
  private store(accountId: string, entry: AccountEntry): void {
    const { view, ...stored } = entry;
    const slot = this.book.slot(accountId) as number;
    this.setStored(accountId, stored);
    this.figures.write(slot, view);
    this.explained.delete(slot);
  }

  private setStored(accountId: string, stored: StoredEntry): void {
    const slot = this.book.slot(accountId) as number;
    this.accounts.set(accountId, stored);
    this.slotEntries[slot] = stored;
    if (slot >= this.entryFlags.length) {
      const grown = new Uint8Array(Math.max(slot + 1, 2 * this.entryFlags.length, 64));
      grown.set(this.entryFlags);
      this.entryFlags = grown;
    }
    this.entryFlags[slot] = PRESENT | (stored.unmarginable === undefined ? 0 : UNMARGINABLE) | (stored.staleNotified === true ? STALE_NOTIFIED : 0);
  }

  /** Stage 5 over the tick's accounts (derive-states.ts); their staleness after the update by key flags. */
  private derive(slots: Int32Array, raw: RemarginOutput, market: MarketSnapshot, now: number, lastUpdate: ReadonlyMap<string, number>, docs: ReadonlyMap<string, PortfolioFile>, events: EventDraft[]): DerivedTick {
    const flags = keyFilter(this.staleKeyFlags(now, lastUpdate, market));
    const rows = this.book.exposureRows();
    const stale = new Uint8Array(slots.length);
    for (let k = 0; k < slots.length; k++) {
      const slot = slots[k]!;
      const doc = docs.size === 0 ? undefined : docs.get(this.book.id(slot));
      stale[k] = (doc === undefined ? exposed(rows, slot, flags) : this.staleUnderlyingsOf(doc, now, lastUpdate, market).length > 0) ? 1 : 0;
    }
    return deriveTick(
      { slots, raw, stale, entryOf: (slot) => this.slotEntries[slot] as StoredEntry, entryFlags: this.entryFlags, figures: this.figures, settledDocs: docs, asOf: market.asOf, now, params: this.accountParams },
      events,
      this.deriveBuffers,
    );
  }

  /** Applies a persisted tick: the plain accounts' figure columns in place, the others' entries. */
  private applyDerived(slots: Int32Array, d: DerivedTick, docs: ReadonlyMap<string, PortfolioFile>, raw: RemarginOutput, asOf: string, now: number): void {
    const f = this.figures;
    const results = raw.result.size > 0;
    const stamp = f.newStamp(asOf, now, raw.generation);
    for (let k = 0; k < slots.length; k++) {
      if (d.plain[k] !== 1) continue;
      const slot = slots[k]!;
      f.initialMargin[slot] = d.initialMargin[k]!;
      f.maintenanceMargin[slot] = d.maintenanceMargin[k]!;
      f.equity[slot] = d.equity[k]!;
      f.rawInitialMargin[slot] = d.rawInitialMargin[k]!;
      f.rawMaintenanceMargin[slot] = d.rawMaintenanceMargin[k]!;
      f.floorInitialMargin[slot] = d.floorInitialMargin[k]!;
      f.floorMaintenanceMargin[slot] = d.floorMaintenanceMargin[k]!;
      f.state[slot] = d.state[k]!;
      f.classifiedFrom[slot] = d.classifiedFrom[k]!;
      f.setStamp(slot, stamp);
      if (results || f.result[slot] !== undefined) f.result[slot] = results ? raw.result.get(k) : undefined;
      f.version[slot] = (f.version[slot]! + 1) >>> 0;
    }
    f.dropIfUnused(stamp);
    for (const entry of d.entries.values()) {
      // Settlement removed positions: the account's rows are rewritten from its new document.
      if (docs.has(entry.doc.account)) this.book.put(entry.doc);
      this.store(entry.doc.account, entry);
    }
  }

  private requireMarket(): MarketSnapshot {
    if (this.market === undefined) throw new CrossmarginError('USAGE_INVALID', 'the engine has no market yet: push a market update first', { field: 'market' });
    return this.market;
  }

  /** Replaces (or adds) an account with `doc`, re-evaluating it; shared by upsert, trades and collateral. */
  private async replaceAccount(doc: PortfolioFile, seedState?: LiveAccountState): Promise<LiveMargin | undefined> {
    const id = doc.account;
    // Resolve first (an unknown or conflicting instrument refuses the document before anything changes).
    this.book.resolve(doc);
    const known = this.accounts.has(id) ? this.entry(id) : undefined;
    const seed = seedState ?? known?.seedState;
    const now = this.clock.now();
    let next: AccountEntry = { doc, view: known?.view, error: undefined, seedState: seed, staleNotified: known?.staleNotified, unmarginable: known?.unmarginable };
    // A seeded new account transitions from its seed state (no event when it is still in it).
    const previous = known ?? (seed === undefined ? undefined : { ...next, view: undefined });
    const events: EventDraft[] = [];
    const market = this.market;
    if (market !== undefined) {
      const stale = this.staleUnderlyingsOf(doc, now, this.lastUpdate, market).length > 0;
      next = nextEntry(next, this.evaluateOne(doc, market), market.asOf, now, stale, this.accountParams);
      events.push(...transitionEvents(id, previous, next, now, market.asOf, stale, this.accountParams));
    } else {
      // No market yet: nothing can margin the account (fail closed), until the first market update.
      next = { ...next, unmarginable: next.unmarginable ?? { reason: 'no market data yet: push a market update first', code: 'MARKET_UNDERLYING_MISSING', field: 'market', since: now } };
    }
    const row = stateRowWorthWriting(known, next) ? stateRowOf(id, next) : undefined;
    const persisted = await this.persist(events, row === undefined ? [] : [row]);
    this.book.put(doc);
    this.store(id, next);
    this.publish(persisted);
    return next.view === undefined ? undefined : this.report(id, next, next.view);
  }

  /** Stage 3–4 for accounts by slot: batch where possible; settled documents and blocked accounts aside. */
  private remargin(slots: Int32Array, market: MarketSnapshot, docs: ReadonlyMap<string, PortfolioFile>, blocked: ReadonlyMap<string, CrossmarginError>): RemarginOutput {
    const out = remarginOutput(slots.length, this.outputBuffers);
    const batch: number[] = [];
    const aside: number[] = [];
    if (blocked.size === 0 && docs.size === 0) {
      remarginAccounts(this.book, slots, slots.length, market, this.marksFor(market), this.marginSettings(), this.scratch, (d, m) => this.evaluateDocs(d, m), out);
      return out;
    }
    for (let k = 0; k < slots.length; k++) {
      const id = this.book.id(slots[k]!);
      const error = blocked.get(id);
      if (error !== undefined) out.error.set(k, error);
      else if (docs.has(id)) aside.push(k);
      else batch.push(k);
    }
    if (batch.length === slots.length) {
      remarginAccounts(this.book, slots, slots.length, market, this.marksFor(market), this.marginSettings(), this.scratch, (d, m) => this.evaluateDocs(d, m), out);
      return out;
    }
    if (batch.length > 0) {
      const part = remarginOutput(batch.length);
      const sub = Int32Array.from(batch, (k) => slots[k]!);
      remarginAccounts(this.book, sub, sub.length, market, this.marksFor(market), this.marginSettings(), this.scratch, (d, m) => this.evaluateDocs(d, m), part);
      batch.forEach((k, j) => putFigures(out, k, figuresAt(part, j)));
    }
    if (aside.length > 0) {
      const raw = this.evaluateDocs(
        aside.map((k) => docs.get(this.book.id(slots[k]!)) as PortfolioFile),
        market,
      );
      aside.forEach((k, j) => putFigures(out, k, raw[j]!));
    }
    return out;
  }

  private marginSettings(): MarginSettings {
    return {
      run: this.run,
      options: this.marginOptions,
      threads: this.threads,
      accountParams: this.accountParams,
      nextGeneration: (compiled, table, market) => {
        const generation: Generation = { id: ++this.generations, compiled, table, market, tableSize: table.size };
        this.latest = generation;
        return generation;
      },
    };
  }

  /** Equity marks of the book's instruments on `market` (kept while the market and the instruments are the same). */
  private marksFor(market: MarketSnapshot): EquityMarks {
    const m = this.marks;
    if (m !== undefined && m.market === market && m.instruments === this.book.instruments.size && m.currencies === this.book.currencies.names.length) return m.marks;
    const marks = equityMarks(this.book, market, this.accountParams);
    this.marks = { market, instruments: this.book.instruments.size, currencies: this.book.currencies.names.length, marks };
    return marks;
  }

  /**
   * One account on `market`: with the latest compiled model when it holds the account's instruments (trades,
   * what-ifs: no compilation), else a compilation of the latest model's instruments and the account's together
   * (which becomes the latest), else on its own (evaluateDocs).
   */
  private evaluateOne(doc: PortfolioFile, market: MarketSnapshot): RawFigures | CrossmarginError {
    const latest = this.latest?.market === market ? this.latest : undefined;
    if (latest !== undefined) {
      const raw = evaluateWithGeneration(doc, latest, this.book, this.accountParams);
      if (raw !== undefined) return raw;
    }
    try {
      const table = new InstrumentTable();
      for (const spec of latest?.table.specs().slice(0, latest.tableSize) ?? []) table.add(spec);
      this.book.resolveIn(doc, table);
      const compiled = compileModelRun(this.run, table, market, (i) => `instruments.${i}`, this.marginOptions);
      const generation = this.marginSettings().nextGeneration(compiled, table, market);
      const raw = evaluateWithGeneration(doc, generation, this.book, this.accountParams);
      if (raw !== undefined) return raw;
    } catch {
      // The account on its own names the error (below).
    }
    return this.evaluateDocs([doc], market)[0]!;
  }

  /**
   * The per-account path: raw margins and equities of `docs` on `market`, one computeMargins call (one compilation)
   * for all; if it throws (one bad account must not block the others), each is retried on its own and a failure is
   * returned in its place, with the model's coded error naming the field.
   */
  private evaluateDocs(docs: readonly PortfolioFile[], market: MarketSnapshot): (RawFigures | CrossmarginError)[] {
    const inputs: PortfolioInput[] = docs.map((document) => ({ document, source: `account ${document.account}` }));
    try {
      const results = computeMargins(inputs, market, this.modelId, this.marginOptions);
      const table = new InstrumentTable();
      return docs.map((doc, i) => {
        try {
          const result = results[i] as MarginResult;
          const equity = accountEquity(resolvePortfolio(doc, table, `account ${doc.account}`), table, market, this.accountParams).equity;
          return finiteFigures({ initialMargin: result.initialMargin, maintenanceMargin: result.maintenanceMargin, equity, generation: undefined, result });
        } catch (error) {
          return toCrossmarginError(error);
        }
      });
    } catch (error) {
      if (docs.length === 1) return [toCrossmarginError(error)];
      return docs.map((doc) => this.evaluateDocs([doc], market)[0]!);
    }
  }

  private positionsValue(doc: PortfolioFile, market: MarketSnapshot): number {
    const table = new InstrumentTable();
    return accountEquity(resolvePortfolio(doc, table, 'trades'), table, market, this.accountParams).positionsValue;
  }

  /** 1 for each key id named in `names` (unknown names are no key of any account). */
  private keyFlags(names: Iterable<string>, count: number): Uint8Array {
    const flags = new Uint8Array(count);
    for (const name of names) {
      const id = this.book.keys.lookup(name);
      if (id !== undefined) flags[id] = 1;
    }
    return flags;
  }

  /** 1 for each key that is an underlying of `market` not updated within staleAfterMs at `now`. */
  private staleKeyFlags(now: number, lastUpdate: ReadonlyMap<string, number>, market: MarketSnapshot | undefined): Uint8Array {
    const names = this.book.keys.names;
    const flags = new Uint8Array(names.length);
    if (market === undefined) return flags;
    names.forEach((k, i) => {
      if (market.has(k) && now - (lastUpdate.get(k) ?? Number.NEGATIVE_INFINITY) > this.staleAfterMs) flags[i] = 1;
    });
    return flags;
  }

  /** Underlyings of `market` the document is exposed to whose last accepted update is older than staleAfterMs at `now`. */
  private staleUnderlyingsOf(doc: PortfolioFile, now: number, lastUpdate: ReadonlyMap<string, number>, market: MarketSnapshot | undefined): string[] {
    if (market === undefined) return [];
    const keys = new Set<string>([doc.currency, ...Object.keys(doc.collateral)]);
    doc.positions.forEach((p, i) => {
      const spec = resolveInstrument(p.instrument, `positions.${i}.instrument`);
      keys.add(spec.underlying);
      keys.add(spec.currency);
    });
    return [...keys].filter((k) => market.has(k) && now - (lastUpdate.get(k) ?? Number.NEGATIVE_INFINITY) > this.staleAfterMs);
  }

  private report(accountId: string, entry: StoredEntry, view: AccountView): LiveMargin {
    const stale = this.staleUnderlyingsOf(entry.doc, this.clock.now(), this.lastUpdate, this.market);
    const fields = { ...this.marginFields(accountId, view, stale, view.asOf), computedAt: view.computedAt, ...(entry.error === undefined ? {} : { error: entry.error }) };
    const explain = (): MarginResult => this.explain(entry.doc, view, true);
    if (entry.unmarginable === undefined) return lazyResult(fields, explain);
    // The held figures, shown as unmarginable and reduce-only: never healthy while the engine cannot margin it.
    return lazyResult({ ...fields, state: 'unmarginable', status: { ...fields.status, state: 'unmarginable', reduceOnly: true }, unmarginable: entry.unmarginable }, explain);
  }

  /**
   * The explained MarginResult of a view, made on first read: the result the per-account path already gave, or the
   * view's compiled model evaluating the account (the numbers the batch gave), with the reported (floored) margins.
   */
  private explain(doc: PortfolioFile, view: AccountView, stored: boolean, evaluate?: () => MarginResult): MarginResult {
    const slot = stored ? this.book.slot(doc.account) : undefined;
    const version = slot === undefined ? -1 : this.figures.version[slot]!;
    const hit = slot === undefined ? undefined : this.explained.get(slot);
    if (hit !== undefined && hit.version === version && this.figures.read(slot as number)?.computedAt === view.computedAt) return hit.result;
    let base: MarginResult;
    const raw = view.raw;
    if (raw === undefined) base = this.restoredResult(view);
    else if (raw.result !== undefined) base = raw.result;
    else if (evaluate !== undefined) base = evaluate();
    else {
      const generation = raw.generation as Generation;
      try {
        base = generation.compiled.evaluate(this.book.resolveIn(doc, generation.table));
      } catch (error) {
        const e = toCrossmarginError(error);
        base = { model: this.modelId, account: doc.account, currency: view.currency, initialMargin: raw.initialMargin, maintenanceMargin: raw.maintenanceMargin, components: [], positions: [], details: { explanationUnavailable: e.message } };
      }
    }
    const result: MarginResult = {
      ...base,
      initialMargin: view.initialMargin,
      maintenanceMargin: view.maintenanceMargin,
      ...(view.floor === undefined || raw === undefined
        ? {}
        : {
            details: {
              ...base.details,
              staleFloor: {
                recomputedInitialMargin: raw.initialMargin,
                recomputedMaintenanceMargin: raw.maintenanceMargin,
                floorInitialMargin: view.floor.initialMargin,
                floorMaintenanceMargin: view.floor.maintenanceMargin,
              },
            },
          }),
    };
    if (slot !== undefined && this.figures.read(slot)?.computedAt === view.computedAt) {
      this.explained.set(slot, { version, result });
      this.trimExplained();
    }
    return result;
  }

  /** Keeps the cache of explained results bounded (the dashboard may read every account). */
  private trimExplained(): void {
    if (this.explained.size <= 4096) return;
    for (const key of this.explained.keys()) {
      this.explained.delete(key);
      if (this.explained.size <= 2048) break;
    }
  }

  private restoredResult(view: AccountView): MarginResult {
    return {
      model: this.modelId,
      currency: view.currency,
      initialMargin: view.initialMargin,
      maintenanceMargin: view.maintenanceMargin,
      components: [],
      positions: [],
      details: { restoredFloor: { asOf: view.restoredAsOf ?? view.asOf, note: 'figures stored before a restart; held while the account is stale or unmarginable' } },
    };
  }

  /** A view made of stored figures (restore): the previous view a stale account is floored at, or the held one. */
  private floorView(floor: AccountFloor, market: MarketSnapshot): AccountView {
    const classifiedFrom = hysteresisState(floor.state);
    const status = classifyAccount(floor.equity, floor.initialMargin, floor.maintenanceMargin, this.accountParams, classifiedFrom);
    return {
      initialMargin: floor.initialMargin,
      maintenanceMargin: floor.maintenanceMargin,
      equity: floor.equity,
      currency: floor.currency,
      raw: undefined,
      floor: undefined,
      state: status.state,
      classifiedFrom,
      asOf: floor.asOf === '' ? market.asOf : floor.asOf,
      computedAt: this.clock.now(),
      restoredAsOf: floor.asOf,
    };
  }

  /** The guard and last-update times (version 2: the accounts' figures are current-state rows). */
  private checkpointOf(guard: ReadonlyMap<string, SpikeState>, lastUpdate: ReadonlyMap<string, number>): EngineCheckpoint {
    return {
      version: 2,
      guard: Object.fromEntries(
        [...guard].map(([name, g]) => [name, { ...(g.lastAccepted === undefined ? {} : { lastAccepted: g.lastAccepted }), ...(g.held === undefined ? {} : { held: g.held }) }]),
      ),
      lastUpdate: Object.fromEntries(lastUpdate),
    };
  }

  /** What a live margin and a what-if answer share, but the result (lazyResult adds it): the status and staleness. */
  private marginFields(accountId: string, view: AccountView, stale: readonly string[], asOf: string) {
    const status = statusOf(view, this.accountParams);
    return {
      accountId,
      initialMargin: view.initialMargin,
      maintenanceMargin: view.maintenanceMargin,
      currency: view.currency,
      status: status as LiveAccountStatus,
      state: status.state as LiveAccountState,
      equity: view.equity,
      stale: stale.length > 0,
      staleUnderlyings: stale,
      asOf,
      ...(this.parameterVersion === undefined ? {} : { parameterVersion: this.parameterVersion }),
    };
  }

  /**
   * Appends `drafts` to the sink in order, numbering them, after the state rows were written (stateSink). A rejection
   * aborts: the caller has not applied its state yet, so nothing changes and nothing is published. Sequence numbers
   * of events appended before the failure stay used, so the store never sees one number twice.
   */
  private async persist(drafts: readonly EventDraft[], rows: readonly AccountStateRow[]): Promise<EngineEvent[]> {
    if (rows.length > 0 && this.stateSink !== undefined) {
      try {
        await this.stateSink.write(rows);
      } catch (error) {
        throw new CrossmarginError('INTERNAL', `state sink rejected ${rows.length} account state row(s): the change was not applied`, { cause: error });
      }
    }
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

/** A history loader that loads each set of underlyings once (a tick compiles many times on the same history). */
function memoisedHistory(loader: (underlyings: readonly string[]) => MarketHistory): (underlyings: readonly string[]) => MarketHistory {
  const cache = new Map<string, MarketHistory>();
  return (underlyings) => {
    const key = underlyings.join('\u0000');
    let history = cache.get(key);
    if (history === undefined) {
      history = loader(underlyings);
      if (cache.size >= 64) cache.delete(cache.keys().next().value as string);
      cache.set(key, history);
    }
    return history;
  };
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

/**
 * `fields` with a `result` made on first read and kept (an enumerable property, so JSON sees it): reading an
 * account's state costs no explanation; the explained MarginResult is made when someone looks at it.
 * (lazy-property.ts: one shared getter, no hidden class per object.)
 */
function lazyResult<T extends object>(fields: T, explain: () => MarginResult): T & { readonly result: MarginResult } {
  return lazyProperty(fields, 'result', explain) as T & { readonly result: MarginResult };
}

function isSnapshot(input: MarketSnapshot | MarketUpdateFile): input is MarketSnapshot {
  return typeof (input as MarketSnapshot).toJSON === 'function';
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
