/**
 * The standard workloads W1–W3 of /work/shared/perf (README there), run through the engine's production kernels
 * on the same files the numpy / QuantLib / C peers read, checked against the reference arrays, and reported as
 * ratios to the peers when their figures are given (measure them in the same run: the machine is shared and
 * absolute times move 10–40 % between runs).
 *
 *   bash /work/shared/perf/run_peers.sh > peers.json      # writes the workload to $PERF_WORK, peers' figures to stdout
 *   PERF_PEERS=peers.json npm run -s bench -- peer-workloads
 *
 * W1: 2,000 options × 1,000 scenarios through revalueKernelFast (revaluation/revalue-kernel-fast.ts, the production kernel). W2: 10,000 accounts ×
 * 20 positions CSR × that P&L matrix through the production aggregation kernel. W3: worst / VaR99 / ES97.5 per
 * account row through the production tail kernel. Also timed: W2 + W3 fused (the account matrix never written) and,
 * for context, the reference kernels they replaced. Each figure is the median of REPS (default 9) timed runs after
 * one warm-up, like the peers; only the computation is timed (reading files and building the plan / CSR are not).
 * If the workload files are absent the entry reports itself skipped instead of failing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { black76Price } from '../src/pricing/black76-price.js';
import { aggregateKernel } from '../src/portfolio/aggregate-kernel.js';
import { aggregateKernelBlocked } from '../src/portfolio/aggregate-kernel-blocked.js';
import { wasmRiskKernels } from '../src/numerics/wasm-risk-kernels.js';
import type { Book } from '../src/portfolio/book.js';
import { KIND_CALL, KIND_PUT, type RevaluationPlan } from '../src/revaluation/revaluation-plan.js';
import { revalueKernelFast, revaluationScratchLength } from '../src/revaluation/revalue-kernel-fast.js';
import { aggregateTailMeasures, aggregateTailMeasuresScratchLength } from '../src/risk/aggregate-tail-measures.js';
import { expectedShortfall } from '../src/risk/expected-shortfall.js';
import { aggregateParallel, aggregateTailMeasuresParallel, defaultThreads, revalueParallel, tailMeasuresRowsParallel } from '../src/risk/kernel-pool.js';
import { tailMeasures, tailMeasuresScratchLength, tailShape } from '../src/risk/tail-measures.js';
import { valueAtRisk } from '../src/risk/value-at-risk.js';
import { worstLoss } from '../src/risk/worst-loss.js';
import type { ScenarioSet } from '../src/scenarios/scenario-set.js';
import type { BenchResult } from './bench-result.js';

const NAME = 'peer-workloads';
/** W3's confidence levels (workload.json `var_q`, `es_q`). */
const VAR_ALPHA = 0.99;
const ES_ALPHA = 0.975;

interface Manifest {
  readonly n_options: number;
  readonly n_scenarios: number;
  readonly n_accounts: number;
  readonly n_positions: number;
  readonly rate: number;
  readonly var_q?: number;
  readonly es_q?: number;
  readonly underlyings: readonly { readonly name: string }[];
  readonly files: Record<string, { readonly file: string; readonly bytes: number }>;
}

/** A little-endian raw array file as a typed array over its own aligned buffer (a Buffer may start at any byte). */
function readArray(dir: string, file: string, kind: 'f64' | 'i32'): Float64Array | Int32Array {
  const b = readFileSync(join(dir, file));
  const buffer = new ArrayBuffer(b.byteLength);
  new Uint8Array(buffer).set(b);
  return kind === 'f64' ? new Float64Array(buffer) : new Int32Array(buffer);
}

/** Median wall time (ms) of `reps` runs after one warm-up (the peers' protocol). */
function medianMs(reps: number, run: () => void): number {
  run();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  return times.length % 2 === 1 ? times[mid]! : 0.5 * (times[mid - 1]! + times[mid]!);
}

function maxAbs(a: Float64Array, b: Float64Array, count = a.length): number {
  let m = 0;
  for (let i = 0; i < count; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = d; // NaN counts as a mismatch
  }
  return m;
}

export async function benchPeerWorkloads(options: { dir?: string; reps?: number; peers?: string } = {}): Promise<BenchResult> {
  const dir = options.dir ?? process.env.PERF_WORK ?? '/tmp/crossmargin-perf-work';
  const reps = options.reps ?? (Number(process.env.REPS) > 0 ? Number(process.env.REPS) : 9);
  const peersPath = options.peers ?? process.env.PERF_PEERS;
  const manifestPath = join(dir, 'workload.json');
  const required = ['workload.json', 'opt_und.i32', 'opt_cp.i32', 'opt_fwd.f64', 'opt_strike.f64', 'opt_t.f64', 'opt_vol.f64', 'opt_df.f64', 'scen_dspot.f64', 'scen_dvol.f64', 'acct_offsets.i32', 'pos_instr.i32', 'pos_qty.f64', 'ref_pnl.f64', 'ref_acct_pnl.f64', 'ref_risk.f64'];
  const missing = required.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    return {
      name: NAME,
      workload: `skipped: the standard workload is not in ${dir} (missing ${missing.join(', ')}); generate it with \`bash /work/shared/perf/run_peers.sh > peers.json\` (or set PERF_WORK)`,
      opsPerSecond: 0,
      extra: { skipped: 1 },
    };
  }
  const meta = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const O = meta.n_options, S = meta.n_scenarios, A = meta.n_accounts, P = meta.n_positions;
  const U = meta.underlyings.length;
  const f64 = (f: string) => readArray(dir, f, 'f64') as Float64Array;
  const i32 = (f: string) => readArray(dir, f, 'i32') as Int32Array;

  // ---- W1: the workload's options as a revaluation plan and scenario set (a direct mapping, see below) ----
  const und = i32('opt_und.i32'), cp = i32('opt_cp.i32');
  const fwd = f64('opt_fwd.f64'), strike = f64('opt_strike.f64'), tau = f64('opt_t.f64'), vol = f64('opt_vol.f64'), df = f64('opt_df.f64');
  const dspot = f64('scen_dspot.f64'), dvol = f64('scen_dvol.f64'); // [scenario][underlying]
  const plan: RevaluationPlan = {
    instrumentCount: O,
    kind: Int32Array.from(cp, (c) => (c > 0 ? KIND_CALL : KIND_PUT)),
    inverse: new Int32Array(O),
    underlyingIndex: Int32Array.from(und),
    reference: Float64Array.from(fwd), // F: the kernel moves it to F·(1 + x)
    strike: Float64Array.from(strike),
    tau: Float64Array.from(tau),
    // DF = e^{−r·T} with r the workload's rate (0.05); the kernel recomputes it from (rate, τ) per cell.
    rate: new Float64Array(O).fill(meta.rate),
    vol: Float64Array.from(vol),
    multiplier: new Float64Array(O).fill(1),
    baseValue: new Float64Array(O),
  };
  // Base value V(F, σ): what compileRevaluation stores per instrument, outside the timed loop (as the plan is).
  for (let i = 0; i < O; i++) plan.baseValue[i] = black76Price(plan.kind[i] === KIND_CALL, fwd[i]!, strike[i]!, tau[i]!, vol[i]!, df[i]!);
  const priceMove = new Float64Array(U * S);
  const volShift = new Float64Array(U * S);
  for (let s = 0; s < S; s++) {
    for (let u = 0; u < U; u++) {
      priceMove[u * S + s] = dspot[s * U + u]!; // transposed to the engine's underlying-major layout
      volShift[u * S + s] = dvol[s * U + u]!; // absolute vol points: σ′ = σ + dσ
    }
  }
  const set: ScenarioSet = {
    count: S,
    underlyings: meta.underlyings.map((u) => u.name),
    ids: Array.from({ length: S }, (_, s) => String(s)),
    labels: Array.from({ length: S }, (_, s) => `W1 scenario ${s}`),
    priceMove,
    volShift,
    volShiftMode: 'absolute',
    timeStep: new Float64Array(S),
    weight: new Float64Array(S).fill(1),
  };
  const pnl = new Float64Array(O * S);
  const scratch = new Float64Array(revaluationScratchLength(set));
  const w1OneMs = medianMs(reps, () => revalueKernelFast(plan, set, pnl, scratch));
  const refPnl = f64('ref_pnl.f64');
  const w1OneMaxAbs = maxAbs(pnl, refPnl);
  // Production: the same kernel over instrument chunks on the pool's threads (what buildScenarioMatrix runs).
  const threads = defaultThreads();
  let revalued = revalueParallel(plan, set, { threads });
  const w1Ms = medianMs(reps, () => {
    revalued = revalueParallel(plan, set, { threads });
  });
  const w1MaxAbs = maxAbs(revalued.out, refPnl);

  // ---- W2: the workload's CSR book against the reference P&L matrix (the peers' W2 input too) ----
  // Production: the WebAssembly SIMD tile writing into a matrix resident in linear memory (as C writes into its heap);
  // the TypeScript blocked kernel where WebAssembly SIMD is unavailable (and reported alone as w2_ts_*).
  const book: Book = { rowCount: A, rowStart: i32('acct_offsets.i32'), instrument: i32('pos_instr.i32'), weight: f64('pos_qty.f64') };
  const refAcct = f64('ref_acct_pnl.f64');
  const varAlpha = meta.var_q ?? VAR_ALPHA;
  const esAlpha = meta.es_q ?? ES_ALPHA;
  const refRisk = f64('ref_risk.f64');
  const acct = new Float64Array(A * S);
  const w2TsMs = medianMs(reps, () => aggregateKernelBlocked(book, refPnl, S, acct));
  const w2TsMaxAbs = maxAbs(acct, refAcct);
  const few = Math.max(1, Math.min(3, reps));
  const w2RefMs = medianMs(few, () => aggregateKernel(book, refPnl, S, acct));

  // ---- W3: worst / VaR99 / ES97.5 per account row of the engine's own W2 output ----
  aggregateKernelBlocked(book, refPnl, S, acct);
  const risk = new Float64Array(3 * A);
  const tailScratch = new Float64Array(tailMeasuresScratchLength(S));
  const w3TsMs = medianMs(reps, () => {
    for (let a = 0; a < A; a++) tailMeasures(acct, a * S, S, varAlpha, esAlpha, tailScratch, risk, 3 * a);
  });
  const w3TsMaxAbs = maxAbs(risk, refRisk);
  // Reference: the three plain functions per row (what the engine ran before).
  const refScratch = new Float64Array(S);
  const riskRef = new Float64Array(3 * A);
  const w3RefMs = medianMs(few, () => {
    for (let a = 0; a < A; a++) {
      riskRef[3 * a] = worstLoss(acct, a * S, S);
      riskRef[3 * a + 1] = valueAtRisk(acct, a * S, S, varAlpha, refScratch);
      riskRef[3 * a + 2] = expectedShortfall(acct, a * S, S, esAlpha, refScratch);
    }
  });

  // ---- W2 + W3 fused: each account's row built in a reused buffer and reduced at once ----
  const fused = new Float64Array(3 * A);
  const fusedScratch = new Float64Array(aggregateTailMeasuresScratchLength(S));
  const fusedMs = medianMs(reps, () => aggregateTailMeasures(book, refPnl, S, varAlpha, esAlpha, fusedScratch, fused));
  const fusedMaxAbs = maxAbs(fused, refRisk);

  // ---- one thread: the WebAssembly SIMD kernels on a matrix resident in linear memory ----
  const wasm: Record<string, number> = {};
  let w2OneMs = w2TsMs, w2OneMaxAbs = w2TsMaxAbs, w3OneMs = w3TsMs, w3OneMaxAbs = w3TsMaxAbs;
  const kernels = wasmRiskKernels();
  const shape = tailShape(varAlpha, esAlpha, S);
  if (kernels !== undefined) {
    const resident = kernels.residentRows(A, S);
    w2OneMs = medianMs(reps, () => resident.aggregate(book.rowStart, book.instrument, book.weight, refPnl));
    w2OneMaxAbs = maxAbs(resident.values(), refAcct);
    const riskW = new Float64Array(3 * A);
    w3OneMs = medianMs(reps, () => resident.tailMeasures(shape, riskW));
    w3OneMaxAbs = maxAbs(riskW, refRisk);
    let fusedW = aggregateTailMeasuresParallel(book, refPnl, S, varAlpha, esAlpha, { threads: 1 });
    const f = medianMs(reps, () => {
      fusedW = aggregateTailMeasuresParallel(book, refPnl, S, varAlpha, esAlpha, { threads: 1 });
    });
    wasm.w2w3_fused_wasm_accounts_per_s = A / (f / 1000);
    wasm.w2w3_fused_wasm_maxabs = maxAbs(fusedW.out, refRisk);
  } else {
    wasm.wasm_unavailable = 1;
  }

  // ---- production: the kernel pool on every thread (risk/kernel-pool.ts; the batch path and buildScenarioMatrix) ----
  let aggregated = aggregateParallel(book, refPnl, S, { threads });
  const w2Ms = medianMs(reps, () => {
    aggregated = aggregateParallel(book, refPnl, S, { threads });
  });
  const w2MaxAbs = maxAbs(aggregated.out, refAcct);
  const shared = aggregated.out; // the engine's own W2 output, in shared memory
  let measuredRows = tailMeasuresRowsParallel(shared, A, S, varAlpha, esAlpha, { threads });
  const w3Ms = medianMs(reps, () => {
    measuredRows = tailMeasuresRowsParallel(shared, A, S, varAlpha, esAlpha, { threads });
  });
  const w3MaxAbs = maxAbs(measuredRows.out, refRisk);
  let pooled = aggregateTailMeasuresParallel(book, refPnl, S, varAlpha, esAlpha, { threads });
  const poolMs = medianMs(reps, () => {
    pooled = aggregateTailMeasuresParallel(book, refPnl, S, varAlpha, esAlpha, { threads });
  });
  wasm.threads = Math.max(revalued.threads, aggregated.threads, measuredRows.threads, pooled.threads);
  wasm.w2w3_pool_accounts_per_s = A / (poolMs / 1000);
  wasm.w2w3_pool_maxabs = maxAbs(pooled.out, refRisk);
  await new Promise<void>((done) => setImmediate(done));

  const w1PerS = (O * S) / (w1Ms / 1000);
  const w2PerS = (P * S) / (w2Ms / 1000);
  const w3PerS = A / (w3Ms / 1000);
  const extra: Record<string, number> = {
    reps,
    w1_ms: w1Ms,
    w1_reval_per_s: w1PerS,
    w1_maxabs: w1MaxAbs,
    w1_1t_reval_per_s: (O * S) / (w1OneMs / 1000),
    w1_1t_maxabs: w1OneMaxAbs,
    w2_1t_madds_per_s: (P * S) / (w2OneMs / 1000),
    w2_1t_maxabs: w2OneMaxAbs,
    w3_1t_accounts_per_s: A / (w3OneMs / 1000),
    w3_1t_maxabs: w3OneMaxAbs,
    w2_ms: w2Ms,
    w2_madds_per_s: w2PerS,
    w2_maxabs: w2MaxAbs,
    w2_ts_madds_per_s: (P * S) / (w2TsMs / 1000),
    w2_ts_maxabs: w2TsMaxAbs,
    w2_reference_kernel_madds_per_s: (P * S) / (w2RefMs / 1000),
    w3_ms: w3Ms,
    w3_accounts_per_s: w3PerS,
    w3_maxabs: w3MaxAbs,
    w3_ts_accounts_per_s: A / (w3TsMs / 1000),
    w3_ts_maxabs: w3TsMaxAbs,
    w3_reference_functions_accounts_per_s: A / (w3RefMs / 1000),
    w3_reference_functions_maxabs: maxAbs(riskRef, refRisk),
    w2w3_fused_ms: fusedMs,
    w2w3_fused_accounts_per_s: A / (fusedMs / 1000),
    w2w3_fused_maxabs: fusedMaxAbs,
    ...wasm,
  };
  if (peersPath !== undefined && peersPath !== '') {
    const peers = JSON.parse(readFileSync(resolve(peersPath), 'utf8')) as Record<string, unknown>;
    const ratio = (ours: number, key: string, label: string): void => {
      const theirs = peers[key];
      if (typeof theirs === 'number' && theirs > 0) {
        extra[`peer_${key}`] = theirs;
        extra[label] = ours / theirs;
      }
    };
    // Production (every thread) against the peers' one-thread and two-thread figures, and one thread against one.
    for (const [w, ours, one, unit] of [
      ['w1', w1PerS, extra.w1_1t_reval_per_s!, 'reval'],
      ['w2', w2PerS, extra.w2_1t_madds_per_s!, 'madds'],
      ['w3', w3PerS, extra.w3_1t_accounts_per_s!, 'accounts'],
    ] as const) {
      ratio(ours, `${w}_numpy_${unit}_per_s`, `${w}_vs_numpy`);
      ratio(ours, `${w}_c_best_${unit}_per_s`, `${w}_vs_c_best`);
      ratio(ours, `${w}_numpy_2t_${unit}_per_s`, `${w}_vs_numpy_2t`);
      ratio(ours, `${w}_c_best_2t_${unit}_per_s`, `${w}_vs_c_best_2t`);
      ratio(one, `${w}_numpy_${unit}_per_s`, `${w}_1t_vs_numpy`);
      ratio(one, `${w}_c_best_${unit}_per_s`, `${w}_1t_vs_c_best`);
    }
    ratio(wasm.w2w3_pool_accounts_per_s!, 'w3_c_best_2t_accounts_per_s', 'w2w3_pool_vs_w3_c_best_2t');
  }
  return {
    name: NAME,
    workload:
      `/work/shared/perf standard workloads from ${dir}: W1 ${O.toLocaleString('en-US')} options × ${S.toLocaleString('en-US')} scenarios ` +
      `(revalueKernelFast), W2 ${A.toLocaleString('en-US')} accounts × ${(P / A).toFixed(0)} positions CSR and W3 worst / VaR${varAlpha * 100} / ES${esAlpha * 100} per account: ` +
      `w1_/w2_/w3_* = the production path, the kernel pool on ${threads} thread(s) (revalueParallel, aggregateParallel into shared memory, tailMeasuresRowsParallel over that output; ` +
      `${kernels === undefined ? 'TypeScript kernels: WebAssembly SIMD unavailable' : 'WebAssembly SIMD kernels'}); *_1t_* = one thread (revalueKernelFast; ` +
      `${kernels === undefined ? 'TypeScript kernels' : 'WebAssembly SIMD with the account matrix resident in linear memory'}); *_ts_* = the TypeScript twins; W2+W3 fused in TypeScript, WebAssembly and on the pool (w2w3_pool_*); ` +
      `ratios *_vs_* (production) against the peers' 1-thread figures and *_vs_*_2t against their 2-thread ones, *_1t_vs_* one thread against one; ` +
      `median of ${reps} after 1 warm-up. opsPerSecond = W3 accounts/s; every figure is in extra`,
    opsPerSecond: w3PerS,
    meanMs: w3Ms,
    extra,
  };
}
