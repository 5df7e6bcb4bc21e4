import { CrossmarginError } from '../../core/errors.js';
import type { CombinedCommodityDef, InterSpreadDef } from './span-file-schema.js';
import type { SpanCombinedCommodity, SpanInterSpread } from './span-types.js';

type Tier = CombinedCommodityDef['scanTiers'][number];

/**
 * Tier number of a contract period (tiers are period ranges, XML `tier{tn, sPe, ePe}`); 1 when the CC defines no
 * tiers of that kind. A period outside every defined tier is a file error naming the field.
 */
export function tierOfPeriod(tiers: readonly Tier[], period: string, field: string): number {
  if (tiers.length === 0) return 1;
  const tier = tiers.find((t) => t.startPeriod <= period && period <= t.endPeriod);
  if (tier === undefined) {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `${field}: period ${period} is in no tier (${tiers.map((t) => `${t.tier}: ${t.startPeriod}–${t.endPeriod}`).join(', ')})`, {
      field,
    });
  }
  return tier.tier;
}

/** Number of inter tiers of a CC (at least 1). */
function interTierCount(def: CombinedCommodityDef): number {
  return Math.max(1, ...def.interTiers.map((t) => t.tier));
}

/**
 * A combined commodity definition as the algorithm reads it. `derivedScanRange(t)` (per unit delta, 0-based inter
 * tier) is used where the definition gives no price scan range; an undefined one stays NaN and is only an error if
 * a SCANRANGE method would read it.
 */
export function toCombinedCommodity(def: CombinedCommodityDef, derivedScanRange: (tier: number) => number | undefined, field: string): SpanCombinedCommodity {
  const tiers = interTierCount(def);
  const given = def.priceScanRange;
  const priceScanRange = Array.from({ length: tiers }, (_, t) => {
    const value = given === undefined ? derivedScanRange(t) : Array.isArray(given) ? (given[t] ?? given[given.length - 1]) : given;
    if (value === undefined && def.wfprMethod !== 'NORMAL') {
      throw new CrossmarginError('MODEL_PARAMS_INVALID', `${field}.priceScanRange: needed by wfprMethod ${def.wfprMethod} for inter tier ${t + 1} and not derivable (no futures in the tier)`, {
        field: `${field}.priceScanRange`,
      });
    }
    return value ?? Number.NaN;
  });
  return {
    code: def.cc,
    currency: def.currency,
    wfprMethod: def.wfprMethod,
    priceScanRange,
    intraSpreads: def.intraSpreads.map((s) => ({
      priority: s.priority,
      chargeRate: s.chargeRate,
      legs: s.legs.map((l) => ({ ...(l.tier === undefined ? {} : { tier: l.tier }), ...(l.period === undefined ? {} : { period: l.period }), ratio: l.ratio, side: l.side })),
    })),
    deliveryRates: def.deliveryRates,
    somRate: def.somRate,
    somMethod: def.somMethod,
    initialToMaintenance: def.initialToMaintenance,
    ...(def.capAnov === undefined ? {} : { capAnov: def.capAnov }),
  };
}

/** Inter spreads, checked against the known combined commodities. */
export function toInterSpreads(defs: readonly InterSpreadDef[], knownCcs: ReadonlySet<string>, field: string): SpanInterSpread[] {
  return defs.map((d, i) => {
    const at = `${field}.${i}`;
    d.legs.forEach((leg, j) => {
      if (!knownCcs.has(leg.cc)) {
        throw new CrossmarginError('MODEL_PARAMS_INVALID', `${at}.legs.${j}.cc: unknown combined commodity "${leg.cc}"`, { field: `${at}.legs.${j}.cc` });
      }
    });
    if (d.method === 'scanning' && (d.targetCc === undefined || !knownCcs.has(d.targetCc))) {
      throw new CrossmarginError('MODEL_PARAMS_INVALID', `${at}.targetCc: a scanning spread needs a known target combined commodity`, { field: `${at}.targetCc` });
    }
    if (d.creditMethod === 'flat' && d.flatAmount === undefined) {
      throw new CrossmarginError('MODEL_PARAMS_INVALID', `${at}.flatAmount: required when creditMethod is "flat"`, { field: `${at}.flatAmount` });
    }
    if (d.superSpread === true && d.method === 'scanning') {
      throw new CrossmarginError('MODEL_PARAMS_INVALID', `${at}.superSpread: super spreads are delta-based (SPAN 09-01), not scanning`, { field: `${at}.superSpread` });
    }
    return {
      priority: d.priority,
      creditRate: d.creditRate,
      method: d.method,
      creditMethod: d.creditMethod,
      ...(d.flatAmount === undefined ? {} : { flatAmount: d.flatAmount }),
      ...(d.targetCc === undefined ? {} : { targetCc: d.targetCc }),
      ...(d.superSpread === true ? { superSpread: true } : {}),
      legs: d.legs.map((l) => ({ cc: l.cc, tier: l.tier, ratio: l.ratio, side: l.side, required: l.required })),
    };
  });
}
