import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { black76Greeks, createGreeks } from './black76-greeks.js';
import { black76Price } from './black76-price.js';
import { normCdf, normPdf } from '../numerics/normal.js';

/** V as a function of (F, τ, σ) with r fixed and D = e^{−rτ}: what the greeks differentiate. */
function value(isCall: boolean, forward: number, strike: number, tau: number, vol: number, rate: number): number {
  return black76Price(isCall, forward, strike, tau, vol, Math.exp(-rate * tau));
}

/**
 * Inputs where central differences are well conditioned: not so short-dated or far from the money that the
 * greeks are pure rounding noise.
 */
const smoothCaseArb = fc.record({
  isCall: fc.boolean(),
  forward: fc.double({ min: 1, max: 1e5, noNaN: true }),
  moneyness: fc.double({ min: 0.6, max: 1.6, noNaN: true }),
  tau: fc.double({ min: 0.05, max: 3, noNaN: true }),
  vol: fc.double({ min: 0.1, max: 1.5, noNaN: true }),
  rate: fc.double({ min: -0.02, max: 0.15, noNaN: true }),
});

/** Central first difference with one Richardson step: error O(h⁴). */
function firstDerivative(f: (x: number) => number, x: number, h: number): number {
  const wide = (f(x + h) - f(x - h)) / (2 * h);
  const narrow = (f(x + h / 2) - f(x - h / 2)) / h;
  return (4 * narrow - wide) / 3;
}

/** Central second difference with one Richardson step: error O(h⁴). */
function secondDerivative(f: (x: number) => number, x: number, h: number): number {
  const centre = f(x);
  const wide = (f(x + h) - 2 * centre + f(x - h)) / (h * h);
  const narrow = (f(x + h / 2) - 2 * centre + f(x - h / 2)) / ((h * h) / 4);
  return (4 * narrow - wide) / 3;
}

/**
 * Rounding allowance of firstDerivative / secondDerivative: each price is exact to a few ulps of F + K (the size of
 * the two terms of the formula), and the differences divide that by h (by h² for the second derivative); the
 * Richardson weights add a factor of about 3.
 */
const EPS = Number.EPSILON;
function firstDerivativeRounding(scale: number, h: number): number {
  return (16 * EPS * scale) / h;
}
function secondDerivativeRounding(scale: number, h: number): number {
  return (64 * EPS * scale) / (h * h);
}

/** |a − b| ≤ rel·|b| + abs. */
function expectClose(actual: number, expected: number, rel: number, abs: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected) + abs);
}

describe('black76Greeks', () => {
  it('fills and returns the caller-owned object, and createGreeks starts at zero', () => {
    const out = createGreeks();
    expect(out).toEqual({ price: 0, delta: 0, gamma: 0, vega: 0, theta: 0 });
    expect(createGreeks()).not.toBe(out);
    const returned = black76Greeks(true, 100, 100, 1, 0.5, 0.05, out);
    expect(returned).toBe(out);
    expect(out.price).toBeGreaterThan(0);
  });

  it('Hull example greeks in closed form (F = 42·e^{0.05}, K = 40, σ = 20 %, τ = 0.5, r = 10 %)', () => {
    const forward = 42 * Math.exp(0.05);
    const discount = Math.exp(-0.05);
    const stdDev = 0.2 * Math.sqrt(0.5);
    const d1 = Math.log(forward / 40) / stdDev + stdDev / 2;
    const out = black76Greeks(true, forward, 40, 0.5, 0.2, 0.1, createGreeks());
    expect(Math.abs(out.price - 4.7594223929)).toBeLessThan(1e-10);
    // The forward delta is D·N(d1); times ∂F/∂S = e^{0.05} it is the Black–Scholes spot delta N(d1), which QuantLib
    // (spot 42, q = 0, AnalyticEuropeanEngine) gives as 0.7791312909426688.
    expectClose(out.delta, discount * normCdf(d1), 1e-15, 0);
    expectClose(out.delta * Math.exp(0.05), 0.7791312909426688, 1e-12, 0);
    expectClose(out.gamma, (discount * normPdf(d1)) / (forward * stdDev), 1e-14, 0);
    expectClose(out.vega, discount * forward * normPdf(d1) * Math.sqrt(0.5), 1e-14, 0);
  });

  it('price is bit-identical to black76Price with D = e^{−rτ}', () => {
    const out = createGreeks();
    fc.assert(
      fc.property(smoothCaseArb, fc.double({ min: 0.0001, max: 0.05, noNaN: true }), (c, shortTau) => {
        for (const tau of [c.tau, shortTau]) {
          black76Greeks(c.isCall, c.forward, c.forward * c.moneyness, tau, c.vol, c.rate, out);
          expect(out.price).toBe(value(c.isCall, c.forward, c.forward * c.moneyness, tau, c.vol, c.rate));
        }
      }),
    );
  });

  it('delta and gamma are the first and second F-derivatives of the price (central differences)', () => {
    const out = createGreeks();
    fc.assert(
      fc.property(smoothCaseArb, ({ isCall, forward, moneyness, tau, vol, rate }) => {
        const strike = forward * moneyness;
        black76Greeks(isCall, forward, strike, tau, vol, rate, out);
        const price = (f: number): number => value(isCall, f, strike, tau, vol, rate);
        // Steps scale with the distribution's width F·σ√τ, so the truncation error is uniformly small.
        const width = forward * vol * Math.sqrt(tau);
        const scale = forward + strike;
        const hDelta = 1e-3 * width;
        expectClose(out.delta, firstDerivative(price, forward, hDelta), 1e-7, firstDerivativeRounding(scale, hDelta));
        const hGamma = 2e-2 * width;
        expectClose(out.gamma, secondDerivative(price, forward, hGamma), 1e-6, secondDerivativeRounding(scale, hGamma));
      }),
      { numRuns: 500 },
    );
  });

  it('vega is ∂V/∂σ per 1.00 of vol, theta is −∂V/∂τ with F, σ, r fixed (central differences)', () => {
    const out = createGreeks();
    fc.assert(
      fc.property(smoothCaseArb, ({ isCall, forward, moneyness, tau, vol, rate }) => {
        const strike = forward * moneyness;
        black76Greeks(isCall, forward, strike, tau, vol, rate, out);
        const scale = forward + strike;
        const byVol = (v: number): number => value(isCall, forward, strike, tau, v, rate);
        const hVol = 1e-3 * vol;
        expectClose(out.vega, firstDerivative(byVol, vol, hVol), 1e-7, firstDerivativeRounding(scale, hVol));
        const byTau = (t: number): number => value(isCall, forward, strike, t, vol, rate);
        const hTau = 1e-3 * tau;
        expectClose(out.theta, -firstDerivative(byTau, tau, hTau), 1e-7, firstDerivativeRounding(scale, hTau));
      }),
      { numRuns: 500 },
    );
  });

  it('theta includes the discount factor: with r > 0 a deep in-the-money call has positive theta', () => {
    // V ≈ D·(F − K) deep in the money, so −∂V/∂τ ≈ r·V > 0; the diffusion part is negligible here.
    const out = black76Greeks(true, 200, 100, 1, 0.1, 0.05, createGreeks());
    expectClose(out.theta, 0.05 * out.price, 1e-9, 0);
    expect(out.theta).toBeGreaterThan(0);
    // With r = 0 theta is the pure diffusion term −F·n(d1)·σ/(2√τ) < 0.
    const atm = black76Greeks(true, 100, 100, 0.25, 0.6, 0, createGreeks());
    expectClose(atm.theta, (-100 * normPdf(0.15) * 0.6) / (2 * 0.5), 1e-14, 0);
  });

  it('put–call relations: Δc − Δp = D, equal gamma and vega, θc − θp = r·D·(F − K)', () => {
    const call = createGreeks();
    const put = createGreeks();
    fc.assert(
      fc.property(smoothCaseArb, ({ forward, moneyness, tau, vol, rate }) => {
        const strike = forward * moneyness;
        const discount = Math.exp(-rate * tau);
        black76Greeks(true, forward, strike, tau, vol, rate, call);
        black76Greeks(false, forward, strike, tau, vol, rate, put);
        expectClose(call.delta - put.delta, discount, 0, 4e-16);
        expect(call.gamma).toBe(put.gamma);
        expect(call.vega).toBe(put.vega);
        expectClose(call.theta - put.theta, rate * discount * (forward - strike), 0, 1e-13 * forward);
      }),
    );
  });

  it('at expiry: intrinsic price, step delta (½ at the money), zero gamma, vega and theta', () => {
    const out = createGreeks();
    const cases: ReadonlyArray<readonly [boolean, number, number, number]> = [
      // [isCall, F, price, delta] with K = 100
      [true, 110, 10, 1],
      [true, 90, 0, 0],
      [true, 100, 0, 0.5],
      [false, 90, 10, -1],
      [false, 110, 0, 0],
      [false, 100, 0, -0.5],
    ];
    for (const tau of [0, -0.01]) {
      for (const [isCall, forward, price, delta] of cases) {
        black76Greeks(isCall, forward, 100, tau, 0.5, 0.05, out);
        expect(out).toEqual({ price, delta, gamma: 0, vega: 0, theta: 0 });
      }
    }
  });

  it('with no vol left (σ ≤ 0 or σ√τ < 1e-12) before expiry: discounted intrinsic, D·step delta, θ = r·V', () => {
    const out = createGreeks();
    const discount = Math.exp(-0.05 * 0.5);
    for (const vol of [0, -1, 1e-13]) {
      black76Greeks(true, 110, 100, 0.5, vol, 0.05, out);
      expect(out.price).toBe(discount * 10);
      expect(out.delta).toBe(discount);
      expect(out.gamma).toBe(0);
      expect(out.vega).toBe(0);
      expect(out.theta).toBe(0.05 * (discount * 10));
      black76Greeks(false, 100, 100, 0.5, vol, 0.05, out);
      expect(out.price).toBe(0);
      expect(out.delta).toBe(-0.5 * discount);
    }
  });

  it('strike ≤ 0: the call is a discounted forward, the put is worthless', () => {
    const out = createGreeks();
    const discount = Math.exp(-0.03);
    black76Greeks(true, 100, 0, 1, 0.5, 0.03, out);
    expect(out).toEqual({ price: discount * 100, delta: discount, gamma: 0, vega: 0, theta: 0.03 * discount * 100 });
    black76Greeks(false, 100, 0, 1, 0.5, 0.03, out);
    expect(out).toEqual({ price: 0, delta: 0, gamma: 0, vega: 0, theta: 0 });
  });
});
