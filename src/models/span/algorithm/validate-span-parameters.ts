import type { SpanCombinedCommodity, SpanContract, SpanInterSpread, SpanRiskParameters } from '../span-types.js';
import { SPAN_SCENARIOS } from '../span-types.js';
import { spanParamError } from './span-param-error.js';

/**
 * Checks the parts of the parameters the algorithm relies on (methods/span.md §3–§4), naming the offending field.
 * Cheap (CC and spread definitions only); contracts are checked one by one as positions use them
 * ({@link validateSpanContract}), since a file may hold thousands.
 */
export function validateSpanParameters(params: SpanRiskParameters): void {
  for (const [code, cc] of params.combinedCommodities) validateCombinedCommodity(`combinedCommodities.${code}`, cc);
  params.interSpreads.forEach((spread, i) => validateInterSpread(params, `interSpreads.${i}`, spread));
}

function nonNegative(field: string, value: number | undefined): void {
  if (value === undefined || !Number.isFinite(value) || value < 0) throw spanParamError(field, `must be a finite number ≥ 0, got ${value}`);
}

function positive(field: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) throw spanParamError(field, `must be a finite number > 0, got ${value}`);
}

function tierNumber(field: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw spanParamError(field, `must be a tier number ≥ 1, got ${value}`);
}

function validateCombinedCommodity(at: string, cc: SpanCombinedCommodity): void {
  cc.priceScanRange.forEach((r, i) => nonNegative(`${at}.priceScanRange.${i}`, r));
  cc.intraSpreads.forEach((spread, i) => {
    const f = `${at}.intraSpreads.${i}`;
    if (!Number.isFinite(spread.priority)) throw spanParamError(`${f}.priority`, 'must be a finite number');
    nonNegative(`${f}.chargeRate`, spread.chargeRate);
    if (spread.legs.length < 2) throw spanParamError(`${f}.legs`, 'a spread needs at least two legs');
    spread.legs.forEach((leg, j) => {
      if ((leg.tier === undefined) === (leg.period === undefined)) {
        throw spanParamError(`${f}.legs.${j}`, 'a leg names exactly one of tier (tier-to-tier) or period (series-to-series)');
      }
      if (leg.tier !== undefined) tierNumber(`${f}.legs.${j}.tier`, leg.tier);
      positive(`${f}.legs.${j}.ratio`, leg.ratio);
    });
  });
  cc.deliveryRates.forEach((r, i) => {
    nonNegative(`${at}.deliveryRates.${i}.spreadCharge`, r.spreadCharge);
    nonNegative(`${at}.deliveryRates.${i}.outrightCharge`, r.outrightCharge);
  });
  nonNegative(`${at}.somRate`, cc.somRate);
  // Ratios below 1 would make initial < maintenance, which the engine never reports (DESIGN.md invariants).
  for (const type of ['member', 'hedger', 'speculator'] as const) {
    const r = cc.initialToMaintenance[type];
    if (!Number.isFinite(r) || r < 1) throw spanParamError(`${at}.initialToMaintenance.${type}`, `must be a finite ratio ≥ 1, got ${r}`);
  }
}

function validateInterSpread(params: SpanRiskParameters, at: string, spread: SpanInterSpread): void {
  if (!Number.isFinite(spread.priority)) throw spanParamError(`${at}.priority`, 'must be a finite number');
  // A rate above 100 % would credit more than the price risk offset (delta) or let gains outweigh losses (scanning).
  if (!Number.isFinite(spread.creditRate) || spread.creditRate < 0 || spread.creditRate > 1) {
    throw spanParamError(`${at}.creditRate`, `must be a fraction in [0, 1], got ${spread.creditRate}`);
  }
  if (spread.legs.length < 2) throw spanParamError(`${at}.legs`, 'a spread needs at least two legs');
  spread.legs.forEach((leg, j) => {
    if (!params.combinedCommodities.has(leg.cc)) throw spanParamError(`${at}.legs.${j}.cc`, `unknown combined commodity "${leg.cc}"`);
    tierNumber(`${at}.legs.${j}.tier`, leg.tier);
    positive(`${at}.legs.${j}.ratio`, leg.ratio);
  });
  if (spread.method === 'delta' && spread.creditMethod === 'flat') nonNegative(`${at}.flatAmount`, spread.flatAmount);
  if (spread.method === 'scanning') {
    const target = spread.targetCc === undefined ? undefined : params.combinedCommodities.get(spread.targetCc);
    if (target === undefined) throw spanParamError(`${at}.targetCc`, `a scanning spread needs a known target CC, got "${spread.targetCc}"`);
    // Arrays are summed scenario by scenario, which only makes sense in one currency.
    spread.legs.forEach((leg, j) => {
      if (params.combinedCommodities.get(leg.cc)!.currency !== target.currency) {
        throw spanParamError(`${at}.legs.${j}.cc`, `scanning legs must share the target's currency ${target.currency}`);
      }
    });
  }
}

/** Checks one contract a position uses: known CC, 16 finite P&L values, finite delta and value, tier numbers. */
export function validateSpanContract(params: SpanRiskParameters, field: string, c: SpanContract): void {
  if (!params.combinedCommodities.has(c.cc)) throw spanParamError(`${field}.cc`, `unknown combined commodity "${c.cc}"`);
  if (c.pnl.length !== SPAN_SCENARIOS || !c.pnl.every(Number.isFinite)) {
    throw spanParamError(`${field}.pnl`, `must hold ${SPAN_SCENARIOS} finite values`);
  }
  if (!Number.isFinite(c.compositeDelta)) throw spanParamError(`${field}.compositeDelta`, 'must be finite');
  if (!Number.isFinite(c.value)) throw spanParamError(`${field}.value`, 'must be finite');
  if (c.kind === 'option' && c.right === undefined) throw spanParamError(`${field}.right`, 'an option needs a right (call or put)');
  tierNumber(`${field}.scanTier`, c.scanTier);
  tierNumber(`${field}.intraTier`, c.intraTier);
  tierNumber(`${field}.interTier`, c.interTier);
}
