import { normalQuantile } from '../../numerics/normal-tail.js';

/**
 * Cornish–Fisher expansion (methods/var-es.md §4): the α-tail quantile of a standardised P&L with skewness S and
 * excess kurtosis K,
 *
 *   z = Φ⁻¹(1−α) < 0,  z_cf = z + (z²−1)S/6 + (z³−3z)K/24 − (2z³−5z)S²/36,
 *
 * and VaR = −(μ + z_cf σ) in loss terms (P&L gain positive, so the loss tail is the left tail and negative skew
 * makes z_cf more negative). Table: (S, K) = (−0.5, 3) at α = 0.99 → −3.3012844922.
 *
 * Not monotone in α for large |S| or K (the expansion is only valid in Maillard's 2012 domain); we do not clamp,
 * callers who feed extreme moments should check the result against a simulation.
 */
export function cornishFisherQuantile(alpha: number, skewness: number, excessKurtosis: number): number {
  const z = normalQuantile(1 - alpha);
  const z2 = z * z;
  const z3 = z2 * z;
  return z + ((z2 - 1) * skewness) / 6 + ((z3 - 3 * z) * excessKurtosis) / 24 - ((2 * z3 - 5 * z) * skewness * skewness) / 36;
}

/** VaR_α = −(μ + z_cf σ) of a P&L (gain positive) with mean μ, sd σ, skewness S, excess kurtosis K; a positive loss. */
export function cornishFisherVaR(mean: number, sigma: number, skewness: number, excessKurtosis: number, alpha: number): number {
  return -(mean + cornishFisherQuantile(alpha, skewness, excessKurtosis) * sigma);
}
