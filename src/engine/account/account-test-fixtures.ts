import { parseMarketSnapshot, type MarketSnapshot } from '../../market/market-snapshot.js';
import type { MarketSnapshotFileInput } from '../../market/market-snapshot-schema.js';

/** Market of the account tests (test inputs, not market data): BTC 66,000 with a smile, SPX 5,400, USDC/USDT at 1. */
export const ACCOUNT_TEST_MARKET_FILE: MarketSnapshotFileInput = {
  asOf: '2024-06-17T08:00:00Z',
  underlyings: {
    BTC: {
      index: 66000,
      rate: 0,
      forwards: { '2024-12-27': 67980 },
      vol: { smiles: [{ expiry: '2024-12-27', strikes: [50000, 66000, 80000], vols: [0.62, 0.55, 0.58] }] },
    },
    SPX: { index: 5400, rate: 0.05, vol: { atm: 0.14 } },
  },
  fx: { USDC: 1, USDT: 1 },
};

export function accountTestMarket(): MarketSnapshot {
  return parseMarketSnapshot(structuredClone(ACCOUNT_TEST_MARKET_FILE), 'account-test-market');
}
