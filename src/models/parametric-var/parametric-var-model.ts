import { CrossmarginError } from '../../core/errors.js';
import { deltaGammaCumulants } from '../../risk/parametric/delta-gamma.js';
import { deltaNormal } from '../../risk/parametric/delta-normal.js';
import { normalTail } from '../../numerics/normal-tail.js';
import type { ResolvedPortfolio } from '../../portfolio/resolve-portfolio.js';
import type { HistoryContext } from '../margin-model.js';
import { defineModel } from '../define-model.js';
import type { MarginComponent, MarginResultOf } from '../margin-result.js';
import { riskUnderlyings } from '../scenario-pipeline.js';
import { covarianceInputs, type CovarianceInputs } from '../var/covariance-inputs.js';
import { instrumentExposures, type InstrumentExposures } from '../var/instrument-exposures.js';
import { liquidityAddOns, measureLiquidity, type UnderlyingLiquidity } from '../var/liquidity-add-ons.js';
import { historyWindow } from '../var/var-history-window.js';
import { ParametricVarParamsSchema, type ParametricVarParams } from './parametric-var-params.js';
import { ParametricVarDetailsSchema, type ParametricVarDetails } from './parametric-var-details.js';

interface Compiled {
  readonly params: ParametricVarParams;
  readonly context: HistoryContext;
  readonly underlyings: readonly string[];
  readonly current: CovarianceInputs;
  readonly stressed: CovarianceInputs | undefined;
  readonly tenYear: CovarianceInputs | undefined;
  readonly exposures: InstrumentExposures;
  readonly liquidity: readonly UnderlyingLiquidity[] | undefined;
}

/** Analytic margin of exposures w (account currency per 100 % move) and diagonal gammas over the MPOR. */
function analyticMargin(c: Compiled, inputs: CovarianceInputs, w: Float64Array, gamma: Float64Array): { margin: number; components: Float64Array; sigma: number; var: number; es: number } {
  const { params } = c;
  const n = w.length;
  const normal = deltaNormal({ exposures: w, covariance: inputs.covariance, alpha: params.confidence, horizonDays: params.mpor });
  const base = params.measure === 'var' ? normal.valueAtRisk : normal.expectedShortfall;
  const components = params.measure === 'var' ? normal.componentVaR : normal.componentES;
  if (params.method === 'delta-normal') return { margin: Math.max(0, base), components, sigma: normal.sigma, var: normal.valueAtRisk, es: normal.expectedShortfall };
  // Delta-gamma-normal over the horizon: Σ_h = h·Σ (√h vol scaling, iid), Γ diagonal (each instrument has one underlying).
  const sigmaH = inputs.covariance.map((v) => v * params.mpor);
  const gammaMatrix = new Float64Array(n * n);
  for (let i = 0; i < n; i++) gammaMatrix[i * n + i] = gamma[i]!;
  const k = deltaGammaCumulants(w, gammaMatrix, sigmaH);
  const tail = normalTail(params.confidence);
  const margin = Math.max(0, -k.k1 + (params.measure === 'var' ? tail.z : tail.esFactor) * Math.sqrt(k.k2));
  // Components: the delta-normal Euler split, rescaled to the delta-gamma margin (documented approximation).
  const scale = base === 0 ? 0 : margin / base;
  return {
    margin,
    components: components.map((x) => x * scale),
    sigma: Math.sqrt(k.k2),
    var: -k.k1 + tail.z * Math.sqrt(k.k2),
    es: -k.k1 + tail.esFactor * Math.sqrt(k.k2),
  };
}

/**
 * `parametric-var`: variance-covariance VaR / ES (var-es.md §4) from history-estimated vols and correlations (EWMA or
 * sample, optionally a BTC factor model). Exposures come from full revaluation bumps on the shared pipeline.
 */
export const parametricVarModel = defineModel({
  id: 'parametric-var',
  description: 'Parametric VaR/ES: delta-normal or delta-gamma-normal with history-estimated covariance (or a BTC factor)',
  paramsSchema: ParametricVarParamsSchema,
  detailsSchema: ParametricVarDetailsSchema,
  needs: { history: true, collateral: true },
  compile(params, context) {
    if (params.relief !== undefined) {
      throw new CrossmarginError('MODEL_PARAMS_INVALID', 'relief: correlation relief needs scenario P&L to bootstrap; use hs-var, fhs-es or mc-es', { field: 'relief' });
    }
    const { history, endIndex, endDate } = historyWindow(context, params.endDate);
    const request = { kind: 'current' as const, endDate, lookback: params.lookback };
    const compiled: Compiled = {
      params,
      context,
      underlyings: riskUnderlyings(context),
      current: covarianceInputs(context, params, request),
      stressed: params.stressedWindow === undefined ? undefined : covarianceInputs(context, params, { ...request, kind: 'stressed', window: params.stressedWindow }),
      tenYear: params.apc === 'floor-10y' ? covarianceInputs(context, params, { ...request, kind: 'ten-year', lookback: Math.min(2520, endIndex) }) : undefined,
      exposures: instrumentExposures(context),
      liquidity: params.liquidity !== undefined || params.concentration !== undefined ? measureLiquidity(history, riskUnderlyings(context), endIndex, params) : undefined,
    };
    return { evaluate: (portfolio) => evaluateParametric(compiled, portfolio) };
  },
});

function evaluateParametric(c: Compiled, portfolio: ResolvedPortfolio): MarginResultOf<ParametricVarDetails> {
  const { params, context, underlyings } = c;
  const n = underlyings.length;
  const isolated = portfolio.mode === 'isolated';
  const positionExposure = portfolio.positions.map((p) => {
    const spec = context.instruments.spec(p.instrument);
    const fx = context.market.fxRate(spec.currency, portfolio.currency);
    return {
      u: underlyings.indexOf(spec.underlying),
      delta: p.quantity * fx * c.exposures.delta[p.instrument]!,
      gamma: p.quantity * fx * c.exposures.gamma[p.instrument]!,
      vega: p.quantity * fx * c.exposures.vega[p.instrument]!,
      collateral: p.role === 'collateral',
    };
  });
  // Factor vector: n price exposures, then one vega exposure per implied-vol factor (vol-factors.ts).
  const volSlot = new Map(c.current.volFactors.map((f, v) => [f.underlying, n + v]));
  const width = n + c.current.volFactors.length;
  const vectors = (keep: (i: number) => boolean): { w: Float64Array; g: Float64Array } => {
    const w = new Float64Array(width);
    const g = new Float64Array(width);
    positionExposure.forEach((e, i) => {
      if (e.u < 0 || !keep(i)) return;
      w[e.u]! += e.delta;
      g[e.u]! += e.gamma;
      const v = volSlot.get(underlyings[e.u]!);
      if (v !== undefined) w[v]! += e.vega;
    });
    return { w, g };
  };
  const marginOn = (inputs: CovarianceInputs): number => {
    if (!isolated) {
      const { w, g } = vectors(() => true);
      return analyticMargin(c, inputs, w, g).margin;
    }
    return positionExposure.reduce((sum, e, i) => (e.collateral ? sum : sum + analyticMargin(c, inputs, vectors((j) => j === i).w, vectors((j) => j === i).g).margin), 0);
  };

  const components: MarginComponent[] = [];
  const all = vectors((i) => !isolated || !positionExposure[i]!.collateral);
  const cross = analyticMargin(c, c.current, all.w, all.g);
  let base: number;
  const contributions = new Float64Array(portfolio.positions.length);
  if (isolated) {
    base = 0;
    positionExposure.forEach((e, i) => {
      if (e.collateral) return;
      const one = vectors((j) => j === i);
      const m = analyticMargin(c, c.current, one.w, one.g).margin;
      contributions[i] = m;
      base += m;
      components.push({ name: 'riskMeasure', group: context.instruments.spec(portfolio.positions[i]!.instrument).symbol, value: m });
    });
  } else {
    base = cross.margin;
    components.push({ name: 'riskMeasure', group: 'account', value: base });
    // Euler: a position's share of its underlying's price component and of its vol factor's component, in
    // proportion to its exposure there.
    positionExposure.forEach((e, i) => {
      if (e.u < 0) return;
      if (all.w[e.u] !== 0) contributions[i]! += (cross.components[e.u]! * e.delta) / all.w[e.u]!;
      const v = volSlot.get(underlyings[e.u]!);
      if (v !== undefined && all.w[v] !== 0) contributions[i]! += (cross.components[v]! * e.vega) / all.w[v]!;
    });
  }
  const stressed = c.stressed === undefined ? undefined : marginOn(c.stressed);
  const tenYear = c.tenYear === undefined ? undefined : marginOn(c.tenYear);
  let withApc = base;
  if (params.apc === 'buffer') withApc = base * 1.25;
  else if (params.apc === 'stressed-weight') withApc = (1 - params.stressedWeight) * base + params.stressedWeight * (stressed ?? base);
  else if (params.apc === 'floor-10y') withApc = Math.max(base, tenYear ?? base);
  if (withApc !== base) components.push({ name: 'apcAdjustment', group: params.apc, value: withApc - base });
  const usd = context.market.fxRate('USD', portfolio.currency);
  const unitValue = Float64Array.from(underlyings, (u) => context.market.underlying(u).index * usd);
  const addOns = c.liquidity === undefined ? [] : liquidityAddOns(c.liquidity, all.w.subarray(0, n), unitValue, params);
  components.push(...addOns);
  const initial = Math.max(0, withApc + addOns.reduce((a, x) => a + x.value, 0));
  return {
    model: 'parametric-var',
    account: portfolio.account,
    currency: portfolio.currency,
    initialMargin: initial,
    maintenanceMargin: initial * params.maintenanceRatio,
    components,
    positions: portfolio.positions.map((p, i) => ({ instrument: context.instruments.spec(p.instrument).symbol, quantity: p.quantity, contribution: contributions[i]! + 0 })),
    details: {
      method: params.method,
      measure: params.measure,
      confidence: params.confidence,
      mpor: params.mpor,
      sigma: cross.sigma,
      var: cross.var,
      es: cross.es,
      historyDays: c.current.days,
      underlyings,
      exposures: Array.from(all.w.subarray(0, n)),
      vegaExposures: Object.fromEntries(c.current.volFactors.map((f, v) => [f.underlying, all.w[n + v]!])),
      volFactorSources: Object.fromEntries(c.current.volFactors.map((f) => [f.underlying, f.source])),
      dailyVols: Array.from(c.current.vols),
      correlation: Array.from(c.current.correlation),
      ...(c.current.factor === undefined ? {} : { factor: { betas: Array.from(c.current.factor.betas), residualVols: Array.from(c.current.factor.residualVols), factorVol: c.current.factor.factorVol } }),
      ...(stressed === undefined ? {} : { stressedMargin: stressed }),
      ...(tenYear === undefined ? {} : { tenYearMargin: tenYear }),
    },
  };
}
