import { normalQuantile } from '../../numerics/normal-tail.js';

/**
 * The two aggregations every SIMM risk class shares (ISDA SIMM methodology, "Delta margin", "Vega margin",
 * "Curvature margin"): weighted risk factors within a bucket, then buckets within a risk class, the residual bucket
 * added linearly. Amounts are USD.
 */

/** One weighted risk factor: WS_k (delta, vega) or CVR_k (curvature), with its concentration factor CR_k. */
export interface WeightedFactor {
  readonly bucket: string;
  readonly qualifier: string;
  readonly label1: string;
  readonly label2: string;
  /** Which kind of factor it is within the risk class (the CRIF risk type), for correlations. */
  readonly kind: string;
  readonly weighted: number;
  /** Concentration risk factor CR_k ≥ 1 (1 where none applies). */
  readonly concentration: number;
}

export interface BucketFigures {
  readonly bucket: string;
  /** K_b. */
  readonly k: number;
  /** S_b = max(min(Σ WS_k, K_b), −K_b). */
  readonly s: number;
  /** Σ WS_k (curvature: Σ CVR_k). */
  readonly sum: number;
  readonly sumAbs: number;
}

export interface RiskClassAggregation {
  readonly margin: number;
  readonly buckets: BucketFigures[];
}

export interface AggregationRules {
  /** ρ_kl between two distinct factors of one bucket. */
  readonly intra: (a: WeightedFactor, b: WeightedFactor) => number;
  /** γ_bc between two distinct non-residual buckets. */
  readonly inter: (b: string, c: string) => number;
  readonly isResidual: (bucket: string) => boolean;
  /** g_bc (IR delta only): min(CR_b, CR_c) / max(CR_b, CR_c); 1 when absent. */
  readonly interScale?: (b: string, c: string) => number;
}

function groupByBucket(factors: readonly WeightedFactor[]): Map<string, WeightedFactor[]> {
  const byBucket = new Map<string, WeightedFactor[]>();
  for (const f of [...factors].sort(compareFactors)) {
    const list = byBucket.get(f.bucket);
    if (list === undefined) byBucket.set(f.bucket, [f]);
    else list.push(f);
  }
  return byBucket;
}

/** A fixed order so that the floating-point sums do not depend on the order of the input rows. */
function compareFactors(a: WeightedFactor, b: WeightedFactor): number {
  return cmp(a.bucket, b.bucket) || cmp(a.kind, b.kind) || cmp(a.qualifier, b.qualifier) || cmp(a.label1, b.label1) || cmp(a.label2, b.label2);
}
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** K_b with ρ_kl (squared for curvature) and f_kl = min(CR_k, CR_l) / max(CR_k, CR_l). */
function bucketFigures(bucket: string, factors: readonly WeightedFactor[], rules: AggregationRules, squared: boolean): BucketFigures {
  let variance = 0;
  let sum = 0;
  let sumAbs = 0;
  for (let i = 0; i < factors.length; i++) {
    const a = factors[i]!;
    sum += a.weighted;
    sumAbs += Math.abs(a.weighted);
    variance += a.weighted * a.weighted;
    for (let j = i + 1; j < factors.length; j++) {
      const b = factors[j]!;
      const rho = rules.intra(a, b);
      const f = squared ? 1 : Math.min(a.concentration, b.concentration) / Math.max(a.concentration, b.concentration);
      variance += 2 * (squared ? rho * rho : rho) * f * a.weighted * b.weighted;
    }
  }
  const k = Math.sqrt(Math.max(variance, 0));
  return { bucket, k, s: Math.max(Math.min(sum, k), -k), sum, sumAbs };
}

/** √(Σ K_b² + Σ_{b≠c} γ_bc g_bc S_b S_c) over the non-residual buckets (curvature: γ_bc², no g). */
function acrossBuckets(buckets: readonly BucketFigures[], rules: AggregationRules, squared: boolean): number {
  let variance = 0;
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i]!;
    variance += b.k * b.k;
    for (let j = i + 1; j < buckets.length; j++) {
      const c = buckets[j]!;
      const gamma = rules.inter(b.bucket, c.bucket);
      const g = squared || rules.interScale === undefined ? 1 : rules.interScale(b.bucket, c.bucket);
      variance += 2 * (squared ? gamma * gamma : gamma) * g * b.s * c.s;
    }
  }
  return Math.sqrt(Math.max(variance, 0));
}

/**
 * Delta or vega margin of one risk class: K_b per bucket, then √(Σ K_b² + Σ γ_bc g_bc S_b S_c) over the non-residual
 * buckets, plus K_residual added linearly.
 */
export function aggregateBuckets(factors: readonly WeightedFactor[], rules: AggregationRules): RiskClassAggregation {
  const buckets = [...groupByBucket(factors)].map(([bucket, list]) => bucketFigures(bucket, list, rules, false));
  const regular = buckets.filter((b) => !rules.isResidual(b.bucket));
  const residual = buckets.filter((b) => rules.isResidual(b.bucket)).reduce((total, b) => total + b.k, 0);
  return { margin: acrossBuckets(regular, rules, false) + residual, buckets };
}

/** λ = (Φ⁻¹(0.995)² − 1)(1 + θ) − θ, θ = min(Σ CVR / Σ |CVR|, 0) (SIMM methodology, curvature margin). */
export function curvatureLambda(sum: number, sumAbs: number): number {
  const theta = sumAbs === 0 ? 0 : Math.min(sum / sumAbs, 0);
  return (PHI_INV_0995 * PHI_INV_0995 - 1) * (1 + theta) - theta;
}

/** Φ⁻¹(0.995): the 99.5 % standard normal quantile. */
const PHI_INV_0995 = normalQuantile(0.995);

/**
 * Curvature margin of one risk class before any scaling: with ρ² and γ², for the non-residual buckets
 * max(Σ CVR + λ √(Σ K_b² + Σ γ_bc² S_b S_c), 0), and the same separately for the residual bucket, added.
 */
export function aggregateCurvature(factors: readonly WeightedFactor[], rules: AggregationRules): RiskClassAggregation {
  const buckets = [...groupByBucket(factors)].map(([bucket, list]) => bucketFigures(bucket, list, rules, true));
  const part = (list: readonly BucketFigures[], root: number): number => {
    const sum = list.reduce((t, b) => t + b.sum, 0);
    const sumAbs = list.reduce((t, b) => t + b.sumAbs, 0);
    return list.length === 0 ? 0 : Math.max(sum + curvatureLambda(sum, sumAbs) * root, 0);
  };
  const regular = buckets.filter((b) => !rules.isResidual(b.bucket));
  const residual = buckets.filter((b) => rules.isResidual(b.bucket));
  const margin = part(regular, acrossBuckets(regular, rules, true)) + part(residual, residual.reduce((t, b) => t + b.k, 0));
  return { margin, buckets };
}

/** CR = max(1, √(|Σ s| / T)), T in USD millions; undefined threshold (1-day calibration): 1. */
export function concentrationFactor(netSensitivity: number, thresholdMillions: number | undefined): number {
  if (thresholdMillions === undefined) return 1;
  return Math.max(1, Math.sqrt(Math.abs(netSensitivity) / (thresholdMillions * 1e6)));
}

/** SF(t) = 0.5 min(1, horizon / t), t the expiry in days (SIMM methodology, curvature; horizon 14 or 1.4 days). */
export function curvatureScale(label: string, horizonDays: number): number {
  return 0.5 * Math.min(1, horizonDays / tenorDays(label));
}

/** Days of a SIMM tenor label: 2w = 14, Nm = N × 365/12, Ny = N × 365. */
export function tenorDays(label: string): number {
  const match = /^(\d+)([wmy])$/.exec(label);
  if (match === null) return Number.NaN;
  const n = Number(match[1]);
  return match[2] === 'w' ? 7 * n : match[2] === 'm' ? (n * 365) / 12 : n * 365;
}

/** σ = RW √(365 / horizon) / Φ⁻¹(0.99): the volatility that turns an equity, commodity or FX vega into VR. */
export function vegaSigma(riskWeight: number, horizonDays: number): number {
  return (riskWeight * Math.sqrt(365 / horizonDays)) / PHI_INV_099;
}
/** Φ⁻¹(0.99). */
const PHI_INV_099 = normalQuantile(0.99);
