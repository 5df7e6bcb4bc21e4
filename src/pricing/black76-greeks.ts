/**
 * Black-76 value and first/second-order sensitivities of a European option on a forward, in one pass.
 *
 * Conventions (pinned by the QuantLib fixture, test/fixtures/quantlib-black76.json):
 * - price  V = D·Black(F, K, σ√τ), D = e^{−rτ}, quote currency per 1 unit of underlying;
 * - delta  ∂V/∂F (forward delta, discounted: call D·N(d1), put −D·N(−d1)), dimensionless;
 * - gamma  ∂²V/∂F² = D·n(d1)/(F·σ√τ), per unit of quote currency;
 * - vega   ∂V/∂σ per 1.00 of vol (not per vol point) = D·F·n(d1)·√τ, quote currency;
 * - theta  ∂V/∂t per year of calendar time passing with F, σ and r held fixed, i.e. −∂V/∂τ including the
 *          discount factor's dependence on τ: r·V − D·F·n(d1)·σ/(2√τ), quote currency per year. Divide by 365 for a
 *          per-day figure.
 *
 * Hot-loop kernel: never throws, never allocates; the caller owns `out` (see createGreeks()).
 */

import { BLACK76_MIN_STD_DEV } from './black76-price.js';
import { normCdf, normPdf } from '../numerics/normal.js';

/** Value and sensitivities of one option; units as in the module comment. */
export interface OptionGreeks {
  price: number;
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
}

/** A zero-filled OptionGreeks for callers to reuse as the `out` argument (allocate once, outside the loop). */
export function createGreeks(): OptionGreeks {
  return { price: 0, delta: 0, gamma: 0, vega: 0, theta: 0 };
}

/**
 * Black-76 value and greeks, written into `out` (which is also returned).
 *
 * @param isCall  true for a call, false for a put
 * @param forward forward price F (quote currency)
 * @param strike  strike K (quote currency)
 * @param tau     time to expiry in years (ACT/365)
 * @param vol     Black volatility, decimal per √year
 * @param rate    continuously compounded discount rate r (decimal per year); D = e^{−rτ}
 * @param out     receives the result
 *
 * Degenerate inputs:
 * - tau ≤ 0 (at or past expiry): price = intrinsic value (D taken as 1), gamma = vega = theta = 0, and delta is the
 *   derivative of the payoff, a step: call 1 if F > K, 0 if F < K; put −1 if F < K, 0 if F > K; exactly at the money
 *   ±½ (the σ√τ → 0 limit of N(d1), and the mid-point of the step).
 * - tau > 0 but vol ≤ 0 or σ√τ < 1e-12 (no uncertainty left): as above with D = e^{−rτ}: price D·intrinsic, delta
 *   the step times D, gamma = vega = 0, theta = r·price (the only time decay left is discounting). At F = K the
 *   true σ → 0 limits of vega and theta are not 0; we report 0 because the position has no optionality left to
 *   hedge.
 * - strike ≤ 0: the call is a forward contract (price D·(F − K), delta D, theta r·price, gamma = vega = 0); the put
 *   is worthless (all zero).
 */
export function black76Greeks(
  isCall: boolean,
  forward: number,
  strike: number,
  tau: number,
  vol: number,
  rate: number,
  out: OptionGreeks,
): OptionGreeks {
  const expired = tau <= 0;
  const discount = expired ? 1 : Math.exp(-rate * tau);
  out.gamma = 0;
  out.vega = 0;

  if (strike <= 0) {
    if (isCall) {
      out.price = discount * (forward - strike);
      out.delta = discount;
      out.theta = expired ? 0 : rate * out.price;
    } else {
      out.price = 0;
      out.delta = 0;
      out.theta = 0;
    }
    return out;
  }

  const sqrtTau = expired ? 0 : Math.sqrt(tau);
  const stdDev = vol * sqrtTau;
  if (expired || vol <= 0 || stdDev < BLACK76_MIN_STD_DEV) {
    const intrinsic = isCall ? forward - strike : strike - forward;
    out.price = intrinsic < 0 ? 0 : discount * intrinsic;
    // Payoff slope: 1 in the money, 0 out of it, ½ on the kink; sign −1 for puts.
    const step = forward === strike ? 0.5 : intrinsic > 0 ? 1 : 0;
    // `step === 0` keeps an out-of-the-money put's delta at +0 rather than −0.
    out.delta = step === 0 ? 0 : (isCall ? step : -step) * discount;
    out.theta = expired ? 0 : rate * out.price;
    return out;
  }

  const d1 = Math.log(forward / strike) / stdDev + 0.5 * stdDev;
  const d2 = d1 - stdDev;
  const pdfD1 = normPdf(d1);
  let undiscounted: number;
  if (isCall) {
    const nD1 = normCdf(d1);
    undiscounted = forward * nD1 - strike * normCdf(d2);
    out.delta = discount * nD1;
  } else {
    const nMinusD1 = normCdf(-d1);
    undiscounted = strike * normCdf(-d2) - forward * nMinusD1;
    out.delta = -discount * nMinusD1;
  }
  // Same floor as black76Price so that out.price is bit-identical to it.
  out.price = undiscounted < 0 ? 0 : discount * undiscounted;
  // D·F·n(d1) (= D·K·n(d2)) is the common factor of gamma, vega and theta.
  const dfPdf = discount * forward * pdfD1;
  out.gamma = (discount * pdfD1) / (forward * stdDev);
  out.vega = dfPdf * sqrtTau;
  out.theta = rate * out.price - (dfPdf * vol) / (2 * sqrtTau);
  return out;
}
