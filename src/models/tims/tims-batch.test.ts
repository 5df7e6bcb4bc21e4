import { expectBatchEqualsPerAccount } from '../batch-test-helpers.js';
import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot, type MarketSnapshot } from '../../market/market-snapshot.js';
import type { PortfolioInput } from '../compute-margin.js';
import { TEST_INSTRUMENTS, testMarket } from '../model-test-fixtures.js';

/**
 * The `tims` batch path (tims-batch.ts) against its per-account path on books the shared random test
 * (compute-book-margins.test.ts) rarely draws: the methods/tims.md worked example, product groups with offsets,
 * per-contract minimums, vol variants, mixed point counts, several account currencies, isolated accounts, entry
 * prices and resting orders, and a book of a few hundred accounts. Every account must equal computeMargins to
 * 1e-12 relative (issue 14), through the batch path, with no account left to `evaluate`.
 */
function expectTimsBatch(docs: PortfolioInput[], market: MarketSnapshot, params: unknown, threads = 1): number[] {
  const { book } = expectBatchEqualsPerAccount(docs, market, 'tims', { params }, { path: 'batch', perAccountCount: 0, threads });
  return Array.from(book.initialMargin);
}

// methods/tims.md §2 worked example (as tims-model.test.ts): A loses 1000 / gains 600, B gains 800 / loses 500.
const exampleMarket = parseMarketSnapshot({ asOf: '2024-06-17T08:00:00Z', underlyings: { A: { index: 100 }, B: { index: 50 } } }, 'example');
const examplePositions = [
  { instrument: { symbol: 'A-PERP', kind: 'perpetual', underlying: 'A', multiplier: 1, settlement: 'inverse' }, quantity: 3000 },
  { instrument: { symbol: 'B-PERP', kind: 'perpetual', underlying: 'B', multiplier: 1, settlement: 'inverse' }, quantity: -2250 },
  { instrument: { symbol: 'B-LIN', kind: 'perpetual', underlying: 'B', multiplier: 1, settlement: 'linear', currency: 'USD' }, quantity: -4 },
];
const twoPoints = { defaults: { other: { priceRange: 0.25, points: 2 } } };

describe('tims batch path: methods/tims.md worked example', () => {
  const docs: PortfolioInput[] = [
    { document: { account: 'ex', currency: 'USD', positions: examplePositions } },
    // The same classes met B first: groups and classes in another first-seen order.
    { document: { account: 'ex-reversed', currency: 'USD', positions: [...examplePositions].reverse() } },
    { document: { account: 'a-only', positions: examplePositions.slice(0, 1) } },
    { document: { account: 'ex-isolated', mode: 'isolated', positions: examplePositions } },
    { document: { account: 'empty', positions: [] } },
  ];

  it('product group AB at offset 0.90: 280 (and 1500, 1000, 200 without it, at offset 0, at offset 1)', () => {
    const run = (offset: number | undefined) =>
      expectTimsBatch(docs, exampleMarket, offset === undefined ? twoPoints : { ...twoPoints, productGroups: [{ name: 'AB', classes: ['A', 'B'], offset }] });
    const grouped = run(0.9);
    expect(grouped[0]).toBeCloseTo(280, 9);
    expect(grouped[1]).toBeCloseTo(280, 9);
    expect(grouped[2]).toBeCloseTo(1000, 9);
    // Isolated: each position alone, no offsets: 1000 + 450 + 50.
    expect(grouped[3]).toBeCloseTo(1500, 9);
    expect(grouped[4]).toBe(0);
    expect(run(undefined)[0]).toBeCloseTo(1500, 9);
    expect(run(0)[0]).toBeCloseTo(1000, 9);
    expect(run(1)[0]).toBeCloseTo(200, 9);
  });
});

describe('tims batch path: offsets, minimums, currencies, modes', () => {
  const market = testMarket();
  const es = { symbol: 'ESU4', kind: 'future', underlying: 'SPX', expiry: '2024-09-20', multiplier: 50 };
  const farPut = { symbol: 'SPX-P3000', kind: 'option', underlying: 'SPX', expiry: '2024-09-20', strike: 3000, right: 'put', multiplier: 100 };
  const call = { symbol: 'SPX-C5600', kind: 'option', underlying: 'SPX', expiry: '2024-09-20', strike: 5600, right: 'call', multiplier: 100 };
  const btcPut = { symbol: 'BTC-P20000', kind: 'option', underlying: 'BTC', expiry: '2024-09-20', strike: 20000, right: 'put', multiplier: 1 };
  // BTC and SPX share points and vol variants so they can form one product group; ranges and minimums differ.
  const grouped = (offset: number) => ({
    defaults: { other: { points: 7, volShifts: [0.2, -0.2], minimumPerContract: 5 } },
    classGroups: { SPX: { priceRange: 0.12, minimumPerContract: 37.5 } },
    productGroups: [{ name: 'G', classes: ['BTC', 'SPX'], offset }],
  });
  const positions = [
    { instrument: 'BTC-PERPETUAL', quantity: 1000 },
    { instrument: 'BTC-27DEC24', quantity: -1000 },
    { instrument: 'BTC-27DEC24-60000-C', quantity: -3 },
    { instrument: farPut, quantity: -3 },
    { instrument: farPut, quantity: 1 },
    { instrument: call, quantity: -1 },
    { instrument: es, quantity: 2 },
    { instrument: btcPut, quantity: -2 },
    { instrument: 'BTC_USDC-27DEC24-80000-C', quantity: 1.5 },
  ];
  const docsFor = (list: typeof positions): PortfolioInput[] =>
    ['USD', 'BTC', 'USDC'].flatMap((currency) =>
      (['cross', 'isolated'] as const).map((mode) => ({
        document: { account: `${currency}-${mode}`, currency, mode, positions: list, collateral: { BTC: 1.25, USDC: 5000 } },
      })),
    );

  it.each([0, 0.35, 0.9, 1])('product group BTC+SPX at offset %s, every account currency, cross and isolated', (offset) => {
    expectTimsBatch(docsFor(positions), market, grouped(offset));
    // Reordered positions change the first-seen order of classes and the order of the sums.
    expectTimsBatch(docsFor([...positions].reverse()), market, grouped(offset), 3);
  });

  it('per-contract minimums binding in one group and not in another', () => {
    const params = { assetClasses: { SPX: 'equity' }, classGroups: { SPX: { minimumPerContract: 37.5 } }, defaults: { other: { minimumPerContract: 1e6 } } };
    const docs = docsFor([
      { instrument: farPut, quantity: -3 },
      { instrument: farPut, quantity: 1 },
      { instrument: 'BTC-27DEC24-70000-P', quantity: -0.5 },
      { instrument: es, quantity: -2 },
    ]);
    expectTimsBatch(docs, market, params);
  });

  it('classes with different point counts (equity 10, other 20) and absolute vol shifts', () => {
    const params = {
      assetClasses: { SPX: 'equity' },
      volShiftMode: 'absolute',
      defaults: { equity: { volShifts: [0.02, -0.02] }, other: { volShifts: [0.1] } },
    };
    expectTimsBatch(docsFor(positions), market, params);
  });

  it('a long-premium account floored at 0, and accounts with entry prices and resting orders (read by neither path)', () => {
    const docs: PortfolioInput[] = [
      { document: { account: 'long', positions: [{ instrument: call, quantity: 2 }, { instrument: farPut, quantity: 5 }] } },
      {
        document: {
          account: 'extras',
          currency: 'BTC',
          positions: [
            { instrument: 'BTC-PERPETUAL', quantity: 500, entryPrice: 60000 },
            { instrument: 'BTC-27DEC24-60000-C', quantity: -1 },
          ],
          openOrders: [{ instrument: 'BTC-27DEC24', quantity: -200 }],
        },
      },
      { document: { account: 'iso-extras', mode: 'isolated', positions: [{ instrument: 'BTC-27DEC24', quantity: 300, entryPrice: 65000 }], openOrders: [] } },
    ];
    const margins = expectTimsBatch(docs, market, grouped(0.5));
    expect(margins[0]).toBe(0);
  });
});

describe('tims batch path: a book of a few hundred accounts', () => {
  /** Deterministic book (a small LCG): mixed currencies, modes, sizes, empty accounts. */
  function bigBook(count: number, seed: number): PortfolioInput[] {
    let state = seed >>> 0;
    const next = (): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
    const currencies = ['USD', 'USD', 'BTC', 'USDC'];
    return Array.from({ length: count }, (_, a) => {
      const size = Math.floor(next() * 12);
      const positions = Array.from({ length: size }, () => ({
        instrument: TEST_INSTRUMENTS[Math.floor(next() * TEST_INSTRUMENTS.length)],
        quantity: Math.round((next() - 0.5) * 100_000) / 1000,
      }));
      return {
        document: {
          account: `acct-${a}`,
          currency: currencies[Math.floor(next() * currencies.length)],
          mode: next() < 0.2 ? 'isolated' : 'cross',
          positions,
          collateral: next() < 0.5 ? { BTC: 0.5 } : {},
        },
      };
    });
  }
  const market = testMarket();
  const params = {
    defaults: { other: { points: 9, volShifts: [0.25, -0.15], minimumPerContract: 12.5 } },
    classGroups: { SPX: { priceRange: 0.1 } },
    productGroups: [{ name: 'G', classes: ['BTC', 'SPX'], offset: 0.8 }],
  };

  it('300 accounts with a product group, 1 and 4 threads', () => {
    const docs = bigBook(300, 7);
    const one = expectTimsBatch(docs, market, params, 1);
    const four = expectTimsBatch(docs, market, params, 4);
    expect(four).toEqual(one);
  });

  it('400 accounts with default parameters (no product groups, equity SPX)', () => {
    expectTimsBatch(bigBook(400, 11), market, { assetClasses: { SPX: 'equity' } }, 2);
  });
});
