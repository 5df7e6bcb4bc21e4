import { parseMarketSnapshot, type MarketSnapshot } from '../market/market-snapshot.js';

/**
 * Inputs of the agreement tests (test values, not market data): SPX and NDX with quoted forwards to the
 * 2024-09-20 expiry so futures' reference prices are round numbers, and BTC for a product outside every pair.
 */
export function agreementTestMarket(): MarketSnapshot {
  return parseMarketSnapshot(
    {
      asOf: '2024-06-17T08:00:00Z',
      underlyings: {
        SPX: { index: 5400, rate: 0.05, forwards: { '2024-09-20': 5450 }, vol: { atm: 0.14 } },
        NDX: { index: 19000, rate: 0.05, forwards: { '2024-09-20': 19100 }, vol: { atm: 0.18 } },
        BTC: { index: 66000, rate: 0, vol: { atm: 0.55 } },
      },
      fx: { USDC: 1 },
    },
    'agreement-test-market',
  );
}

const expiry = '2024-09-20';
/** CME-style E-mini futures (50 × SPX, 20 × NDX) and CBOE-style index options (100 × index). */
export const ES = { symbol: 'ESU4', kind: 'future', underlying: 'SPX', expiry, multiplier: 50 } as const;
export const NQ = { symbol: 'NQU4', kind: 'future', underlying: 'NDX', expiry, multiplier: 20 } as const;
export const SPX_C5600 = { symbol: 'SPX-SEP24-5600-C', kind: 'option', underlying: 'SPX', expiry, strike: 5600, right: 'call', multiplier: 100 } as const;
export const SPX_P5200 = { symbol: 'SPX-SEP24-5200-P', kind: 'option', underlying: 'SPX', expiry, strike: 5200, right: 'put', multiplier: 100 } as const;
export const NDX_P18500 = { symbol: 'NDX-SEP24-18500-P', kind: 'option', underlying: 'NDX', expiry, strike: 18500, right: 'put', multiplier: 100 } as const;
export const NDX_C19500 = { symbol: 'NDX-SEP24-19500-C', kind: 'option', underlying: 'NDX', expiry, strike: 19500, right: 'call', multiplier: 100 } as const;

/**
 * The agreement of the worked example: SPX futures at CME against SPX options at CBOE, both margined with the
 * default scenario grid, jointly with the same grid; BTC at a third market with no pair, margined isolated-simple.
 */
export function spxAgreement(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'CME-CBOE SPX',
    markets: {
      CME: { model: 'scenario-grid', params: {}, products: [{ underlying: 'SPX', kind: 'future' }, { underlying: 'NDX', kind: 'future' }] },
      CBOE: { model: 'scenario-grid', params: {}, products: [{ underlying: 'SPX', kind: 'option' }, { underlying: 'NDX', kind: 'option' }] },
      DERIBIT: { model: 'isolated-simple', products: [{ underlying: 'BTC' }] },
    },
    eligiblePairs: [{ a: { market: 'CME', underlying: 'SPX' }, b: { market: 'CBOE', underlying: 'SPX' } }],
    joint: { model: 'scenario-grid', params: {} },
    cap: { share: 0.8, of: 'standalone' },
    ...overrides,
  };
}

export function book(positions: readonly { instrument: unknown; quantity: number }[], mode: 'cross' | 'isolated' = 'cross') {
  return { source: 'portfolio.json', document: { account: 'acct-1', currency: 'USD', mode, positions } };
}
