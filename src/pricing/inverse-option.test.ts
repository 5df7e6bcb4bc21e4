import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { black76Greeks, createGreeks } from './black76-greeks.js';
import { black76Price } from './black76-price.js';
import { inverseOptionGreeks, inverseOptionPrice } from './inverse-option.js';
import { normCdf } from '../numerics/normal.js';

/** Coin value as a function of (F, τ, σ) with r fixed and D = e^{−rτ}: what the coin greeks differentiate. */
function coinValue(isCall: boolean, forward: number, strike: number, tau: number, vol: number, rate: number): number {
  return inverseOptionPrice(isCall, forward, strike, tau, vol, Math.exp(-rate * tau));
}

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

function expectClose(actual: number, expected: number, rel: number, abs: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected) + abs);
}

/** BTC-like inputs: USD forwards of 1,000–200,000, strikes 0.6–1.6 × forward. */
const btcCaseArb = fc.record({
  isCall: fc.boolean(),
  forward: fc.double({ min: 1000, max: 200_000, noNaN: true }),
  moneyness: fc.double({ min: 0.6, max: 1.6, noNaN: true }),
  tau: fc.double({ min: 0.02, max: 2, noNaN: true }),
  vol: fc.double({ min: 0.2, max: 1.5, noNaN: true }),
  rate: fc.double({ min: -0.01, max: 0.1, noNaN: true }),
});

/**
 * Rounding of a coin price (≈ ulps of (F + K)/F ≤ 3) through the difference quotients; Richardson adds ~3×.
 * With V_coin of order 1 and F of order 1e4 these are far below the greeks themselves.
 */
const EPS = Number.EPSILON;

describe('inverseOptionPrice', () => {
  it('is the USD Black-76 value divided by the forward', () => {
    const discount = Math.exp(-0.01 * 0.25);
    const usd = black76Price(true, 66_150, 70_000, 0.25, 0.55, discount);
    expect(inverseOptionPrice(true, 66_150, 70_000, 0.25, 0.55, discount)).toBe(usd / 66_150);
    // An at-the-money coin option is worth ≈ 0.4·σ√τ coin, independent of the forward's level.
    const atm = inverseOptionPrice(false, 66_150, 66_150, 0.25, 0.55, 1);
    expect(atm).toBeCloseTo(0.4 * 0.55 * 0.5, 2);
    expect(inverseOptionPrice(false, 3_500, 3_500, 0.25, 0.55, 1)).toBeCloseTo(atm, 14);
  });

  it('a deep in-the-money coin call is worth (F − K)/F coin, a coin put (K − F)/F', () => {
    expect(inverseOptionPrice(true, 60_000, 30_000, 0.1, 0.3, 1)).toBeCloseTo(0.5, 12);
    expect(inverseOptionPrice(false, 30_000, 60_000, 0.1, 0.3, 1)).toBeCloseTo(1, 12);
  });
});

describe('inverseOptionGreeks', () => {
  it('price is bit-identical to inverseOptionPrice and the object is filled in place', () => {
    const out = createGreeks();
    fc.assert(
      fc.property(btcCaseArb, ({ isCall, forward, moneyness, tau, vol, rate }) => {
        const strike = forward * moneyness;
        expect(inverseOptionGreeks(isCall, forward, strike, tau, vol, rate, out)).toBe(out);
        expect(out.price).toBe(coinValue(isCall, forward, strike, tau, vol, rate));
      }),
    );
  });

  it('delta and gamma are ∂V_coin/∂F and ∂²V_coin/∂F² (central differences)', () => {
    const out = createGreeks();
    fc.assert(
      fc.property(btcCaseArb, ({ isCall, forward, moneyness, tau, vol, rate }) => {
        const strike = forward * moneyness;
        inverseOptionGreeks(isCall, forward, strike, tau, vol, rate, out);
        const price = (f: number): number => coinValue(isCall, f, strike, tau, vol, rate);
        const width = forward * vol * Math.sqrt(tau);
        const hDelta = 1e-3 * width;
        expectClose(out.delta, firstDerivative(price, forward, hDelta), 1e-7, (48 * EPS) / hDelta);
        const hGamma = 2e-2 * width;
        expectClose(out.gamma, secondDerivative(price, forward, hGamma), 1e-6, (192 * EPS) / (hGamma * hGamma));
      }),
      { numRuns: 500 },
    );
  });

  it('vega and theta are ∂V_coin/∂σ and −∂V_coin/∂τ (F, σ, r fixed; central differences)', () => {
    const out = createGreeks();
    fc.assert(
      fc.property(btcCaseArb, ({ isCall, forward, moneyness, tau, vol, rate }) => {
        const strike = forward * moneyness;
        inverseOptionGreeks(isCall, forward, strike, tau, vol, rate, out);
        const byVol = (v: number): number => coinValue(isCall, forward, strike, tau, v, rate);
        const hVol = 1e-3 * vol;
        expectClose(out.vega, firstDerivative(byVol, vol, hVol), 1e-7, (48 * EPS) / hVol);
        const byTau = (t: number): number => coinValue(isCall, forward, strike, t, vol, rate);
        const hTau = 1e-3 * tau;
        expectClose(out.theta, -firstDerivative(byTau, tau, hTau), 1e-7, (48 * EPS) / hTau);
      }),
      { numRuns: 500 },
    );
  });

  it("F·delta_coin is Deribit's displayed delta: N(d1)·D − V_coin for calls, −N(−d1)·D − V_coin for puts", () => {
    const out = createGreeks();
    fc.assert(
      fc.property(btcCaseArb, ({ isCall, forward, moneyness, tau, vol, rate }) => {
        const strike = forward * moneyness;
        const discount = Math.exp(-rate * tau);
        const stdDev = vol * Math.sqrt(tau);
        const d1 = Math.log(forward / strike) / stdDev + stdDev / 2;
        inverseOptionGreeks(isCall, forward, strike, tau, vol, rate, out);
        const usdDelta = isCall ? normCdf(d1) * discount : -normCdf(-d1) * discount;
        expectClose(forward * out.delta, usdDelta - out.price, 0, 1e-15);
      }),
    );
  });

  it('differs from the USD delta by the premium: deep in-the-money coin call delta K/F, coin put −K/F', () => {
    const out = createGreeks();
    // Call K = F/2: V_coin ≈ 1/2, USD delta ≈ 1, so the displayed delta ≈ 1/2 (the coin premium hedges half).
    inverseOptionGreeks(true, 60_000, 30_000, 0.05, 0.3, 0, out);
    expect(60_000 * out.delta).toBeCloseTo(0.5, 10);
    // Put K = 2F: V_coin ≈ 1, USD delta ≈ −1, displayed delta ≈ −2.
    inverseOptionGreeks(false, 30_000, 60_000, 0.05, 0.3, 0, out);
    expect(30_000 * out.delta).toBeCloseTo(-2, 10);
  });

  it('vega and theta are the USD greeks divided by F', () => {
    const usd = black76Greeks(false, 66_150, 60_000, 0.3, 0.6, 0.02, createGreeks());
    const coin = inverseOptionGreeks(false, 66_150, 60_000, 0.3, 0.6, 0.02, createGreeks());
    expectClose(coin.vega, usd.vega / 66_150, 1e-15, 0);
    expectClose(coin.theta, usd.theta / 66_150, 1e-15, 0);
  });

  it('at expiry: intrinsic coin value and the derivative of the coin payoff max(F − K, 0)/F', () => {
    const out = createGreeks();
    inverseOptionGreeks(true, 50_000, 40_000, 0, 0.5, 0.05, out);
    expect(out.price).toBeCloseTo(0.2, 15);
    // d/dF (1 − K/F) = K/F²; d²/dF² = −2K/F³.
    expectClose(out.delta, 40_000 / 50_000 ** 2, 1e-15, 0);
    expectClose(out.gamma, (-2 * 40_000) / 50_000 ** 3, 1e-15, 0);
    expect(out.vega).toBe(0);
    expect(out.theta).toBe(0);
  });
});
