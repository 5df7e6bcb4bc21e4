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
  computedAt = new Float64Array(0);
  state = new Uint8Array(0);
  classifiedFrom = new Uint8Array(0);
  version = new Uint32Array(0);
  asOf: string[] = [];
  currency: string[] = [];
  generation: (Generation | undefined)[] = [];
  /** Results the per-account path made (nothing else can explain those figures). */
  result: (MarginResult | undefined)[] = [];
  /** asOf of stored figures (restored views). */
  restoredAsOf: (string | undefined)[] = [];

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
    this.computedAt = grow(this.computedAt, new Float64Array(n));
    this.state = grow(this.state, new Uint8Array(n));
    this.classifiedFrom = grow(this.classifiedFrom, new Uint8Array(n));
    this.version = grow(this.version, new Uint32Array(n));
  }

  /** The slot's view as an object, undefined when it has none. */
  read(slot: number): AccountView | undefined {
    const has = this.has[slot];
    if (has === undefined || has === NO_VIEW) return undefined;
    const floored = !Number.isNaN(this.floorInitialMargin[slot]!);
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
              generation: this.generation[slot],
              result: this.result[slot],
            },
      floor: floored ? { initialMargin: this.floorInitialMargin[slot]!, maintenanceMargin: this.floorMaintenanceMargin[slot]! } : undefined,
      state: stateName(this.state[slot]!) as AccountState,
      classifiedFrom: stateName(this.classifiedFrom[slot]!),
      asOf: this.asOf[slot]!,
      computedAt: this.computedAt[slot]!,
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
      this.generation[slot] = undefined;
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
    this.asOf[slot] = view.asOf;
    this.currency[slot] = view.currency;
    this.computedAt[slot] = view.computedAt;
    this.generation[slot] = view.raw?.generation;
    this.result[slot] = view.raw?.result;
    this.restoredAsOf[slot] = view.restoredAsOf;
  }
}

function grow<T extends Uint8Array | Uint32Array | Float64Array>(a: T, b: T): T {
  b.set(a);
  return b;
}
