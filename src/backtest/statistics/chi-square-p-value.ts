import chiSquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import erfc from '@stdlib/math-base-special-erfc';

/**
 * Upper-tail probability P(χ²_df ≥ statistic), the asymptotic p-value of every likelihood-ratio test here
 * (backtesting.md §1–§4, §6 C_ES).
 *
 * Why closed forms for df = 1 and 2: `1 − cdf` cancels catastrophically once the cdf is within 1e-16 of 1, so a
 * badly failing model (LR in the hundreds) would print p = 0 instead of, say, 3e-40. For df = 1,
 * P(χ²₁ ≥ s) = P(|Z| ≥ √s) = erfc(√(s/2)); for df = 2, χ²₂ is exponential with mean 2, so P = e^{−s/2}. Other df
 * (C_ES with m lags) use @stdlib's regularised-gamma cdf.
 */
export function chiSquarePValue(statistic: number, df: number): number {
  if (Number.isNaN(statistic)) return NaN;
  if (statistic <= 0) return 1;
  if (df === 1) return erfc(Math.sqrt(statistic / 2));
  if (df === 2) return Math.exp(-statistic / 2);
  return Math.max(0, 1 - chiSquareCdf(statistic, df));
}
