import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CrossmarginError } from '../../core/errors.js';
import type { ScenarioSet } from '../scenario-set.js';
import { cholesky } from '../../numerics/covariance.js';
import { factorLoadings } from './factor-model.js';
import { monteCarloKernel, monteCarloScratchLength, type MonteCarloPlan } from './monte-carlo-kernel.js';
import type { MonteCarloWorkerData } from './monte-carlo-worker.js';

/**
 * Monte Carlo scenario sets (methods/var-es.md §5): x_s = C·ε_s per path s, price move e^{x_s} − 1.
 *
 * What it moves: prices only. Every scenario has volShift 0 (mode 'relative', i.e. vol unchanged), timeStep 0 and
 * weight 1; the revaluation then gives the instantaneous P&L of a price shock over the horizon. Vol and time are
 * held so that MC VaR measures the price-risk distribution the parametric methods (§4) describe.
 *
 * Determinism (DESIGN.md "Determinism"): every random number is a pure function of (seed, path, draw) through the
 * counter generator, so output is bit-identical for any `threads`. See buildMonteCarloScenarios for how threads run.
 */
export interface MonteCarloFactorOption {
  /** β_i to the factor per underlying; exactly 1 at factorIndex. */
  readonly betas: Float64Array;
  /** Residual daily vol per underlying, decimal; 0 at factorIndex. */
  readonly residualVols: Float64Array;
  /** Daily vol of the factor, decimal. */
  readonly factorVol: number;
  /** Index of the factor underlying (BTC) in `underlyings`. */
  readonly factorIndex: number;
}

export interface MonteCarloOptions {
  readonly underlyings: readonly string[];
  /** Daily vol per underlying, decimal (0.03 = 3 %/day); the marginal vol of each log return before √h. */
  readonly vols: Float64Array;
  /** n × n correlation, row-major; repaired with Higham when not PSD. Omit only for one underlying or with `factor`. */
  readonly correlation?: Float64Array | undefined;
  /** Dependence from a one-factor model instead of a correlation (marginal vols still come from `vols`). */
  readonly factor?: MonteCarloFactorOption | undefined;
  /** Number of paths = scenarios, 1 .. 2³²−1. */
  readonly paths: number;
  /** Non-negative safe integer. */
  readonly seed: number;
  readonly distribution: 'normal' | 't';
  /** Student-t degrees of freedom (> 2, any real); draws are scaled to unit variance by √((ν−2)/ν). */
  readonly dof?: number | undefined;
  /** Horizon in days; the 1-day draw is scaled by √horizonDays (iid, var-es.md §8). */
  readonly horizonDays: number;
  /** Worker threads (default 1). Results do not depend on it. */
  readonly threads?: number | undefined;
  /** 'log' (default): move = e^x − 1; 'simple': move = x, the return model of the parametric methods. */
  readonly returns?: 'log' | 'simple' | undefined;
}

function invalid(field: string, message: string): CrossmarginError {
  return new CrossmarginError('MODEL_PARAMS_INVALID', `Monte Carlo ${field}: ${message}`, { field });
}

/** Largest path count: the path index is one 32-bit word of the generator's counter. */
const MAX_PATHS = 0xffffffff;
/** Correlation entries may exceed ±1 or miss a unit diagonal by rounding only. */
const CORRELATION_TOLERANCE = 1e-12;

function validateOptions(o: MonteCarloOptions): void {
  const n = o.underlyings.length;
  if (n === 0) throw invalid('underlyings', 'at least one underlying is required');
  const seen = new Set<string>();
  o.underlyings.forEach((u, i) => {
    if (typeof u !== 'string' || u === '') throw invalid(`underlyings[${i}]`, 'expected a non-empty name');
    if (seen.has(u)) throw invalid(`underlyings[${i}]`, `duplicate underlying "${u}"`);
    seen.add(u);
  });
  if (!(o.vols instanceof Float64Array) || o.vols.length !== n) throw invalid('vols', `expected a Float64Array of ${n} daily vols`);
  o.vols.forEach((v, i) => {
    if (!(Number.isFinite(v) && v >= 0)) throw invalid(`vols[${i}]`, `expected a daily vol ≥ 0 (decimal), got ${v}`);
  });
  if (!(Number.isInteger(o.paths) && o.paths >= 1 && o.paths <= MAX_PATHS)) throw invalid('paths', `expected an integer in 1..${MAX_PATHS}, got ${o.paths}`);
  if (!(Number.isSafeInteger(o.seed) && o.seed >= 0)) throw invalid('seed', `expected a non-negative safe integer, got ${o.seed}`);
  if (o.distribution !== 'normal' && o.distribution !== 't') throw invalid('distribution', `expected "normal" or "t", got ${String(o.distribution)}`);
  if (o.distribution === 't') {
    if (o.dof === undefined || !(Number.isFinite(o.dof) && o.dof > 2)) {
      throw invalid('dof', `Student-t needs degrees of freedom > 2 (finite variance), got ${o.dof}`);
    }
  }
  if (!(Number.isFinite(o.horizonDays) && o.horizonDays > 0)) throw invalid('horizonDays', `expected a positive number of days, got ${o.horizonDays}`);
  if (o.threads !== undefined && !(Number.isInteger(o.threads) && o.threads >= 1)) throw invalid('threads', `expected a positive integer, got ${o.threads}`);
  if (o.correlation !== undefined && o.factor !== undefined) throw invalid('correlation', 'give either a correlation or a factor model, not both');
  if (o.correlation === undefined && o.factor === undefined && n > 1) {
    throw invalid('correlation', `${n} underlyings need a correlation matrix or a factor model (independence is never assumed silently)`);
  }
  if (o.correlation !== undefined) {
    const c = o.correlation;
    if (!(c instanceof Float64Array) || c.length !== n * n) throw invalid('correlation', `expected a Float64Array of ${n}×${n} = ${n * n} values`);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const v = c[i * n + j]!;
        const field = `correlation[${i * n + j}]`;
        if (!Number.isFinite(v)) throw invalid(field, `entry is not finite (${v})`);
        if (i === j && Math.abs(v - 1) > CORRELATION_TOLERANCE) throw invalid(field, `diagonal must be 1, got ${v}`);
        if (Math.abs(v) > 1 + CORRELATION_TOLERANCE) throw invalid(field, `correlation must be in [−1, 1], got ${v}`);
      }
    }
  }
}

/** Builds the thread-independent plan: C = √h·diag(vol)·chol(R) or the √h-scaled factor loadings. */
export function planMonteCarlo(o: MonteCarloOptions): MonteCarloPlan {
  validateOptions(o);
  const n = o.underlyings.length;
  const scale = Math.sqrt(o.horizonDays);
  const nu = o.distribution === 't' ? o.dof! : 0;
  const empty = new Float64Array(0);
  if (o.factor !== undefined) {
    const model = { factorIndex: o.factor.factorIndex, betas: o.factor.betas, residualVols: o.factor.residualVols, factorVol: o.factor.factorVol };
    const loadings = factorLoadings(model, o.vols, scale, 'factor');
    return { n, paths: o.paths, seed: o.seed, nu, mode: 'factor', lower: empty, ...loadings, logReturns: o.returns !== 'simple' };
  }
  const correlation = o.correlation ?? Float64Array.of(1);
  // Semi-definite Cholesky of the correlation; a non-PSD matrix (overrides, stressed blends) is repaired (§7).
  const { factor } = cholesky(correlation, n, { field: 'correlation' });
  const lower = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const rowScale = scale * o.vols[i]!;
    for (let j = 0; j <= i; j++) lower[i * n + j] = rowScale * factor[i * n + j]!;
  }
  return { n, paths: o.paths, seed: o.seed, nu, mode: 'cholesky', lower, factorLoading: empty, residualLoading: empty, logReturns: o.returns !== 'simple' };
}

/** Contiguous path ranges [bounds[c], bounds[c+1]) for `chunks` chunks: bounds[c] = ⌊c·paths/chunks⌋. */
export function chunkBoundaries(paths: number, chunks: number): number[] {
  const count = Math.max(1, Math.min(chunks, paths));
  const bounds: number[] = [];
  for (let c = 0; c <= count; c++) bounds.push(Math.floor((c * paths) / count));
  return bounds;
}

/**
 * The compiled worker script next to this module. Only a compiled build (this module is a `.js` file) has one: run
 * from TypeScript sources (vitest, tsx) there is no `.js` worker to start, and we fall back to in-process chunking.
 */
function workerScriptUrl(): URL | undefined {
  if (!import.meta.url.endsWith('.js')) return undefined;
  const url = new URL('./monte-carlo-worker.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url : undefined;
}

/** Longest the main thread waits for the workers before giving up (a worker killed by the OS never reports). */
const WORKER_TIMEOUT_MS = 30 * 60 * 1000;

export type MonteCarloExecution = 'in-process' | 'workers';

export interface MonteCarloMoves {
  /** `[u * paths + s]` relative price moves. */
  readonly priceMove: Float64Array;
  /** How the chunks ran: on worker threads, or one after another in this thread (same boundaries, same bits). */
  readonly execution: MonteCarloExecution;
  readonly chunks: readonly number[];
}

/**
 * Generates the price moves of a plan, split into `threads` path ranges (chunkBoundaries).
 *
 * threads > 1 with a compiled build: this thread computes the first range and one worker thread (node:worker_threads)
 * each further range, all writing their own paths of one SharedArrayBuffer; this thread then blocks in Atomics.wait
 * until every worker has reported, so the API stays synchronous.
 * Otherwise (threads = 1, or running from TypeScript sources where no `.js` worker exists): the same ranges run one
 * after another here. Either way each path is a pure function of (seed, path), so the bits are the same.
 */
export function generateMonteCarloMoves(plan: MonteCarloPlan, threads = 1, forceInProcess = false): MonteCarloMoves {
  const chunks = chunkBoundaries(plan.paths, threads);
  const size = plan.n * plan.paths;
  const script = forceInProcess || chunks.length <= 2 ? undefined : workerScriptUrl();
  if (script === undefined) {
    const priceMove = new Float64Array(size);
    const scratch = new Float64Array(monteCarloScratchLength(plan));
    for (let c = 0; c + 1 < chunks.length; c++) monteCarloKernel(plan, chunks[c]!, chunks[c + 1]!, priceMove, scratch);
    return { priceMove, execution: 'in-process', chunks };
  }

  const output = new SharedArrayBuffer(size * Float64Array.BYTES_PER_ELEMENT);
  const statusBuffer = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  const status = new Int32Array(statusBuffer);
  const workers: Worker[] = [];
  // Chunk 0 runs on this thread while the workers run chunks 1.., so `threads` threads compute in all.
  const expected = chunks.length - 2;
  try {
    for (let c = 1; c + 1 < chunks.length; c++) {
      const workerData: MonteCarloWorkerData = { plan, start: chunks[c]!, end: chunks[c + 1]!, output, status: statusBuffer };
      workers.push(new Worker(script, { workerData }));
    }
    monteCarloKernel(plan, chunks[0]!, chunks[1]!, new Float64Array(output), new Float64Array(monteCarloScratchLength(plan)));
    const deadline = Date.now() + WORKER_TIMEOUT_MS;
    for (;;) {
      const finished = Atomics.load(status, 0);
      if (finished >= expected) break;
      const remaining = deadline - Date.now();
      if (remaining <= 0 || Atomics.wait(status, 0, finished, remaining) === 'timed-out') {
        throw new CrossmarginError('INTERNAL', `Monte Carlo: ${expected - Atomics.load(status, 0)} of ${expected} worker threads did not finish`);
      }
    }
    if (Atomics.load(status, 1) > 0) {
      throw new CrossmarginError('INTERNAL', `Monte Carlo: ${Atomics.load(status, 1)} of ${expected} worker threads failed`);
    }
  } finally {
    for (const w of workers) void w.terminate();
  }
  // Copy out of shared memory so consumers get an ordinary Float64Array.
  return { priceMove: new Float64Array(new Float64Array(output)), execution: 'workers', chunks };
}

/** "−12.3 %" / "+4.0 %" / "0.0 %": one decimal, typographic minus, a space before % (the label convention). */
function formatMove(move: number): string {
  const text = (Math.abs(move) * 100).toFixed(1);
  if (text === '0.0') return '0.0 %';
  return `${move < 0 ? '−' : '+'}${text} %`;
}

/** How many underlyings a label names: the largest absolute moves, listed in underlying order. */
const LABEL_TOP_MOVES = 3;

function buildLabels(underlyings: readonly string[], priceMove: Float64Array, paths: number): string[] {
  const n = underlyings.length;
  const top = Math.min(LABEL_TOP_MOVES, n);
  const chosen = new Int32Array(top);
  const labels: string[] = new Array<string>(paths);
  for (let s = 0; s < paths; s++) {
    // Selection of the `top` largest |moves| (n is small; ties keep the earlier underlying).
    let count = 0;
    for (let u = 0; u < n; u++) {
      const m = Math.abs(priceMove[u * paths + s]!);
      let at = count;
      while (at > 0 && Math.abs(priceMove[chosen[at - 1]! * paths + s]!) < m) at--;
      if (at >= top) continue;
      for (let k = Math.min(count, top - 1); k > at; k--) chosen[k] = chosen[k - 1]!;
      chosen[at] = u;
      if (count < top) count++;
    }
    const picked = Array.from(chosen.subarray(0, count)).sort((a, b) => a - b);
    labels[s] = `path ${s + 1}: ${picked.map((u) => `${underlyings[u]} ${formatMove(priceMove[u * paths + s]!)}`).join(', ')}`;
  }
  return labels;
}

/**
 * Monte Carlo scenario set (methods/var-es.md §5).
 *
 * Per path s (1-based id `mc-s`): ε = n standard normals from the counter generator keyed by (seed, s) — Student-t:
 * times one common √((ν−2)/χ²_ν) per path, χ²_ν = 2·Gamma(ν/2) by Marsaglia–Tsang on counter uniforms (any real
 * ν > 2, deterministic) — then x = √h·diag(vol)·chol(R)·ε (or the factor model's x_i = a_i z_F + b_i z_i scaled to
 * `vols`), and the relative price move e^x − 1 (log-normal: prices stay positive; x has zero mean, no drift).
 * Labels name the largest moves: `path 17: BTC −12.3 %, ETH −15.1 %`.
 *
 * `threads` > 1 splits the paths into contiguous ranges on worker threads when running compiled; from TypeScript
 * sources the same ranges run in-process (see generateMonteCarloMoves). Output is bit-identical for every `threads`.
 */
export function buildMonteCarloScenarios(options: MonteCarloOptions): ScenarioSet {
  const plan = planMonteCarlo(options);
  const { priceMove } = generateMonteCarloMoves(plan, options.threads ?? 1);
  const count = plan.paths;
  const ids: string[] = new Array<string>(count);
  for (let s = 0; s < count; s++) ids[s] = `mc-${s + 1}`;
  return {
    count,
    underlyings: [...options.underlyings],
    ids,
    labels: buildLabels(options.underlyings, priceMove, count),
    priceMove,
    volShift: new Float64Array(plan.n * count),
    volShiftMode: 'relative',
    timeStep: new Float64Array(count),
    weight: new Float64Array(count).fill(1),
  };
}
