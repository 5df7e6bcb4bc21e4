import { describe, expect, it } from 'vitest';
import { buildPriceVolGrid } from './price-vol-grid.js';

describe('price × vol grid', () => {
  const set = buildPriceVolGrid({
    priceSteps: 3,
    volShiftMode: 'relative',
    extreme: { multiplier: 2, coveredFraction: 0.35 },
    timeStep: 0,
    underlyings: new Map([
      ['BTC', { priceRange: 0.15, volShifts: [0.25, -0.25] }],
      ['SPX', { priceRange: 0.06, volShifts: [0.1, -0.1] }],
    ]),
  });

  it('has 7 price points × 2 vols + 2 extremes = 16 scenarios, like SPAN', () => {
    expect(set.count).toBe(16);
    expect(set.ids[0]).toBe('1');
    expect(set.ids[15]).toBe('16');
  });
  it('moves each underlying by the same fraction of its own range', () => {
    const s = 0; // price −3/3, vol up
    expect(set.priceMove[0 * set.count + s]).toBeCloseTo(-0.15, 15);
    expect(set.priceMove[1 * set.count + s]).toBeCloseTo(-0.06, 15);
    expect(set.volShift[1 * set.count + s]).toBe(0.1);
    // The underlyings shift vol by different amounts, so the shared label says only the direction.
    expect(set.labels[s]).toBe('price −3/3, vol up');
  });
  it('states the vol shift size when every underlying uses it, without float noise', () => {
    const uniform = buildPriceVolGrid({
      priceSteps: 1,
      volShiftMode: 'relative',
      extreme: { multiplier: 2, coveredFraction: 0.07 },
      timeStep: 0,
      underlyings: new Map([['BTC', { priceRange: 0.1, volShifts: [0.125, 0] }]]),
    });
    expect(uniform.labels[0]).toBe('price −1/1, vol +12.5%');
    expect(uniform.labels[1]).toBe('price −1/1, vol unchanged');
    expect(uniform.labels[6]).toBe('extreme price +2× range (7% counted)');
  });
  it('extreme moves are 2 × range at unchanged vol, weighted 35 %', () => {
    expect(set.priceMove[14]).toBeCloseTo(0.3, 15);
    expect(set.priceMove[15]).toBeCloseTo(-0.3, 15);
    expect(set.volShift[14]).toBe(0);
    expect(set.weight[14]).toBe(0.35);
    expect(set.weight[0]).toBe(1);
  });
});
