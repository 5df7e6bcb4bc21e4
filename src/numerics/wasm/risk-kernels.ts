// AssemblyScript source (not TypeScript: compiled by scripts/build-wasm.mjs with `asc --enable simd` into
// dist/wasm/risk-kernels.wasm; excluded from tsc and eslint). The WebAssembly SIMD twins of
//   portfolio/aggregate-kernel-blocked.ts  (W2: book × instrument P&L matrix)
//   risk/tail-measures.ts                  (W3: worst / VaR / ES of one row by the threshold filter)
//   risk/aggregate-tail-measures.ts        (W2 + W3 fused)
// loaded by numerics/wasm-risk-kernels.ts, which lays out the linear memory and falls back to those TypeScript
// kernels when WebAssembly SIMD or this module is unavailable. Same operations in the same order as the
// TypeScript kernels, without fused multiply-add, so the results are bit-identical to them.
//
// Every argument is a byte address in linear memory (usize) or a count; nothing is allocated (runtime stub).
// Layouts: rowStart int32[rows+1], instrument int32[entries], weight f64[entries], pnl f64[instruments × n]
// (instrument-major), out f64[rows × n] or f64[rows × 3].

/** Scenarios per register tile: 4 f64x2 accumulators, so each loaded P&L value costs one multiply-add. */
const TILE: i32 = 8;
/** Scenarios per block of the tail filter (as risk/tail-measures.ts). */
const BLOCK: i32 = 8;
/** Candidates up to which an insertion sort is used (as risk/tail-measures.ts). */
const INSERTION_MAX: i32 = 48;

@inline function f64At(base: usize, i: i32): f64 {
  return load<f64>(base + (<usize>i << 3));
}
@inline function setF64(base: usize, i: i32, v: f64): void {
  store<f64>(base + (<usize>i << 3), v);
}
@inline function i32At(base: usize, i: i32): i32 {
  return load<i32>(base + (<usize>i << 2));
}

/**
 * One row of the book into out[0..n): per tile of 8 scenarios the accumulators start at 0 and take the row's
 * positions in CSR order, `acc = acc + w·x` (mul then add, never fused), which is the reference's order per cell.
 */
function aggregateRowInto(rowStart: usize, instrument: usize, weight: usize, pnl: usize, n: i32, row: i32, out: usize, minima: usize = 0): void {
  const e0 = i32At(rowStart, row);
  const e1 = i32At(rowStart, row + 1);
  const rowBytes = <usize>n << 3;
  let s: i32 = 0;
  for (; s + TILE <= n; s += TILE) {
    let a0 = f64x2.splat(0.0);
    let a1 = a0;
    let a2 = a0;
    let a3 = a0;
    const at = pnl + (<usize>s << 3);
    for (let e = e0; e < e1; e++) {
      const q = f64x2.splat(f64At(weight, e));
      const p = at + <usize>i32At(instrument, e) * rowBytes;
      a0 = f64x2.add(a0, f64x2.mul(q, v128.load(p)));
      a1 = f64x2.add(a1, f64x2.mul(q, v128.load(p, 16)));
      a2 = f64x2.add(a2, f64x2.mul(q, v128.load(p, 32)));
      a3 = f64x2.add(a3, f64x2.mul(q, v128.load(p, 48)));
    }
    const o = out + (<usize>s << 3);
    v128.store(o, a0);
    v128.store(o, a1, 16);
    v128.store(o, a2, 32);
    v128.store(o, a3, 48);
    // A tile is one block of the tail filter: its minimum, from the registers, saves the filter a pass over the row.
    if (minima != 0) setF64(minima, s / TILE, blockMin(f64x2.pmin(f64x2.pmin(a0, a1), f64x2.pmin(a2, a3))));
  }
  for (; s < n; s++) {
    let a: f64 = 0.0;
    for (let e = e0; e < e1; e++) a = a + f64At(weight, e) * f64At(pnl, i32At(instrument, e) * n + s);
    setF64(out, s, a);
  }
}

/** W2: out[r·n + s] for every row r (bit-identical to aggregateKernel / aggregateKernelBlocked). */
export function aggregate(rowStart: usize, instrument: usize, weight: usize, rows: i32, pnl: usize, n: i32, out: usize): void {
  for (let r: i32 = 0; r < rows; r++) aggregateRowInto(rowStart, instrument, weight, pnl, n, r, out + ((<usize>r * <usize>n) << 3));
}

// ---- the tail filter ----

/**
 * The k-th smallest of a[0..n), branch-free: each round partitions around a median-of-three pivot by writing every
 * value to both `lo` and `hi` buffers and advancing only the matching cursor (no data-dependent branch to
 * mispredict: a quickselect on 125 random block minima mispredicts about half its compares), then keeps the side
 * holding k. A buffer being read is only ever written at or before the read position, so the buffers are reused
 * in place. The result is the same value as any exact selection.
 */
function selectKth(a: usize, n: i32, k: i32, lo: usize, hi: usize): f64 {
  let src = a;
  let len = n;
  while (len > 1) {
    const x = f64At(src, 0);
    const y = f64At(src, len >>> 1);
    const z = f64At(src, len - 1);
    // median of three, branch-free
    const pivot = max<f64>(min<f64>(x, y), min<f64>(max<f64>(x, y), z));
    let below: i32 = 0;
    let above: i32 = 0;
    for (let i: i32 = 0; i < len; i++) {
      const v = f64At(src, i);
      setF64(lo, below, v);
      setF64(hi, above, v);
      below += <i32>(v < pivot);
      above += <i32>(v > pivot);
    }
    if (k < below) {
      src = lo;
      len = below;
    } else if (k >= len - above) {
      k -= len - above;
      src = hi;
      len = above;
    } else {
      return pivot;
    }
  }
  return f64At(src, 0);
}

@inline function swapF64(a: usize, i: i32, j: i32): void {
  const t = f64At(a, i);
  setF64(a, i, f64At(a, j));
  setF64(a, j, t);
}

@inline function swapPairs(v: usize, ix: usize, i: i32, j: i32): void {
  swapF64(v, i, j);
  swapF64(ix, i, j);
}

@inline function before(v: usize, ix: usize, i: i32, j: i32): bool {
  const x = f64At(v, i);
  const y = f64At(v, j);
  return x < y || (x == y && f64At(ix, i) < f64At(ix, j));
}

function siftDown(v: usize, ix: usize, root: i32, size: i32): void {
  let p = root;
  while (true) {
    const l = 2 * p + 1;
    if (l >= size) return;
    const r = l + 1;
    const child = r < size && before(v, ix, r, l) ? r : l;
    if (!before(v, ix, child, p)) return;
    swapPairs(v, ix, p, child);
    p = child;
  }
}

/**
 * Leaves the `need` lowest of row[0..n) in (value, index) order at scratch V[0..need) and their indices at
 * I[0..need) (as f64); returns V's address. Scratch layout: [0, G) block minima, [G, 2G) and [2G, 3G) the
 * selection's two buffers, [3G, 4G) unused (alignment with the binding's reservation), then V (n doubles), then I
 * (n doubles). The candidates are those of risk/tail-measures.ts, packed in the same order, so the result is the
 * same bits.
 */
/** The smaller lane (pmin is one minpd; rows are NaN-free and ±0 compare equal where this is used). */
@inline function blockMin(m: v128): f64 {
  const x = f64x2.extract_lane(m, 0);
  const y = f64x2.extract_lane(m, 1);
  return y < x ? y : x;
}

function orderLowest(row: usize, n: i32, need: i32, scratch: usize, haveMinima: bool = false): usize {
  const groups = n / BLOCK;
  const keep = scratch;
  const lo = scratch + (<usize>groups << 3);
  const hi = scratch + (<usize>(2 * groups) << 3);
  const V = scratch + (<usize>(4 * groups) << 3);
  const I = V + (<usize>n << 3);
  let c: i32 = 0;
  if (groups >= need) {
    if (!haveMinima) {
      for (let g: i32 = 0; g < groups; g++) {
        const b = row + (<usize>(BLOCK * g) << 3);
        setF64(keep, g, blockMin(f64x2.pmin(f64x2.pmin(v128.load(b), v128.load(b, 16)), f64x2.pmin(v128.load(b, 32), v128.load(b, 48)))));
      }
    }
    const threshold = selectKth(keep, groups, need - 1, lo, hi);
    // Pack branch-free: write every value of a qualifying block, advance only past those ≤ threshold (c ≤ the
    // position scanned, so a write never passes V's end).
    for (let g: i32 = 0; g < groups; g++) {
      if (f64At(keep, g) > threshold) continue;
      for (let j: i32 = 0; j < BLOCK; j++) {
        const s = BLOCK * g + j;
        const v = f64At(row, s);
        setF64(V, c, v);
        setF64(I, c, <f64>s);
        c += <i32>(v <= threshold);
      }
    }
    for (let s: i32 = BLOCK * groups; s < n; s++) {
      const v = f64At(row, s);
      setF64(V, c, v);
      setF64(I, c, <f64>s);
      c += <i32>(v <= threshold);
    }
  } else {
    for (let s: i32 = 0; s < n; s++) {
      setF64(V, s, f64At(row, s));
      setF64(I, s, <f64>s);
    }
    c = n;
  }
  if (c <= INSERTION_MAX) {
    for (let i: i32 = 1; i < c; i++) {
      const x = f64At(V, i);
      const id = f64At(I, i);
      let j = i - 1;
      while (j >= 0 && f64At(V, j) > x) {
        setF64(V, j + 1, f64At(V, j));
        setF64(I, j + 1, f64At(I, j));
        j--;
      }
      setF64(V, j + 1, x);
      setF64(I, j + 1, id);
    }
  } else {
    for (let i = (c >> 1) - 1; i >= 0; i--) siftDown(V, I, i, c);
    let size = c;
    for (let p: i32 = 0; p < need; p++) {
      size--;
      swapPairs(V, I, 0, size);
      siftDown(V, I, 0, size);
    }
    for (let i = c - need, j = c - 1; i < j; i++, j--) swapPairs(V, I, i, j);
    const from = c - need;
    if (from > 0) {
      for (let i: i32 = 0; i < need; i++) {
        setF64(V, i, f64At(V, from + i));
        setF64(I, i, f64At(I, from + i));
      }
    }
  }
  return V;
}

/**
 * Worst / VaR / ES of row[0..n) into out[0..3) (risk/tail-measures.ts `tailMeasures`): k = VaR rank, m = ES tail
 * mass with whole = ⌊m⌋ and frac = m − whole, need = max(k, ⌈m⌉, 1) — computed by the caller with core/tail-count.ts.
 */
function measuresInto(row: usize, n: i32, k: i32, m: f64, whole: i32, frac: f64, need: i32, scratch: usize, out: usize, haveMinima: bool = false): void {
  const V = orderLowest(row, n, need, scratch, haveMinima);
  const lowest = f64At(V, 0);
  setF64(out, 0, 0.0 - (lowest < 0.0 ? lowest : 0.0));
  setF64(out, 1, 0.0 - f64At(V, k - 1));
  if (m <= 0.0) {
    setF64(out, 2, 0.0 - lowest);
  } else {
    let sum: f64 = 0.0;
    for (let i: i32 = 0; i < whole; i++) sum += f64At(V, i);
    if (frac > 0.0) sum += frac * f64At(V, whole);
    setF64(out, 2, (0.0 - sum) / m);
  }
}

/** W3 over a materialised matrix: rows of n scenarios at `matrix`, [worst, VaR, ES] per row into out. */
export function tailMeasuresRows(matrix: usize, rows: i32, n: i32, k: i32, m: f64, whole: i32, frac: f64, need: i32, scratch: usize, out: usize): void {
  for (let r: i32 = 0; r < rows; r++) measuresInto(matrix + ((<usize>r * <usize>n) << 3), n, k, m, whole, frac, need, scratch, out + (<usize>(3 * r) << 3));
}

/**
 * W2 + W3 fused: each row built at `scratch` (n doubles) and reduced at once, the tail filter's scratch after it;
 * [worst, VaR, ES] per row into out. The row × scenario matrix is never written.
 */
export function aggregateTailMeasures(
  rowStart: usize,
  instrument: usize,
  weight: usize,
  rows: i32,
  pnl: usize,
  n: i32,
  k: i32,
  m: f64,
  whole: i32,
  frac: f64,
  need: i32,
  scratch: usize,
  out: usize,
): void {
  const tail = scratch + (<usize>n << 3);
  for (let r: i32 = 0; r < rows; r++) {
    aggregateRowInto(rowStart, instrument, weight, pnl, n, r, scratch, tail);
    measuresInto(scratch, n, k, m, whole, frac, need, tail, out + (<usize>(3 * r) << 3), true);
  }
}
