import { parseMarketSnapshot, type MarketSnapshot } from '../market/market-snapshot.js';

/** A small market for the stress tests (test inputs, not market data): BTC, ETH, SPX with flat vols. */
export function stressMarket(): MarketSnapshot {
  return parseMarketSnapshot(
    {
      asOf: '2024-06-17T08:00:00Z',
      underlyings: {
        BTC: { index: 60000, rate: 0.03, vol: { atm: 0.55 } },
        ETH: { index: 3000, rate: 0.03, vol: { atm: 0.65 } },
        SPX: { index: 5000, rate: 0.05, vol: { atm: 0.15 } },
      },
      fx: { USDC: 1 },
    },
    'stress-market',
  );
}

/** A portfolio document of `positions` with USDC collateral. */
export function book(account: string, positions: readonly { instrument: unknown; quantity: number }[], collateral: Record<string, number> = { USDC: 10_000 }): unknown {
  return { account, currency: 'USD', positions, collateral };
}

/** Instruments the property tests draw from: linear perpetuals, spot, dated futures and options on BTC and ETH. */
export const STRESS_INSTRUMENTS: readonly unknown[] = [
  'BTC_USDC-PERPETUAL',
  'ETH_USDC-PERPETUAL',
  'BTC_USDC-27DEC24-60000-C',
  'BTC_USDC-27DEC24-50000-P',
  'ETH_USDC-27DEC24-3000-C',
  'ETH_USDC-27DEC24-2500-P',
  { symbol: 'ESU4', kind: 'future', underlying: 'SPX', expiry: '2024-09-20', multiplier: 50 },
];
