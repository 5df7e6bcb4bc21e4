/**
 * Per-instrument inputs of the revaluation kernel as typed arrays (structure of arrays, index = instrument id).
 * Built once per (instrument table, market snapshot, scenario set) by `compileRevaluation`.
 */

/** Instrument kind codes used inside kernels. */
export const KIND_DELTA_ONE = 0; // spot, future, perpetual: P&L is linear (or inverse) in the reference price
export const KIND_CALL = 1;
export const KIND_PUT = 2;

export interface RevaluationPlan {
  readonly instrumentCount: number;
  /** KIND_* per instrument. */
  readonly kind: Int32Array;
  /** 1 when coin-settled (P&L in the underlying coin), else 0. */
  readonly inverse: Int32Array;
  /** Index of the instrument's underlying in the scenario set, −1 when the set does not move it. */
  readonly underlyingIndex: Int32Array;
  /** Reference price today: the forward to expiry (index for spot and perpetuals), quote currency per unit. */
  readonly reference: Float64Array;
  readonly strike: Float64Array;
  /** Time to expiry, years ACT/365 (0 for delta-one). */
  readonly tau: Float64Array;
  /** Continuously compounded rate for discounting option premiums. */
  readonly rate: Float64Array;
  /** Implied vol at the strike today (sticky strike under price moves), decimal. */
  readonly vol: Float64Array;
  /** Contract multiplier (linear: underlying units; inverse delta-one: USD face; inverse option: coins). */
  readonly multiplier: Float64Array;
  /** Value of one contract today in settlement currency (options: premium; delta-one: 0, marked to market). */
  readonly baseValue: Float64Array;
}

/** Lowest vol a scenario may push an option to, decimal: keeps Black-76 defined when a down-shift overshoots. */
export const MIN_SCENARIO_VOL = 1e-4;
