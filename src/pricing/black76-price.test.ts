import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { BLACK76_MIN_STD_DEV, black76Price } from './black76-price.js';

/** Bounded generators: wide, but inside the domain validation lets through. */
const forwardArb = fc.double({ min: 0.01, max: 1e6, noNaN: true });
const moneynessArb = fc.double({ min: 0.2, max: 5, noNaN: true }); // strike / forward
const tauArb = fc.double({ min: 0, max: 5, noNaN: true });
const volArb = fc.double({ min: 0, max: 3, noNaN: true });
const rateArb = fc.double({ min: -0.05, max: 0.2, noNaN: true });

/** Rounding allowance for quantities of size F + K (the two terms of the formula are each exact to a few ulps). */
function roundingSlack(forward: number, strike: number): number {
  return 1e-14 * (forward + strike);
}

describe('black76Price oracles (methods/var-es.md §12)', () => {
  it('Black–Scholes S = 42, K = 40, r = 10 %, q = 0, σ = 20 %, T = 0.5 as Black-76 on F = 42·e^{0.05}', () => {
    const forward = 42 * Math.exp(0.1 * 0.5);
    const discount = Math.exp(-0.1 * 0.5);
    expect(Math.abs(black76Price(true, forward, 40, 0.5, 0.2, discount) - 4.7594223929)).toBeLessThan(1e-10);
    expect(Math.abs(black76Price(false, forward, 40, 0.5, 0.2, discount) - 0.8085993729)).toBeLessThan(1e-10);
  });

  it('Black-76 F = K = 19, r = 10 %, σ = 28 %, T = 0.75: call = put = 1.7010507252', () => {
    const discount = Math.exp(-0.1 * 0.75);
    expect(Math.abs(black76Price(true, 19, 19, 0.75, 0.28, discount) - 1.7010507252)).toBeLessThan(1e-10);
    expect(Math.abs(black76Price(false, 19, 19, 0.75, 0.28, discount) - 1.7010507252)).toBeLessThan(1e-10);
  });
});

describe('black76Price against 60-digit references (mpmath, same formula)', () => {
  // [isCall, F, K, τ, σ, r, value, relative tolerance]. Far out of the money the formula's two terms cancel; the
  // first two rows are the fixture cases where QuantLib is off by 4e-9 and 7e-9 relative.
  const cases: ReadonlyArray<readonly [boolean, number, number, number, number, number, number, number]> = [
    [true, 100, 200, 2, 0.1, -0.01, 1.8391262000244266e-6, 1e-12],
    [false, 100, 50, 2, 0.1, 0.1, 7.379666736724518e-7, 1e-12],
    [true, 1, 1.25, 0.02, 0.2, 0.05, 5.9015037494687806e-18, 1e-12],
    [false, 3000, 2000, 7 / 365, 0.6, 0.02, 2.056685665347387e-5, 1e-12],
    // σ√τ = 5e-4 at the money: F·(N(d1) − N(d2)) loses ~3 digits to cancellation.
    [true, 100, 100, 1e-6, 0.5, 0, 0.019947113812289197, 1e-12],
    // d1 ≈ −17 and the price is 1e-63: ~4 digits lost to cancellation, still far inside 1e-10.
    [false, 50, 25, 1 / 365, 0.8, 0.03, 6.738446240040551e-63, 1e-10],
  ];
  it.each(cases)('call=%s F=%s K=%s τ=%s σ=%s r=%s', (isCall, forward, strike, tau, vol, rate, value, tolerance) => {
    const price = black76Price(isCall, forward, strike, tau, vol, Math.exp(-rate * tau));
    expect(Math.abs(price - value) / value).toBeLessThan(tolerance);
  });
});

describe('black76Price degenerate inputs', () => {
  it('prices at discounted intrinsic value at expiry, with zero vol, and below the σ√τ threshold', () => {
    const discount = 0.97;
    for (const [tau, vol] of [
      [0, 0.5],
      [-0.1, 0.5],
      [1, 0],
      [1, -0.2],
      [1e-30, 0.5],
    ] as const) {
      expect(black76Price(true, 110, 100, tau, vol, discount)).toBe(discount * 10);
      expect(black76Price(false, 110, 100, tau, vol, discount)).toBe(0);
      expect(black76Price(true, 90, 100, tau, vol, discount)).toBe(0);
      expect(black76Price(false, 90, 100, tau, vol, discount)).toBe(discount * 10);
      expect(black76Price(true, 100, 100, tau, vol, discount)).toBe(0);
    }
  });

  it('is continuous across the σ√τ threshold', () => {
    const vol = 0.5;
    const tauAt = (BLACK76_MIN_STD_DEV / vol) ** 2;
    const below = black76Price(true, 100.5, 100, tauAt * 0.99, vol, 1);
    const above = black76Price(true, 100.5, 100, tauAt * 1.01, vol, 1);
    expect(below).toBe(0.5);
    expect(Math.abs(above - below)).toBeLessThan(1e-12);
  });

  it('handles strike → 0: the call tends to the discounted forward, the put to 0', () => {
    const discount = Math.exp(-0.05);
    expect(black76Price(true, 100, 0, 1, 0.8, discount)).toBe(discount * 100);
    expect(black76Price(false, 100, 0, 1, 0.8, discount)).toBe(0);
    // Approaching 0 from above through the formula, no NaN and the same limit.
    const nearZero = black76Price(true, 100, 1e-300, 1, 0.8, discount);
    expect(nearZero).toBeCloseTo(discount * 100, 12);
    expect(black76Price(false, 100, 1e-300, 1, 0.8, discount)).toBe(0);
    // A negative strike (e.g. a spread) is a certain exercise: D·(F − K).
    expect(black76Price(true, 100, -5, 1, 0.8, discount)).toBe(discount * 105);
  });

  it('propagates NaN instead of masking it', () => {
    expect(black76Price(true, Number.NaN, 100, 1, 0.5, 1)).toBeNaN();
    expect(black76Price(true, 100, 100, 1, Number.NaN, 1)).toBeNaN();
    expect(black76Price(false, 100, 100, Number.NaN, 0.5, 1)).toBeNaN();
  });
});

describe('black76Price no-arbitrage properties', () => {
  it('put–call parity: C − P = D·(F − K)', () => {
    fc.assert(
      fc.property(fc.tuple(forwardArb, moneynessArb, tauArb, volArb, rateArb), ([forward, m, tau, vol, rate]) => {
        const strike = forward * m;
        const discount = Math.exp(-rate * tau);
        const call = black76Price(true, forward, strike, tau, vol, discount);
        const put = black76Price(false, forward, strike, tau, vol, discount);
        expect(Math.abs(call - put - discount * (forward - strike))).toBeLessThanOrEqual(
          roundingSlack(forward, strike),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('stays within the bounds D·max(F − K, 0) ≤ C ≤ D·F and D·max(K − F, 0) ≤ P ≤ D·K', () => {
    fc.assert(
      fc.property(fc.tuple(forwardArb, moneynessArb, tauArb, volArb, rateArb), ([forward, m, tau, vol, rate]) => {
        const strike = forward * m;
        const discount = Math.exp(-rate * tau);
        const slack = roundingSlack(forward, strike);
        const call = black76Price(true, forward, strike, tau, vol, discount);
        const put = black76Price(false, forward, strike, tau, vol, discount);
        expect(call).toBeGreaterThanOrEqual(0);
        expect(put).toBeGreaterThanOrEqual(0);
        expect(call).toBeGreaterThanOrEqual(discount * (forward - strike) - slack);
        expect(put).toBeGreaterThanOrEqual(discount * (strike - forward) - slack);
        expect(call).toBeLessThanOrEqual(discount * forward + slack);
        expect(put).toBeLessThanOrEqual(discount * strike + slack);
      }),
      { numRuns: 2000 },
    );
  });

  it('is non-decreasing in volatility (calls and puts)', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.boolean(), forwardArb, moneynessArb, tauArb, volArb, volArb, rateArb),
        ([isCall, forward, m, tau, volA, volB, rate]) => {
          const strike = forward * m;
          const discount = Math.exp(-rate * tau);
          const low = black76Price(isCall, forward, strike, tau, Math.min(volA, volB), discount);
          const high = black76Price(isCall, forward, strike, tau, Math.max(volA, volB), discount);
          expect(high).toBeGreaterThanOrEqual(low - roundingSlack(forward, strike));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('call is non-increasing and put non-decreasing in strike, with slope within [−D, 0] / [0, D]', () => {
    fc.assert(
      fc.property(
        fc.tuple(forwardArb, moneynessArb, moneynessArb, tauArb, volArb, rateArb),
        ([forward, mA, mB, tau, vol, rate]) => {
          const kLow = forward * Math.min(mA, mB);
          const kHigh = forward * Math.max(mA, mB);
          const discount = Math.exp(-rate * tau);
          const slack = roundingSlack(forward, kHigh);
          const callLow = black76Price(true, forward, kLow, tau, vol, discount);
          const callHigh = black76Price(true, forward, kHigh, tau, vol, discount);
          const putLow = black76Price(false, forward, kLow, tau, vol, discount);
          const putHigh = black76Price(false, forward, kHigh, tau, vol, discount);
          expect(callHigh).toBeLessThanOrEqual(callLow + slack);
          expect(callLow - callHigh).toBeLessThanOrEqual(discount * (kHigh - kLow) + slack);
          expect(putHigh).toBeGreaterThanOrEqual(putLow - slack);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('is convex in strike (butterfly is non-negative)', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.boolean(), forwardArb, moneynessArb, fc.double({ min: 0.001, max: 0.5, noNaN: true })),
        fc.tuple(tauArb, volArb, rateArb),
        ([isCall, forward, m, width], [tau, vol, rate]) => {
          const strike = forward * m;
          const step = strike * width;
          const discount = Math.exp(-rate * tau);
          const fly =
            black76Price(isCall, forward, strike - step, tau, vol, discount) -
            2 * black76Price(isCall, forward, strike, tau, vol, discount) +
            black76Price(isCall, forward, strike + step, tau, vol, discount);
          expect(fly).toBeGreaterThanOrEqual(-4 * roundingSlack(forward, strike));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
