/**
 * Tail sizes for empirical VaR / ES without floating-point drift (methods/var-es.md §1, DESIGN.md "Quantiles").
 *
 * `(1 − 0.99) · 100` is 1.0000000000000009 in doubles, so a naive `Math.ceil` gives 2 instead of 1. We take the
 * tail probability in integer units of 1e-9 (confidence levels have at most nine decimals), multiply by N in exact
 * integer arithmetic (exact while the product stays below 2^53, i.e. N up to 9 million) and divide once, so the
 * result is the double nearest the true (1 − α)·N: 1 for (0.99, 100), 6.25 for (0.975, 250).
 */

const UNITS = 1e9;

/** m = (1 − α)·N, free of drift. */
export function tailMass(alpha: number, n: number): number {
  const units = Math.round((1 - alpha) * UNITS);
  return (units * n) / UNITS;
}

/** k = ⌈(1 − α)·N⌉: VaR is the k-th worst loss. At least 1, at most N. */
export function varRank(alpha: number, n: number): number {
  return Math.min(n, Math.max(1, Math.ceil(tailMass(alpha, n))));
}
