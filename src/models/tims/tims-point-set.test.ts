import { describe, expect, it } from 'vitest';
import { buildTimsPointSet, classScenarioCount, timsPointMove } from './tims-point-set.js';

describe('TIMS valuation points', () => {
  it('places N equidistant points across −range … +range, both ends included', () => {
    // N = 10, R = 0.15: −0.15 + k × 0.30/9, so the spacing is 3⅓ % and zero is not a point.
    const moves = Array.from({ length: 10 }, (_, k) => timsPointMove(0.15, 10, k));
    expect(moves[0]).toBe(-0.15);
    expect(moves[9]).toBe(0.15);
    moves.forEach((m, k) => expect(m).toBeCloseTo(-0.15 + (k * 0.3) / 9, 15));
    // An odd N has the unchanged price exactly in the middle.
    expect(timsPointMove(0.2, 5, 2)).toBe(0);
    expect([0, 1, 3, 4].map((k) => timsPointMove(0.2, 5, k))).toEqual([-0.2, -0.1, 0.1, 0.2]);
  });

  it('lays scenarios out price-outer, vol-inner, and pads classes with fewer points with no-move slots', () => {
    const set = buildTimsPointSet(
      new Map([
        ['SPX', { priceRange: 0.15, points: 2, volShifts: [0.1, -0.1] }],
        ['BTC', { priceRange: 0.2, points: 3, volShifts: [] }],
      ]),
      'relative',
    );
    expect(classScenarioCount({ priceRange: 0.15, points: 2, volShifts: [0.1, -0.1] })).toBe(6);
    expect(set.count).toBe(6);
    expect(set.ids).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(set.underlyings).toEqual(['SPX', 'BTC']);
    // SPX: points −15 %, +15 %, each at vol unchanged, +10 %, −10 %.
    expect([...set.priceMove.subarray(0, 6)]).toEqual([-0.15, -0.15, -0.15, 0.15, 0.15, 0.15]);
    expect([...set.volShift.subarray(0, 6)]).toEqual([0, 0.1, -0.1, 0, 0.1, -0.1]);
    // BTC: three points, vol unchanged, then three padding slots that do not move.
    expect([...set.priceMove.subarray(6, 12)]).toEqual([-0.2, 0, 0.2, 0, 0, 0]);
    expect([...set.volShift.subarray(6, 12)]).toEqual([0, 0, 0, 0, 0, 0]);
    expect([...set.weight]).toEqual([1, 1, 1, 1, 1, 1]);
    expect([...set.timeStep]).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
