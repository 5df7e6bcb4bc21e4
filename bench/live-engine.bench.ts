/**
 * The live engine under load, in process (the HTTP layer adds its own cost; see docs/service.md): 10,000 accounts
 * on BTC and ETH (perpetuals and options, USDC collateral) under `scenario-grid`; a stream of market updates, each
 * moving one underlying ±0.5 %, recomputes the exposed accounts through one compilation; plus what-if requests on
 * random accounts. Reports throughput and p50/p99 latency of both, and the bare batch path on the same book
 * (`live-engine-100k`: the same at 100,000 accounts, the measure issue 15 targets).
 */
import { mulberry32 } from '../src/core/seeded-random.js';
import { LiveEngine } from '../src/engine/live/live-engine.js';
import { parseMarketSnapshot } from '../src/market/market-snapshot.js';
import { computeBookMargins } from '../src/models/compute-book-margins.js';
import type { PortfolioInput } from '../src/models/compute-margin.js';
import { loadMarketHistory } from '../src/scenarios/history/load-market-history.js';
import type { BenchResult } from './bench-result.js';

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

/** What-ifs run before the measured ones (JIT). */
const WHATIF_WARMUP = 5_000;

/** Updates run before the measured ones (the engine is a long-running process: first ticks warm the JIT and the pool). */
const WARMUP_UPDATES = 3;

export interface LiveEngineBenchOptions {
  readonly accounts?: number;
  readonly updates?: number;
  readonly whatIfs?: number;
  readonly name?: string;
  /** Margin model (default scenario-grid); fhs-es uses the bundled history, 1,000 scenarios. */
  readonly model?: 'scenario-grid' | 'fhs-es';
}

export async function benchLiveEngine(options: LiveEngineBenchOptions = {}): Promise<BenchResult> {
  const accounts = options.accounts ?? 10_000;
  const documents: PortfolioInput[] = [];
  const updates = options.updates ?? 40;
  const whatIfs = options.whatIfs ?? 2_000;
  const model = options.model ?? 'scenario-grid';
  const next = mulberry32(20261121);
  let now = Date.parse('2025-09-23T12:00:00Z');
  const modelOptions = model === 'fhs-es' ? { params: { lookback: 1_000, mporMethod: 'sqrt' as const }, historyLoader: (u: readonly string[]) => loadMarketHistory(u) } : {};
  const engine = new LiveEngine({ model, ...modelOptions, clock: { now: () => now }, staleAfterMs: 3_600_000, spikeBand: 0.25, sink: { append: () => undefined } });
  let btc = 112_000;
  let eth = 4_160;
  const snapshot = () =>
    parseMarketSnapshot({
      asOf: new Date(now).toISOString(),
      underlyings: { BTC: { index: btc, vol: { atm: 0.45 } }, ETH: { index: eth, vol: { atm: 0.65 } } },
      fx: { USDC: 1 },
    });
  await engine.onMarket(snapshot());
  const universe = ['BTC_USDC-PERPETUAL', 'ETH_USDC-PERPETUAL', 'BTC_USDC-26DEC25-110000-C', 'BTC_USDC-26DEC25-100000-P', 'ETH_USDC-26DEC25-4000-C'];
  for (let a = 0; a < accounts; a++) {
    const positions = Array.from({ length: 3 }, () => ({ instrument: universe[Math.floor(next() * universe.length)]!, quantity: Math.round((next() - 0.5) * 20) || 1 }));
    const document = { account: `a${a}`, currency: 'USD', positions, collateral: { USDC: 50_000 + Math.floor(next() * 200_000) } };
    documents.push({ document });
    await engine.upsertAccount(document);
  }
  // The accounts a BTC (ETH) update re-margins: those holding a BTC (ETH) instrument.
  const holding = (prefix: string) => documents.filter((d) => (d.document as { positions: { instrument: string }[] }).positions.some((p) => p.instrument.startsWith(prefix)));
  const exposedTo = { BTC: holding('BTC'), ETH: holding('ETH') };
  const updateMs: number[] = [];
  const pairRatios: number[] = [];
  const stages = new Map<string, number[]>();
  let recomputed = 0;
  for (let u = -WARMUP_UPDATES; u < updates; u++) {
    now += 1000;
    const moved = u % 2 === 0 ? 'BTC' : 'ETH';
    if (moved === 'BTC') btc *= 1 + (next() - 0.5) * 0.01;
    else eth *= 1 + (next() - 0.5) * 0.01;
    const start = performance.now();
    const r = await engine.onMarket(snapshot());
    if (u < 0) continue;
    const ms = performance.now() - start;
    updateMs.push(ms);
    recomputed += r.recomputed.length;
    for (const [stage, t] of Object.entries(r.timings)) stages.set(stage, [...(stages.get(stage) ?? []), t]);
    // Right after, the bare batch kernels on the same accounts and market: the ratio of a pair run back to back is
    // the engine's own overhead, whatever the shared machine's speed at that moment.
    pairRatios.push(ms / computeBookMargins(exposedTo[moved], snapshot(), model, modelOptions).timings.margin);
  }
  pairRatios.sort((a, b) => a - b);
  // What-ifs: requests prepared first (ids and trades are the caller's), WHATIF_WARMUP unmeasured, then each timed;
  // whatif_per_s is the throughput of the measured loop (what the engine sustains), p50/p99 the single calls.
  const requests = Array.from({ length: whatIfs + WHATIF_WARMUP }, () => ({
    id: `a${Math.floor(next() * accounts)}`,
    trades: [{ instrument: universe[Math.floor(next() * universe.length)]!, quantity: 1 }],
  }));
  for (let w = 0; w < WHATIF_WARMUP; w++) engine.whatIf(requests[w]!.id, requests[w]!.trades);
  const whatIfMs: number[] = [];
  const loopStart = performance.now();
  for (let w = WHATIF_WARMUP; w < requests.length; w++) {
    const start = performance.now();
    engine.whatIf(requests[w]!.id, requests[w]!.trades);
    whatIfMs.push(performance.now() - start);
  }
  const whatIfLoopMs = performance.now() - loopStart;
  updateMs.sort((a, b) => a - b);
  whatIfMs.sort((a, b) => a - b);
  // The bare batch kernels on the same book and market (issue 15: the engine's own overhead as a ratio, one run).
  const kernelMs: number[] = [];
  for (let k = 0; k < 3; k++) kernelMs.push(computeBookMargins(documents, snapshot(), model, modelOptions).timings.margin);
  kernelMs.sort((a, b) => a - b);
  const kernelOnlyMs = kernelMs[1]!;
  // The same on just the accounts a BTC update re-margins.
  const exposed = exposedTo.BTC;
  const exposedMs: number[] = [];
  for (let k = 0; k < 3; k++) exposedMs.push(computeBookMargins(exposed, snapshot(), model, modelOptions).timings.margin);
  exposedMs.sort((a, b) => a - b);
  const kernelExposedMs = exposedMs[1]!;
  const updateTotal = updateMs.reduce((a, b) => a + b, 0);
  await new Promise<void>((resolve) => setImmediate(resolve));
  return {
    name: options.name ?? 'live-engine-10k-accounts',
    workload:
      `LiveEngine (${model === 'fhs-es' ? 'fhs-es, 1,000 filtered scenarios of the bundled BTC/ETH history' : 'scenario-grid'}), ${accounts.toLocaleString('en-US')} accounts × 3 positions on BTC/ETH with USDC collateral; ` +
      `${updates} measured market updates after ${WARMUP_UPDATES} warm-up ones (one underlying ±0.5 % each, alternating, a new asOf each) ` +
      `and ${whatIfs} what-if requests (one trade each, on random accounts) after ${WHATIF_WARMUP} warm-up ones, in process; kernel_only_ms = median of 3 computeBookMargins batch paths (compiled book → margins: the model's bare batch kernels) on the same book and market; kernel_exposed_ms = the same on the accounts a BTC update re-margins; engine_over_kernel_pairs_p50 = median over the measured updates of (update time / the bare batch kernels on the very accounts that update re-margined, run right after it)`,
    opsPerSecond: updates / (updateTotal / 1000),
    meanMs: updateTotal / updates,
    extra: {
      accountsRecomputedPerUpdate: recomputed / updates,
      updateP50Ms: percentile(updateMs, 0.5),
      updateP99Ms: percentile(updateMs, 0.99),
      whatIfPerSecond: whatIfs / (whatIfLoopMs / 1000),
      whatIfP50Ms: percentile(whatIfMs, 0.5),
      whatIfP99Ms: percentile(whatIfMs, 0.99),
      update_p50_ms: percentile(updateMs, 0.5),
      update_p99_ms: percentile(updateMs, 0.99),
      kernel_only_ms: kernelOnlyMs,
      engine_over_kernel: percentile(updateMs, 0.5) / kernelOnlyMs,
      kernel_exposed_ms: kernelExposedMs,
      kernel_exposed_accounts: exposed.length,
      engine_over_kernel_exposed: percentile(updateMs, 0.5) / kernelExposedMs,
      engine_over_kernel_pairs_p50: percentile(pairRatios, 0.5),
      engine_over_kernel_pairs_max: pairRatios[pairRatios.length - 1] ?? Number.NaN,
      whatif_per_s: whatIfs / (whatIfLoopMs / 1000),
      ...Object.fromEntries([...stages].map(([stage, ms]) => [`stage_${stage}_p50_ms`, percentile([...ms].sort((a, b) => a - b), 0.5)])),
      accounts_in_state: engine.stats().accounts,
      rss_mb: Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10,
    },
  };
}
