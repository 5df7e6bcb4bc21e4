import { isoDate } from '../../core/dates.js';
import type { InstrumentSpec } from '../../instruments/instrument-spec.js';
import { black76Greeks, createGreeks } from '../../pricing/black76-greeks.js';
import { inverseOptionGreeks } from '../../pricing/inverse-option.js';
import { compileRevaluation } from '../../revaluation/compile-revaluation.js';
import { KIND_CALL, KIND_DELTA_ONE, type RevaluationPlan } from '../../revaluation/revaluation-plan.js';
import { revalueKernelFast, revaluationScratchLength } from '../../revaluation/revalue-kernel-fast.js';
import type { ModelContext } from '../margin-model.js';
import { CombinedCommodityDefSchema, type CombinedCommodityDef } from './span-file-schema.js';
import { toCombinedCommodity, tierOfPeriod, toInterSpreads } from './span-definitions.js';
import type { SpanParams } from './span-params.js';
import { buildSpanScenarioSet, type SpanScanParams } from './span-scenario-set.js';
import { SPAN_SCENARIOS, type SpanCombinedCommodity, type SpanContract, type SpanRiskParameters } from './span-types.js';

/** Contract period YYYYMM of an instrument: its expiry month, or the market month for spot and perpetuals. */
function periodOf(spec: InstrumentSpec, asOf: string): string {
  const date = spec.expiry ?? asOf;
  return `${date.slice(0, 4)}${date.slice(5, 7)}`;
}

/**
 * Composite delta of one contract in underlying units (coins, index units), span.md §5: the weighted average of
 * its deltas at price points −3/3 … +3/3 of the scan range, vol unchanged, after the look-ahead. Linear contracts:
 * multiplier × ∂V/∂F; inverse ones: their coin exposure F·∂V_coin/∂F (face/F for futures; Deribit's delta for options).
 */
function compositeDelta(plan: RevaluationPlan, i: number, psr: number, lookAhead: number, weights: readonly number[], scratch: ReturnType<typeof createGreeks>): number {
  const ref = plan.reference[i]!;
  const mult = plan.multiplier[i]!;
  const inverse = plan.inverse[i] === 1;
  const tau = Math.max(0, plan.tau[i]! - lookAhead);
  let delta = 0;
  for (let j = -3; j <= 3; j++) {
    const F = ref * (1 + (j / 3) * psr);
    let d: number;
    if (plan.kind[i] === KIND_DELTA_ONE) d = inverse ? mult / F : mult;
    else {
      const isCall = plan.kind[i] === KIND_CALL;
      if (inverse) d = mult * F * inverseOptionGreeks(isCall, F, plan.strike[i]!, tau, plan.vol[i]!, plan.rate[i]!, scratch).delta;
      else d = mult * black76Greeks(isCall, F, plan.strike[i]!, tau, plan.vol[i]!, plan.rate[i]!, scratch).delta;
    }
    delta += weights[j + 3]! * d;
  }
  return delta;
}

/**
 * Inter spreads that can form on the held CCs: a spread with a required leg on an underlying the book does not hold
 * cannot form and is dropped; optional legs on such underlyings are left out.
 */
function heldSpreads(spreads: SpanParams['interSpreads'], held: ReadonlyMap<string, unknown>): SpanParams['interSpreads'] {
  return spreads
    .filter((s) => s.legs.every((l) => held.has(l.cc) || !l.required))
    .map((s) => ({ ...s, legs: s.legs.filter((l) => held.has(l.cc)) }))
    .filter((s) => s.legs.length >= 2 && (s.targetCc === undefined || held.has(s.targetCc)));
}

export interface ComputedSpan {
  readonly risk: SpanRiskParameters;
  /** Contract of each instrument id. */
  readonly contractOf: readonly SpanContract[];
}

/**
 * SPAN risk parameters computed by our own pricer (span.md §2): one combined commodity per underlying, arrays from
 * the shared scenario → revaluation pipeline under the 16 SPAN scenarios, converted to the CC's currency at today's
 * rates, extreme scenarios scaled by the covered fraction.
 */
export function computeSpanParameters(params: SpanParams, context: ModelContext): ComputedSpan {
  const specs = context.instruments.specs();
  const scans = new Map<string, SpanScanParams>();
  for (const spec of specs) if (!scans.has(spec.underlying)) scans.set(spec.underlying, { ...params.scan, ...params.underlyings[spec.underlying] });
  const lookAhead = params.lookAheadDays / 365;
  const set = buildSpanScenarioSet(scans, lookAhead);
  const plan = compileRevaluation(specs, context.market, set, context.fieldOf);
  const matrix = new Float64Array(specs.length * SPAN_SCENARIOS);
  revalueKernelFast(plan, set, matrix, new Float64Array(revaluationScratchLength(set)));

  const defs = new Map<string, CombinedCommodityDef>();
  params.combinedCommodities.forEach((d) => defs.set(d.cc, d));
  const defOf = (spec: InstrumentSpec): CombinedCommodityDef => {
    let def = defs.get(spec.underlying);
    if (def === undefined) {
      def = CombinedCommodityDefSchema.parse({ cc: spec.underlying, currency: spec.currency });
      defs.set(spec.underlying, def);
    }
    return def;
  };

  const asOf = isoDate(context.market.asOfMs);
  const scratch = createGreeks();
  const contractOf = specs.map((spec, i): SpanContract => {
    const def = defOf(spec);
    const scan = scans.get(spec.underlying) as SpanScanParams;
    const rate = context.market.fxRate(spec.currency, def.currency);
    const pnl = new Float64Array(SPAN_SCENARIOS);
    for (let s = 0; s < SPAN_SCENARIOS; s++) {
      const covered = s >= 14 ? scan.extremeCoveredFraction : 1;
      pnl[s] = matrix[i * SPAN_SCENARIOS + s]! * rate * covered + 0;
    }
    const period = periodOf(spec, asOf);
    const field = `params.combinedCommodities.${params.combinedCommodities.indexOf(def)}`;
    return {
      symbol: spec.symbol,
      cc: def.cc,
      kind: spec.kind === 'option' ? 'option' : spec.kind === 'spot' ? 'physical' : 'future',
      ...(spec.right === undefined ? {} : { right: spec.right }),
      ...(spec.strike === undefined ? {} : { strike: spec.strike }),
      period,
      scanTier: tierOfPeriod(def.scanTiers, period, `${field}.scanTiers`),
      intraTier: tierOfPeriod(def.intraTiers, period, `${field}.intraTiers`),
      interTier: tierOfPeriod(def.interTiers, period, `${field}.interTiers`),
      pnl,
      compositeDelta: compositeDelta(plan, i, scan.priceScanRange, lookAhead, params.deltaPointWeights, scratch),
      value: spec.kind === 'option' ? plan.baseValue[i]! * spec.multiplier * rate : 0,
      premiumStyle: spec.kind === 'option',
      inDelivery: def.deliveryRates.some((d) => d.period === period),
    };
  });

  // Quote currency of each underlying: a linear instrument's settlement currency; inverse ones are quoted in USD.
  const quoteCurrency = new Map<string, string>();
  for (const spec of specs) if (spec.settlement === 'linear' && spec.kind !== 'spot') quoteCurrency.set(spec.underlying, spec.currency);
  const combinedCommodities = new Map<string, SpanCombinedCommodity>();
  // Only the book's underlyings become CCs: one parameter file may describe more underlyings than a book holds.
  for (const def of [...defs.values()].filter((d) => scans.has(d.cc))) {
    const scan = scans.get(def.cc);
    // Outright margin per unit of delta: the scan range times one unit of underlying at its index, converted from
    // the quote currency of the CC's instruments (the index is quoted in it: USD for crypto, EUR for a DAX).
    const quote = quoteCurrency.get(def.cc) ?? 'USD';
    const perUnit = scan === undefined || !context.market.has(def.cc) ? undefined : scan.priceScanRange * context.market.underlying(def.cc).index * context.market.fxRate(quote, def.currency);
    combinedCommodities.set(def.cc, toCombinedCommodity(def, () => perUnit, `params.combinedCommodities.${Math.max(0, params.combinedCommodities.indexOf(def))}`));
  }
  return {
    risk: {
      exchangeComplex: 'computed',
      businessDate: asOf,
      combinedCommodities,
      contracts: new Map(contractOf.map((c) => [c.symbol, c])),
      interSpreads: toInterSpreads(heldSpreads(params.interSpreads, combinedCommodities), new Set(combinedCommodities.keys()), 'params.interSpreads'),
    },
    contractOf,
  };
}
