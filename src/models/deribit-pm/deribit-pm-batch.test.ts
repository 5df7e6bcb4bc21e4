import { codeOf, expectBatchEqualsPerAccount } from '../batch-test-helpers.js';
import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot, type MarketSnapshot } from '../../market/market-snapshot.js';
import { computeMargins, type PortfolioInput } from '../compute-margin.js';
import { computeBookMargins } from '../compute-book-margins.js';
import { testMarket } from '../model-test-fixtures.js';

/**
 * computeBookMargins = computeMargins account by account (IM and MM to 1e-12 relative, same currency), on the batch
 * path, with `perAccount` accounts left to `evaluate`. Returns how many accounts matched bit for bit.
 */
function expectBatch(docs: PortfolioInput[], market: MarketSnapshot, params: Record<string, unknown>, perAccount: number, threads = 1): number {
  return expectBatchEqualsPerAccount(docs, market, 'deribit-pm', { params: withEth(params) }, { path: 'batch', perAccountCount: perAccount, threads }).identical;
}

/**
 * These books margin ETH with the top-level (BTC) values on purpose (batch = per-account is what they test), so ETH is
 * listed in `defaultsApplyTo`; without it ETH accounts are refused (deribit-pm-params.ts requireOwnParameters).
 */
function withEth(params: Record<string, unknown>): Record<string, unknown> {
  return { defaultsApplyTo: ['BTC', 'ETH'], ...params };
}

/** TV-D1 (crypto-venues.md §1.2, as deribit-pm-model.test.ts): pme/simulate docs example, BTC S:PM, 2024-06-17. */
const PERP_MARK = 65910.57;
const FUT_MARK = 67371.75;
const tvD1Market = parseMarketSnapshot(
  { asOf: '2024-06-17T10:22:20.501Z', underlyings: { BTC: { index: PERP_MARK, rate: 0, forwards: { '2024-06-28T08:00:00Z': FUT_MARK }, vol: { atm: 0.45 } } } },
  'tv-d1',
);
const tvD1Positions = [
  { instrument: 'BTC-PERPETUAL', quantity: (0.314538364 * PERP_MARK) / 10 },
  { instrument: 'BTC-28JUN24', quantity: (-0.001187534 * FUT_MARK) / 10 },
];

/** BTC and ETH (the X:PM test market of deribit-pm-xpm.test.ts), with dated-future forwards. */
const coinMarket = parseMarketSnapshot(
  {
    asOf: '2024-06-17T08:00:00Z',
    underlyings: {
      BTC: { index: 66000, rate: 0, forwards: { '2024-09-27': 67000, '2024-12-27': 68000 }, vol: { atm: 0.55 } },
      ETH: { index: 3500, rate: 0, vol: { atm: 0.6 } },
    },
    fx: { USDC: 1 },
  },
  'deribit-batch',
);
const COIN_INSTRUMENTS = [
  'BTC-PERPETUAL',
  'BTC-27SEP24',
  'BTC-27DEC24',
  'BTC-27DEC24-60000-C',
  'BTC-27DEC24-60000-P',
  'BTC-27DEC24-80000-C',
  'BTC-28JUN24-66000-C',
  'BTC_USDC-PERPETUAL',
  'BTC_USDC-27DEC24-80000-C',
  'ETH-PERPETUAL',
  'ETH-27DEC24-3000-P',
  'ETH-27DEC24-4000-C',
];

/** A deterministic generator (LCG), so the large books are the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `count` accounts: 0–9 positions (repeats allowed), mixed account currencies, BTC/ETH/USDC collateral, some isolated. */
function randomBook(count: number, seed: number, scale = 1, options: { isolated?: boolean; orders?: boolean } = {}): PortfolioInput[] {
  const next = rng(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  return Array.from({ length: count }, (_, a) => {
    const positions = Array.from({ length: Math.floor(next() * 10) }, () => ({ instrument: pick(COIN_INSTRUMENTS), quantity: Math.round((next() - 0.5) * 2000 * scale) / 10 }));
    const collateral = { ...(next() < 0.5 ? { BTC: Math.round(next() * 500) / 100 } : {}), ...(next() < 0.4 ? { ETH: Math.round(next() * 5000) / 100 } : {}), ...(next() < 0.3 ? { USDC: 25000 } : {}) };
    const mode = options.isolated === true && next() < 0.25 ? 'isolated' : 'cross';
    const doc: Record<string, unknown> = { account: `acct-${a}`, currency: pick(['USD', 'BTC', 'ETH', 'USDC']), mode, positions, collateral };
    if (options.orders === true && a % 7 === 3) doc['openOrders'] = [{ instrument: pick(COIN_INSTRUMENTS), quantity: Math.round((next() - 0.5) * 1000) / 10 || 1 }];
    return { document: doc };
  });
}

describe('deribit-pm batch path = per-account path', () => {
  it('TV-D1 (published pme/simulate example) in BTC, USD and USDC accounts: bit for bit', () => {
    const docs = ['BTC', 'USD', 'USDC'].map((currency) => ({ document: { account: `tv-d1-${currency}`, currency, mode: 'cross', positions: tvD1Positions } }));
    const market = parseMarketSnapshot({ ...tvD1Market.toJSON(), fx: { USDC: 1 } }, 'tv-d1');
    expect(expectBatch(docs, market, {}, 0)).toBe(3);
    // The published risk-matrix margin 0.06284313098 BTC (MM = 0.8 ×), through the batch path.
    const book = computeBookMargins(docs, market, 'deribit-pm', { threads: 1 });
    expect(book.maintenanceMargin[0]).toBeCloseTo(0.8 * 0.06284313098, 9);
  });

  it('coin-margined accounts with BTC/ETH collateral, several account currencies (S:PM ignores collateral)', () => {
    const docs: PortfolioInput[] = [
      { document: { account: 'btc', currency: 'BTC', positions: [{ instrument: 'BTC-PERPETUAL', quantity: 66000 }, { instrument: 'BTC-27DEC24-80000-C', quantity: -10 }], collateral: { BTC: 2 } } },
      { document: { account: 'eth', currency: 'ETH', positions: [{ instrument: 'ETH-PERPETUAL', quantity: -35000 }, { instrument: 'ETH-27DEC24-3000-P', quantity: -40 }], collateral: { ETH: 20 } } },
      {
        document: {
          account: 'usd-both',
          currency: 'USD',
          positions: [
            { instrument: 'BTC-PERPETUAL', quantity: 66000 },
            { instrument: 'ETH-PERPETUAL', quantity: -35000 },
            { instrument: 'BTC_USDC-PERPETUAL', quantity: 3 },
          ],
          collateral: { BTC: 2, ETH: 20, USDC: 100000 },
        },
      },
      { document: { account: 'empty', currency: 'ETH', positions: [], collateral: { ETH: 1 } } },
    ];
    expect(expectBatch(docs, coinMarket, {}, 0)).toBe(4);
    expectBatch(docs, coinMarket, { currencies: { ETH: { extendedDampenerUsd: 5000, pnlOffset: 0.5, maxOffsetablePnl: 0.2 } } }, 0);
  });

  it('one instrument in several entries is netted for the roll shock; isolated accounts are margined per position', () => {
    const positions = [
      { instrument: 'BTC-27DEC24', quantity: 5000 },
      { instrument: 'BTC-PERPETUAL', quantity: -2000 },
      { instrument: 'BTC-27DEC24', quantity: -7000 },
      { instrument: 'BTC-27DEC24-60000-C', quantity: 3 },
    ];
    const docs = [
      { document: { account: 'cross', currency: 'BTC', positions } },
      { document: { account: 'isolated', currency: 'USD', mode: 'isolated', positions } },
    ];
    expect(expectBatch(docs, coinMarket, {}, 0)).toBe(2);
  });

  it('X:PM (hand-computed example with haircuts) is left to evaluate; an isolated account is refused alike', () => {
    const xpm = {
      account: 'xpm',
      currency: 'USD',
      positions: [
        { instrument: 'BTC-PERPETUAL', quantity: 66000 },
        { instrument: 'ETH-PERPETUAL', quantity: -35000 },
      ],
      collateral: { BTC: 2, ETH: 20, USDC: 100000 },
    };
    const params = { mode: 'x-pm', currencies: { ETH: { haircut: 0.1 }, USDC: { haircut: 0.02 } } };
    const docs = [{ document: xpm }, { document: { ...xpm, account: 'xpm-btc', currency: 'BTC' } }];
    expectBatch(docs, coinMarket, params, 2);
    expectBatch(docs, coinMarket, { ...params, crossAggregation: 'aligned' }, 2);
    const refused = [...docs, { document: { ...xpm, account: 'iso', mode: 'isolated' } }];
    const expected = codeOf(() => computeMargins(refused, coinMarket, 'deribit-pm', { params: withEth(params) }));
    expect(expected).toBe('MODEL_PARAMS_INVALID');
    expect(codeOf(() => computeBookMargins(refused, coinMarket, 'deribit-pm', { params: withEth(params), threads: 1 }))).toBe(expected);
  });

  it('accounts with resting orders or entry prices are left to evaluate, the others batched', () => {
    const docs: PortfolioInput[] = [
      { document: { account: 'plain', currency: 'BTC', positions: [{ instrument: 'BTC-PERPETUAL', quantity: 6600 }] } },
      {
        document: {
          account: 'orders',
          currency: 'BTC',
          positions: [{ instrument: 'BTC-PERPETUAL', quantity: 6600 }],
          openOrders: [
            { instrument: 'BTC-PERPETUAL', quantity: 6600 },
            { instrument: 'BTC-PERPETUAL', quantity: -13200 },
          ],
        },
      },
      { document: { account: 'entry', currency: 'USD', positions: [{ instrument: 'BTC-PERPETUAL', quantity: 6600, entryPrice: 60000 }] } },
      { document: { account: 'iso-orders', currency: 'USD', mode: 'isolated', positions: [], openOrders: [{ instrument: 'ETH-PERPETUAL', quantity: -3500 }] } },
    ];
    expectBatch(docs, coinMarket, {}, 3);
    const book = computeBookMargins(docs, coinMarket, 'deribit-pm', { params: withEth({}), threads: 1 });
    // The open-orders margin is in IM only (deribit-pm-xpm.test.ts): IM − MM/0.8 = (1/0.84 − 1) + 0.01 BTC.
    expect(book.initialMargin[1]! - book.maintenanceMargin[1]! / 0.8).toBeCloseTo(1 / 0.84 - 1 + 0.01, 12);
  });

  it('legacy variant (TV-D4 books): option and futures contingencies through the batch path', () => {
    const docs = [
      {
        document: {
          account: 'options',
          currency: 'BTC',
          positions: [
            { instrument: 'BTC-27DEC24-60000-C', quantity: 10 },
            { instrument: 'BTC-27DEC24-60000-P', quantity: -20 },
          ],
        },
      },
      {
        document: {
          account: 'futures',
          currency: 'USD',
          positions: [
            { instrument: 'BTC-27SEP24', quantity: (100 * 67000) / 10 },
            { instrument: 'BTC-27DEC24', quantity: (-100 * 68000) / 10 },
          ],
        },
      },
    ];
    expect(expectBatch(docs, coinMarket, { variant: 'legacy' }, 0)).toBe(2);
    const book = computeBookMargins(docs, coinMarket, 'deribit-pm', { params: withEth({ variant: 'legacy' }), threads: 1 });
    expect(book.initialMargin[1]).toBeCloseTo(66000, 6); // 1 BTC of futures contingency, worst case 0 (TV-D4)
    expectBatch(randomBook(60, 4), coinMarket, { variant: 'legacy', legacy: { priceRange: 0.125, futuresContingency: 0.02 } }, 0);
  });

  it('a book of 400 accounts (mixed currencies, collateral, isolated, orders) under several parameter sets, 1 and 3 threads', () => {
    const docs = randomBook(400, 7, 1, { isolated: true, orders: true });
    const withOrders = docs.filter((d) => (d.document as { openOrders?: unknown }).openOrders !== undefined).length;
    expect(withOrders).toBeGreaterThan(40);
    expect(expectBatch(docs, coinMarket, {}, withOrders)).toBe(400);
    expect(expectBatch(docs, coinMarket, {}, withOrders, 3)).toBe(400);
    // Offsets on, per-currency overrides, and a delta-shock threshold low enough to charge it.
    const params = { pnlOffset: 0.3, maxOffsetablePnl: 0.05, deltaTotalLiqShockThresholdUsd: 10000, mInc: 0.001, currencies: { ETH: { extendedDampenerUsd: 2000, mmFactor: 0.7 } } };
    expectBatch(docs, coinMarket, params, withOrders);
  });

  it('an ETH account without ETH parameters: left to evaluate and refused alike (MODEL_PARAMS_INVALID); BTC accounts batched', () => {
    const btc = { document: { account: 'btc', currency: 'BTC', positions: [{ instrument: 'BTC-PERPETUAL', quantity: 6600 }] } };
    const eth = { document: { account: 'eth', currency: 'ETH', positions: [{ instrument: 'ETH-PERPETUAL', quantity: -3500 }] } };
    expect(expectBatchEqualsPerAccount([btc], coinMarket, 'deribit-pm', { params: {} }, { path: 'batch', perAccountCount: 0, threads: 1 }).identical).toBe(1);
    const expected = codeOf(() => computeMargins([btc, eth], coinMarket, 'deribit-pm', { params: {} }));
    expect(expected).toBe('MODEL_PARAMS_INVALID');
    expect(codeOf(() => computeBookMargins([btc, eth], coinMarket, 'deribit-pm', { params: {}, threads: 1 }))).toBe(expected);
  });

  it('large sizes (the size-dependent delta shock and the fixed-USD dampener bind)', () => {
    const docs = randomBook(200, 11, 2000);
    expect(expectBatch(docs, coinMarket, {}, 0)).toBe(200);
    expectBatch(docs, coinMarket, { deltaTotalLiqShockThresholdUsd: 1e6, extendedDampenerUsd: 1e7 }, 0);
  });

  it('the shared test market (BTC, SPX, USDC) and a refused account currency', () => {
    const market = testMarket();
    const docs = [
      { document: { account: 'spx', currency: 'USD', positions: [{ instrument: 'BTC-27DEC24-70000-P', quantity: -5 }, { instrument: 'BTC_USDC-PERPETUAL', quantity: 2 }] } },
      { document: { account: 'usdc', currency: 'USDC', positions: [{ instrument: 'BTC_USDC-27DEC24-80000-C', quantity: -4 }] } },
    ];
    expectBatch(docs, market, {}, 0);
    const bad = [...docs, { document: { account: 'jpy', currency: 'JPY', positions: [{ instrument: 'BTC-PERPETUAL', quantity: 10 }] } }];
    const expected = codeOf(() => computeMargins(bad, market, 'deribit-pm'));
    expect(expected).toBe('MARKET_FX_MISSING');
    expect(codeOf(() => computeBookMargins(bad, market, 'deribit-pm', { threads: 1 }))).toBe(expected);
  });
});
