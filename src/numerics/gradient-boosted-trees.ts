import { CrossmarginError } from '../core/errors.js';
import { mulberry32 } from '../core/seeded-random.js';
import { checkIntegerOption, checkRangeOption } from './input-checks.js';

/*
 * Gradient-boosted regression trees (Friedman 2001, "Greedy function approximation"), squared loss:
 * F_0 = mean(y); tree m is fitted to the residuals y − F_{m−1} and F_m = F_{m−1} + ν·tree_m, ν = learningRate.
 * Stochastic variant (Friedman 2002): each tree sees a random subsample of the rows, drawn without replacement from a
 * mulberry32 stream seeded by `seed`, so a fit is a pure function of (X, y, options).
 *
 * Trees are grown level by level to maxDepth with an exact best-split search: for every open node and every
 * feature, the node's rows are scanned in increasing feature value (one presorted order per feature, computed once
 * per fit) and every boundary between two distinct values that leaves ≥ minLeafSize rows on each side is scored by
 * the fall in squared error, ΔSSE = S_L²/n_L + S_R²/n_R − S²/n (S = residual sum). Ties keep the first candidate
 * found (lowest feature, then lowest threshold), so fits are deterministic. The threshold is the midpoint of the two
 * values and rows with x ≤ threshold go left. A node becomes a leaf with value ν·mean(residual) when it is at
 * maxDepth or no split gains more than 1e-12 of its residual sum of squares.
 */

export interface GbtOptions {
  /** Number of trees (boosting rounds), ≥ 1; default 100. */
  readonly trees?: number;
  /** Maximum depth of a tree (1 = stumps), 1..12; default 3. */
  readonly maxDepth?: number;
  /** Shrinkage ν in (0, 1]; default 0.1. */
  readonly learningRate?: number;
  /** Fewest training rows in a leaf, ≥ 1; default 20. */
  readonly minLeafSize?: number;
  /** Fraction of rows each tree is grown on, in (0, 1]; default 1 (no subsampling). */
  readonly subsample?: number;
  /** Seed of the subsampling stream (any 32-bit integer); default 1. */
  readonly seed?: number;
}

/** One tree in flat arrays; node 0 is the root, a leaf has feature −1. */
export interface GbtTree {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Leaf output, already multiplied by the learning rate. */
  readonly value: Float64Array;
}

export interface GbtModel {
  readonly cols: number;
  /** F_0 = mean(y). */
  readonly base: number;
  readonly trees: readonly GbtTree[];
  readonly options: Required<GbtOptions>;
  /** Total squared-error reduction of the splits on each feature (unnormalised importance). */
  readonly gainByFeature: Float64Array;
  /** Training mean squared error after each tree (in-sample, all rows). */
  readonly trainingMse: Float64Array;
}

const DEFAULTS: Required<GbtOptions> = { trees: 100, maxDepth: 3, learningRate: 0.1, minLeafSize: 20, subsample: 1, seed: 1 };

function resolveOptions(options: GbtOptions): Required<GbtOptions> {
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Required<GbtOptions>;
  checkIntegerOption('trees', o.trees, 1, 100_000);
  checkIntegerOption('maxDepth', o.maxDepth, 1, 12);
  checkRangeOption('learningRate', o.learningRate, 0, 1);
  checkIntegerOption('minLeafSize', o.minLeafSize, 1);
  checkRangeOption('subsample', o.subsample, 0, 1);
  checkIntegerOption('seed', o.seed, -0x80000000, 0xffffffff);
  return o;
}

/** Growable node store for one tree under construction. */
class NodeStore {
  readonly feature: number[] = [];
  readonly threshold: number[] = [];
  readonly left: number[] = [];
  readonly right: number[] = [];
  readonly value: number[] = [];
  readonly count: number[] = [];
  readonly sum: number[] = [];
  readonly sumSq: number[] = [];

  add(count: number, sum: number, sumSq: number): number {
    this.feature.push(-1);
    this.threshold.push(0);
    this.left.push(-1);
    this.right.push(-1);
    this.value.push(0);
    this.count.push(count);
    this.sum.push(sum);
    this.sumSq.push(sumSq);
    return this.feature.length - 1;
  }

  freeze(): GbtTree {
    return {
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      value: Float64Array.from(this.value),
    };
  }
}

function predictTree(tree: GbtTree, x: Float64Array, offset: number): number {
  let node = 0;
  for (;;) {
    const f = tree.feature[node] as number;
    if (f < 0) return tree.value[node] as number;
    node = (x[offset + f] as number) <= (tree.threshold[node] as number) ? (tree.left[node] as number) : (tree.right[node] as number);
  }
}

/**
 * Fits a boosted ensemble to rows of `X` (row-major, rows = y.length, cols = X.length / rows) and targets `y`.
 * HISTORY_INVALID naming `X` or `y` for empty, ragged or non-finite data; MODEL_PARAMS_INVALID for bad options.
 */
export function fitGbt(X: Float64Array, y: Float64Array, options: GbtOptions = {}): GbtModel {
  const o = resolveOptions(options);
  const n = y.length;
  if (n === 0 || X.length === 0 || X.length % n !== 0) {
    throw new CrossmarginError('HISTORY_INVALID', `X: expected rows × cols values for ${n} targets (rows ≥ 1, cols ≥ 1), got ${X.length}`, { field: 'X', details: { values: X.length, rows: n } });
  }
  const d = X.length / n;
  for (let i = 0; i < X.length; i++) {
    if (!Number.isFinite(X[i] as number)) {
      throw new CrossmarginError('HISTORY_INVALID', `X: row ${Math.floor(i / d)}, column ${i % d} is not finite (${X[i]})`, { field: 'X' });
    }
  }
  let base = 0;
  for (let i = 0; i < n; i++) {
    const v = y[i] as number;
    if (!Number.isFinite(v)) throw new CrossmarginError('HISTORY_INVALID', `y.${i}: not a finite number (${v})`, { field: `y.${i}` });
    base += v;
  }
  base /= n;

  // One presorted row order per feature; ties broken by row index so the scan order is fully determined.
  // sortedX[j][p] = X[order[j][p], j], so the split scan reads feature values sequentially.
  const order: Int32Array[] = [];
  const sortedX: Float64Array[] = [];
  for (let j = 0; j < d; j++) {
    const idx = Array.from({ length: n }, (_, i) => i);
    idx.sort((a, b) => (X[a * d + j] as number) - (X[b * d + j] as number) || a - b);
    const ord = Int32Array.from(idx);
    order.push(ord);
    sortedX.push(Float64Array.from(ord, (i) => X[i * d + j] as number));
  }

  const F = new Float64Array(n).fill(base);
  const residual = new Float64Array(n);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  const nodeOf = new Int32Array(n);
  const sampleSize = Math.max(1, Math.min(n, Math.round(o.subsample * n)));
  const random = mulberry32(o.seed);
  const trees: GbtTree[] = [];
  const gainByFeature = new Float64Array(d);
  const trainingMse = new Float64Array(o.trees);
  const minLeaf = o.minLeafSize;

  for (let m = 0; m < o.trees; m++) {
    for (let i = 0; i < n; i++) residual[i] = (y[i] as number) - (F[i] as number);
    if (sampleSize < n) {
      // Partial Fisher–Yates: the first sampleSize entries of perm become a uniform sample without replacement.
      for (let k = 0; k < sampleSize; k++) {
        const j = k + Math.floor(random() * (n - k));
        const tmp = perm[k] as number;
        perm[k] = perm[j] as number;
        perm[j] = tmp;
      }
    }
    nodeOf.fill(-1);
    let rootSum = 0;
    let rootSq = 0;
    for (let k = 0; k < sampleSize; k++) {
      const i = perm[k] as number;
      nodeOf[i] = 0;
      rootSum += residual[i] as number;
      rootSq += (residual[i] as number) ** 2;
    }
    const nodes = new NodeStore();
    nodes.add(sampleSize, rootSum, rootSq);
    let open = [0];
    for (let depth = 0; depth < o.maxDepth && open.length > 0; depth++) {
      // slot[node] = position of an open node in `open`, −1 for nodes that are already leaves.
      const slot = new Int32Array(nodes.feature.length).fill(-1);
      open.forEach((node, s) => (slot[node] = s));
      const k = open.length;
      const bestGain = new Float64Array(k);
      const bestFeature = new Int32Array(k).fill(-1);
      const bestThreshold = new Float64Array(k);
      const cntL = new Float64Array(k);
      const sumL = new Float64Array(k);
      const prev = new Float64Array(k);
      const slotCount = new Float64Array(k);
      const slotSum = new Float64Array(k);
      const slotBase = new Float64Array(k);
      for (let s = 0; s < k; s++) {
        const node = open[s] as number;
        slotCount[s] = nodes.count[node] as number;
        slotSum[s] = nodes.sum[node] as number;
        slotBase[s] = ((nodes.sum[node] as number) ** 2) / (nodes.count[node] as number);
        bestGain[s] = 1e-12 * Math.max(nodes.sumSq[node] as number, Number.MIN_VALUE);
      }
      for (let j = 0; j < d; j++) {
        cntL.fill(0);
        sumL.fill(0);
        prev.fill(Number.NaN);
        const ord = order[j] as Int32Array;
        const xs = sortedX[j] as Float64Array;
        for (let p = 0; p < n; p++) {
          const i = ord[p] as number;
          const node = nodeOf[i] as number;
          if (node < 0) continue;
          const s = slot[node] as number;
          if (s < 0) continue;
          const x = xs[p] as number;
          const nl = cntL[s] as number;
          const total = slotCount[s] as number;
          if (nl >= minLeaf && total - nl >= minLeaf && x > (prev[s] as number)) {
            const sl = sumL[s] as number;
            const sr = (slotSum[s] as number) - sl;
            const gain = (sl * sl) / nl + (sr * sr) / (total - nl) - (slotBase[s] as number);
            if (gain > (bestGain[s] as number)) {
              const a = prev[s] as number;
              const mid = a + (x - a) / 2;
              bestGain[s] = gain;
              bestFeature[s] = j;
              bestThreshold[s] = mid < x ? mid : a;
            }
          }
          cntL[s] = nl + 1;
          sumL[s] = (sumL[s] as number) + (residual[i] as number);
          prev[s] = x;
        }
      }
      // Split the winners, then route their rows to the children (accumulating the children's sums).
      const childOf = new Int32Array(nodes.feature.length * 2).fill(-1);
      const splitNodes: number[] = [];
      for (let s = 0; s < k; s++) {
        const node = open[s] as number;
        const f = bestFeature[s] as number;
        if (f < 0) continue;
        nodes.feature[node] = f;
        nodes.threshold[node] = bestThreshold[s] as number;
        gainByFeature[f] = (gainByFeature[f] as number) + (bestGain[s] as number);
        const l = nodes.add(0, 0, 0);
        const r = nodes.add(0, 0, 0);
        nodes.left[node] = l;
        nodes.right[node] = r;
        childOf[2 * node] = l;
        childOf[2 * node + 1] = r;
        splitNodes.push(node);
      }
      if (splitNodes.length === 0) break;
      for (let i = 0; i < n; i++) {
        const node = nodeOf[i] as number;
        if (node < 0 || node * 2 >= childOf.length || (childOf[2 * node] as number) < 0) continue;
        const goLeft = (X[i * d + (nodes.feature[node] as number)] as number) <= (nodes.threshold[node] as number);
        const child = childOf[2 * node + (goLeft ? 0 : 1)] as number;
        nodeOf[i] = child;
        const e = residual[i] as number;
        nodes.count[child] = (nodes.count[child] as number) + 1;
        nodes.sum[child] = (nodes.sum[child] as number) + e;
        nodes.sumSq[child] = (nodes.sumSq[child] as number) + e * e;
      }
      const next: number[] = [];
      for (const node of splitNodes) {
        for (const child of [nodes.left[node] as number, nodes.right[node] as number]) {
          if ((nodes.count[child] as number) >= 2 * minLeaf) next.push(child);
        }
      }
      open = next;
    }
    for (let node = 0; node < nodes.feature.length; node++) {
      if ((nodes.feature[node] as number) < 0) nodes.value[node] = (o.learningRate * (nodes.sum[node] as number)) / (nodes.count[node] as number);
    }
    const tree = nodes.freeze();
    trees.push(tree);
    let sse = 0;
    for (let i = 0; i < n; i++) {
      F[i] = (F[i] as number) + predictTree(tree, X, i * d);
      sse += ((y[i] as number) - (F[i] as number)) ** 2;
    }
    trainingMse[m] = sse / n;
  }
  return { cols: d, base, trees, options: o, gainByFeature, trainingMse };
}

/**
 * Prediction for one row `x` (length model.cols; a longer array is read from `offset`). No validation: this is the
 * inner loop of walk-forward forecasting. A NaN feature goes right at every split on it.
 */
export function predictGbt(model: GbtModel, x: Float64Array, offset = 0): number {
  let f = model.base;
  for (const tree of model.trees) f += predictTree(tree, x, offset);
  return f;
}

/** Predictions for every row of `X` (row-major, model.cols columns); allocation-free with `out`. */
export function predictGbtRows(model: GbtModel, X: Float64Array, out?: Float64Array): Float64Array {
  const d = model.cols;
  if (X.length % d !== 0) {
    throw new CrossmarginError('HISTORY_INVALID', `X: ${X.length} values is not a whole number of ${d}-column rows`, { field: 'X' });
  }
  const rows = X.length / d;
  if (out !== undefined && out.length < rows) throw new CrossmarginError('INTERNAL', `out: buffer holds ${out.length} values but ${rows} are needed`, { field: 'out' });
  const result = out === undefined ? new Float64Array(rows) : out.subarray(0, rows);
  for (let i = 0; i < rows; i++) result[i] = predictGbt(model, X, i * d);
  return result;
}
