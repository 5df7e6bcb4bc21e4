/**
 * Average entry price of a future or perpetual after a trade (docs/accounts.md "Entry price"), so that unrealised P&L
 * stays additive: the position after the trade has, at any mark, the P&L of the old position plus the P&L of the
 * fill.
 *
 * - linear settlement (P&L q·(m − e)): e₁ = (q₀·e₀ + Δq·p) / q₁;
 * - inverse settlement (coin P&L q·(1/e − 1/m)): 1/e₁ = (q₀/e₀ + Δq/p) / q₁ (a harmonic average).
 *
 * A trade that reduces the position keeps e₀ (the closed part's P&L is realised: the venue posts it to collateral);
 * one that crosses zero starts the new side at p; a closed position has none. Undefined when the old position had
 * no entry price while being added to, or when no fill price is known.
 */
export function entryAfterTrade(settlement: 'linear' | 'inverse', q0: number, e0: number | undefined, dq: number, price: number | undefined): number | undefined {
  const q1 = q0 + dq;
  if (q1 === 0) return undefined;
  if (q0 === 0 || Math.sign(q1) !== Math.sign(q0)) return price;
  if (Math.abs(q1) < Math.abs(q0)) return e0;
  if (e0 === undefined || price === undefined) return undefined;
  return settlement === 'linear' ? (q0 * e0 + dq * price) / q1 : q1 / (q0 / e0 + dq / price);
}
