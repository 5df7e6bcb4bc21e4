import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { loadMarketHistory } from '../../scenarios/history/load-market-history.js';
import { computeMargin } from '../compute-margin.js';
import type { ReliefOutcome } from './correlation-relief.js';

const loader = (u: readonly string[]) => loadMarketHistory(u);
const market = parseMarketSnapshot({ asOf: '2025-09-23T23:00:00Z', underlyings: { BTC: { index: 112017.21 }, ETH: { index: 4164.26 }, SOL: { index: 213.3 } }, fx: { USDC: 1 } });
const book = (...positions: [string, number][]) => ({ document: { account: 'r', positions: positions.map(([instrument, quantity]) => ({ instrument, quantity })) } });
const component = (r: { components: { name: string; value: number }[] }, name: string) => r.components.filter((c) => c.name === name).reduce((a, c) => a + c.value, 0);

describe('correlation relief', () => {
  const relief = { bootstrap: 200, level: 0.95, cap: 0.8 };

  it('a BTC/ETH pair trade gets significant relief, capped at 80 % of the benefit; the report says why', () => {
    const r = computeMargin(book(['BTC_USDC-PERPETUAL', 1], ['ETH_USDC-PERPETUAL', -25]), market, 'hs-var', { params: { relief }, historyLoader: loader });
    const out = r.details?.relief as ReliefOutcome;
    const standalone = out.standalone.reduce((a, s) => a + s.margin, 0);
    expect(out.standalone.map((s) => s.group)).toEqual(['BTC', 'ETH']);
    expect(out.benefit).toBeCloseTo(standalone - out.joint, 6);
    expect(out.significant).toBe(true);
    expect(out.lowerBound).toBeGreaterThan(0);
    expect(out.relief).toBeCloseTo(0.8 * out.benefit, 6);
    expect(r.initialMargin).toBeCloseTo(standalone - out.relief, 6);
    expect(component(r, 'correlationRelief')).toBeCloseTo(out.relief, 6);
  });

  it('classes group underlyings: one class means no offsets to test, so no relief', () => {
    const r = computeMargin(book(['BTC_USDC-PERPETUAL', 1], ['ETH_USDC-PERPETUAL', -25]), market, 'hs-var', {
      params: { relief: { ...relief, classes: { BTC: 'crypto', ETH: 'crypto' } } },
      historyLoader: loader,
    });
    const out = r.details?.relief as ReliefOutcome;
    expect(out.standalone).toHaveLength(1);
    expect(out.significant).toBe(false);
    expect(out.relief).toBe(0);
  });

  it('relief never raises margin and never exceeds its cap (property, random books)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -60, max: 60 }), fc.integer({ min: -900, max: 900 }), fc.constantFrom(0.3, 0.8, 1), (b, e, s, cap) => {
        const positions = book(['BTC_USDC-PERPETUAL', b], ['ETH_USDC-PERPETUAL', e], ['SOL_USDC-PERPETUAL', s]);
        const r = computeMargin(positions, market, 'hs-var', { params: { relief: { ...relief, cap } }, historyLoader: loader });
        const out = r.details?.relief as ReliefOutcome;
        const standalone = out.standalone.reduce((a, x) => a + x.margin, 0);
        expect(out.relief).toBeLessThanOrEqual(cap * out.benefit + 1e-9);
        expect(r.initialMargin).toBeLessThanOrEqual(standalone + 1e-9);
        expect(r.initialMargin).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 12 },
    );
  });
});

describe('anti-procyclicality and add-ons', () => {
  const positions = book(['BTC_USDC-PERPETUAL', 2]);
  const base = () => computeMargin(positions, market, 'hs-var', { historyLoader: loader });

  it('buffer: 25 % on top', () => {
    const r = computeMargin(positions, market, 'hs-var', { params: { apc: 'buffer' }, historyLoader: loader });
    expect(r.initialMargin).toBeCloseTo(1.25 * base().initialMargin, 6);
    expect(component(r, 'apcAdjustment')).toBeCloseTo(0.25 * base().initialMargin, 6);
  });

  it('stressed weight: 75 % current + 25 % of the margin over the stressed window (March 2020)', () => {
    const window = { from: '2020-02-20', to: '2020-04-30' };
    const r = computeMargin(positions, market, 'hs-var', { params: { apc: 'stressed-weight', stressedWindow: window }, historyLoader: loader });
    const stressed = r.details?.stressedMargin as number;
    expect(stressed).toBeGreaterThan(base().initialMargin);
    expect(r.initialMargin).toBeCloseTo(0.75 * base().initialMargin + 0.25 * stressed, 6);
  });

  it('10-year floor: never below the margin on ten years of history', () => {
    const r = computeMargin(positions, market, 'hs-var', { params: { apc: 'floor-10y' }, historyLoader: loader });
    expect(r.initialMargin).toBeCloseTo(Math.max(base().initialMargin, r.details?.tenYearMargin as number), 6);
  });

  it('the 10-year floor uses the sample vol over ten years, so it differs from an EWMA current margin', () => {
    const r = computeMargin(positions, market, 'parametric-var', { params: { apc: 'floor-10y' }, historyLoader: loader });
    const current = computeMargin(positions, market, 'parametric-var', { historyLoader: loader });
    expect(r.details?.tenYearMargin).not.toBeCloseTo(current.initialMargin, 2);
    expect(r.initialMargin).toBeCloseTo(Math.max(current.initialMargin, r.details?.tenYearMargin as number), 6);
  });

  it('no look-ahead through parameters: an end date or stressed window after the market date is refused', () => {
    expect(() => computeMargin(positions, market, 'hs-var', { params: { endDate: '2025-10-01' }, historyLoader: loader })).toThrow(/endDate: 2025-10-01 is after the market date/);
    expect(() =>
      computeMargin(positions, market, 'parametric-var', { params: { stressedWindow: { from: '2025-09-01', to: '2025-10-30' } }, historyLoader: loader }),
    ).toThrow(/stressedWindow.to: 2025-10-30 is after the end date/);
  });

  it('fhs-es keeps the stressed window unfiltered, so stressed-weight raises a calm-period margin', () => {
    const window = { from: '2020-02-20', to: '2020-04-30' };
    const r = computeMargin(positions, market, 'fhs-es', { params: { apc: 'stressed-weight', stressedWindow: window }, historyLoader: loader });
    const plain = computeMargin(positions, market, 'fhs-es', { historyLoader: loader });
    expect(r.details?.stressedMargin as number).toBeGreaterThan(plain.initialMargin);
  });

  it('liquidity add-on = Y·σ·√(Q/ADV)·|value|; concentration only above the ADV threshold', () => {
    const big = book(['BTC_USDC-PERPETUAL', 4000]);
    const r = computeMargin(big, market, 'hs-var', { params: { liquidity: { impactCoefficient: 1, advDays: 30 }, concentration: { thresholdAdvFraction: 0.2, rate: 0.1 } }, historyLoader: loader });
    const liquidity = component(r, 'liquidityAddOn');
    const concentration = component(r, 'concentrationAddOn');
    expect(liquidity).toBeGreaterThan(0);
    // Q = 4,000 BTC against a 30-day ADV of a few thousand BTC (Coinbase volume in the bundled file): above 20 %.
    expect(concentration).toBeGreaterThan(0);
    const small = computeMargin(book(['BTC_USDC-PERPETUAL', 1]), market, 'hs-var', { params: { liquidity: {}, concentration: {} }, historyLoader: loader });
    expect(component(small, 'concentrationAddOn')).toBe(0);
    // √ impact: 4,000× the size costs √4000 × 4000 the add-on.
    expect(liquidity / component(small, 'liquidityAddOn')).toBeCloseTo(4000 * Math.sqrt(4000), 3);
  });
});

describe('fhs-es with a learned volatility filter', () => {
  it('HAR and boosted trees drive the FHS rescaling, deterministically', () => {
    const positions = book(['BTC_USDC-PERPETUAL', 1], ['ETH_USDC-PERPETUAL', -10]);
    const ewma = computeMargin(positions, market, 'fhs-es', { historyLoader: loader });
    const har = computeMargin(positions, market, 'fhs-es', { params: { filter: 'har' }, historyLoader: loader });
    const gbt = computeMargin(positions, market, 'fhs-es', { params: { filter: 'gbt', refitEvery: 63 }, historyLoader: loader });
    for (const r of [har, gbt]) {
      expect(Number.isFinite(r.initialMargin) && r.initialMargin > 0).toBe(true);
      expect(r.initialMargin).not.toBe(ewma.initialMargin);
    }
    expect(computeMargin(positions, market, 'fhs-es', { params: { filter: 'har' }, historyLoader: loader }).initialMargin).toBe(har.initialMargin);
  });
});
