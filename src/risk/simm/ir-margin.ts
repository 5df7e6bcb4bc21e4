import { aggregateBuckets, aggregateCurvature, concentrationFactor, curvatureScale, type AggregationRules, type WeightedFactor } from './aggregate-buckets.js';
import type { NettedFactor } from './place-simm-rows.js';
import { riskClassNode } from './risk-class-node.js';
import type { SimmNode } from './simm-node.js';
import type { SimmParameters } from './simm-parameters.js';

type IrGroup = 'regular' | 'low' | 'high';

function volGroup(currency: string, p: SimmParameters): IrGroup {
  if (p.irVolGroups.low.includes(currency)) return 'low';
  if (p.irVolGroups.regular.includes(currency)) return 'regular';
  return 'high';
}

/** IR delta (vega) concentration threshold of a currency, USD millions per bp (of vega). */
function irThreshold(currency: string, p: SimmParameters, kind: 'delta' | 'vega'): number | undefined {
  const c = p.concentrationThresholds?.ir;
  if (c === undefined) return undefined;
  const t = c[kind];
  if (c.lowVolCurrencies.includes(currency)) return t.low;
  if (c.wellTradedCurrencies.includes(currency)) return t.regularWellTraded;
  if (c.lessWellTradedCurrencies.includes(currency)) return t.regularLessWellTraded;
  return t.high;
}

function sumBy(factors: readonly NettedFactor[], include: (f: NettedFactor) => boolean): Map<string, number> {
  const sums = new Map<string, number>();
  for (const f of factors) if (include(f)) sums.set(f.qualifier, (sums.get(f.qualifier) ?? 0) + f.amount);
  return sums;
}

/** ρ within one currency: tenor matrix × φ across sub-curves; inflation 0.24-like and cross-currency basis figures. */
function irIntra(p: SimmParameters): (a: WeightedFactor, b: WeightedFactor) => number {
  const tenor = (x: string, y: string) => p.ir.tenorCorrelation[p.irTenors.indexOf(x)]![p.irTenors.indexOf(y)]!;
  return (a, b) => {
    if (a.kind === 'Risk_XCcyBasis' || b.kind === 'Risk_XCcyBasis') return p.ir.xccyBasisCorrelation;
    if (a.kind === 'Risk_Inflation' || b.kind === 'Risk_Inflation') return a.kind === b.kind ? 1 : p.ir.inflationCorrelation;
    if (a.kind === 'Risk_InflationVol' || b.kind === 'Risk_InflationVol') return a.kind === b.kind ? 1 : p.ir.inflationVolCorrelation;
    return tenor(a.label1, b.label1) * (a.label2 === b.label2 ? 1 : p.ir.subCurveCorrelation);
  };
}

/**
 * Interest-rate margin (SIMM methodology, IR): delta per currency with CR_b = max(1, √(|Σ s| / T_b)) over the
 * IR-curve and inflation sensitivities (cross-currency basis weighted by CR_b but not counted in it), RW by tenor and
 * volatility group; across currencies γ g_bc. Vega per currency (IR vol by expiry, inflation vol one factor summed
 * over expiries) with VCR_b; curvature CVR = SF(expiry) × vega, scaled by HVR_IR⁻². Amounts USD per bp (delta) and
 * USD vega × implied vol (vega).
 */
export function irMargin(factors: readonly NettedFactor[], p: SimmParameters): SimmNode {
  const deltaSums = sumBy(factors, (f) => f.riskType === 'Risk_IRCurve' || f.riskType === 'Risk_Inflation');
  const deltaCr = new Map([...new Set(factors.map((f) => f.qualifier))].map((c) => [c, concentrationFactor(deltaSums.get(c) ?? 0, irThreshold(c, p, 'delta'))]));
  const delta: WeightedFactor[] = [];
  const vega: WeightedFactor[] = [];
  const curvature: WeightedFactor[] = [];
  const vegaSums = sumBy(factors, (f) => f.riskType === 'Risk_IRVol' || f.riskType === 'Risk_InflationVol');
  const inflationVol = new Map<string, { vega: number; cvr: number }>();
  for (const f of factors) {
    const base = { bucket: f.qualifier, qualifier: f.qualifier, label1: f.label1, label2: f.label2, kind: f.riskType };
    const cr = deltaCr.get(f.qualifier) ?? 1;
    const vcr = concentrationFactor(vegaSums.get(f.qualifier) ?? 0, irThreshold(f.qualifier, p, 'vega'));
    switch (f.riskType) {
      case 'Risk_IRCurve': {
        const rw = p.ir.deltaRiskWeights[volGroup(f.qualifier, p)][p.irTenors.indexOf(f.label1)]!;
        delta.push({ ...base, weighted: rw * f.amount * cr, concentration: cr });
        break;
      }
      case 'Risk_Inflation':
        delta.push({ ...base, weighted: p.ir.inflationRiskWeight * f.amount * cr, concentration: cr });
        break;
      case 'Risk_XCcyBasis':
        delta.push({ ...base, weighted: p.ir.xccyBasisRiskWeight * f.amount * cr, concentration: cr });
        break;
      case 'Risk_IRVol':
        vega.push({ ...base, weighted: p.ir.vegaRiskWeight * f.amount * vcr, concentration: vcr });
        curvature.push({ ...base, weighted: curvatureScale(f.label1, p.horizonDays) * f.amount, concentration: 1 });
        break;
      case 'Risk_InflationVol': {
        const acc = inflationVol.get(f.qualifier) ?? { vega: 0, cvr: 0 };
        inflationVol.set(f.qualifier, { vega: acc.vega + f.amount * p.ir.inflationVegaRiskWeight * vcr, cvr: acc.cvr + curvatureScale(f.label1, p.horizonDays) * f.amount });
        break;
      }
      default:
        break;
    }
  }
  for (const [ccy, acc] of inflationVol) {
    const base = { bucket: ccy, qualifier: ccy, label1: '', label2: '', kind: 'Risk_InflationVol' };
    const vcr = concentrationFactor(vegaSums.get(ccy) ?? 0, irThreshold(ccy, p, 'vega'));
    vega.push({ ...base, weighted: acc.vega, concentration: vcr });
    curvature.push({ ...base, weighted: acc.cvr, concentration: 1 });
  }
  const rules: AggregationRules = { intra: irIntra(p), inter: () => p.ir.interCurrencyCorrelation, isResidual: () => false };
  const deltaRules: AggregationRules = {
    ...rules,
    interScale: (b, c) => {
      const x = deltaCr.get(b) ?? 1;
      const y = deltaCr.get(c) ?? 1;
      return Math.min(x, y) / Math.max(x, y);
    },
  };
  return riskClassNode('IR', [
    { marginType: 'Delta', aggregation: aggregateBuckets(delta, deltaRules) },
    { marginType: 'Vega', aggregation: aggregateBuckets(vega, rules) },
    { marginType: 'Curvature', aggregation: aggregateCurvature(curvature, rules), scale: p.ir.curvatureHvr ** -2 },
  ]);
}
