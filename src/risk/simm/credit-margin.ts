import { aggregateBuckets, aggregateCurvature, concentrationFactor, curvatureScale, type AggregationRules, type WeightedFactor } from './aggregate-buckets.js';
import type { NettedFactor } from './place-simm-rows.js';
import { riskClassNode, type MarginPart } from './risk-class-node.js';
import type { SimmNode } from './simm-node.js';
import type { SimmParameters } from './simm-parameters.js';

const RESIDUAL = 'Residual';

function sumByQualifier(factors: readonly NettedFactor[], riskType: string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const f of factors) if (f.riskType === riskType) sums.set(f.qualifier, (sums.get(f.qualifier) ?? 0) + f.amount);
  return sums;
}

/**
 * Credit margin, qualifying or not (SIMM methodology, Credit): delta per issuer and tenor, WS = RW_b s CR_k with CR
 * per issuer (all its tenors and securitisation labels); ρ same issuer / different issuer, residual bucket with its
 * own ρ and added linearly; γ between buckets (a matrix for CreditQ, one figure for CreditNonQ). Vega per issuer and
 * tenor with VCR per issuer, curvature CVR = SF(tenor) × vega. CreditQ adds the base-correlation margin (RW per index
 * family, one correlation, no concentration). Amounts USD per bp (delta), USD vega × implied vol (vega).
 */
export function creditMargin(kind: 'CreditQ' | 'CreditNonQ', factors: readonly NettedFactor[], p: SimmParameters): SimmNode {
  const q = kind === 'CreditQ' ? p.creditQ : p.creditNonQ;
  const deltaType = kind === 'CreditQ' ? 'Risk_CreditQ' : 'Risk_CreditNonQ';
  const vegaType = kind === 'CreditQ' ? 'Risk_CreditVol' : 'Risk_CreditVolNonQ';
  const thresholds = kind === 'CreditQ' ? p.concentrationThresholds?.creditQ : p.concentrationThresholds?.creditNonQ;
  const deltaSums = sumByQualifier(factors, deltaType);
  const vegaSums = sumByQualifier(factors, vegaType);
  const riskWeights: Record<string, number> = q.riskWeights;
  const deltaThresholds: Record<string, number> | undefined = thresholds?.delta;
  const delta: WeightedFactor[] = [];
  const vega: WeightedFactor[] = [];
  const curvature: WeightedFactor[] = [];
  const baseCorr: WeightedFactor[] = [];
  for (const f of factors) {
    const base = { bucket: f.bucket, qualifier: f.qualifier, label1: f.label1, label2: f.label2, kind: f.riskType };
    if (f.riskType === deltaType) {
      const cr = concentrationFactor(deltaSums.get(f.qualifier) ?? 0, deltaThresholds?.[f.bucket]);
      delta.push({ ...base, weighted: riskWeights[f.bucket]! * f.amount * cr, concentration: cr });
    } else if (f.riskType === vegaType) {
      const vcr = concentrationFactor(vegaSums.get(f.qualifier) ?? 0, thresholds?.vega);
      vega.push({ ...base, weighted: q.vegaRiskWeight * f.amount * vcr, concentration: vcr });
      curvature.push({ ...base, weighted: curvatureScale(f.label1, p.horizonDays) * f.amount, concentration: 1 });
    } else if (f.riskType === 'Risk_BaseCorr') {
      baseCorr.push({ ...base, bucket: 'BaseCorr', weighted: p.creditQ.baseCorrRiskWeight * f.amount, concentration: 1 });
    }
  }
  const rules: AggregationRules = {
    intra: (a, b) => {
      if (a.bucket === RESIDUAL) return q.residualCorrelation;
      return a.qualifier === b.qualifier ? q.sameIssuerCorrelation : q.differentIssuerCorrelation;
    },
    inter: (b, c) =>
      typeof q.interBucketCorrelation === 'number' ? q.interBucketCorrelation : q.interBucketCorrelation[Number(b) - 1]![Number(c) - 1]!,
    isResidual: (b) => b === RESIDUAL,
  };
  const parts: MarginPart[] = [
    { marginType: 'Delta', aggregation: aggregateBuckets(delta, rules) },
    { marginType: 'Vega', aggregation: aggregateBuckets(vega, rules) },
    { marginType: 'Curvature', aggregation: aggregateCurvature(curvature, rules) },
  ];
  if (kind === 'CreditQ') {
    const baseCorrRules: AggregationRules = { intra: () => p.creditQ.baseCorrCorrelation, inter: () => 0, isResidual: () => false };
    parts.push({ marginType: 'BaseCorr', aggregation: aggregateBuckets(baseCorr, baseCorrRules) });
  }
  return riskClassNode(kind, parts);
}
