/**
 * Coin-settled ("inverse", Deribit-style) European options: quoted, margined and settled in the coin, on a USD
 * forward. One contract is on 1 coin of underlying.
 *
 * Deribit's mark convention: the coin price is the USD Black-76 value divided by the forward,
 *
 *   V_coin = V_usd / F,   V_usd = black76Price(isCall, F, K, τ, σ, D).
 *
 * The greeks here are derivatives of the COIN price, so they can be used directly on coin P&L (DESIGN.md "Units":
 * inverse instruments have P&L in the coin). With Δ, Γ, vega, θ the USD Black-76 greeks (black76-greeks.ts):
 *
 *   delta_coin = ∂V_coin/∂F   = (Δ − V_coin)/F          coin per USD of forward move
 *   gamma_coin = ∂²V_coin/∂F² = (Γ − 2·delta_coin)/F    coin per USD²
 *   vega_coin  = ∂V_coin/∂σ   = vega/F                  coin per 1.00 of vol
 *   theta_coin = ∂V_coin/∂t   = θ/F                     coin per year (F, σ, r fixed)
 *
 * Deribit's displayed option delta (in coin per coin, i.e. "BTC delta") is F·delta_coin = Δ − V_coin, which for a
 * call is N(d1)·D − V_coin and for a put −N(−d1)·D − V_coin: the USD delta less the coin premium, because the
 * premium itself is a coin holding whose USD value moves with F.
 *
 * Kernels: never throw, never allocate. The forward must be > 0 (validated upstream); F = 0 gives ±Infinity/NaN.
 */

import { black76Greeks, type OptionGreeks } from './black76-greeks.js';
import { black76Price } from './black76-price.js';

/**
 * Coin price of an inverse option per 1 coin of underlying: black76Price(...)/F.
 *
 * @param forward  USD forward F (> 0)
 * @param strike   USD strike K
 * @param tau      years to expiry (ACT/365)
 * @param vol      Black volatility, decimal
 * @param discount e^{−rτ}
 * @returns value in coin
 */
export function inverseOptionPrice(
  isCall: boolean,
  forward: number,
  strike: number,
  tau: number,
  vol: number,
  discount: number,
): number {
  return black76Price(isCall, forward, strike, tau, vol, discount) / forward;
}

/**
 * Coin price and coin greeks of an inverse option, written into `out` (also returned). Units in the module
 * comment; degenerate inputs (expiry, zero vol, strike ≤ 0) follow black76Greeks and are then converted with the
 * same formulas.
 *
 * @param rate continuously compounded rate r; D = e^{−rτ}
 */
export function inverseOptionGreeks(
  isCall: boolean,
  forward: number,
  strike: number,
  tau: number,
  vol: number,
  rate: number,
  out: OptionGreeks,
): OptionGreeks {
  black76Greeks(isCall, forward, strike, tau, vol, rate, out);
  // Divisions rather than a shared reciprocal so that out.price is bit-identical to inverseOptionPrice.
  const priceCoin = out.price / forward;
  const deltaCoin = (out.delta - priceCoin) / forward;
  out.gamma = (out.gamma - 2 * deltaCoin) / forward;
  out.price = priceCoin;
  out.delta = deltaCoin;
  out.vega /= forward;
  out.theta /= forward;
  return out;
}
