/**
 * Black-76 price of a European option on a forward (methods/var-es.md §12 oracle: F = K = 19, r = 10 %,
 * σ = 28 %, T = 0.75 → 1.7010507252).
 *
 *   call = D·(F·N(d1) − K·N(d2)),  put = D·(K·N(−d2) − F·N(−d1)),
 *   d1 = (ln(F/K) + s²/2)/s,  d2 = d1 − s,  s = σ·√τ,  D = e^{−rτ}.
 *
 * Units: forward and strike in the quote currency (USD for crypto options), tau in years ACT/365, vol as a
 * decimal, discount dimensionless. The result is in the quote currency per 1 unit of underlying.
 *
 * Hot-loop kernel: no validation, no throwing, no allocation. Inputs are checked upstream.
 */

import { normCdf } from '../numerics/normal.js';

/**
 * Below this total standard deviation σ√τ the option is priced at (discounted) intrinsic value: the time value
 * at the money is ≈ 0.4·F·σ√τ, i.e. below 4e-13 of the forward, and d1/d2 would divide by almost nothing.
 */
export const BLACK76_MIN_STD_DEV = 1e-12;

/**
 * Black-76 option value = discount × undiscounted Black value.
 *
 * @param isCall   true for a call, false for a put
 * @param forward  forward price F of the underlying for the option's expiry (quote currency)
 * @param strike   strike K (quote currency)
 * @param tau      time to expiry in years (ACT/365)
 * @param vol      Black (lognormal) volatility, decimal per √year
 * @param discount discount factor e^{−rτ} to the payment date
 * @returns option value in the quote currency per 1 unit of underlying
 *
 * Degenerate inputs (the kernel never throws):
 * - tau ≤ 0, vol ≤ 0 or σ√τ < 1e-12: discounted intrinsic value D·max(±(F − K), 0).
 * - strike ≤ 0: the call is exercised with certainty, so call = D·(F − K), put = 0 (this is also the K → 0⁺
 *   limit of the formula, reached without evaluating ln(F/0)).
 * - NaN in any input propagates to a NaN result rather than being masked by a branch.
 */
export function black76Price(
  isCall: boolean,
  forward: number,
  strike: number,
  tau: number,
  vol: number,
  discount: number,
): number {
  if (strike <= 0) return isCall ? discount * (forward - strike) : 0;
  if (tau <= 0 || vol <= 0) return discountedIntrinsic(isCall, forward, strike, discount);
  const stdDev = vol * Math.sqrt(tau);
  if (stdDev < BLACK76_MIN_STD_DEV) return discountedIntrinsic(isCall, forward, strike, discount);
  const d1 = Math.log(forward / strike) / stdDev + 0.5 * stdDev;
  const d2 = d1 - stdDev;
  // Each side uses the tail probabilities of its own exercise event, so the out-of-the-money option is a
  // difference of small numbers (no 1 − N rounding), as in QuantLib's BlackCalculator. Far out of the money the
  // two terms agree to many digits and rounding can leave a difference of a few ulps below zero: a value below
  // zero is never right, so it is floored at 0.
  const undiscounted = isCall
    ? forward * normCdf(d1) - strike * normCdf(d2)
    : strike * normCdf(-d2) - forward * normCdf(-d1);
  return undiscounted < 0 ? 0 : discount * undiscounted;
}

/** D·max(F − K, 0) for a call, D·max(K − F, 0) for a put. */
export function discountedIntrinsic(isCall: boolean, forward: number, strike: number, discount: number): number {
  const intrinsic = isCall ? forward - strike : strike - forward;
  return intrinsic < 0 ? 0 : discount * intrinsic;
}
