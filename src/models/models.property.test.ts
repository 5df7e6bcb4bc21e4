import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeMargin, computeMargins } from './compute-margin.js';
import { resolveInstrument } from '../instruments/resolve-instrument.js';
import { MODELS } from './model-registry.js';
import { TEST_INSTRUMENTS, testMarket } from './model-test-fixtures.js';

const market = testMarket();

/** Bounded random books over the test instruments: up to 8 positions, quantities within ±50 (to 3 decimals). */
const positionsArb = fc.array(
  fc.record({ instrument: fc.integer({ min: 0, max: TEST_INSTRUMENTS.length - 1 }), quantity: fc.integer({ min: -50_000, max: 50_000 }) }),
  { minLength: 1, maxLength: 8 },
);

function portfolio(positions: { instrument: number; quantity: number }[], scale = 1, mode: 'cross' | 'isolated' = 'cross') {
  return {
    document: {
      account: 'prop',
      currency: 'USD',
      mode,
      positions: positions.map((p) => ({ instrument: TEST_INSTRUMENTS[p.instrument], quantity: (p.quantity / 1000) * scale })),
    },
  };
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
const runs = { numRuns: 60 };

// History-based models (VaR family) have their own invariant tests on real history (src/models/var).
describe.each(MODELS.filter((m) => m.needsHistory !== true).map((m) => m.id))('model %s: invariants', (model) => {
  // A venue method with rules for some instruments only (Deribit SM: inverse contracts) is tested on those.
  const accepts = MODELS.find((m) => m.id === model)?.accepts;
  const allowed = TEST_INSTRUMENTS.map((_, i) => i).filter((i) => accepts === undefined || accepts(resolveInstrument(TEST_INSTRUMENTS[i], 'test')));
  const positionsArb = fc.array(
    fc.record({ instrument: fc.constantFrom(...allowed), quantity: fc.integer({ min: -50_000, max: 50_000 }) }),
    { minLength: 1, maxLength: 8 },
  );
  it('margin is never negative and maintenance ≤ initial', () => {
    fc.assert(
      fc.property(positionsArb, fc.constantFrom<'cross' | 'isolated'>('cross', 'isolated'), (positions, mode) => {
        const r = computeMargin(portfolio(positions, 1, mode), market, model);
        expect(r.initialMargin).toBeGreaterThanOrEqual(0);
        expect(r.maintenanceMargin).toBeGreaterThanOrEqual(0);
        expect(r.maintenanceMargin).toBeLessThanOrEqual(r.initialMargin + 1e-9);
      }),
      runs,
    );
  });

  it.skipIf(MODELS.find((m) => m.id === model)?.homogeneous === false)('scaling the book by k > 0 scales the margin by k (homogeneous methods)', () => {
    fc.assert(
      fc.property(positionsArb, fc.double({ min: 0.1, max: 20, noNaN: true }), (positions, k) => {
        const base = computeMargin(portfolio(positions), market, model);
        const scaled = computeMargin(portfolio(positions, k), market, model);
        expect(close(scaled.initialMargin, k * base.initialMargin)).toBe(true);
        expect(close(scaled.maintenanceMargin, k * base.maintenanceMargin)).toBe(true);
      }),
      runs,
    );
  });

  it('position order never changes the result', () => {
    fc.assert(
      fc.property(positionsArb, (positions) => {
        const forward = computeMargin(portfolio(positions), market, model);
        const backward = computeMargin(portfolio([...positions].reverse()), market, model);
        expect(close(forward.initialMargin, backward.initialMargin)).toBe(true);
        expect(close(forward.maintenanceMargin, backward.maintenanceMargin)).toBe(true);
      }),
      runs,
    );
  });

  it('margining several accounts at once gives each the result it gets alone', () => {
    fc.assert(
      fc.property(positionsArb, positionsArb, (a, b) => {
        const [together] = computeMargins([portfolio(a), portfolio(b)], market, model);
        const alone = computeMargin(portfolio(a), market, model);
        expect(close(together!.initialMargin, alone.initialMargin)).toBe(true);
      }),
      { numRuns: 25 },
    );
  });
});

describe('scenario-grid: netting within an underlying', () => {
  it('adding a perfect hedge (a position and its opposite) never raises the margin', () => {
    fc.assert(
      fc.property(positionsArb, fc.integer({ min: 0, max: TEST_INSTRUMENTS.length - 1 }), fc.integer({ min: 1, max: 50 }), (positions, i, q) => {
        const base = computeMargin(portfolio(positions), market, 'scenario-grid');
        const hedged = computeMargin(portfolio([...positions, { instrument: i, quantity: q * 1000 }, { instrument: i, quantity: -q * 1000 }]), market, 'scenario-grid');
        expect(hedged.initialMargin).toBeLessThanOrEqual(base.initialMargin * (1 + 1e-9) + 1e-9);
      }),
      runs,
    );
  });

  it('a cross account never needs more than the same positions margined in isolation', () => {
    fc.assert(
      fc.property(positionsArb, (positions) => {
        const cross = computeMargin(portfolio(positions, 1, 'cross'), market, 'scenario-grid');
        const isolated = computeMargin(portfolio(positions, 1, 'isolated'), market, 'scenario-grid');
        expect(cross.initialMargin).toBeLessThanOrEqual(isolated.initialMargin * (1 + 1e-9) + 1e-9);
      }),
      runs,
    );
  });
});
