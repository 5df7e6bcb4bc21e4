import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeMargin } from '../compute-margin.js';
import { TEST_INSTRUMENTS, testMarket } from '../model-test-fixtures.js';

/**
 * Invariants of `tims` (DESIGN.md "Quality bar"): margin never negative, product-group offsets never raise the
 * margin, a larger offset never raises it either, scaling the book by k scales the margin by k, position order
 * does not matter, and contributions add up to the margin before the floor at 0.
 */
const market = testMarket();

const positionsArb = fc.array(
  fc.record({ instrument: fc.integer({ min: 0, max: TEST_INSTRUMENTS.length - 1 }), quantity: fc.integer({ min: -50_000, max: 50_000 }) }),
  { minLength: 1, maxLength: 8 },
);

// Both classes in one product group need the same points and vol variants; ranges differ on purpose.
const base = {
  defaults: { other: { points: 7, volShifts: [0.2, -0.2], minimumPerContract: 5 } },
  classGroups: { SPX: { priceRange: 0.12 } },
};
const withOffset = (offset: number) => ({ ...base, productGroups: [{ name: 'G', classes: ['BTC', 'SPX'], offset }] });

function portfolio(positions: { instrument: number; quantity: number }[], scale = 1) {
  return {
    document: {
      account: 'prop',
      currency: 'USD',
      positions: positions.map((p) => ({ instrument: TEST_INSTRUMENTS[p.instrument], quantity: (p.quantity / 1000) * scale })),
    },
  };
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
const atMost = (a: number, b: number): boolean => a <= b + 1e-9 * Math.max(1, Math.abs(b));
const runs = { numRuns: 80 };
const offsetArb = fc.double({ min: 0, max: 1, noNaN: true });

describe('tims invariants', () => {
  it('a product-group offset never raises the margin compared with no product group', () => {
    fc.assert(
      fc.property(positionsArb, offsetArb, (positions, offset) => {
        const alone = computeMargin(portfolio(positions), market, 'tims', { params: base });
        const grouped = computeMargin(portfolio(positions), market, 'tims', { params: withOffset(offset) });
        expect(atMost(grouped.initialMargin, alone.initialMargin)).toBe(true);
      }),
      runs,
    );
  });

  it('a larger offset never raises the margin', () => {
    fc.assert(
      fc.property(positionsArb, offsetArb, offsetArb, (positions, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const low = computeMargin(portfolio(positions), market, 'tims', { params: withOffset(lo) });
        const high = computeMargin(portfolio(positions), market, 'tims', { params: withOffset(hi) });
        expect(atMost(high.initialMargin, low.initialMargin)).toBe(true);
      }),
      runs,
    );
  });

  it('margin is never negative and contributions add up to the margin before the floor', () => {
    fc.assert(
      fc.property(positionsArb, offsetArb, (positions, offset) => {
        const r = computeMargin(portfolio(positions), market, 'tims', { params: withOffset(offset) });
        expect(r.initialMargin).toBeGreaterThanOrEqual(0);
        expect(r.maintenanceMargin).toBe(r.initialMargin);
        const before = r.details?.['marginBeforeFloor'] as number;
        expect(r.initialMargin).toBe(Math.max(0, before));
        const sum = r.positions.reduce((acc, p) => acc + p.contribution, 0);
        expect(close(sum, before)).toBe(true);
        const componentSum = r.components.reduce((acc, c) => acc + c.value, 0);
        expect(close(componentSum, before)).toBe(true);
      }),
      runs,
    );
  });

  it('scaling the book by k > 0 scales the margin by k', () => {
    fc.assert(
      fc.property(positionsArb, offsetArb, fc.double({ min: 0.1, max: 20, noNaN: true }), (positions, offset, k) => {
        const params = { params: withOffset(offset) };
        const one = computeMargin(portfolio(positions), market, 'tims', params);
        const scaled = computeMargin(portfolio(positions, k), market, 'tims', params);
        expect(close(scaled.initialMargin, k * one.initialMargin)).toBe(true);
      }),
      runs,
    );
  });

  it('position order never changes the result', () => {
    fc.assert(
      fc.property(positionsArb, offsetArb, (positions, offset) => {
        const params = { params: withOffset(offset) };
        const forward = computeMargin(portfolio(positions), market, 'tims', params);
        const backward = computeMargin(portfolio([...positions].reverse()), market, 'tims', params);
        expect(close(forward.initialMargin, backward.initialMargin)).toBe(true);
      }),
      runs,
    );
  });
});
