import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SpanContract, SpanInterSpread, SpanRiskParameters, WfprMethod } from '../span-types.js';
import type { SpanEvaluation } from './span-evaluation.js';
import { combinedCommodity, contract, evaluate, futurePnl, spanParams } from './span-test-fixtures.js';

/**
 * Invariants of the SPAN algorithm over random books on a random small universe (bounded generators):
 * CC A (USD) two aligned tiers with a spot month, intra spreads and delivery rates; B (USD) one tier with SOM;
 * C (USD) scan tiers ≠ inter tiers; D (EUR). Inter spreads: A/B delta (random WFPR method), B/C flat, A/C scanning,
 * B/D delta. Arrays are integers and deltas multiples of 1/8, so sums are exact and ties never depend on order.
 */
const optionPnl = fc.array(fc.integer({ min: -3000, max: 3000 }), { minLength: 16, maxLength: 16 }).map((a) => Float64Array.from(a));
const eighth = fc.integer({ min: -8, max: 8 }).map((i) => i / 8);
const rate = fc.constantFrom(0, 0.25, 0.5, 0.75, 1);

const universeArb = fc
  .record({
    callPnl: optionPnl,
    putPnl: optionPnl,
    bOptPnl: optionPnl,
    dOptPnl: optionPnl,
    callDelta: eighth,
    putDelta: eighth,
    bOptDelta: eighth,
    dOptDelta: eighth,
    method: fc.constantFrom<WfprMethod>('NORMAL', 'SCANRANGE', 'SCANRANGE_CAP'),
    rates: fc.tuple(rate, rate, rate, rate),
    charges: fc.tuple(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 })),
    somRate: fc.integer({ min: 0, max: 300 }),
    somMethod: fc.constantFrom<'sum' | 'max'>('sum', 'max'),
  })
  .map((u) => {
    const contracts: SpanContract[] = [
      contract({ symbol: 'A-U', cc: 'A', period: '202409', inDelivery: true, pnl: futurePnl(3000) }),
      contract({ symbol: 'A-Z', cc: 'A', period: '202412', pnl: futurePnl(3000) }),
      contract({ symbol: 'A-H', cc: 'A', period: '202503', pnl: futurePnl(4500), scanTier: 2, intraTier: 2, interTier: 2 }),
      contract({ symbol: 'A-ZC', cc: 'A', period: '202412', kind: 'option', right: 'call', pnl: u.callPnl, compositeDelta: u.callDelta, value: 700, premiumStyle: true }),
      contract({ symbol: 'A-ZP', cc: 'A', period: '202412', kind: 'option', right: 'put', pnl: u.putPnl, compositeDelta: u.putDelta, value: 400, premiumStyle: true }),
      contract({ symbol: 'B-Z', cc: 'B', pnl: futurePnl(6000) }),
      contract({ symbol: 'B-ZC', cc: 'B', kind: 'option', right: 'call', pnl: u.bOptPnl, compositeDelta: u.bOptDelta, value: 900, premiumStyle: true }),
      contract({ symbol: 'C-Z', cc: 'C', pnl: futurePnl(1500), scanTier: 1 }),
      contract({ symbol: 'C-H', cc: 'C', period: '202503', pnl: futurePnl(2100), scanTier: 2 }),
      contract({ symbol: 'D-Z', cc: 'D', pnl: futurePnl(3000) }),
      contract({ symbol: 'D-ZP', cc: 'D', kind: 'option', right: 'put', pnl: u.dOptPnl, compositeDelta: u.dOptDelta, value: 300, premiumStyle: false }),
    ];
    const ccs = [
      combinedCommodity({
        code: 'A',
        wfprMethod: u.method,
        priceScanRange: [2700, 4000],
        intraSpreads: [
          { priority: 1, chargeRate: u.charges[0], legs: [{ tier: 1, ratio: 1, side: 'A' }, { tier: 2, ratio: 1, side: 'B' }] },
          { priority: 1, chargeRate: u.charges[1], legs: [{ period: '202409', ratio: 1, side: 'B' }, { period: '202412', ratio: 1, side: 'A' }] },
          { priority: 2, chargeRate: u.charges[2], legs: [{ tier: 2, ratio: 2, side: 'A' }, { tier: 1, ratio: 1, side: 'B' }] },
        ],
        deliveryRates: [{ period: '202409', spreadCharge: 25, outrightCharge: 120 }],
        somRate: u.somRate,
        somMethod: u.somMethod,
        initialToMaintenance: { member: 1, hedger: 1.1, speculator: 1.35 },
      }),
      combinedCommodity({ code: 'B', wfprMethod: u.method, priceScanRange: [5000], somRate: u.somRate, somMethod: u.somMethod }),
      combinedCommodity({ code: 'C', priceScanRange: [1000] }),
      combinedCommodity({ code: 'D', currency: 'EUR', priceScanRange: [3000] }),
    ];
    const leg = (cc: string, tier: number, ratio: number, side: 'A' | 'B', required = true) => ({ cc, tier, ratio, side, required });
    const spreads: SpanInterSpread[] = [
      { priority: 1, creditRate: u.rates[0], method: 'delta', creditMethod: 'wfpr', legs: [leg('A', 1, 1, 'A'), leg('B', 1, 0.5, 'B')] },
      { priority: 1, creditRate: u.rates[0], method: 'delta', creditMethod: 'wfpr', legs: [leg('A', 1, 1, 'B'), leg('B', 1, 0.5, 'A')] },
      { priority: 2, creditRate: 0, method: 'delta', creditMethod: 'flat', flatAmount: 800, legs: [leg('B', 1, 1, 'A'), leg('C', 1, 2, 'B')] },
      { priority: 3, creditRate: u.rates[1], method: 'scanning', creditMethod: 'wfpr', targetCc: 'A', legs: [leg('A', 2, 1, 'A'), leg('C', 2, 1, 'B')] },
      { priority: 4, creditRate: u.rates[2], method: 'delta', creditMethod: 'wfpr', legs: [leg('B', 1, 1, 'B'), leg('D', 1, 1, 'A'), leg('A', 2, 1, 'A', false)] },
    ];
    return { contracts, params: spanParams(ccs, contracts, spreads) };
  });

const bookArb = fc.array(fc.record({ i: fc.integer({ min: 0, max: 10 }), q: fc.integer({ min: -10, max: 10 }) }), { minLength: 1, maxLength: 10 });
const accountArb = fc.constantFrom<'member' | 'hedger' | 'speculator'>('member', 'hedger', 'speculator');

type Book = { i: number; q: number }[];
const run = (params: SpanRiskParameters, contracts: SpanContract[], book: Book, type: 'member' | 'hedger' | 'speculator', k = 1): SpanEvaluation =>
  evaluate(
    params,
    book.map(({ i, q }) => [contracts[i]!, q * k] as const),
    type,
  );

/** Every amount of an evaluation, keyed, for comparisons. */
function amounts(e: SpanEvaluation): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of e.combinedCommodities) {
    for (const f of ['scanRisk', 'intraSpreadCharge', 'deliveryCharge', 'interSpreadCredit', 'shortOptionMinimum', 'netOptionValue', 'riskMaintenance', 'riskInitial'] as const) {
      out.set(`${c.cc}.${f}`, c[f]);
    }
  }
  for (const c of e.currencies) {
    out.set(`${c.currency}.maintenance`, c.maintenance);
    out.set(`${c.currency}.initial`, c.initial);
  }
  return out;
}

const tol = (a: number, b: number): number => 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
const runs = { numRuns: 300 };

describe('SPAN algorithm invariants', () => {
  it('amounts are non-negative, credits never push a CC below zero, initial ≥ maintenance, price + vol + time = scan', () => {
    fc.assert(
      fc.property(universeArb, bookArb, accountArb, ({ params, contracts }, book, type) => {
        const e = run(params, contracts, book, type);
        for (const c of e.combinedCommodities) {
          expect(c.intraSpreadCharge).toBeGreaterThanOrEqual(0);
          expect(c.deliveryCharge).toBeGreaterThanOrEqual(0);
          expect(c.interSpreadCredit).toBeGreaterThanOrEqual(0);
          expect(c.scanRisk + c.intraSpreadCharge + c.deliveryCharge - c.interSpreadCredit).toBeGreaterThanOrEqual(-tol(c.scanRisk, 0));
          expect(c.riskMaintenance).toBeGreaterThanOrEqual(c.shortOptionMinimum);
          expect(c.riskInitial).toBeGreaterThanOrEqual(c.riskMaintenance);
          for (const t of c.tiers) if (t.scanRisk > 0) expect(Math.abs(t.priceRisk + t.volRisk + t.timeRisk - t.scanRisk)).toBeLessThanOrEqual(tol(t.scanRisk, 0));
        }
        for (const c of e.currencies) {
          expect(c.maintenance).toBeGreaterThanOrEqual(0);
          expect(c.initial).toBeGreaterThanOrEqual(c.maintenance);
        }
        for (const s of e.spreads) {
          expect(s.count).toBeGreaterThan(0);
          expect(s.charge ?? s.credit ?? 0).toBeGreaterThanOrEqual(0);
        }
      }),
      runs,
    );
  });

  it('inter spreads never raise a CC’s risk or a currency’s requirement (compared with inter spreads disabled)', () => {
    fc.assert(
      fc.property(universeArb, bookArb, accountArb, ({ params, contracts }, book, type) => {
        const withSpreads = amounts(run(params, contracts, book, type));
        const without = amounts(run({ ...params, interSpreads: [] }, contracts, book, type));
        for (const [key, value] of without) {
          if (!/riskMaintenance|riskInitial|maintenance|initial$/.test(key)) continue;
          expect(withSpreads.get(key)!).toBeLessThanOrEqual(value + tol(value, 0));
        }
      }),
      runs,
    );
  });

  it('scaling every quantity by k > 0 scales every amount by k (fractional spreads)', () => {
    fc.assert(
      fc.property(universeArb, bookArb, accountArb, fc.constantFrom(0.25, 0.5, 2, 3, 7), ({ params, contracts }, book, type, k) => {
        const base = amounts(run(params, contracts, book, type));
        const scaled = amounts(run(params, contracts, book, type, k));
        for (const [key, value] of base) expect(Math.abs(scaled.get(key)! - k * value), key).toBeLessThanOrEqual(tol(k * value, 0));
      }),
      runs,
    );
  });

  it('position order and splitting a position never change a result', () => {
    fc.assert(
      fc.property(universeArb, bookArb, accountArb, fc.integer({ min: -5, max: 5 }), ({ params, contracts }, book, type, part) => {
        const base = amounts(run(params, contracts, book, type));
        const first = book[0]!;
        const reshuffled = [...book.slice(1).reverse(), { i: first.i, q: part }, { i: first.i, q: first.q - part }];
        const other = amounts(run(params, contracts, reshuffled, type));
        expect([...other.keys()].sort()).toEqual([...base.keys()].sort());
        for (const [key, value] of base) expect(Math.abs(other.get(key)! - value), key).toBeLessThanOrEqual(tol(value, 0));
      }),
      runs,
    );
  });
});
