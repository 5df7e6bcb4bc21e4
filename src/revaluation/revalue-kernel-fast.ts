import { BLACK76_MIN_STD_DEV, black76Price } from '../pricing/black76-price.js';
import { black76UndiscountedCody, MIN_SHARED_GAUSSIAN } from '../pricing/black76-price-cody.js';
import { inverseOptionPrice } from '../pricing/inverse-option.js';
import { POW2, POW2_OFFSET, TWO_POW_J64_HI, TWO_POW_J64_LO } from '../pricing/exp-non-positive.js';
import { expNegHalfSquare } from '../pricing/norm-cdf-cody.js';
import type { ScenarioSet } from '../scenarios/scenario-set.js';
import { KIND_CALL, KIND_DELTA_ONE, MIN_SCENARIO_VOL, type RevaluationPlan } from './revaluation-plan.js';
import { revalueInstrumentRow } from './revalue-kernel.js';

/**
 * Below this many scenarios an option row goes to the reference: the fast path's fixed cost per row (its own base
 * value, the reference base value it is reconciled with, two discount factors, a log) is worth about three
 * reference cells, so it pays only from a handful of scenarios on (the reverse-stress searches revalue one point
 * at a time).
 */
export const FAST_PATH_MIN_SCENARIOS = 8;

/**
 * The constants of the row loop's exp (exp-non-positive.ts, norm-cdf-cody.ts): Veltkamp split 2²⁷ + 1, 64/ln 2, the
 * 1.5·2⁵² rounding shifter, ln2/64 as hi + lo, 1/3!, 1/4!, 1/5!, 1/6!. The loop reads these and Cody's coefficients
 * from arrays into locals before it starts: V8 rebuilds every literal double in the loop with two instructions at
 * each use, whereas a local held in a register or a stack slot is a single operand (≈ 10 % of the loop).
 */
const EXP_CONSTANTS = new Float64Array([
  134217729, 92.33248261689366, 6755399441055744, 0.010830424696223417, 2.572804622327669e-14, 1 / 6, 1 / 24, 1 / 120,
  1 / 720,
]);

/**
 * W. J. Cody's coefficients (CALERF, netlib.org/specfun/erf; Math. Comp. 23 (1969) 631–637), the values of
 * norm-cdf-cody.ts in CALERF's order: A5, A1–A4; B1–B4; C9, C1–C8; D1–D8; P6, P1–P5; Q1–Q5; 1/√π.
 */
const CODY = new Float64Array([
  0.185777706184603153, 3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947,
  23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062,
  2.15311535474403846e-8, 0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131,
  881.95222124176909, 1712.04761263407058, 2051.07837782607147, 1230.33935479799725,
  15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963,
  4362.61909014324716, 3439.36767414372164, 1230.33935480374942,
  0.0163153871373020978, 0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766,
  6.58749161529837803e-4,
  2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185,
  0.5641895835477563,
]);

/** Per-row scalars of fillUndiscountedRow, stored after the tables in the scratch array. */
const P_OMEGA = 0;
const P_FORWARD = 1;
const P_STRIKE = 2;
const P_MONEYNESS = 3;
const P_LOG_MONEYNESS = 4;
const P_VOL = 5;
const P_SQRT_TAU = 6;
const P_RELATIVE_VOL = 7;
const P_MIN_VOL = 8;
const P_MIN_SHARED_GAUSSIAN = 9;
const PARAM_COUNT = 10;

/** 2^{j/64} as double-doubles (64 × 2) and POW2 (2^m, −1075 ≤ m ≤ 0), copied into the scratch. */
const EXP_TABLE_LENGTH = 128 + POW2_OFFSET + 1;

/**
 * Scratch the fast kernel needs, in float64 entries: three per-scenario tables per underlying of the set
 * (ln(1 + move), 1 + move, the vol shift), the exp tables and a few per-row scalars; about 97 kB for 4 underlyings
 * × 1,000 scenarios.
 */
export function revaluationScratchLength(set: Pick<ScenarioSet, 'count' | 'underlyings'>): number {
  return 3 * set.underlyings.length * set.count + EXP_TABLE_LENGTH + PARAM_COUNT;
}

/**
 * The revaluation kernel's fast twin: same contract and output as `revalueKernel` (revalue-kernel.ts, the
 * reference it is tested against: equal to 1e-12 relative on every cell, exactly equal on delta-one rows), fills
 * `out[i * set.count + s]` with the weighted P&L of one long contract of instrument i under scenario s.
 * `scratch` holds at least `revaluationScratchLength(set)` entries; nothing is allocated.
 *
 * Where the reference spends its time per cell and what this does instead:
 * - ln(F′/K) per cell → ln(F/K) per option plus a per-scenario table of ln(1 + move) (one table per underlying,
 *   filled once per call), and F′/K = (F/K)·(1 + move);
 * - e^{−rτ} per cell → once per option (τ after the time step is the same for every scenario when the set's
 *   time step is uniform, as every generator in scenarios/ makes it);
 * - fdlibm erfc twice per cell (a JavaScript exp inside each) → Cody's rational erfc (norm-cdf-cody.ts) on a
 *   table-driven exp (exp-non-positive.ts; V8's Math.exp is a ~20 ns call), with one exp per cell shared by N(d1)
 *   and N(d2) (black76-price-cody.ts), all written out in one loop (fillUndiscountedRow says why);
 * - per-cell branches on kind and settlement → ω = ±1 per option, and the settlement conversion in a second,
 *   branch-free pass over the row (the row is 8 bytes × scenarios, still in L1).
 *
 * Rows the fast path does not cover fall back to the reference row, cell for cell identical to revalueKernel:
 * delta-one instruments (already cheap), options on an underlying the set does not move, non-uniform time steps,
 * sets of fewer than FAST_PATH_MIN_SCENARIOS scenarios, and degenerate inputs (strike ≤ 0, vol below
 * MIN_SCENARIO_VOL, σ√τ that can reach BLACK76_MIN_STD_DEV, expiry within the time step, non-finite numbers).
 *
 * P&L is formed as a difference of two values from the same formula (the scenario value less this kernel's own
 * value at the base point, corrected by how far the plan's baseValue is from the reference price there, which is
 * exactly 0 for plans from compileRevaluation), so pricing error cancels for small moves and a scenario that moves
 * nothing gives exactly 0, as with the reference.
 *
 * @throws RangeError when `scratch` is too short (a caller bug, not bad data)
 */
export function revalueKernelFast(
  plan: RevaluationPlan,
  set: ScenarioSet,
  out: Float64Array,
  scratch: Float64Array,
  /** Instruments first ≤ i < last only (a thread's share; rows are independent, so the bits do not depend on the split). */
  first = 0,
  last = plan.instrumentCount,
): void {
  const n = set.count;
  const tableLength = set.underlyings.length * n;
  const needed = revaluationScratchLength(set);
  if (scratch.length < needed) {
    throw new RangeError(`revalueKernelFast: scratch has ${scratch.length} entries, needs ${needed}`);
  }
  const priceMove = set.priceMove;
  for (let k = 0; k < tableLength; k++) {
    const move = priceMove[k]!;
    scratch[k] = Math.log1p(move);
    // 1 + move exactly as the reference rounds it, so F′ = F·(1 + move) is bit-identical.
    scratch[tableLength + k] = 1 + move;
  }
  // The vol shifts and the exp tables are copied next to the other tables so that the row loop reads one array
  // only: every distinct typed array a V8 loop reads costs it a map check and base-pointer loads per iteration.
  scratch.set(set.volShift.subarray(0, tableLength), 2 * tableLength);
  const expAt = 3 * tableLength;
  for (let j = 0; j < 64; j++) {
    scratch[expAt + 2 * j] = TWO_POW_J64_HI[j]!;
    scratch[expAt + 2 * j + 1] = TWO_POW_J64_LO[j]!;
  }
  scratch.set(POW2, expAt + 128);
  const timeStep = set.timeStep;
  const dt = n > 0 ? timeStep[0]! : 0;
  let uniformStep = true;
  for (let s = 1; s < n; s++) {
    if (timeStep[s] !== dt) {
      uniformStep = false;
      break;
    }
  }
  const relativeVol = set.volShiftMode === 'relative';
  const worthIt = uniformStep && n >= FAST_PATH_MIN_SCENARIOS;
  for (let i = first; i < last; i++) {
    const fast =
      worthIt && plan.kind[i] !== KIND_DELTA_ONE && revalueOptionRow(plan, set, i, dt, relativeVol, scratch, tableLength, out);
    if (!fast) revalueInstrumentRow(plan, set, i, out);
  }
}

/**
 * Fast path for option row i with the uniform time step `dt` (years); returns false, having written nothing,
 * when the row needs the reference path.
 */
function revalueOptionRow(
  plan: RevaluationPlan,
  set: ScenarioSet,
  i: number,
  dt: number,
  relativeVol: boolean,
  scratch: Float64Array,
  tableLength: number,
  out: Float64Array,
): boolean {
  const u = plan.underlyingIndex[i]!;
  const ref = plan.reference[i]!;
  const strike = plan.strike[i]!;
  const tau0 = plan.tau[i]!;
  const rate = plan.rate[i]!;
  const vol0 = plan.vol[i]!;
  const tau1 = tau0 > dt ? tau0 - dt : 0;
  const sqrtTau0 = Math.sqrt(tau0);
  const sqrtTau1 = Math.sqrt(tau1);
  // Written so that NaN fails every test. With vol ≥ MIN_SCENARIO_VOL (floored per scenario, checked here for the
  // base) σ√τ never drops below BLACK76_MIN_STD_DEV, so no cell needs the intrinsic-value branch.
  const covered =
    u >= 0 &&
    ref > 0 && ref < Infinity &&
    strike > 0 && strike < Infinity &&
    vol0 >= MIN_SCENARIO_VOL && vol0 < Infinity &&
    Math.abs(rate) < Infinity &&
    sqrtTau1 * MIN_SCENARIO_VOL >= BLACK76_MIN_STD_DEV && sqrtTau1 < Infinity &&
    sqrtTau0 * MIN_SCENARIO_VOL >= BLACK76_MIN_STD_DEV && sqrtTau0 < Infinity;
  if (!covered) return false;

  const n = set.count;
  const row = i * n;
  const m = u * n;
  const growthBase = tableLength + m;
  const isCall = plan.kind[i] === KIND_CALL;
  const omega = isCall ? 1 : -1;
  const moneyness = ref / strike;
  const logMoneyness = Math.log(moneyness);

  const params = 3 * tableLength + EXP_TABLE_LENGTH;
  scratch[params + P_OMEGA] = omega;
  scratch[params + P_FORWARD] = ref;
  scratch[params + P_STRIKE] = strike;
  scratch[params + P_MONEYNESS] = moneyness;
  scratch[params + P_LOG_MONEYNESS] = logMoneyness;
  scratch[params + P_VOL] = vol0;
  scratch[params + P_SQRT_TAU] = sqrtTau1;
  scratch[params + P_RELATIVE_VOL] = relativeVol ? 1 : 0;
  scratch[params + P_MIN_VOL] = MIN_SCENARIO_VOL;
  scratch[params + P_MIN_SHARED_GAUSSIAN] = MIN_SHARED_GAUSSIAN;
  fillUndiscountedRow(n, 2 * tableLength + m, m, scratch, growthBase, 3 * tableLength, params, out, row);

  // This kernel's own value at the base point (no move, no shift, no time step): the cell formula of the passes
  // with growth 1, ln 1 = 0 and vol0 (black76UndiscountedCody), so an unmoved scenario reproduces it bit for bit.
  const df0 = Math.exp(-rate * tau0);
  const df1 = Math.exp(-rate * tau1);
  const base0 = df0 * black76UndiscountedCody(omega, ref, strike, logMoneyness, moneyness, vol0 * sqrtTau0);
  const mult = plan.multiplier[i]!;
  const planBase = plan.baseValue[i]!;
  if (plan.inverse[i] === 1) {
    const base = base0 / ref + (planBase - inverseOptionPrice(isCall, ref, strike, tau0, vol0, df0));
    passInverseSettlement(n, df1, ref, mult, base, set.weight, scratch, growthBase, out, row);
  } else {
    const base = base0 + (planBase - black76Price(isCall, ref, strike, tau0, vol0, df0));
    passLinearSettlement(n, df1, mult, base, set.weight, out, row);
  }
  return true;
}

/**
 * Undiscounted Black-76 value ω·(F′·N(ω·d1) − K·N(ω·d2)), floored at 0, of one option under every scenario, into
 * out[row + s]. Quote currency per unit of underlying.
 *
 * This is black76UndiscountedCody (black76-price-cody.ts) with expNegHalfSquare, the table-driven exp and
 * normCdfFromGaussian (norm-cdf-cody.ts) written out inline, operation for operation, so each cell is
 * bit-identical to black76UndiscountedCody (the test checks it). Why by hand: V8 inlines at most ~920 bytes of
 * bytecode into one optimised function, two normal CDFs and the exp exceed it, and a call left out of line boxes
 * its double arguments and result on the heap, which costs more than the arithmetic. Being large, this function
 * is itself never inlined, so it is optimised on its own with nothing left to call.
 */
function fillUndiscountedRow(
  n: number,
  volAt: number,
  m: number,
  scratch: Float64Array,
  growthBase: number,
  expAt: number,
  params: number,
  out: Float64Array,
  row: number,
): void {
  // Scalars arrive through the scratch array rather than as arguments: loaded from a Float64Array they are raw
  // doubles before the loop, whereas a number argument (or module constant) is a tagged value that the optimised
  // loop would re-check and unbox on every iteration (V8 does not hoist those checks).
  const omega = scratch[params + P_OMEGA]!;
  const ref = scratch[params + P_FORWARD]!;
  const strike = scratch[params + P_STRIKE]!;
  const moneyness = scratch[params + P_MONEYNESS]!;
  const logMoneyness = scratch[params + P_LOG_MONEYNESS]!;
  const vol0 = scratch[params + P_VOL]!;
  const sqrtTau = scratch[params + P_SQRT_TAU]!;
  const relativeVol = scratch[params + P_RELATIVE_VOL]! !== 0;
  const minVol = scratch[params + P_MIN_VOL]!;
  const minSharedGaussian = scratch[params + P_MIN_SHARED_GAUSSIAN]!;
  const pow2At = (expAt + 128 + POW2_OFFSET) | 0;
  // Offsets as int32 locals: an argument is a tagged value that the loop would untag and check on every use.
  const count = n | 0;
  const volBase = volAt | 0;
  const logBase = m | 0;
  const growthAt = growthBase | 0;
  const expBase = expAt | 0;
  const outBase = row | 0;
  const split = EXP_CONSTANTS[0]!;
  const invLn2x64 = EXP_CONSTANTS[1]!;
  const shifter = EXP_CONSTANTS[2]!;
  const ln2x64Hi = EXP_CONSTANTS[3]!;
  const ln2x64Lo = EXP_CONSTANTS[4]!;
  const inv3f = EXP_CONSTANTS[5]!;
  const inv4f = EXP_CONSTANTS[6]!;
  const inv5f = EXP_CONSTANTS[7]!;
  const inv6f = EXP_CONSTANTS[8]!;
  const cA5 = CODY[0]!;
  const cA1 = CODY[1]!;
  const cA2 = CODY[2]!;
  const cA3 = CODY[3]!;
  const cA4 = CODY[4]!;
  const cB1 = CODY[5]!;
  const cB2 = CODY[6]!;
  const cB3 = CODY[7]!;
  const cB4 = CODY[8]!;
  const cC9 = CODY[9]!;
  const cC1 = CODY[10]!;
  const cC2 = CODY[11]!;
  const cC3 = CODY[12]!;
  const cC4 = CODY[13]!;
  const cC5 = CODY[14]!;
  const cC6 = CODY[15]!;
  const cC7 = CODY[16]!;
  const cC8 = CODY[17]!;
  const cD1 = CODY[18]!;
  const cD2 = CODY[19]!;
  const cD3 = CODY[20]!;
  const cD4 = CODY[21]!;
  const cD5 = CODY[22]!;
  const cD6 = CODY[23]!;
  const cD7 = CODY[24]!;
  const cD8 = CODY[25]!;
  const cP6 = CODY[26]!;
  const cP1 = CODY[27]!;
  const cP2 = CODY[28]!;
  const cP3 = CODY[29]!;
  const cP4 = CODY[30]!;
  const cP5 = CODY[31]!;
  const cQ1 = CODY[32]!;
  const cQ2 = CODY[33]!;
  const cQ3 = CODY[34]!;
  const cQ4 = CODY[35]!;
  const cQ5 = CODY[36]!;
  const invSqrtPi = CODY[37]!;
  for (let s = 0; s < count; s++) {
    const shift = scratch[(volBase + s) | 0]!;
    // The reference's expressions, so the floored vol is bit-identical to revalueKernel's.
    const shifted = relativeVol ? vol0 * (1 + shift) : vol0 + shift;
    const vol1 = shifted > minVol ? shifted : minVol;
    const stdDev = vol1 * sqrtTau;
    const growth = scratch[(growthAt + s) | 0]!;
    const d1 = (logMoneyness + scratch[(logBase + s) | 0]!) / stdDev + 0.5 * stdDev;
    const d2 = d1 - stdDev;

    // g1 = e^{−d1²/2} (expNegHalfSquare; |d1| ≥ 38.5 and NaN take Math.exp).
    let g1: number;
    const a1 = Math.abs(d1);
    if (a1 < 38.5) {
      const c = split * a1;
      const hi = c - (c - a1);
      const lo = a1 - hi;
      const sq = a1 * a1;
      const err = hi * hi - sq + 2 * hi * lo + lo * lo;
      // expNonPositive(−sq/2)
      const e = -0.5 * sq;
      const kd = e * invLn2x64 + shifter - shifter;
      const r = e - kd * ln2x64Hi - kd * ln2x64Lo;
      const k = kd | 0;
      const j = k & 63;
      const q = r + r * r * (0.5 + r * (inv3f + r * (inv4f + r * (inv5f + r * inv6f))));
      const t = scratch[(expBase + 2 * j) | 0]!;
      g1 = scratch[(pow2At + (k >> 6)) | 0]! * (t + (t * q + scratch[(expBase + 2 * j + 1) | 0]!)) * (1 - 0.5 * err);
    } else {
      g1 = Math.exp(-0.5 * a1 * a1);
    }
    // e^{−d2²/2} = e^{−d1²/2}·F′/K; a subnormal g1, an overflowing F′/K or NaN recompute it directly (rare).
    let g2 = g1 * (moneyness * growth);
    if (!(g1 >= minSharedGaussian && g2 <= 1)) g2 = expNegHalfSquare(d2);

    // N(ω·d1) (normCdfFromGaussian).
    const x1 = omega * d1;
    const y1 = Math.abs(x1) * Math.SQRT1_2;
    let n1: number;
    if (y1 <= 0.46875) {
      const z = x1 * Math.SQRT1_2;
      const zz = z * z;
      const num = ((((cA5 * zz + cA1) * zz + cA2) * zz + cA3) * zz) + cA4;
      const den = ((((zz + cB1) * zz + cB2) * zz + cB3) * zz) + cB4;
      n1 = 0.5 + 0.5 * ((z * num) / den);
    } else {
      let scaled: number;
      if (y1 <= 4) {
        const num = (((((((cC9 * y1 + cC1) * y1 + cC2) * y1 + cC3) * y1 + cC4) * y1 + cC5) * y1 + cC6) * y1 + cC7) * y1 + cC8;
        const den = (((((((y1 + cD1) * y1 + cD2) * y1 + cD3) * y1 + cD4) * y1 + cD5) * y1 + cD6) * y1 + cD7) * y1 + cD8;
        scaled = num / den;
      } else {
        const w = 1 / (y1 * y1);
        const num = (((((cP6 * w + cP1) * w + cP2) * w + cP3) * w + cP4) * w) + cP5;
        const den = (((((w + cQ1) * w + cQ2) * w + cQ3) * w + cQ4) * w) + cQ5;
        scaled = (invSqrtPi - (w * num) / den) / y1;
      }
      const tail = 0.5 * g1 * scaled;
      n1 = x1 < 0 ? tail : 1 - tail;
    }

    // N(ω·d2), the same with g2.
    const x2 = omega * d2;
    const y2 = Math.abs(x2) * Math.SQRT1_2;
    let n2: number;
    if (y2 <= 0.46875) {
      const z = x2 * Math.SQRT1_2;
      const zz = z * z;
      const num = ((((cA5 * zz + cA1) * zz + cA2) * zz + cA3) * zz) + cA4;
      const den = ((((zz + cB1) * zz + cB2) * zz + cB3) * zz) + cB4;
      n2 = 0.5 + 0.5 * ((z * num) / den);
    } else {
      let scaled: number;
      if (y2 <= 4) {
        const num = (((((((cC9 * y2 + cC1) * y2 + cC2) * y2 + cC3) * y2 + cC4) * y2 + cC5) * y2 + cC6) * y2 + cC7) * y2 + cC8;
        const den = (((((((y2 + cD1) * y2 + cD2) * y2 + cD3) * y2 + cD4) * y2 + cD5) * y2 + cD6) * y2 + cD7) * y2 + cD8;
        scaled = num / den;
      } else {
        const w = 1 / (y2 * y2);
        const num = (((((cP6 * w + cP1) * w + cP2) * w + cP3) * w + cP4) * w) + cP5;
        const den = (((((w + cQ1) * w + cQ2) * w + cQ3) * w + cQ4) * w) + cQ5;
        scaled = (invSqrtPi - (w * num) / den) / y2;
      }
      const tail = 0.5 * g2 * scaled;
      n2 = x2 < 0 ? tail : 1 - tail;
    }

    const value = omega * (ref * growth * n1 - strike * n2);
    out[(outBase + s) | 0] = value < 0 ? 0 : value;
  }
}

/** Linear settlement: P&L = mult·(D·V − base)·weight, quote currency (the reference's order of operations). */
function passLinearSettlement(
  n: number,
  discount: number,
  mult: number,
  base: number,
  weight: Float64Array,
  out: Float64Array,
  row: number,
): void {
  for (let s = 0; s < n; s++) out[row + s] = mult * (discount * out[row + s]! - base) * weight[s]!;
}

/** Inverse settlement: P&L = mult·(D·V/F′ − base)·weight, coin (the reference's order of operations). */
function passInverseSettlement(
  n: number,
  discount: number,
  ref: number,
  mult: number,
  base: number,
  weight: Float64Array,
  scratch: Float64Array,
  growthBase: number,
  out: Float64Array,
  row: number,
): void {
  for (let s = 0; s < n; s++) {
    const value = (discount * out[row + s]!) / (ref * scratch[growthBase + s]!);
    out[row + s] = mult * (value - base) * weight[s]!;
  }
}
