/**
 * fhs-es at book scale (issue 14, deliverable 5): 100,000 accounts × 20 positions margined under `fhs-es` with 1,000
 * EWMA-filtered scenarios of the bundled BTC+ETH history, through the public batch API computeBookMargins: the
 * documents parsed once into one shared CSR book, one compile (history, filter, one shared revaluation), then the
 * batch path (every account aggregated and measured by the fused WebAssembly kernel on the pool's threads). Timed
 * twice: on every thread (default thread count) and on one thread.
 */
import { CrossmarginError } from '../src/core/errors.js';
import { mulberry32 } from '../src/core/seeded-random.js';
import { parseMarketSnapshot } from '../src/market/market-snapshot.js';
import { computeBookMargins, type BookMargins } from '../src/models/compute-book-margins.js';
import { computeMargins, type PortfolioInput } from '../src/models/compute-margin.js';
import { defaultThreads } from '../src/risk/kernel-pool.js';
import { loadMarketHistory } from '../src/scenarios/history/load-market-history.js';
import type { BenchResult } from './bench-result.js';

const ACCOUNTS = 100_000;
const POSITIONS = 20;
const SCENARIOS = 1_000;
const WARMUP_ACCOUNTS = 1_000;
const SEED = 20261114;

const market = parseMarketSnapshot({
  asOf: '2025-09-23T23:00:00Z',
  underlyings: { BTC: { index: 112017.21, rate: 0.04, vol: { atm: 0.45 } }, ETH: { index: 4164.26, rate: 0.04, vol: { atm: 0.65 } }, SOL: { index: 213.3, vol: { atm: 0.8 } } },
  fx: { USDC: 1 },
});
const historyLoader = (u: readonly string[]) => loadMarketHistory(u);
const EXPIRIES = ['26SEP25', '31OCT25', '28NOV25', '26DEC25', '27MAR26'];

/** The option universe of bench/var.bench.ts (inverse BTC/ETH options, strikes 70–130 % of spot, five expiries). */
function optionSymbols(next: () => number, count: number): string[] {
  return Array.from({ length: count }, () => {
    const btc = next() < 0.6;
    const index = btc ? 112017.21 : 4164.26;
    const step = btc ? 1000 : 50;
    const strike = Math.round((index * (0.7 + 0.6 * next())) / step) * step;
    const expiry = EXPIRIES[Math.floor(next() * EXPIRIES.length)]!;
    return `${btc ? 'BTC' : 'ETH'}-${expiry}-${strike}-${next() < 0.5 ? 'C' : 'P'}`;
  });
}

function mib(bytes: number): number {
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

export async function benchFhsEs100k(): Promise<BenchResult> {
  const next = mulberry32(SEED);
  const universe = ['BTC_USDC-PERPETUAL', 'ETH_USDC-PERPETUAL', 'BTC-PERPETUAL', 'ETH-PERPETUAL', 'BTC-26DEC25', 'ETH-26DEC25', ...optionSymbols(next, 30)];
  const portfolios: PortfolioInput[] = Array.from({ length: ACCOUNTS }, (_, a) => ({
    document: {
      account: `a${a}`,
      positions: Array.from({ length: POSITIONS }, () => ({ instrument: universe[Math.floor(next() * universe.length)], quantity: Math.round((next() - 0.5) * 20) || 1 })),
    },
  }));
  // lookback = scenario count: 1-day returns × √MPOR (sqrt) give one scenario per day looked back.
  const params = { lookback: SCENARIOS, mporMethod: 'sqrt' as const };
  const threads = defaultThreads();
  computeBookMargins(portfolios.slice(0, WARMUP_ACCOUNTS), market, 'fhs-es', { params, historyLoader, threads }); // warm-up (workers started)
  computeBookMargins(portfolios.slice(0, WARMUP_ACCOUNTS), market, 'fhs-es', { params, historyLoader, threads: 1 });
  (globalThis as { gc?: () => void }).gc?.();
  const rssBefore = process.memoryUsage().rss;

  const timed = (t: number): { ms: number; result: BookMargins } => {
    const start = performance.now();
    const result = computeBookMargins(portfolios, market, 'fhs-es', { params, historyLoader, threads: t });
    return { ms: performance.now() - start, result };
  };
  const all = timed(threads);
  const rssAfter = process.memoryUsage().rss;
  (globalThis as { gc?: () => void }).gc?.();
  const one = timed(1);
  const maxRssMiB = process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB

  const results = all.result;
  const scenarios = results.result(0).details?.['scenarios'];
  if (results.accountCount !== ACCOUNTS || scenarios !== SCENARIOS || results.perAccountCount !== 0) {
    throw new CrossmarginError('INTERNAL', `bench fhs-es-100k: expected ${ACCOUNTS} batch results over ${SCENARIOS} scenarios, got ${results.accountCount} over ${String(scenarios)}`);
  }
  // Guard: the same bits on 1 and N threads, and the per-account path agrees on a sample.
  for (let a = 0; a < ACCOUNTS; a++) {
    if (!Object.is(one.result.initialMargin[a], results.initialMargin[a])) throw new CrossmarginError('INTERNAL', `bench fhs-es-100k: account ${a} differs between 1 and ${threads} threads`);
  }
  const sample = computeMargins(portfolios.slice(0, 200), market, 'fhs-es', { params, historyLoader });
  sample.forEach((r, a) => {
    if (Math.abs(r.initialMargin - results.initialMargin[a]!) > 1e-12 * Math.max(1, r.initialMargin)) throw new CrossmarginError('INTERNAL', `bench fhs-es-100k: account ${a} batch ≠ per-account`);
  });
  let checksum = 0;
  for (let a = 0; a < ACCOUNTS; a++) checksum += results.initialMargin[a]!;
  await new Promise<void>((resolve) => setImmediate(resolve));
  const seconds = all.ms / 1000;
  return {
    name: 'fhs-es-100k',
    workload:
      `fhs-es (97.5 % ES, EWMA λ 0.94 filter), ${SCENARIOS.toLocaleString('en-US')} filtered scenarios of the bundled BTC+ETH history ` +
      `(lookback ${SCENARIOS}, 2-day MPOR by sqrt), ${ACCOUNTS.toLocaleString('en-US')} accounts × ${POSITIONS} positions ` +
      `(mulberry32 seed ${SEED}; instrument uniform over ${universe.length}: 4 perpetuals, 2 futures, 30 inverse options; quantity round(U−0.5)·20, 0→1); ` +
      `one timed run = one computeBookMargins call (documents → shared CSR book, history load + filter + one shared revaluation, the batch path: ` +
      `fused aggregate + ES per account on the pool's threads), after warm-ups on the first ${WARMUP_ACCOUNTS.toLocaleString('en-US')} accounts; generation not timed. ` +
      `fhs_es_100k_s on ${results.threads} thread(s) (default: the cores available), fhs_es_100k_1t_s on one; *_margin_s is the batch path alone (compiled book → margins). ` +
      `Peak memory: process maxRSS (whole process, includes the generated documents) and rss sampled around the all-threads run` +
      (seconds > 60 ? `; the run took ${seconds.toFixed(1)} s, over the 60 s budget` : ''),
    opsPerSecond: ACCOUNTS / seconds,
    meanMs: all.ms,
    extra: {
      fhs_es_100k_s: seconds,
      fhs_es_100k_1t_s: one.ms / 1000,
      threads: results.threads,
      fhs_es_100k_book_s: results.timings.book / 1000,
      fhs_es_100k_compile_s: results.timings.compile / 1000,
      fhs_es_100k_margin_s: results.timings.margin / 1000,
      fhs_es_100k_1t_margin_s: one.result.timings.margin / 1000,
      maxRssMiB: Math.round(maxRssMiB * 10) / 10,
      rssBeforeMiB: mib(rssBefore),
      rssAfterMiB: mib(rssAfter),
      accounts: ACCOUNTS,
      positionsPerAccount: POSITIONS,
      positions: ACCOUNTS * POSITIONS,
      instruments: universe.length,
      scenarios: SCENARIOS,
      msPerAccount: all.ms / ACCOUNTS,
      checksumInitialMargin: checksum,
    },
  };
}
