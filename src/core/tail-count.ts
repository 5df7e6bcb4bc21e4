/**
 * Tail sizes for empirical VaR / ES without floating-point drift (methods/var-es.md §1, DESIGN.md "Quantiles").
 *
 * `(1 − 0.99) · 100` is 1.0000000000000009 in doubles, so a naive `Math.ceil` gives 2 instead of 1. We snap the
 * product to the nearest integer when it is within a relative 1e-9 of it: confidence levels are given to at most a
 * few decimals, so a genuine tail mass is never that close to an integer without being one.
 */

/** Snaps `(1 − alpha) · n` to an integer when drift made it miss by a hair. */
export function tailMass(alpha: number, n: number): number {
  const x = (1 - alpha) * n;
  const r = Math.round(x);
  return Math.abs(x - r) <= 1e-9 * Math.max(1, Math.abs(x)) ? r : x;
}

/** k = ⌈(1 − α)·N⌉: VaR is the k-th worst loss. At least 1, at most N. */
export function varRank(alpha: number, n: number): number {
  return Math.min(n, Math.max(1, Math.ceil(tailMass(alpha, n))));
}
