import { CrossmarginError } from '../../core/errors.js';
import type { PortfolioFile } from '../../portfolio/portfolio-schema.js';
import { classifyAccount, type AccountState, type AccountStatus, type LiveAccountState } from '../account/account-state.js';
import type { AccountParams } from '../account/account-params.js';
import { COMPUTED, HEALTHY, LIQUIDATION, MARGIN_CALL, STALE_NOTIFIED, UNMARGINABLE, stateName, type AccountFigures } from './account-figures.js';
import type { AccountFloor, UnmarginableInfo } from './engine-checkpoint.js';
import type { EventDraft } from './engine-event.js';
import { figuresAt, type RawFigures, type RemarginOutput } from './remargin-accounts.js';

/** An account's current-state row (what a restart restores it from), account currency. */
export interface AccountStateRow extends AccountFloor {
  readonly accountId: string;
}

/**
 * An account's reported figures: the raw recompute, floored at the previously reported margins while the account is
 * stale or back from unmarginable (never lower on stale data), classified with hysteresis. Kept small (numbers and
 * references): the status object and the explained MarginResult are made when someone reads them.
 */
export interface AccountView {
  /** Reported margins, account currency (≥ the raw ones when floored). */
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  readonly equity: number;
  readonly currency: string;
  /** The recompute behind the figures (its generation explains them), undefined for a view restored from the store. */
  readonly raw: RawFigures | undefined;
  /** The previously reported margins the figures were floored at (stale or back from unmarginable). */
  readonly floor: { readonly initialMargin: number; readonly maintenanceMargin: number } | undefined;
  readonly state: AccountState;
  /** The state the hysteresis continued from (classifyAccount's `previous`). */
  readonly classifiedFrom: AccountState | undefined;
  readonly asOf: string;
  /** Engine clock when computed, epoch ms. */
  readonly computedAt: number;
  /** Set for a view made of stored figures (restore): the asOf they were computed on. */
  readonly restoredAsOf?: string;
}

/** One account as the engine holds it. The document and its compiled rows live in the LiveBook. */
export interface AccountEntry {
  readonly doc: PortfolioFile;
  readonly view: AccountView | undefined;
  readonly error: string | undefined;
  /** State before this engine saw the account (restored from the store): hysteresis until the first evaluation. */
  readonly seedState?: LiveAccountState | undefined;
  /** A `stale` event was emitted for the current staleness episode (reset when the account is fresh again). */
  readonly staleNotified?: boolean | undefined;
  /** Set while the engine cannot margin the account (the view, if any, is the last good one, held). */
  readonly unmarginable?: UnmarginableInfo | undefined;
}

/** The account's state as reported: unmarginable when the engine cannot margin it, else its classification (or seed). */
export function stateOf(entry: AccountEntry): LiveAccountState | undefined {
  if (entry.unmarginable !== undefined) return 'unmarginable';
  return entry.view?.state ?? entry.seedState;
}

/**
 * The previous state the margin-call hysteresis continues from: an account back from unmarginable is treated as
 * coming out of a margin call (it must rebuild the cushion before it is healthy again).
 */
export function hysteresisState(state: LiveAccountState | undefined): AccountState | undefined {
  return state === 'unmarginable' ? 'margin-call' : state;
}

/** classifyAccount's state without its status object (the tick's hot loop): the same comparisons. */
export function classifyState(equity: number, initial: number, maintenance: number, params: Pick<AccountParams, 'marginCallBuffer' | 'liquidationBuffer'>, previous: AccountState | undefined): AccountState {
  const liquidationBelow = maintenance * (1 + params.liquidationBuffer);
  const recovering = previous === 'margin-call' || previous === 'liquidation';
  const marginCallBelow = recovering ? initial * (1 + params.marginCallBuffer) : initial;
  return equity < liquidationBelow ? 'liquidation' : equity < marginCallBelow ? 'margin-call' : 'healthy';
}

/** classifyState over state codes (account-figures.ts): the tick's plain path, no strings. */
function classifyCode(equity: number, initial: number, maintenance: number, params: Pick<AccountParams, 'marginCallBuffer' | 'liquidationBuffer'>, previous: number): number {
  const recovering = previous === MARGIN_CALL || previous === LIQUIDATION;
  const marginCallBelow = recovering ? initial * (1 + params.marginCallBuffer) : initial;
  return equity < maintenance * (1 + params.liquidationBuffer) ? LIQUIDATION : equity < marginCallBelow ? MARGIN_CALL : HEALTHY;
}

/** The full status of a view (made on read). */
export function statusOf(view: AccountView, params: AccountParams): AccountStatus {
  return classifyAccount(view.equity, view.initialMargin, view.maintenanceMargin, params, view.classifiedFrom);
}

/**
 * Stage 5 of a tick, one account: the reported view from a raw evaluation. While `floored` (stale, or back from
 * unmarginable) initial and maintenance margin are floored at the previously reported ones; then classified with
 * the previous state (hysteresis).
 */
export function deriveView(raw: RawFigures, currency: string, previous: Pick<AccountView, 'initialMargin' | 'maintenanceMargin' | 'state'> | undefined, floored: boolean, asOf: string, now: number, seedState: LiveAccountState | undefined, params: AccountParams): AccountView {
  let initialMargin = raw.initialMargin;
  let maintenanceMargin = raw.maintenanceMargin;
  let floor: AccountView['floor'];
  if (floored && previous !== undefined) {
    initialMargin = Math.max(previous.initialMargin, raw.initialMargin);
    maintenanceMargin = Math.max(previous.maintenanceMargin, raw.maintenanceMargin);
    floor = { initialMargin: previous.initialMargin, maintenanceMargin: previous.maintenanceMargin };
  }
  const classifiedFrom = hysteresisState(previous?.state ?? seedState);
  const state = classifyState(raw.equity, initialMargin, maintenanceMargin, params, classifiedFrom);
  return { initialMargin, maintenanceMargin, equity: raw.equity, currency, raw, floor, state, classifiedFrom, asOf, computedAt: now };
}

/** state-transition (+ margin-call / liquidation signal) events between two entries of one account. */
export function transitionEvents(accountId: string, before: AccountEntry | undefined, after: AccountEntry, now: number, asOf: string, stale: boolean, params: AccountParams): EventDraft[] {
  const view = after.view;
  // An account added before any market was waiting, not failing: its first margin is announced as for a new account.
  const awaitingMarket = before !== undefined && before.view === undefined && before.unmarginable?.field === 'market';
  const from = before === undefined || awaitingMarket ? before?.seedState : stateOf(before);
  const to = stateOf(after);
  // A new account that starts healthy is not news; any other change of state is.
  if (to === undefined || from === to || (from === undefined && to === 'healthy')) return [];
  const events: EventDraft[] = [
    {
      type: 'state-transition',
      at: now,
      asOf,
      accountId,
      from,
      to,
      ...(view === undefined ? {} : { equity: view.equity, initialMargin: view.initialMargin, maintenanceMargin: view.maintenanceMargin, currency: view.currency }),
      stale,
      ...(after.unmarginable === undefined ? {} : { reason: after.unmarginable.reason, code: after.unmarginable.code }),
    },
  ];
  if (view === undefined) return events;
  const currency = view.currency;
  if (to === 'margin-call' && from !== 'liquidation') {
    events.push({ type: 'margin-call', at: now, asOf, accountId, equity: view.equity, initialMargin: view.initialMargin, shortfall: view.initialMargin - view.equity, currency });
  }
  if (to === 'liquidation') {
    events.push({ type: 'liquidation', at: now, asOf, accountId, equity: view.equity, maintenanceMargin: view.maintenanceMargin, liquidationBelow: statusOf(view, params).thresholds.liquidationBelow, currency });
  }
  return events;
}

/** An account as the engine stores it: its view lives in the figure columns (AccountFigures), by slot. */
export type StoredEntry = Omit<AccountEntry, 'view'>;

/**
 * The next entry of one account after an evaluation (the general path: errors, settlements, accounts back from
 * unmarginable or at the end of a staleness episode). A failure holds the last good view and makes the account
 * unmarginable (fail closed); a success derives the view, floored while stale or back from unmarginable.
 */
export function nextEntry(entry: AccountEntry, raw: RawFigures | CrossmarginError, asOf: string, now: number, stale: boolean, params: AccountParams): AccountEntry {
  if (raw instanceof CrossmarginError) {
    const since = entry.unmarginable?.since ?? now;
    return { ...entry, error: raw.message, unmarginable: { reason: raw.message, code: raw.code, ...(raw.field === undefined ? {} : { field: raw.field }), since } };
  }
  // Back from unmarginable: the held figure floors the first margin, as a stale market's would (never lower at once).
  const view = deriveView(raw, entry.doc.currency, entry.view, stale || entry.unmarginable !== undefined, asOf, now, entry.seedState, params);
  // A recompute on a fresh market ends the staleness episode: the next one gets its own `stale` event.
  return { doc: entry.doc, view, error: undefined, seedState: entry.seedState, staleNotified: stale && entry.staleNotified === true, unmarginable: undefined };
}

/** What stage 5 derived for accounts k = 0..count−1 of a tick, applied only after the tick is persisted. */
export interface DerivedTick {
  /** 1: account k took the plain path and its new figures are in the columns below; 0: see `entries`. */
  readonly plain: Uint8Array;
  readonly initialMargin: Float64Array;
  readonly maintenanceMargin: Float64Array;
  readonly equity: Float64Array;
  readonly rawInitialMargin: Float64Array;
  readonly rawMaintenanceMargin: Float64Array;
  /** NaN: not floored. */
  readonly floorInitialMargin: Float64Array;
  readonly floorMaintenanceMargin: Float64Array;
  readonly state: Uint8Array;
  readonly classifiedFrom: Uint8Array;
  /** The new entry (with its view) of every account not on the plain path. */
  readonly entries: Map<number, AccountEntry>;
  /** Current-state rows worth writing (see stateRowWorthWriting). */
  readonly rows: AccountStateRow[];
}

/** Columns deriveTick lays its output in, reused between ticks (grown on demand; valid until the next tick). */
export interface DeriveBuffers {
  f64: Float64Array;
  u8: Uint8Array;
}

/** What deriveTick reads of the engine: the stored entries and figure columns (by slot), and how to snapshot one. */
export interface DeriveInput {
  readonly slots: Int32Array;
  readonly raw: RemarginOutput;
  /** 1 when account k is stale after the update. */
  readonly stale: Uint8Array;
  readonly entryOf: (slot: number) => StoredEntry;
  /** Per slot: UNMARGINABLE, STALE_NOTIFIED (account-figures.ts). */
  readonly entryFlags: Uint8Array;
  readonly figures: AccountFigures;
  /** Documents replaced by settlement, by account id (those accounts take the general path). */
  readonly settledDocs: ReadonlyMap<string, PortfolioFile>;
  readonly asOf: string;
  readonly now: number;
  readonly params: AccountParams;
}

/**
 * Stage 5 of a tick (docs/architecture.md "The tick pipeline"): every re-margined account's reported figures and
 * state, with its events appended to `events`. The plain case — an account with a view, not unmarginable, not
 * settled, margined — is a few comparisons over columns, no object made; any other account (and any change of
 * state) goes through nextEntry and transitionEvents with objects.
 */
export function deriveTick(input: DeriveInput, events: EventDraft[], buffers?: DeriveBuffers): DerivedTick {
  const { slots, raw, stale, figures, params, asOf, now } = input;
  const count = slots.length;
  const b = buffers ?? { f64: new Float64Array(0), u8: new Uint8Array(0) };
  if (b.f64.length < 7 * count) b.f64 = new Float64Array(Math.max(7 * count, 2 * b.f64.length));
  if (b.u8.length < 3 * count) b.u8 = new Uint8Array(Math.max(3 * count, 2 * b.u8.length));
  const f = (i: number): Float64Array => b.f64.subarray(i * count, (i + 1) * count);
  const u = (i: number): Uint8Array => b.u8.subarray(i * count, (i + 1) * count);
  const d: DerivedTick = {
    plain: u(0).fill(0),
    initialMargin: f(0),
    maintenanceMargin: f(1),
    equity: f(2),
    rawInitialMargin: f(3),
    rawMaintenanceMargin: f(4),
    floorInitialMargin: f(5),
    floorMaintenanceMargin: f(6),
    state: u(1),
    classifiedFrom: u(2),
    entries: new Map(),
    rows: [],
  };
  const anyError = raw.error.size > 0;
  const anySettled = input.settledDocs.size > 0;
  const has = figures.has;
  const flags = input.entryFlags;
  for (let k = 0; k < count; k++) {
    const slot = slots[k]!;
    const isStale = stale[k] === 1;
    const f = flags[slot]!;
    const general =
      (anyError && raw.error.has(k)) ||
      has[slot] !== COMPUTED ||
      (f & UNMARGINABLE) !== 0 ||
      ((f & STALE_NOTIFIED) !== 0 && !isStale) ||
      (anySettled && input.settledDocs.has(input.entryOf(slot).doc.account));
    if (general) {
      generalAccount(input, d, k, input.entryOf(slot), events);
      continue;
    }
    const rawIm = raw.initialMargin[k]!;
    const rawMm = raw.maintenanceMargin[k]!;
    const equity = raw.equity[k]!;
    let im = rawIm;
    let mm = rawMm;
    let floorIm = Number.NaN;
    let floorMm = Number.NaN;
    if (isStale) {
      floorIm = figures.initialMargin[slot]!;
      floorMm = figures.maintenanceMargin[slot]!;
      im = Math.max(floorIm, rawIm);
      mm = Math.max(floorMm, rawMm);
    }
    const before = figures.state[slot]!;
    const state = classifyCode(equity, im, mm, params, before);
    d.plain[k] = 1;
    d.initialMargin[k] = im;
    d.maintenanceMargin[k] = mm;
    d.equity[k] = equity;
    d.rawInitialMargin[k] = rawIm;
    d.rawMaintenanceMargin[k] = rawMm;
    d.floorInitialMargin[k] = floorIm;
    d.floorMaintenanceMargin[k] = floorMm;
    d.state[k] = state;
    d.classifiedFrom[k] = before;
    const wasFloored = !Number.isNaN(figures.floorInitialMargin[slot]!);
    if (state === before && !isStale && !wasFloored) continue;
    const entry = input.entryOf(slot);
    // A change of state, or figures held at a floor: the objects for the events and the state row.
    const beforeEntry: AccountEntry = { ...entry, view: figures.read(slot) };
    const view: AccountView = {
      initialMargin: im,
      maintenanceMargin: mm,
      equity,
      currency: entry.doc.currency,
      raw: { initialMargin: rawIm, maintenanceMargin: rawMm, equity, generation: raw.generation, result: raw.result.get(k) },
      floor: isStale ? { initialMargin: floorIm, maintenanceMargin: floorMm } : undefined,
      state: stateName(state) as AccountState,
      classifiedFrom: stateName(before),
      asOf,
      computedAt: now,
    };
    const after: AccountEntry = { ...entry, view, staleNotified: isStale && entry.staleNotified === true };
    if (state !== before) events.push(...transitionEvents(entry.doc.account, beforeEntry, after, now, asOf, isStale, params));
    const row = stateRowOf(entry.doc.account, after);
    if (row !== undefined) d.rows.push(row);
  }
  return d;
}

function generalAccount(input: DeriveInput, d: DerivedTick, k: number, stored: StoredEntry, events: EventDraft[]): void {
  const slot = input.slots[k]!;
  const id = stored.doc.account;
  const entry: AccountEntry = { ...stored, view: input.figures.read(slot) };
  const doc = input.settledDocs.get(id);
  const base = doc === undefined ? entry : { ...entry, doc };
  const stale = input.stale[k] === 1;
  const next = nextEntry(base, figuresAt(input.raw, k), input.asOf, input.now, stale, input.params);
  events.push(...transitionEvents(id, entry, next, input.now, input.asOf, stale, input.params));
  d.entries.set(k, next);
  if (stateRowWorthWriting(entry, next)) {
    const row = stateRowOf(id, next);
    if (row !== undefined) d.rows.push(row);
  }
}

/**
 * Whether a change is worth a current-state row (docs/service.md "Restarts"): the state changed, or figures are held
 * (a stale floor, unmarginable), or were held before. A fresh account's row may then be older than its figures;
 * after a restart it only matters while the account is stale, and then the higher of the two holds (never lower).
 */
export function stateRowWorthWriting(before: AccountEntry | undefined, next: AccountEntry): boolean {
  return before === undefined || stateOf(before) !== stateOf(next) || next.unmarginable !== undefined || next.view?.floor !== undefined || before.view?.floor !== undefined || before.view?.raw === undefined;
}

/** An account's current-state row (undefined for an account never margined). */
export function stateRowOf(accountId: string, entry: AccountEntry): AccountStateRow | undefined {
  const view = entry.view;
  if (view === undefined) return undefined;
  return {
    accountId,
    initialMargin: view.initialMargin,
    maintenanceMargin: view.maintenanceMargin,
    equity: view.equity,
    currency: view.currency,
    state: stateOf(entry) ?? view.state,
    asOf: view.asOf,
    ...(entry.unmarginable === undefined ? {} : { unmarginable: entry.unmarginable }),
  };
}
