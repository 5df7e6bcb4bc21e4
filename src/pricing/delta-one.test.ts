import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  inverseDeltaOneDelta,
  inverseDeltaOneGamma,
  inverseDeltaOnePnl,
  linearDeltaOneDelta,
  linearDeltaOnePnl,
} from './delta-one.js';

/**
 * methods/crypto-venues.md §1.2 TV-D1 (Deribit docs example, BTC S:PM, 2024-06-17 10:22 UTC). Positions are
 * coin-equivalent sizes q = face/mark, so the USD face is q·mark; moves are applied to the mark.
 */
const PERP_MARK = 65_910.57;
const PERP_Q = 0.314538364;
const FUTURE_MARK = 67_371.75;
const FUTURE_Q = -0.001187534;

function tvD1Pnl(q: number, mark: number, move: number): number {
  return inverseDeltaOnePnl(q * mark, mark, mark * (1 + move));
}

describe('inverseDeltaOnePnl — TV-D1', () => {
  it('perp −16 % → −0.05991206933 coin, +16 % → +0.04338460193 coin', () => {
    expect(Math.abs(tvD1Pnl(PERP_Q, PERP_MARK, -0.16) - -0.05991206933)).toBeLessThan(5e-12);
    expect(Math.abs(tvD1Pnl(PERP_Q, PERP_MARK, 0.16) - 0.04338460193)).toBeLessThan(5e-12);
  });

  it('short future −16 % → +0.00022619695 coin', () => {
    expect(Math.abs(tvD1Pnl(FUTURE_Q, FUTURE_MARK, -0.16) - 0.00022619695)).toBeLessThan(5e-12);
  });

  it('aggregated standard scenario index 0 (both at −16 %) = −0.05968587238095239 coin', () => {
    const total = tvD1Pnl(PERP_Q, PERP_MARK, -0.16) + tvD1Pnl(FUTURE_Q, FUTURE_MARK, -0.16);
    expect(Math.abs(total - -0.05968587238095239)).toBeLessThan(1e-16);
  });

  it('equals q·(1 − 1/(1 + m)) with q = face/p0', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e6, noNaN: true }),
        fc.double({ min: 100, max: 200_000, noNaN: true }),
        fc.double({ min: -0.9, max: 5, noNaN: true }),
        (face, p0, move) => {
          const q = face / p0;
          const expected = q * (1 - 1 / (1 + move));
          const pnl = inverseDeltaOnePnl(face, p0, p0 * (1 + move));
          expect(Math.abs(pnl - expected)).toBeLessThanOrEqual(1e-14 * q * (1 + 1 / (1 + move)));
        },
      ),
    );
  });
});

describe('inverseDeltaOnePnl — conventions', () => {
  it('a long BTC-PERPETUAL contract (face 10 USD) gains coin when the price rises, convexly', () => {
    const up = inverseDeltaOnePnl(10, 60_000, 66_000);
    const down = inverseDeltaOnePnl(10, 60_000, 54_000);
    expect(up).toBeGreaterThan(0);
    expect(down).toBeLessThan(0);
    // Concave in the coin: a 10 % fall costs more coin than a 10 % rise earns (gamma −2·face/p³ < 0).
    expect(-down).toBeGreaterThan(up);
    expect(up).toBeCloseTo(10 / 60_000 - 10 / 66_000, 18);
    expect(inverseDeltaOnePnl(10, 60_000, 60_000)).toBe(0);
  });

  it('is accurate for tiny moves, where 1/p0 − 1/p1 would cancel', () => {
    // p1 = p0·(1 + 1e-9): exact P&L = face·1e-9/(p0·(1 + 1e-9)).
    const p0 = 65_000;
    const p1 = p0 * (1 + 1e-9);
    const exact = (1e6 * (p1 - p0)) / p0 / p1;
    expect(Math.abs(inverseDeltaOnePnl(1e6, p0, p1) - exact) / exact).toBeLessThan(1e-15);
  });

  it('delta face/p² and gamma −2·face/p³ are the derivatives of the P&L in p1 (central differences)', () => {
    const face = 25_000;
    for (const p of [3_500, 65_000]) {
      const h = p * 1e-4;
      const fd = (inverseDeltaOnePnl(face, 60_000, p + h) - inverseDeltaOnePnl(face, 60_000, p - h)) / (2 * h);
      expect(Math.abs(inverseDeltaOneDelta(face, p) - fd) / fd).toBeLessThan(1e-7);
      const fd2 =
        (inverseDeltaOnePnl(face, 60_000, p + h) -
          2 * inverseDeltaOnePnl(face, 60_000, p) +
          inverseDeltaOnePnl(face, 60_000, p - h)) /
        (h * h);
      expect(Math.abs(inverseDeltaOneGamma(face, p) - fd2) / Math.abs(fd2)).toBeLessThan(1e-5);
    }
    // Delta × price is the coin-equivalent size: 10 USD at 50,000 is 0.0002 BTC.
    expect(inverseDeltaOneDelta(10, 50_000) * 50_000).toBeCloseTo(0.0002, 18);
  });
});

describe('linearDeltaOnePnl', () => {
  it('is multiplier × price change in the quote currency (ES: 50 USD per point)', () => {
    expect(linearDeltaOnePnl(50, 5_400, 5_432.25)).toBe(50 * 32.25);
    expect(linearDeltaOnePnl(50, 5_400, 5_300)).toBe(-5_000);
    expect(linearDeltaOneDelta(50)).toBe(50);
  });

  it('is antisymmetric and additive along a path', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 1000, noNaN: true }),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        (multiplier, a, b, c) => {
          // Prices on a 0.01 tick grid. fl(a − b) = −fl(b − a) exactly, so antisymmetry must hold bit for bit.
          const [p0, p1, p2] = [a / 100, b / 100, c / 100];
          expect(linearDeltaOnePnl(multiplier, p0, p1) + linearDeltaOnePnl(multiplier, p1, p0)).toBe(0);
          const pathSum = linearDeltaOnePnl(multiplier, p0, p1) + linearDeltaOnePnl(multiplier, p1, p2);
          expect(Math.abs(pathSum - linearDeltaOnePnl(multiplier, p0, p2))).toBeLessThanOrEqual(
            1e-15 * multiplier * (p0 + p1 + p2),
          );
        },
      ),
    );
  });
});
