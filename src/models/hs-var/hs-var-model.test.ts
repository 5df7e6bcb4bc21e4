import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { loadMarketHistory } from '../../scenarios/history/load-market-history.js';
import { computeMargin, computeMargins } from '../compute-margin.js';

const loader = (u: readonly string[]) => loadMarketHistory(u);
const market = parseMarketSnapshot({
  asOf: '2020-04-17T20:00:00Z',
  underlyings: { BTC: { index: 7096.18, vol: { atm: 0.8 } }, SPX: { index: 2874.56, rate: 0.001, vol: { atm: 0.38 } } },
  fx: { USDC: 1 },
});
const btc = (quantity: number) => ({ instrument: 'BTC_USDC-PERPETUAL', quantity });
const doc = (...positions: unknown[]) => ({ document: { account: 't', currency: 'USD', positions } });

/** BTC closes straight from the CSV, independent of the engine's loaders. */
function csvCloses(path: string): Map<string, number> {
  const rows = readFileSync(path, 'utf8').trim().split('\n').slice(1);
  return new Map(rows.map((r) => [r.split(',')[0]!, Number(r.split(',')[4])]));
}

describe('hs-var on real history', () => {
  it('VaR of one long BTC equals the ⌈(1−α)N⌉-th worst historical 1-day loss computed from the CSV', () => {
    const r = computeMargin(doc(btc(1)), market, 'hs-var', { params: { lookback: 250, mpor: 1, confidence: 0.99, volMoves: 'none' }, historyLoader: loader });
    // The engine aligns BTC on its own calendar; the last 250 1-day returns ending 2020-04-17.
    const closes = [...csvCloses('data/btc_usd_daily.csv').entries()].filter(([d]) => d <= '2020-04-17').map(([, c]) => c);
    const losses = closes.slice(-251).slice(1).map((c, i) => -7096.18 * (Math.exp(Math.log(c / closes.slice(-251)[i]!)) - 1));
    losses.sort((a, b) => b - a);
    const k = Math.ceil(0.01 * 250 - 1e-9); // 3rd worst
    expect(r.details?.scenarios).toBe(250);
    expect(r.components[0]?.value).toBeCloseTo(losses[k - 1]!, 6);
    expect(r.initialMargin).toBeCloseTo(losses[k - 1]!, 6);
    expect(r.maintenanceMargin).toBeCloseTo(0.8 * r.initialMargin, 9);
  });

  it('reports the worst scenarios with their dates, worst first', () => {
    const r = computeMargin(doc(btc(1)), market, 'hs-var', { params: { lookback: 500, worstScenarios: 3 }, historyLoader: loader });
    const worst = r.details?.worstScenarios as { id: string; pnl: number }[];
    expect(worst).toHaveLength(3);
    expect(worst[0]!.id).toBe('2020-03-12'); // the 2-day move 10→12 March 2020 holds the −38.8 % day
    expect(worst[0]!.pnl).toBeLessThanOrEqual(worst[1]!.pnl);
    expect(r.worstScenario?.id).toBe(worst[0]!.id);
  });

  it('Euler contributions add up to the margin', () => {
    const r = computeMargin(doc(btc(2), { instrument: { symbol: 'ESM0', kind: 'future', underlying: 'SPX', expiry: '2020-06-19', multiplier: 50 }, quantity: -1 }), market, 'hs-var', {
      params: { measure: 'es', confidence: 0.975 },
      historyLoader: loader,
    });
    const sum = r.positions.reduce((a, p) => a + p.contribution, 0);
    expect(sum).toBeCloseTo(r.components.find((c) => c.name === 'riskMeasure')!.value, 6);
  });

  it('ES ≥ VaR at the same confidence, and ES is subadditive across random books (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 5 }), fc.integer({ min: -5, max: 5 }), fc.integer({ min: -5, max: 5 }), fc.integer({ min: -5, max: 5 }), (a, b, c, d) => {
        const es = { futures: { symbol: 'ESM0', kind: 'future', underlying: 'SPX', expiry: '2020-06-19', multiplier: 50 } };
        const book1 = doc(btc(a), { instrument: es.futures, quantity: b });
        const book2 = doc(btc(c), { instrument: es.futures, quantity: d });
        const both = doc(btc(a + c), { instrument: es.futures, quantity: b + d });
        const opts = { params: { measure: 'es' as const, confidence: 0.99, volMoves: 'none' as const }, historyLoader: loader };
        const [m1, m2, m12] = computeMargins([book1, book2, both], market, 'hs-var', opts).map((r) => r.initialMargin);
        expect(m12!).toBeLessThanOrEqual(m1! + m2! + 1e-6);
        const v = computeMargin(both, market, 'hs-var', { ...opts, params: { ...opts.params, measure: 'var' } });
        expect(m12!).toBeGreaterThanOrEqual(v.initialMargin - 1e-6);
      }),
      { numRuns: 15 },
    );
  });

  it('collateral is stressed with the book: BTC collateral raises the margin of a long BTC account', () => {
    const without = computeMargin(doc(btc(1)), market, 'hs-var', { historyLoader: loader });
    const withCollateral = computeMargin({ document: { account: 't', positions: [btc(1)], collateral: { BTC: 1, USDC: 1000 } } }, market, 'hs-var', { historyLoader: loader });
    expect(withCollateral.initialMargin).toBeGreaterThan(1.5 * without.initialMargin);
    expect(withCollateral.positions.map((p) => p.instrument)).toEqual(['BTC_USDC-PERPETUAL', 'BTC', 'USDC']);
  });

  it('missing or stale history is a clear error, not a silent zero', () => {
    const later = parseMarketSnapshot({ ...market.toJSON(), asOf: '2031-01-05T00:00:00Z' });
    expect(() => computeMargin(doc(btc(1)), later, 'hs-var', { historyLoader: loader })).toThrow(/ends 20\d\d-\d\d-\d\d.*stale/);
    expect(() => computeMargin(doc(btc(1)), market, 'hs-var', { params: { lookback: 6000 }, historyLoader: loader })).toThrow(/HISTORY|history|needs|available/i);
    expect(() => computeMargin(doc(btc(1)), market, 'hs-var')).toThrow(/needs price history/);
  });
});
