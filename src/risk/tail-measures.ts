import { tailMass, varRank } from '../core/tail-count.js';
import { selectKth } from './select-kth.js';

/**
 * Worst loss, VaR and ES of one P&L vector (gain positive) in one pass over it, as positive losses, with the
 * engine's quantile convention (DESIGN.md "Quantiles", methods/var-es.md §1):
 *
 *   worst = worstLoss (floored at 0)          VaR_α = the k-th worst loss, k = ⌈(1−α)·N⌉ (tail-count.ts)
 *   ES_α  = (Σ of the ⌊m⌋ worst + (m−⌊m⌋) × the next) / m, m = (1−α)·N;  α = 1 (m = 0): the worst loss, unfloored
 *
 * The plain functions (worst-loss.ts, value-at-risk.ts, expected-shortfall.ts) stay the reference this is tested
 * against; they copy the row and run a full quickselect per measure. Here only the `need` = max(k, ⌈m⌉) lowest
 * values matter, and they are found with a threshold filter:
 *
 *   1. split the row into G = ⌊N/8⌋ blocks of 8 consecutive scenarios and take each block's minimum;
 *   2. T = the need-th smallest block minimum. `need` distinct scenarios lie at or below T, so the need-th lowest
 *      value of the row is ≤ T and every scenario of the tail satisfies x ≤ T;
 *   3. pack the scenarios x ≤ T (only blocks whose minimum is ≤ T are scanned): ~need + 2 candidates on W3,
 *      N = 1,000 (27 for need = 25), against 1,000 for the quickselect;
 *   4. order the candidates by (value, scenario index): insertion sort when few, else a heap that pops `need`.
 *
 * The tail then reads off the sorted candidates, summed worst first. Worst and VaR are exact (a selected value);
 * ES differs from the reference only in the order of the ⌊m⌋ additions (≲ 1e-15 relative on W3). When N/8 < need
 * (short rows, or a tail that is most of the row) step 1–2 are skipped and every scenario is a candidate.
 * Rows must be NaN-free (validated at the boundary) and N ≥ 1. Allocates nothing.
 */

/** Scenarios per block in step 1: 8 gives ~need + 2 candidates at N = 1,000 and a 125-value selection. */
const BLOCK = 8;
/** Up to this many candidates an insertion sort beats the heap (few compares, no index arithmetic). */
const INSERTION_MAX = 48;

/** Length the `scratch` of `tailMeasures` must have for N scenarios: block minima twice, candidates and their indices. */
export function tailMeasuresScratchLength(n: number): number {
  return 2 * Math.floor(n / BLOCK) + 2 * n;
}

/** Tail sizes for N scenarios: VaR rank k, ES mass m = whole + frac, need = max(k, ⌈m⌉, 1) rows to order. */
export function tailShape(varAlpha: number, esAlpha: number, n: number): { k: number; m: number; whole: number; frac: number; need: number } {
  const k = varRank(varAlpha, n);
  const m = Math.min(n, tailMass(esAlpha, n));
  const whole = Math.floor(m);
  const frac = m - whole;
  const esCount = m <= 0 ? 1 : Math.min(n, whole + (frac > 0 ? 1 : 0));
  return { k, m, whole, frac, need: Math.max(k, esCount) };
}

/**
 * Reads `pnl[offset .. offset+n−1]` and writes `out[outOffset]` = worst loss, `out[outOffset+1]` = VaR at
 * `varAlpha`, `out[outOffset+2]` = ES at `esAlpha`. `scratch` (length ≥ tailMeasuresScratchLength(n)) is
 * overwritten; `pnl` may be the same array as `scratch` if the row lies beyond that length (fused kernels do
 * this to use one buffer).
 *
 * If `tailIndex` is given, it receives the scenario indices (0-based, relative to offset) of the `need` lowest
 * P&Ls, lowest first, ties by lower index — the order of tail-scenarios.ts `lowestScenarios` — so
 * `tailIndex[k−1]` is the VaR scenario and `tailIndex[0 .. ⌈m⌉−1]` the ES tail (for Euler contributions).
 * Returns `need` = max(k, ⌈m⌉, 1), the count of tail scenarios ordered.
 */
export function tailMeasures(
  pnl: Float64Array,
  offset: number,
  n: number,
  varAlpha: number,
  esAlpha: number,
  scratch: Float64Array,
  out: Float64Array,
  outOffset: number,
  tailIndex?: Int32Array,
): number {
  const k = varRank(varAlpha, n);
  const m = Math.min(n, tailMass(esAlpha, n));
  const whole = Math.floor(m);
  const frac = m - whole;
  const esCount = m <= 0 ? 1 : Math.min(n, whole + (frac > 0 ? 1 : 0));
  const need = Math.max(k, esCount);

  const V = orderLowest(pnl, offset, n, need, scratch);
  const I = V + n;
  const lowest = scratch[V]!;
  out[outOffset] = 0 - (lowest < 0 ? lowest : 0); // `0 - x`: no negative zero in results
  out[outOffset + 1] = 0 - scratch[V + k - 1]!;
  if (m <= 0) {
    out[outOffset + 2] = 0 - lowest;
  } else {
    let sum = 0;
    for (let i = 0; i < whole; i++) sum += scratch[V + i]!;
    if (frac > 0) sum += frac * scratch[V + whole]!; // only then is the next one among the `need` ordered
    out[outOffset + 2] = (0 - sum) / m;
  }
  if (tailIndex !== undefined) for (let i = 0; i < need; i++) tailIndex[i] = scratch[I + i]!;
  return need;
}

/**
 * Writes into `out[0 .. c−1]` the scenario indices (relative to offset) of the c = min(count, n) lowest values of
 * `pnl[offset .. offset+n−1]`, lowest first, ties by lower index, and returns c. The same filter as `tailMeasures`
 * for any count (a report's "worst 10 scenarios"); `scratch` length ≥ tailMeasuresScratchLength(n). No allocation.
 */
export function lowestScenarioIndices(pnl: Float64Array, offset: number, n: number, count: number, scratch: Float64Array, out: Int32Array): number {
  const c = Math.min(count, n);
  if (c <= 0) return 0;
  const V = orderLowest(pnl, offset, n, c, scratch);
  for (let i = 0; i < c; i++) out[i] = scratch[V + n + i]!;
  return c;
}

/**
 * Steps 1–4 of the filter: leaves the `need` lowest of `pnl[offset .. offset+n)` in (value, index) order at
 * `scratch[V .. V+need)` and their scenario indices at `scratch[V+n .. V+n+need)`; returns V. 1 ≤ need ≤ n.
 */
function orderLowest(pnl: Float64Array, offset: number, n: number, need: number, scratch: Float64Array): number {
  // Scratch layout: [0, G) block minima being selected in place; [G, 2G) a copy kept in scenario order;
  // [2G, 2G+n) candidate values; [2G+n, 2G+2n) their scenario indices (small integers, exact as doubles).
  const groups = Math.floor(n / BLOCK);
  const V = 2 * groups;
  const I = V + n;
  let c = 0;
  if (groups >= need) {
    const keep = groups;
    for (let g = 0; g < groups; g++) {
      const b = offset + BLOCK * g;
      // Two independent min chains of 4 shorten the dependency chain of 8 compares.
      let v0 = pnl[b]!, v1 = pnl[b + 1]!, v2 = pnl[b + 2]!, v3 = pnl[b + 3]!;
      const x0 = pnl[b + 4]!, x1 = pnl[b + 5]!, x2 = pnl[b + 6]!, x3 = pnl[b + 7]!;
      if (x0 < v0) v0 = x0;
      if (x1 < v1) v1 = x1;
      if (x2 < v2) v2 = x2;
      if (x3 < v3) v3 = x3;
      if (v1 < v0) v0 = v1;
      if (v3 < v2) v2 = v3;
      const min = v2 < v0 ? v2 : v0;
      scratch[g] = min;
      scratch[keep + g] = min;
    }
    const threshold = selectKth(scratch, groups, need - 1);
    for (let g = 0; g < groups; g++) {
      if (scratch[keep + g]! > threshold) continue;
      const b = offset + BLOCK * g;
      for (let j = 0; j < BLOCK; j++) {
        const v = pnl[b + j]!;
        if (v <= threshold) {
          scratch[V + c] = v;
          scratch[I + c] = BLOCK * g + j;
          c++;
        }
      }
    }
    for (let s = BLOCK * groups; s < n; s++) {
      const v = pnl[offset + s]!;
      if (v <= threshold) {
        scratch[V + c] = v;
        scratch[I + c] = s;
        c++;
      }
    }
  } else {
    for (let s = 0; s < n; s++) {
      scratch[V + s] = pnl[offset + s]!;
      scratch[I + s] = s;
    }
    c = n;
  }

  if (c <= INSERTION_MAX) insertionSortPairs(scratch, V, I, c);
  else heapSelectPairs(scratch, V, I, c, need);
  return V;
}

/** Stable insertion sort of `a[v .. v+c)` by value, moving the index column `a[ix ..]` along (ties keep index order). */
function insertionSortPairs(a: Float64Array, v: number, ix: number, c: number): void {
  for (let i = 1; i < c; i++) {
    const x = a[v + i]!;
    const id = a[ix + i]!;
    let j = i - 1;
    while (j >= 0 && a[v + j]! > x) {
      a[v + j + 1] = a[v + j]!;
      a[ix + j + 1] = a[ix + j]!;
      j--;
    }
    a[v + j + 1] = x;
    a[ix + j + 1] = id;
  }
}

/** (value, index) pair i before pair j. Indices are distinct, so this is a total order and the result unique. */
function before(a: Float64Array, v: number, ix: number, i: number, j: number): boolean {
  const x = a[v + i]!;
  const y = a[v + j]!;
  return x < y || (x === y && a[ix + i]! < a[ix + j]!);
}

function swapPairs(a: Float64Array, v: number, ix: number, i: number, j: number): void {
  const x = a[v + i]!;
  a[v + i] = a[v + j]!;
  a[v + j] = x;
  const y = a[ix + i]!;
  a[ix + i] = a[ix + j]!;
  a[ix + j] = y;
}

function siftDown(a: Float64Array, v: number, ix: number, root: number, size: number): void {
  let p = root;
  for (;;) {
    const l = 2 * p + 1;
    if (l >= size) return;
    const r = l + 1;
    const child = r < size && before(a, v, ix, r, l) ? r : l;
    if (!before(a, v, ix, child, p)) return;
    swapPairs(a, v, ix, p, child);
    p = child;
  }
}

/**
 * Moves the `need` lowest of `c` pairs, in (value, index) order, to the front: a min-heap over all c (O(c)), then
 * `need` pops (O(need · log c)). Each pop parks the minimum just past the shrinking heap, so the tail collects at
 * the back lowest-last; it is reversed and moved to the front at the end.
 */
function heapSelectPairs(a: Float64Array, v: number, ix: number, c: number, need: number): void {
  for (let i = (c >> 1) - 1; i >= 0; i--) siftDown(a, v, ix, i, c);
  let size = c;
  for (let p = 0; p < need; p++) {
    size--;
    swapPairs(a, v, ix, 0, size);
    siftDown(a, v, ix, 0, size);
  }
  // a[c−1] is the lowest, a[c−need] the need-th lowest: reverse into place, then shift to the front (source ≥
  // destination, so a forward copy never overwrites what it has yet to read).
  for (let i = c - need, j = c - 1; i < j; i++, j--) swapPairs(a, v, ix, i, j);
  const from = c - need;
  if (from > 0) {
    for (let i = 0; i < need; i++) {
      a[v + i] = a[v + from + i]!;
      a[ix + i] = a[ix + from + i]!;
    }
  }
}
