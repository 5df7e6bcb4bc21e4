/**
 * SPAN with arrays computed by our pricer: 10,000 accounts on 500 option series (plus 4 futures) of one
 * underlying. One run = compile (16-scenario revaluation of every series, composite deltas) + evaluate every
 * account (aggregation kernel per scan tier, intra spreads, SOM, NOV). Accounts per second is the figure.
 */
import { mulberry32 } from '../src/core/seeded-random.js';
import { parseMarketSnapshot } from '../src/market/market-snapshot.js';
import { computeMargins, type PortfolioInput } from '../src/models/compute-margin.js';
import type { BenchResult } from './bench-result.js';

const EXPIRIES = ['2024-07-19', '2024-08-16', '2024-09-20', '2024-12-20', '2025-03-21'];

export async function benchSpan(options: { accounts?: number; positionsPerAccount?: number; seed?: number } = {}): Promise<BenchResult> {
  const accounts = options.accounts ?? 10_000;
  const perAccount = options.positionsPerAccount ?? 8;
  const seed = options.seed ?? 20261121;
  const next = mulberry32(seed);
  const market = parseMarketSnapshot({ asOf: '2024-06-17T20:00:00Z', underlyings: { SPX: { index: 5400, rate: 0.05, vol: { atm: 0.16 } } } });

  // 5 expiries × 50 strikes × call/put = 500 option series, and one future per expiry but the last.
  const series: unknown[] = [];
  for (const expiry of EXPIRIES) {
    for (let k = 0; k < 50; k++) {
      const strike = 4400 + k * 40;
      for (const right of ['call', 'put']) {
        series.push({ symbol: `SPX ${expiry} ${strike} ${right}`, kind: 'option', underlying: 'SPX', expiry, strike, right, multiplier: 100 });
      }
    }
  }
  const futures = EXPIRIES.slice(0, 4).map((expiry) => ({ symbol: `ES ${expiry}`, kind: 'future', underlying: 'SPX', expiry, multiplier: 50 }));
  const universe = [...series, ...futures];
  const portfolios: PortfolioInput[] = Array.from({ length: accounts }, (_, a) => ({
    document: {
      account: `acct-${a}`,
      positions: Array.from({ length: perAccount }, () => ({ instrument: universe[Math.floor(next() * universe.length)], quantity: Math.round((next() - 0.5) * 40) || 1 })),
    },
  }));
  const params = { params: { combinedCommodities: [{ cc: 'SPX', somRate: 150, intraSpreads: [{ priority: 1, chargeRate: 200, legs: [{ period: '202409', ratio: 1, side: 'A' }, { period: '202412', ratio: 1, side: 'B' }] }] }] } };

  computeMargins(portfolios.slice(0, 200), market, 'span', params); // warm-up
  const start = performance.now();
  const results = computeMargins(portfolios, market, 'span', params);
  const ms = performance.now() - start;
  const total = results.reduce((a, r) => a + r.initialMargin, 0);
  await new Promise<void>((resolve) => setImmediate(resolve));
  return {
    name: 'span-computed-arrays',
    workload:
      `${accounts.toLocaleString('en-US')} accounts × ${perAccount} positions drawn from 500 SPX option series (5 expiries × 50 strikes × call/put) ` +
      `and 4 futures; arrays computed by Black-76 under the 16 SPAN scenarios; one full run = validate portfolios + compile + evaluate all; seed ${seed}`,
    opsPerSecond: accounts / (ms / 1000),
    meanMs: ms,
    extra: { accounts, instruments: universe.length, msPerAccount: ms / accounts, totalInitialMargin: total },
  };
}
