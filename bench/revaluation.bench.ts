/**
 * Revaluation kernel throughput: full Black-76 repricing of an option-heavy instrument universe under a scenario
 * set, written into the instrument × scenario P&L matrix (the shape SPAN/VaR models feed the aggregation).
 * Times the production kernel (revalueKernelFast) and, on the same inputs, its reference twin (revalueKernel).
 */
import { mulberry32 } from '../src/core/seeded-random.js';
import { KIND_CALL, KIND_DELTA_ONE, KIND_PUT, type RevaluationPlan } from '../src/revaluation/revaluation-plan.js';
import { revalueKernel } from '../src/revaluation/revalue-kernel.js';
import { revalueKernelFast, revaluationScratchLength } from '../src/revaluation/revalue-kernel-fast.js';
import type { ScenarioSet } from '../src/scenarios/scenario-set.js';
import type { BenchResult } from './bench-result.js';

export async function benchRevaluation(options: { instruments?: number; scenarios?: number; passes?: number; seed?: number } = {}): Promise<BenchResult[]> {
  const n = options.instruments ?? 2_000;
  const count = options.scenarios ?? 1_000;
  const passes = options.passes ?? 3;
  const seed = options.seed ?? 20261121;
  const next = mulberry32(seed);
  const underlyings = ['BTC', 'ETH', 'SOL', 'SPX'];
  const plan: RevaluationPlan = {
    instrumentCount: n,
    kind: new Int32Array(n),
    inverse: new Int32Array(n),
    underlyingIndex: new Int32Array(n),
    reference: new Float64Array(n),
    strike: new Float64Array(n),
    tau: new Float64Array(n),
    rate: new Float64Array(n),
    vol: new Float64Array(n),
    multiplier: new Float64Array(n).fill(1),
    baseValue: new Float64Array(n),
  };
  let options_ = 0;
  for (let i = 0; i < n; i++) {
    const isOption = next() < 0.8;
    options_ += isOption ? 1 : 0;
    plan.kind[i] = isOption ? (next() < 0.5 ? KIND_CALL : KIND_PUT) : KIND_DELTA_ONE;
    plan.inverse[i] = next() < 0.5 ? 1 : 0;
    plan.underlyingIndex[i] = Math.floor(next() * underlyings.length);
    plan.reference[i] = 1000 + next() * 60_000;
    plan.strike[i] = plan.reference[i]! * (0.5 + 1.5 * next());
    plan.tau[i] = (1 + Math.floor(next() * 365)) / 365;
    plan.rate[i] = 0.03;
    plan.vol[i] = 0.2 + next();
  }
  const set: ScenarioSet = {
    count,
    underlyings,
    ids: Array.from({ length: count }, (_, s) => String(s + 1)),
    labels: Array.from({ length: count }, (_, s) => `scenario ${s + 1}`),
    priceMove: new Float64Array(underlyings.length * count).map(() => (next() - 0.5) * 0.4),
    volShift: new Float64Array(underlyings.length * count).map(() => (next() - 0.5) * 0.5),
    volShiftMode: 'relative',
    timeStep: new Float64Array(count),
    weight: new Float64Array(count).fill(1),
  };
  const out = new Float64Array(n * count);
  const scratch = new Float64Array(revaluationScratchLength(set));
  const time = async (kernel: () => void): Promise<number> => {
    kernel();
    let totalMs = 0;
    for (let pass = 0; pass < passes; pass++) {
      const start = performance.now();
      kernel();
      totalMs += performance.now() - start;
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
    return totalMs / passes;
  };
  const fastMs = await time(() => revalueKernelFast(plan, set, out, scratch));
  const referenceMs = await time(() => revalueKernel(plan, set, out));
  const workload =
    `${n.toLocaleString('en-US')} instruments (${options_} European options by full Black-76 repricing, the rest delta-one; half inverse) × ` +
    `${count.toLocaleString('en-US')} scenarios (price ±20 %, relative vol ±25 %) into the P&L matrix; ${passes} timed passes after 1 warm-up, seed ${seed}`;
  const extra = { optionRevaluationsPerPass: options_ * count, instrumentScenarioCellsPerPass: n * count };
  return [
    {
      name: 'revaluation-kernel',
      workload: `revalueKernelFast (production): ${workload}`,
      opsPerSecond: (n * count) / (fastMs / 1000),
      meanMs: fastMs,
      extra: { ...extra, speedupOverReference: referenceMs / fastMs },
    },
    {
      name: 'revaluation-kernel-reference',
      workload: `revalueKernel (reference twin): ${workload}`,
      opsPerSecond: (n * count) / (referenceMs / 1000),
      meanMs: referenceMs,
      extra,
    },
  ];
}
