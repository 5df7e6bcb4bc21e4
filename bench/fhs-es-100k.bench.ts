/**
 * fhs-es at book scale (issue 14, deliverable 5): 100,000 accounts × 20 positions margined under `fhs-es` with 1,000
 * EWMA-filtered scenarios of the bundled BTC+ETH history, through the public batch API (computeMargins: one compile,
 * one shared revaluation, then every account's aggregation, ES and Euler contributions). computeMargins runs on one
 * thread today, so the all-threads figure and the one-thread figure are the same run.
 */
import { CrossmarginError } from '../src/core/errors.js';
import { mulberry32 } from '../src/core/seeded-random.js';
import { parseMarketSnapshot } from '../src/market/market-snapshot.js';
import { computeMargins, type PortfolioInput } from '../src/models/compute-margin.js';
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
  computeMargins(portfolios.slice(0, WARMUP_ACCOUNTS), market, 'fhs-es', { params, historyLoader }); // warm-up
  (globalThis as { gc?: () => void }).gc?.();
  const rssBefore = process.memoryUsage().rss;

  const start = performance.now();
  const results = computeMargins(portfolios, market, 'fhs-es', { params, historyLoader });
  const ms = performance.now() - start;

  const rssAfter = process.memoryUsage().rss;
  const maxRssMiB = process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
  const scenarios = results[0]?.details?.['scenarios'];
  if (results.length !== ACCOUNTS || scenarios !== SCENARIOS) {
    throw new CrossmarginError('INTERNAL', `bench fhs-es-100k: expected ${ACCOUNTS} results over ${SCENARIOS} scenarios, got ${results.length} over ${String(scenarios)}`);
  }
  const checksum = results.reduce((a, r) => a + r.initialMargin, 0);
  await new Promise<void>((resolve) => setImmediate(resolve));
  const seconds = ms / 1000;
  return {
    name: 'fhs-es-100k',
    workload:
      `fhs-es (97.5 % ES, EWMA λ 0.94 filter), ${SCENARIOS.toLocaleString('en-US')} filtered scenarios of the bundled BTC+ETH history ` +
      `(lookback ${SCENARIOS}, 2-day MPOR by sqrt), ${ACCOUNTS.toLocaleString('en-US')} accounts × ${POSITIONS} positions ` +
      `(mulberry32 seed ${SEED}; instrument uniform over ${universe.length}: 4 perpetuals, 2 futures, 30 inverse options; quantity round(U−0.5)·20, 0→1); ` +
      `one timed run = one computeMargins call (history load + filter + one shared revaluation + every account's aggregation, ES and Euler contributions), ` +
      `after one warm-up on the first ${WARMUP_ACCOUNTS.toLocaleString('en-US')} accounts; generation not timed. ` +
      `computeMargins is single-threaded today, so fhs_es_100k_s (all threads) and fhs_es_100k_1t_s (one thread) are the same run. ` +
      `Peak memory: process maxRSS (whole process, includes the generated book) and rss sampled just before and after the timed run` +
      (seconds > 60 ? `; the run took ${seconds.toFixed(1)} s, over the 60 s budget` : ''),
    opsPerSecond: ACCOUNTS / seconds,
    meanMs: ms,
    extra: {
      fhs_es_100k_s: seconds,
      fhs_es_100k_1t_s: seconds,
      threads: 1,
      maxRssMiB: Math.round(maxRssMiB * 10) / 10,
      rssBeforeMiB: mib(rssBefore),
      rssAfterMiB: mib(rssAfter),
      accounts: ACCOUNTS,
      positionsPerAccount: POSITIONS,
      positions: ACCOUNTS * POSITIONS,
      instruments: universe.length,
      scenarios: SCENARIOS,
      msPerAccount: ms / ACCOUNTS,
      checksumInitialMargin: checksum,
    },
  };
}
