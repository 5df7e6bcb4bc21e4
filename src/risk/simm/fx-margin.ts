import { aggregateBuckets, aggregateCurvature, concentrationFactor, curvatureScale, vegaSigma, type AggregationRules, type WeightedFactor } from './aggregate-buckets.js';
import type { NettedFactor } from './place-simm-rows.js';
import { riskClassNode } from './risk-class-node.js';
import type { SimmNode } from './simm-node.js';
import type { SimmParameters } from './simm-parameters.js';

/** The calculation currency of `computeSimm`: every amount is USD, and USD is a regular-volatility currency. */
const CALCULATION_CURRENCY = 'USD';
const BUCKET = 'FX';

type Pair = 'regularRegular' | 'regularHigh' | 'highHigh';

function pairOf(a: string, b: string, p: SimmParameters): Pair {
  const highs = Number(p.fxHighVolCurrencies.includes(a)) + Number(p.fxHighVolCurrencies.includes(b));
  return highs === 0 ? 'regularRegular' : highs === 1 ? 'regularHigh' : 'highHigh';
}

function category(ccy: string, p: SimmParameters): 1 | 2 | 3 {
  const c = p.concentrationThresholds!.fx;
  return c.significantlyMaterialCurrencies.includes(ccy) ? 1 : c.frequentlyTradedCurrencies.includes(ccy) ? 2 : 3;
}

function vegaThreshold(pair: string, p: SimmParameters): number | undefined {
  const c = p.concentrationThresholds?.fx;
  if (c === undefined) return undefined;
  const [x, y] = [category(pair.slice(0, 3), p), category(pair.slice(3), p)].sort();
  return c.vega[`category${x!}Category${y!}` as keyof typeof c.vega];
}

/**
 * FX margin (SIMM methodology, FX): one bucket; delta per currency with RW by the volatility groups of the calculation
 * currency (USD) and the currency, CR per currency (threshold by category), ρ by the groups; vega per currency pair
 * summed over expiries, VR = HVR Σ σ vega with σ = RW(pair) √(365 / horizon) / Φ⁻¹(0.99), ρ = 0.5; curvature
 * CVR = Σ SF(expiry) σ vega. Amounts USD per 1 % (delta), USD per vol point (vega).
 */
export function fxMargin(factors: readonly NettedFactor[], p: SimmParameters): SimmNode {
  const delta: WeightedFactor[] = [];
  const byPair = new Map<string, { vr: number; cvr: number }>();
  for (const f of factors) {
    if (f.riskType === 'Risk_FX') {
      const threshold = p.concentrationThresholds === null ? undefined : p.concentrationThresholds.fx.delta[`category${category(f.qualifier, p)}`];
      const cr = concentrationFactor(f.amount, threshold);
      const rw = p.fx.riskWeights[pairOf(CALCULATION_CURRENCY, f.qualifier, p)];
      delta.push({ bucket: BUCKET, qualifier: f.qualifier, label1: '', label2: '', kind: f.riskType, weighted: rw * f.amount * cr, concentration: cr });
    } else if (f.riskType === 'Risk_FXVol') {
      const sigma = vegaSigma(p.fx.riskWeights[pairOf(f.qualifier.slice(0, 3), f.qualifier.slice(3), p)], p.horizonDays);
      const acc = byPair.get(f.qualifier) ?? { vr: 0, cvr: 0 };
      byPair.set(f.qualifier, { vr: acc.vr + p.fx.hvr * sigma * f.amount, cvr: acc.cvr + curvatureScale(f.label1, p.horizonDays) * sigma * f.amount });
    }
  }
  const vega: WeightedFactor[] = [];
  const curvature: WeightedFactor[] = [];
  for (const [pair, acc] of byPair) {
    const base = { bucket: BUCKET, qualifier: pair, label1: '', label2: '', kind: 'Risk_FXVol' };
    const vcr = concentrationFactor(acc.vr, vegaThreshold(pair, p));
    vega.push({ ...base, weighted: p.fx.vegaRiskWeight * acc.vr * vcr, concentration: vcr });
    curvature.push({ ...base, weighted: acc.cvr, concentration: 1 });
  }
  const table = p.fxHighVolCurrencies.includes(CALCULATION_CURRENCY) ? p.fx.correlation.highCalculationCurrency : p.fx.correlation.regularCalculationCurrency;
  const single = { inter: () => 0, isResidual: () => false };
  const deltaRules: AggregationRules = { ...single, intra: (a, b) => table[pairOf(a.qualifier, b.qualifier, p)] };
  const vegaRules: AggregationRules = { ...single, intra: () => p.fx.vegaCorrelation };
  return riskClassNode('FX', [
    { marginType: 'Delta', aggregation: aggregateBuckets(delta, deltaRules) },
    { marginType: 'Vega', aggregation: aggregateBuckets(vega, vegaRules) },
    { marginType: 'Curvature', aggregation: aggregateCurvature(curvature, vegaRules) },
  ]);
}
