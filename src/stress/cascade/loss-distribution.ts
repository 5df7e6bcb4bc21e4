/**
 * Distribution of account losses after a cascade (USD, loss positive): summary quantiles over all accounts and a
 * histogram of the positive losses on log-spaced bins (losses span several decades because notionals are lognormal);
 * losses below the first edge count in the first bin.
 */
export interface LossDistribution {
  readonly accounts: number;
  readonly accountsWithLoss: number;
  readonly total: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  /** Bin edges in USD (length bins + 1) and the number of accounts with a positive loss in each bin. */
  readonly histogram: { readonly edges: number[]; readonly counts: number[] };
}

/** Value at rank ⌈p·n⌉ (1-based) of sorted values: the empirical p-quantile. */
function quantile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export function lossDistribution(loss: Float64Array, bins = 24): LossDistribution {
  const sorted = Float64Array.from(loss).sort();
  let total = 0;
  let positive = 0;
  let minPositive = Infinity;
  for (const v of sorted) {
    total += v;
    if (v > 0) {
      positive++;
      if (v < minPositive) minPositive = v;
    }
  }
  const max = sorted.length === 0 ? 0 : sorted[sorted.length - 1]!;
  const edges: number[] = [];
  const counts: number[] = [];
  if (positive > 0) {
    // Bins start at 10⁻⁶ of the largest loss at the lowest: cents of socialised haircut would stretch the axis.
    const lo = Math.max(Math.log10(minPositive), Math.log10(max) - 6);
    const hi = Math.max(Math.log10(max), lo + 1e-9);
    for (let k = 0; k <= bins; k++) edges.push(10 ** (lo + ((hi - lo) * k) / bins));
    for (let k = 0; k < bins; k++) counts.push(0);
    for (const v of sorted) {
      if (v <= 0) continue;
      const k = Math.max(0, Math.min(bins - 1, Math.floor(((Math.log10(v) - lo) / (hi - lo)) * bins)));
      counts[k] = counts[k]! + 1;
    }
  }
  return {
    accounts: loss.length,
    accountsWithLoss: positive,
    total,
    mean: loss.length === 0 ? 0 : total / loss.length,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    max,
    histogram: { edges, counts },
  };
}
