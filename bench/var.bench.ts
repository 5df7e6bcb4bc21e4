/**
 * VaR-family throughput on the bundled history:
 * - mc-es: 10,000 Monte Carlo paths on a 50-position BTC/ETH option book (one account): path generation,
 *   full Black-76 revaluation of every option under every path, aggregation and ES.
 * - fhs-es: 2,500 filtered historical scenarios (EWMA, BTC+ETH history) over 10,000 accounts of 10 positions:
 *   one compile (filter + revaluation) then every account's aggregation, ES and Euler contributions.
 */
import { mulberry32 } from '../src/core/seeded-random.js';
import { parseMarketSnapshot } from '../src/market/market-snapshot.js';
import { computeMargin, computeMargins, type PortfolioInput } from '../src/models/compute-margin.js';
import { loadMarketHistory } from '../src/scenarios/history/load-market-history.js';
import type { BenchResult } from './bench-result.js';

const market = parseMarketSnapshot({
  asOf: '2025-09-23T23:00:00Z',
  underlyings: { BTC: { index: 112017.21, rate: 0.04, vol: { atm: 0.45 } }, ETH: { index: 4164.26, rate: 0.04, vol: { atm: 0.65 } }, SOL: { index: 213.3, vol: { atm: 0.8 } } },
  fx: { USDC: 1 },
});
const historyLoader = (u: readonly string[]) => loadMarketHistory(u);
const EXPIRIES = ['26SEP25', '31OCT25', '28NOV25', '26DEC25', '27MAR26'];

function optionBook(next: () => number, positions: number): { instrument: string; quantity: number }[] {
  return Array.from({ length: positions }, () => {
    const btc = next() < 0.6;
    const index = btc ? 112017.21 : 4164.26;
    const step = btc ? 1000 : 50;
    const strike = Math.round((index * (0.7 + 0.6 * next())) / step) * step;
    const expiry = EXPIRIES[Math.floor(next() * EXPIRIES.length)]!;
    return { instrument: `${btc ? 'BTC' : 'ETH'}-${expiry}-${strike}-${next() < 0.5 ? 'C' : 'P'}`, quantity: Math.round((next() - 0.5) * 40) || 1 };
  });
}

export async function benchMcEs(): Promise<BenchResult> {
  const next = mulberry32(20261121);
  const portfolio = { document: { account: 'options', currency: 'USD', positions: optionBook(next, 50) } };
  const params = { paths: 10_000, threads: 1 };
  computeMargin(portfolio, market, 'mc-es', { params: { ...params, paths: 500 }, historyLoader }); // warm-up
  const runs = 3;
  let total = 0;
  let margin = 0;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    margin = computeMargin(portfolio, market, 'mc-es', { params, historyLoader }).initialMargin;
    total += performance.now() - start;
  }
  await new Promise<void>((resolve) => setImmediate(resolve));
  const meanMs = total / runs;
  return {
    name: 'mc-es-option-book',
    workload: `mc-es, 10,000 normal paths (EWMA vols/correlations over 500 days of BTC and ETH history), one account of 50 inverse BTC/ETH options; one run = history load + estimation + paths + 500,000 option revaluations + ES; ${runs} runs after a warm-up`,
    opsPerSecond: (10_000 * 50) / (meanMs / 1000),
    meanMs,
    extra: { paths: 10_000, positions: 50, initialMargin: margin },
  };
}

export async function benchFhsEs(): Promise<BenchResult> {
  const next = mulberry32(7);
  const universe = ['BTC_USDC-PERPETUAL', 'ETH_USDC-PERPETUAL', 'BTC-PERPETUAL', 'ETH-PERPETUAL', 'BTC-26DEC25', 'ETH-26DEC25', ...optionBook(next, 30).map((p) => p.instrument)];
  const accounts = 10_000;
  const portfolios: PortfolioInput[] = Array.from({ length: accounts }, (_, a) => ({
    document: { account: `a${a}`, positions: Array.from({ length: 10 }, () => ({ instrument: universe[Math.floor(next() * universe.length)], quantity: Math.round((next() - 0.5) * 20) || 1 })) },
  }));
  const params = { lookback: 2500, mporMethod: 'sqrt' as const };
  computeMargins(portfolios.slice(0, 100), market, 'fhs-es', { params, historyLoader }); // warm-up
  const start = performance.now();
  const results = computeMargins(portfolios, market, 'fhs-es', { params, historyLoader });
  const ms = performance.now() - start;
  await new Promise<void>((resolve) => setImmediate(resolve));
  return {
    name: 'fhs-es-accounts',
    workload: `fhs-es, 2,500 EWMA-filtered scenarios of BTC+ETH (2017–2025, sqrt MPOR), 10,000 accounts × 10 positions from ${universe.length} instruments (perpetuals, futures, options); one run = history + filter + revaluation + every account's aggregation, ES and Euler contributions`,
    opsPerSecond: accounts / (ms / 1000),
    meanMs: ms,
    extra: { accounts, scenarios: 2500, msPerAccount: ms / accounts, totalInitialMargin: results.reduce((a, r) => a + r.initialMargin, 0) },
  };
}
