import { aggregateBuckets, aggregateCurvature, concentrationFactor, curvatureScale, vegaSigma, type AggregationRules, type WeightedFactor } from './aggregate-buckets.js';
import type { NettedFactor } from './place-simm-rows.js';
import { riskClassNode } from './risk-class-node.js';
import type { SimmNode } from './simm-node.js';
import type { SimmParameters } from './simm-parameters.js';

const RESIDUAL = 'Residual';

/**
 * Equity or commodity margin (SIMM methodology, Equity and Commodity): delta per qualifier, WS = RW_b s CR_k (CR per
 * qualifier, threshold by bucket), ρ by bucket, γ between buckets; the equity residual bucket has ρ = 0 between
 * different names and is added linearly. Vega per qualifier summed over expiries: VR = HVR Σ σ vega with
 * σ = RW_b √(365 / horizon) / Φ⁻¹(0.99), WS = VRW_b VR VCR_k; curvature CVR = Σ SF(expiry) σ vega. Amounts USD per
 * 1 % (delta) and USD per vol point (vega).
 */
export function equityCommodityMargin(kind: 'Equity' | 'Commodity', factors: readonly NettedFactor[], p: SimmParameters): SimmNode {
  const c = kind === 'Equity' ? p.equity : p.commodity;
  const deltaType = kind === 'Equity' ? 'Risk_Equity' : 'Risk_Commodity';
  const vegaType = kind === 'Equity' ? 'Risk_EquityVol' : 'Risk_CommodityVol';
  const thresholds = kind === 'Equity' ? p.concentrationThresholds?.equity : p.concentrationThresholds?.commodity;
  const riskWeights: Record<string, number> = c.riskWeights;
  const vegaWeight = (bucket: string): number => ('vegaRiskWeights' in c ? (c.vegaRiskWeights as Record<string, number>)[bucket]! : c.vegaRiskWeight);
  const deltaThresholds: Record<string, number> | undefined = thresholds?.delta;
  const vegaThresholds: Record<string, number> | undefined = thresholds?.vega;
  const delta: WeightedFactor[] = [];
  const vegaByName = new Map<string, { bucket: string; vr: number; cvr: number }>();
  for (const f of factors) {
    if (f.riskType === deltaType) {
      const cr = concentrationFactor(f.amount, deltaThresholds?.[f.bucket]);
      delta.push({ bucket: f.bucket, qualifier: f.qualifier, label1: '', label2: '', kind: f.riskType, weighted: riskWeights[f.bucket]! * f.amount * cr, concentration: cr });
    } else if (f.riskType === vegaType) {
      const sigma = vegaSigma(riskWeights[f.bucket]!, p.horizonDays);
      const key = `${f.bucket}\u0000${f.qualifier}`;
      const acc = vegaByName.get(key) ?? { bucket: f.bucket, vr: 0, cvr: 0 };
      vegaByName.set(key, { bucket: f.bucket, vr: acc.vr + c.hvr * sigma * f.amount, cvr: acc.cvr + curvatureScale(f.label1, p.horizonDays) * sigma * f.amount });
    }
  }
  const vega: WeightedFactor[] = [];
  const curvature: WeightedFactor[] = [];
  for (const [key, acc] of vegaByName) {
    const qualifier = key.slice(key.indexOf('\u0000') + 1);
    const base = { bucket: acc.bucket, qualifier, label1: '', label2: '', kind: vegaType };
    const vcr = concentrationFactor(acc.vr, vegaThresholds?.[acc.bucket]);
    vega.push({ ...base, weighted: vegaWeight(acc.bucket) * acc.vr * vcr, concentration: vcr });
    curvature.push({ ...base, weighted: acc.cvr, concentration: 1 });
  }
  const intra: Record<string, number> = c.intraBucketCorrelation;
  const rules: AggregationRules = {
    intra: (a, b) => (a.qualifier === b.qualifier ? 1 : a.bucket === RESIDUAL ? 0 : intra[a.bucket]!),
    inter: (b, d) => c.interBucketCorrelation[Number(b) - 1]![Number(d) - 1]!,
    isResidual: (b) => b === RESIDUAL,
  };
  return riskClassNode(kind, [
    { marginType: 'Delta', aggregation: aggregateBuckets(delta, rules) },
    { marginType: 'Vega', aggregation: aggregateBuckets(vega, rules) },
    { marginType: 'Curvature', aggregation: aggregateCurvature(curvature, rules) },
  ]);
}
