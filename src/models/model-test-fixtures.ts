import { parseMarketSnapshot } from '../market/market-snapshot.js';
import type { MarketSnapshot } from '../market/market-snapshot.js';

/**
 * A small two-underlying market used by the model tests (values are test inputs, not market data):
 * BTC with a three-expiry-free flat surface, SPX with a flat ATM vol.
 */
export function testMarket(): MarketSnapshot {
  return parseMarketSnapshot(
    {
      asOf: '2024-06-17T08:00:00Z',
      underlyings: {
        BTC: { index: 66000, rate: 0.03, vol: { atm: 0.55 } },
        SPX: { index: 5400, rate: 0.05, vol: { atm: 0.14 } },
      },
      fx: { USDC: 1 },
    },
    'test-market',
  );
}

/** Instruments the property tests draw positions from: options, futures, perpetuals, linear and inverse. */
export const TEST_INSTRUMENTS: readonly unknown[] = [
  'BTC-PERPETUAL',
  'BTC-27DEC24',
  'BTC-27DEC24-60000-C',
  'BTC-27DEC24-70000-P',
  'BTC-28JUN24-66000-C',
  'BTC_USDC-PERPETUAL',
  'BTC_USDC-27DEC24-80000-C',
  { symbol: 'ESU4', kind: 'future', underlying: 'SPX', expiry: '2024-09-20', multiplier: 50 },
  { symbol: 'SPX-SEP24-5000-P', kind: 'option', underlying: 'SPX', expiry: '2024-09-20', strike: 5000, right: 'put', multiplier: 100 },
  { symbol: 'SPX-SEP24-5600-C', kind: 'option', underlying: 'SPX', expiry: '2024-09-20', strike: 5600, right: 'call', multiplier: 100 },
];
