import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../market/market-snapshot.js';
import { black76Price } from '../pricing/black76-price.js';
import type { InstrumentSpec } from '../instruments/instrument-spec.js';
import { buildPriceVolGrid } from '../scenarios/price-vol-grid.js';
import { compileRevaluation } from './compile-revaluation.js';
import { revalueKernel } from './revalue-kernel.js';

const market = parseMarketSnapshot({
  asOf: '2024-06-17T08:00:00Z',
  underlyings: { BTC: { index: 66000, rate: 0.03, vol: { atm: 0.55 } }, SPX: { index: 5400, rate: 0.05, vol: { atm: 0.14 } } },
});
const specs: InstrumentSpec[] = [
  { symbol: 'BTC-PERPETUAL', kind: 'perpetual', underlying: 'BTC', multiplier: 10, settlement: 'inverse', currency: 'BTC' },
  { symbol: 'BTC-27DEC24-60000-C', kind: 'option', underlying: 'BTC', expiry: '2024-12-27', strike: 60000, right: 'call', multiplier: 1, settlement: 'inverse', currency: 'BTC' },
  { symbol: 'SPXP5000', kind: 'option', underlying: 'SPX', expiry: '2024-09-20', strike: 5000, right: 'put', multiplier: 100, settlement: 'linear', currency: 'USD' },
  { symbol: 'ESU4', kind: 'future', underlying: 'SPX', expiry: '2024-09-20', multiplier: 50, settlement: 'linear', currency: 'USD' },
];
const set = buildPriceVolGrid({
  priceSteps: 2,
  volShiftMode: 'absolute',
  extreme: { multiplier: 2, coveredFraction: 0.35 },
  timeStep: 2 / 365,
  underlyings: new Map([
    ['BTC', { priceRange: 0.2, volShifts: [0.1, 0, -0.1] }],
    ['SPX', { priceRange: 0.08, volShifts: [0.05, 0, -0.05] }],
  ]),
});
const plan = compileRevaluation(specs, market, set);
const out = new Float64Array(specs.length * set.count);
revalueKernel(plan, set, out);
const pnl = (i: number, s: number) => out[i * set.count + s]!;
const move = (u: number, s: number) => set.priceMove[u * set.count + s]!;
const shift = (u: number, s: number) => set.volShift[u * set.count + s]!;

describe('revaluation kernel: full repricing into the instrument × scenario matrix', () => {
  it('every cell agrees with a direct revaluation of that instrument under that scenario', () => {
    for (let s = 0; s < set.count; s++) {
      const w = set.weight[s]!;
      // Inverse perpetual, 10 USD face: P&L in BTC = 10 × (1/S − 1/S').
      const S = 66000;
      expect(pnl(0, s)).toBeCloseTo(w * 10 * (1 / S - 1 / (S * (1 + move(0, s)))), 15);
      // Inverse option: coin value = Black-76 USD value / F, repriced at F', σ + shift, τ − 2 days.
      const tauB = (Date.parse('2024-12-27T08:00:00Z') - market.asOfMs) / (365 * 86400e3);
      const FB = plan.reference[1]!;
      const F1 = FB * (1 + move(0, s));
      const t1 = tauB - 2 / 365;
      const coin = (f: number, v: number, t: number) => black76Price(true, f, 60000, t, v, Math.exp(-0.03 * t)) / f;
      expect(pnl(1, s)).toBeCloseTo(w * (coin(F1, 0.55 + shift(0, s), t1) - coin(FB, 0.55, tauB)), 12);
      // Linear put, multiplier 100.
      const tauS = (Date.parse('2024-09-20T08:00:00Z') - market.asOfMs) / (365 * 86400e3);
      const FS = plan.reference[2]!;
      const usd = (f: number, v: number, t: number) => black76Price(false, f, 5000, t, v, Math.exp(-0.05 * t));
      expect(pnl(2, s)).toBeCloseTo(w * 100 * (usd(FS * (1 + move(1, s)), 0.14 + shift(1, s), tauS - 2 / 365) - usd(FS, 0.14, tauS)), 8);
      // Linear future, multiplier 50: P&L = 50 × F × move.
      expect(pnl(3, s)).toBeCloseTo(w * 50 * plan.reference[3]! * move(1, s), 8);
    }
  });

  it('a scenario that moves nothing gives exactly zero P&L when there is no time step', () => {
    const still = buildPriceVolGrid({ priceSteps: 1, volShiftMode: 'relative', timeStep: 0, underlyings: new Map([['BTC', { priceRange: 0.1, volShifts: [0] }], ['SPX', { priceRange: 0.1, volShifts: [0] }]]) });
    const m = new Float64Array(specs.length * still.count);
    revalueKernel(compileRevaluation(specs, market, still), still, m);
    for (let i = 0; i < specs.length; i++) expect(m[i * still.count + 1]).toBe(0); // scenario 2 = price unchanged
  });

  it('a vol shift below zero is floored instead of producing NaN', () => {
    const crash = buildPriceVolGrid({ priceSteps: 1, volShiftMode: 'absolute', timeStep: 0, underlyings: new Map([['BTC', { priceRange: 0.1, volShifts: [-5] }], ['SPX', { priceRange: 0.1, volShifts: [-5] }]]) });
    const m = new Float64Array(specs.length * crash.count);
    revalueKernel(compileRevaluation(specs, market, crash), crash, m);
    expect(m.every((x) => Number.isFinite(x))).toBe(true);
  });
});
