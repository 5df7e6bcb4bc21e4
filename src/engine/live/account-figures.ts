import type { MarginResult } from '../../models/margin-result.js';
import type { AccountState } from '../account/account-state.js';
import type { AccountView } from './derive-states.js';
import type { Generation } from './remargin-accounts.js';

const STATES: readonly AccountState[] = ['healthy', 'margin-call', 'liquidation'];
/** State codes (indices of STATES). */
export const HEALTHY = 0;
export const MARGIN_CALL = 1;
export const LIQUIDATION = 2;
/** No state (classifiedFrom undefined). */
const NONE = 255;

export function stateCode(state: AccountState | undefined): number {
  return state === undefined ? NONE : STATES.indexOf(state);
}

export function stateName(code: number): AccountState | undefined {
  return code === NONE ? undefined : STATES[code];
}

/** What a tick shares among the accounts it margined. */
interface Stamp {
  readonly asOf: string;
  /** Engine clock, epoch ms. */
  readonly computedAt: number;
  readonly generation: Generation | undefined;
}

/** The stamp of figures written without one (never by the engine: every write stamps). */
const NO_STAMP: Stamp = { asOf: '', computedAt: 0, generation: undefined };

/** Entry flags by slot (the engine's): the account exists, is unmarginable, was told it is stale. */
export const PRESENT = 4;
export const UNMARGINABLE = 1;
export const STALE_NOTIFIED = 2;

/** `has`: no view, a view from a recompute, or a view of figures stored before a restart. */
export const NO_VIEW = 0;
export const COMPUTED = 1;
export const RESTORED = 2;

/**
 * Every account's reported figures by slot, as columns (the live state a tick rewrites without making an object
 * per account, so nothing per account survives into the old generation of the heap): reported and raw margins,
 * equity, the floor they were held at, the classified state and the state its hysteresis continued from, the
 * asOf, the generation that can explain them. `read(slot)` makes the AccountView object when someone asks.
 * `version[slot]` changes whenever the slot's view does (caches of explained results key on it).
 */
export class AccountFigures {
  has = new Uint8Array(0);
  initialMargin = new Float64Array(0);
  maintenanceMargin = new Float64Array(0);
  equity = new Float64Array(0);
  rawInitialMargin = new Float64Array(0);
  rawMaintenanceMargin = new Float64Array(0);
  /** NaN when not floored. */
  floorInitialMargin = new Float64Array(0);
  floorMaintenanceMargin = new Float64Array(0);
  state = new Uint8Array(0);
  classifiedFrom = new Uint8Array(0);
  version = new Uint32Array(0);
  /** The stamp (asOf, computed-at, generation) of each slot's figures: an index into `stamps`, −1 for none. */
  stamp = new Int32Array(0);
  currency: string[] = [];
  /** Results the per-account path made (nothing else can explain those figures). */
  result: (MarginResult | undefined)[] = [];
  /** asOf of stored figures (restored views). */
  restoredAsOf: (string | undefined)[] = [];

  /**
   * What a tick (or a single evaluation) shares among every account it margined: one record, counted by the slots
   * that point at it, recycled at zero — so a tick writes one integer per account, not three references (which
   * would put tens of thousands of old-to-new pointers in the garbage collector's remembered set every tick).
   */
  private readonly stamps: (Stamp | undefined)[] = [];
  private stampRefs = new Int32Array(0);
  private readonly freeStamps: number[] = [];

  /** A stamp for figures computed at `computedAt` on the market of `asOf` by `generation`; count 0 until used. */
  newStamp(asOf: string, computedAt: number, generation: Generation | undefined): number {
    const id = this.freeStamps.pop() ?? this.stamps.length;
    this.stamps[id] = { asOf, computedAt, generation };
    if (id >= this.stampRefs.length) {
      const grown = new Int32Array(Math.max(id + 1, 2 * this.stampRefs.length, 16));
      grown.set(this.stampRefs);
      this.stampRefs = grown;
    }
    this.stampRefs[id] = 0;
    return id;
  }

  /** Points the slot at stamp `id` (the previous stamp is released). */
  setStamp(slot: number, id: number): void {
    const old = this.stamp[slot]!;
    if (old === id) return;
    if (old >= 0) this.release(old);
    this.stamp[slot] = id;
    if (id >= 0) this.stampRefs[id] = this.stampRefs[id]! + 1;
  }

  /** Drops a stamp no slot uses (a tick that margined nobody, or whose accounts all failed). */
  dropIfUnused(id: number): void {
    if (this.stampRefs[id] === 0 && this.stamps[id] !== undefined) {
      this.stamps[id] = undefined;
      this.freeStamps.push(id);
    }
  }

  private release(id: number): void {
    const n = this.stampRefs[id]! - 1;
    this.stampRefs[id] = n;
    if (n === 0) {
      this.stamps[id] = undefined;
      this.freeStamps.push(id);
    }
  }

  ensure(slots: number): void {
    if (slots <= this.has.length) return;
    const n = Math.max(slots, 2 * this.has.length, 64);
    this.has = grow(this.has, new Uint8Array(n));
    this.initialMargin = grow(this.initialMargin, new Float64Array(n));
    this.maintenanceMargin = grow(this.maintenanceMargin, new Float64Array(n));
    this.equity = grow(this.equity, new Float64Array(n));
    this.rawInitialMargin = grow(this.rawInitialMargin, new Float64Array(n));
    this.rawMaintenanceMargin = grow(this.rawMaintenanceMargin, new Float64Array(n));
    this.floorInitialMargin = grow(this.floorInitialMargin, new Float64Array(n));
    this.floorMaintenanceMargin = grow(this.floorMaintenanceMargin, new Float64Array(n));
    this.state = grow(this.state, new Uint8Array(n));
    this.classifiedFrom = grow(this.classifiedFrom, new Uint8Array(n));
    this.version = grow(this.version, new Uint32Array(n));
    const stamp = new Int32Array(n).fill(-1);
    stamp.set(this.stamp);
    this.stamp = stamp;
  }

  /** The slot's view as an object, undefined when it has none. */
  read(slot: number): AccountView | undefined {
    const has = this.has[slot];
    if (has === undefined || has === NO_VIEW) return undefined;
    const floored = !Number.isNaN(this.floorInitialMargin[slot]!);
    const stamp = this.stamps[this.stamp[slot]!] ?? NO_STAMP;
    const view: AccountView = {
      initialMargin: this.initialMargin[slot]!,
      maintenanceMargin: this.maintenanceMargin[slot]!,
      equity: this.equity[slot]!,
      currency: this.currency[slot]!,
      raw:
        has === RESTORED
          ? undefined
          : {
              initialMargin: this.rawInitialMargin[slot]!,
              maintenanceMargin: this.rawMaintenanceMargin[slot]!,
              equity: this.equity[slot]!,
              generation: stamp.generation,
              result: this.result[slot],
            },
      floor: floored ? { initialMargin: this.floorInitialMargin[slot]!, maintenanceMargin: this.floorMaintenanceMargin[slot]! } : undefined,
      state: stateName(this.state[slot]!) as AccountState,
      classifiedFrom: stateName(this.classifiedFrom[slot]!),
      asOf: stamp.asOf,
      computedAt: stamp.computedAt,
      ...(has === RESTORED ? { restoredAsOf: this.restoredAsOf[slot] ?? '' } : {}),
    };
    return view;
  }

  /** What deriveView reads of the slot's view (its reported margins and state): a what-if's previous view. */
  previous(slot: number): Pick<AccountView, 'initialMargin' | 'maintenanceMargin' | 'state'> | undefined {
    if (this.has[slot] === undefined || this.has[slot] === NO_VIEW) return undefined;
    return { initialMargin: this.initialMargin[slot]!, maintenanceMargin: this.maintenanceMargin[slot]!, state: stateName(this.state[slot]!) as AccountState };
  }

  /** Writes a view object into the slot (undefined clears it). */
  write(slot: number, view: AccountView | undefined): void {
    this.ensure(slot + 1);
    this.version[slot] = (this.version[slot]! + 1) >>> 0;
    if (view === undefined) {
      this.has[slot] = NO_VIEW;
      this.setStamp(slot, -1);
      this.result[slot] = undefined;
      return;
    }
    this.has[slot] = view.raw === undefined ? RESTORED : COMPUTED;
    this.initialMargin[slot] = view.initialMargin;
    this.maintenanceMargin[slot] = view.maintenanceMargin;
    this.equity[slot] = view.equity;
    this.rawInitialMargin[slot] = view.raw?.initialMargin ?? Number.NaN;
    this.rawMaintenanceMargin[slot] = view.raw?.maintenanceMargin ?? Number.NaN;
    this.floorInitialMargin[slot] = view.floor?.initialMargin ?? Number.NaN;
    this.floorMaintenanceMargin[slot] = view.floor?.maintenanceMargin ?? Number.NaN;
    this.state[slot] = stateCode(view.state);
    this.classifiedFrom[slot] = stateCode(view.classifiedFrom);
    this.currency[slot] = view.currency;
    this.setStamp(slot, this.newStamp(view.asOf, view.computedAt, view.raw?.generation));
    this.result[slot] = view.raw?.result;
    this.restoredAsOf[slot] = view.restoredAsOf;
  }
}

function grow<T extends Uint8Array | Uint32Array | Float64Array>(a: T, b: T): T {
  b.set(a);
  return b;
}
