import { expectBatchEqualsPerAccount } from '../batch-test-helpers.js';
import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot, type MarketSnapshot } from '../../market/market-snapshot.js';
import { computeBookMargins } from '../compute-book-margins.js';
import type { PortfolioInput } from '../compute-margin.js';

/**
 * okx-pm batch path (issue 14) = per-account path, on books the shared random test (compute-book-margins.test.ts)
 * does not draw: the worked examples of okx-pm-model.test.ts (TV-O1, TV-O2, one book per MR component), stablecoin
 * and spot instruments, account currencies other than USD, isolated accounts, documents with resting orders and
 * entry prices (left to `evaluate`), and a book of a few hundred accounts.
 */

/** Equal to 1e-12 relative (issue 14: batch vs per-account margins). */
/** Every account's batch margins equal computeMargins', on the batch path with no account left to `evaluate`. */
function expectBatch(docs: PortfolioInput[], market: MarketSnapshot, params: unknown = {}, threads = 1): void {
  expectBatchEqualsPerAccount(docs, market, 'okx-pm', { params }, { path: 'batch', perAccountCount: 0, threads });
}

const doc = (account: string, positions: unknown[], currency = 'USD', mode: 'cross' | 'isolated' = 'cross', extra: Record<string, unknown> = {}): PortfolioInput => ({
  document: { account, currency, mode, positions, ...extra },
});

// TV-O1 (okx-pm-model.test.ts): BTC-USDT-SWAP −10 against the USD and USDT BTC indices.
const INDEX_USD = 97049.036898;
const INDEX_USDT = 1164.4109244719994 / 0.12 / 0.1;
const tvO1Market = parseMarketSnapshot({ asOf: '2025-01-15T10:26:41.642Z', underlyings: { BTC: { index: INDEX_USD } }, fx: { USDT: INDEX_USD / INDEX_USDT } }, 'tv-o1');
const SWAP = { symbol: 'BTC-USDT-SWAP', kind: 'perpetual', underlying: 'BTC', multiplier: 0.01, currency: 'USDT' };

const market = parseMarketSnapshot(
  {
    asOf: '2024-06-17T08:00:00Z',
    underlyings: { BTC: { index: 66000, rate: 0.03, vol: { atm: 0.55 } }, ETH: { index: 3500, vol: { atm: 0.6 } }, DOGE: { index: 0.12 } },
    fx: { USDT: 1, USDC: 0.99, EUR: 1.08 },
  },
  'books',
);
const USDC_SWAP = { symbol: 'BTC-USDC-SWAP', kind: 'perpetual', underlying: 'BTC', multiplier: 0.01, currency: 'USDC' };
const BTC_SPOT = { symbol: 'BTC-USDT', kind: 'spot', underlying: 'BTC', currency: 'USDT' };
const ETH_SWAP = { symbol: 'ETH-USDT-SWAP', kind: 'perpetual', underlying: 'ETH', multiplier: 0.1, currency: 'USDT' };
const DOGE_SWAP = { symbol: 'DOGE-USDT-SWAP', kind: 'perpetual', underlying: 'DOGE', multiplier: 1000, currency: 'USDT' };
/** A currency held as spot: no underlying moves it, so it belongs to no risk unit. */
const EUR_SPOT = { symbol: 'EUR-USD', kind: 'spot', underlying: 'EUR', currency: 'USD' };
const call = (expiry: string, q: number, strike = 66000) => ({ instrument: `BTC-${expiry}-${strike}-C`, quantity: q });

/** The component books of okx-pm-model.test.ts, each an account. */
const COMPONENT_BOOKS: readonly unknown[][] = [
  [call('28JUN24', 1)], // MR2 long option
  [call('28JUN24', -1)],
  [call('28JUN24', 1), call('27DEC24', -1)], // MR3 calendar spread
  [{ instrument: 'BTC-27DEC24', quantity: 1000 }], // MR4 dated future
  [call('27DEC24', 2)], // MR5
  [{ instrument: BTC_SPOT, quantity: -2 }], // MR8 borrowed coin
  [{ instrument: USDC_SWAP, quantity: 100 }], // MR9 alone
  [{ instrument: USDC_SWAP, quantity: 100 }, { instrument: 'BTC-PERPETUAL', quantity: -6600 }], // MR9 hedge
  [{ instrument: ETH_SWAP, quantity: 10 }, { instrument: DOGE_SWAP, quantity: -10 }], // two units, own tiers
  [{ instrument: ETH_SWAP, quantity: 10 }, { instrument: ETH_SWAP, quantity: -10 }], // hedge within a unit
  [], // empty account
];

describe('okx-pm batch path = per-account path', () => {
  it('TV-O1 in USD, BTC and USDT accounts, cross and isolated', () => {
    const positions = [{ instrument: SWAP, quantity: -10 }];
    const docs = ['USD', 'BTC', 'USDT'].flatMap((ccy) => [doc(`c-${ccy}`, positions, ccy), doc(`i-${ccy}`, positions, ccy, 'isolated')]);
    expectBatch(docs, tvO1Market);
    const usd = computeBookMargins(docs, tvO1Market, 'okx-pm', { threads: 1 });
    expect(usd.maintenanceMargin[0]).toBeCloseTo(1183.8207318516, 9);
    expect(usd.initialMargin[0]).toBeCloseTo(1538.9669514070802, 9);
  });

  it('TV-O2 MR7 scaling (custom tiers: one spot shock per tier)', () => {
    const tvO2 = parseMarketSnapshot({ asOf: '2025-01-15T00:00:00Z', underlyings: { BTC: { index: 100_000 } } }, 'tv-o2');
    const params = {
      mr1Tiers: { tier1: [0.04], tier2: [0.06], others: [0.08] },
      mr46Tiers: { tier1: { extremeMove: 0.08, annualisedMoveRisk: 0, minBasisMove: 0 }, tier2: { extremeMove: 0.36, annualisedMoveRisk: 0.15, minBasisMove: 0 }, others: { extremeMove: 0.5, annualisedMoveRisk: 0.3, minBasisMove: 0 } },
      mr7Rate: 0.03,
    };
    const lin = { symbol: 'BTC-USD-LIN', kind: 'perpetual', underlying: 'BTC', currency: 'USD' };
    const docs = [doc('a', [{ instrument: lin, quantity: 10 }]), doc('b', [{ instrument: lin, quantity: 10 }], 'BTC'), doc('c', [{ instrument: lin, quantity: -3 }], 'USD', 'isolated')];
    expectBatch(docs, tvO2, params);
    expect(computeBookMargins(docs, tvO2, 'okx-pm', { params, threads: 1 }).maintenanceMargin[0]).toBeCloseTo(50_000, 6);
  });

  it('every component book, in five account currencies, cross and isolated', () => {
    const docs = COMPONENT_BOOKS.flatMap((positions, b) =>
      ['USD', 'BTC', 'USDC', 'EUR', 'ETH'].flatMap((ccy) => [doc(`c${b}-${ccy}`, positions, ccy), doc(`i${b}-${ccy}`, positions, ccy, 'isolated')]),
    );
    expectBatch(docs, market);
  });

  it('mixed units, expiries, repeated instruments and unmoved currency spot in one account', () => {
    const positions = [
      { instrument: EUR_SPOT, quantity: 1000 },
      call('28JUN24', 3),
      { instrument: ETH_SWAP, quantity: -4 },
      call('27DEC24', -2, 70000),
      { instrument: 'BTC-PERPETUAL', quantity: 500 },
      call('28JUN24', -1),
      { instrument: 'ETH-27DEC24-3000-P', quantity: 5 },
      { instrument: BTC_SPOT, quantity: -0.5 },
      { instrument: USDC_SWAP, quantity: -40 },
      { instrument: EUR_SPOT, quantity: -200 },
      { instrument: 'BTC-27DEC24', quantity: -800 },
    ];
    expectBatch([doc('m', positions), doc('m-eur', positions, 'EUR'), doc('m-iso', positions, 'BTC', 'isolated'), doc('m-usdt', positions.slice(3), 'USDT')], market, {}, 2);
  });

  it('account-level borrowing (USDT and coin liabilities, netted over the account) in cross and isolated accounts', () => {
    const positions = [{ instrument: 'USDT', quantity: -50_000 }, { instrument: BTC_SPOT, quantity: -0.5 }, { instrument: 'USDT', quantity: 20_000 }, { instrument: 'BTC-PERPETUAL', quantity: 500 }];
    expectBatch([doc('b', positions), doc('b-iso', positions, 'USD', 'isolated'), doc('b-btc', positions, 'BTC')], market);
  });

  // Changed with issue 20 item 5: this test used to require the batch path to cover these documents because the
  // method ignored resting orders. OKX counts orders in the risk unit (crypto-venues.md §2, "spot orders of one
  // underlying form one unit"), so the model now re-margins each unit with each side filled (okx-pm-model.ts), and
  // accounts flagged in book.extras (orders or entry prices) go to `evaluate`.
  it('documents with resting orders or entry prices are left to `evaluate`; entry prices change nothing, orders never lower the margin', () => {
    const positions = [{ instrument: 'BTC-PERPETUAL', quantity: 2000, entryPrice: 60_000 }, call('28JUN24', -2)];
    const orders = { openOrders: [{ instrument: 'BTC-27DEC24-80000-C', quantity: 5 }, { instrument: ETH_SWAP, quantity: -3 }] };
    const docs = [doc('e', positions), doc('o', [call('27DEC24', 1)], 'BTC', 'cross', orders), doc('eo', positions, 'USD', 'isolated', orders), doc('plain', [call('28JUN24', 1)])];
    expectBatchEqualsPerAccount(docs, market, 'okx-pm', { params: {} }, { path: 'batch', perAccountCount: 3, threads: 1 });
    const bare = docs.map((d) => {
      const document = { ...(d.document as { positions: Record<string, unknown>[]; openOrders?: unknown }) };
      delete document.openOrders;
      document.positions = document.positions.map((p) => ({ instrument: p['instrument'], quantity: p['quantity'] }));
      return { document };
    });
    const withExtras = computeBookMargins(docs, market, 'okx-pm', { threads: 1 });
    const without = computeBookMargins(bare, market, 'okx-pm', { threads: 1 });
    expect([withExtras.initialMargin[0], withExtras.initialMargin[3]]).toEqual([without.initialMargin[0], without.initialMargin[3]]);
    for (const a of [1, 2]) expect(withExtras.maintenanceMargin[a]!).toBeGreaterThan(without.maintenanceMargin[a]!);
  });

  it('a book of 400 accounts (random positions, currencies and modes; 1 and 4 threads; default and custom tiers)', () => {
    const instruments: unknown[] = [
      'BTC-PERPETUAL',
      'BTC-27DEC24',
      'BTC-27DEC24-60000-C',
      'BTC-27DEC24-70000-P',
      'BTC-28JUN24-66000-C',
      'BTC-28JUN24-60000-P',
      'BTC_USDC-PERPETUAL',
      'BTC_USDC-27DEC24-80000-C',
      'ETH-27DEC24-3000-P',
      SWAP,
      USDC_SWAP,
      BTC_SPOT,
      ETH_SWAP,
      DOGE_SWAP,
      EUR_SPOT,
    ];
    let seed = 20240617;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const docs = Array.from({ length: 400 }, (_, a) =>
      doc(
        `acct-${a}`,
        Array.from({ length: Math.floor(random() * 12) }, () => ({ instrument: pick(instruments), quantity: Math.round((random() - 0.5) * 400_000) / 1000 })),
        pick(['USD', 'USD', 'BTC', 'USDC', 'EUR']),
        random() < 0.25 ? 'isolated' : 'cross',
      ),
    );
    expectBatch(docs, market, {}, 1);
    expectBatch(docs, market, {}, 4);
    // Tiers of different lengths: underlyings with fewer shocks repeat spot 0 in the grid's extra points.
    const params = { mr1Tiers: { tier1: [0.05, 0.1], tier2: [0.06, 0.12, 0.18], others: [0.1, 0.2, 0.3, 0.4] }, mr7Scaling: [{ fromUsd: 0, value: 1 }, { fromUsd: 500, value: 3 }], borrowTiers: [{ fromUsd: 0, value: 0.05 }, { fromUsd: 10_000, value: 0.2 }] };
    expectBatch(docs, market, params, 3);
  });
});
