import { CrossmarginError } from '../../core/errors.js';
import { parseWithSchema } from '../../core/validate.js';
import { toCombinedCommodity, tierOfPeriod, toInterSpreads } from './span-definitions.js';
import { SpanFileSchema, type SpanFile } from './span-file-schema.js';
import type { SpanCombinedCommodity, SpanContract, SpanRiskParameters } from './span-types.js';

/**
 * Reads a SPAN risk-parameter file (parsed JSON) into engine structures. This is THE place SPAN's loss-positive
 * arrays become gain-positive P&L: pnl[s] = −a[s] × 10^riskExponent (span.md "Sign"). Composite deltas are taken
 * from the file (× delta scaling factor), never recomputed (span.md §5).
 */
export function loadSpanFile(document: unknown, source = 'span file'): SpanRiskParameters {
  return readSpanFile(parseWithSchema(SpanFileSchema, document, source, 'MODEL_PARAMS_INVALID'), source);
}

/** A SPAN file already validated by `SpanFileSchema` (the span model's risk file) into engine structures. */
export function readSpanFile(file: SpanFile, source: string): SpanRiskParameters {
  const contracts = new Map<string, SpanContract>();
  const combinedCommodities = new Map<string, SpanCombinedCommodity>();
  file.combinedCommodities.forEach((def, c) => {
    const field = `${source}: combinedCommodities.${c}`;
    if (combinedCommodities.has(def.cc)) throw new CrossmarginError('MODEL_PARAMS_INVALID', `${field}.cc: combined commodity "${def.cc}" defined twice`, { field: `${field}.cc` });
    const scale = 10 ** def.riskExponent;
    const delivery = new Set(def.deliveryRates.map((d) => d.period));
    const interTierScan: (number | undefined)[] = [];
    def.contracts.forEach((k, i) => {
      const at = `${field}.contracts.${i}`;
      if (contracts.has(k.symbol)) throw new CrossmarginError('MODEL_PARAMS_INVALID', `${at}.symbol: contract "${k.symbol}" defined twice`, { field: `${at}.symbol` });
      if (k.kind === 'option' && k.right === undefined) throw new CrossmarginError('MODEL_PARAMS_INVALID', `${at}.right: an option needs call|put`, { field: `${at}.right` });
      const pnl = Float64Array.from(k.ra.a, (a) => (a === 0 ? 0 : -a * scale));
      const interTier = tierOfPeriod(def.interTiers, k.period, `${at}.period`);
      const compositeDelta = k.ra.d * k.deltaScalingFactor;
      if (k.kind !== 'option' && compositeDelta !== 0) {
        // Outright margin per unit delta of a future: its worst ±3/3 price loss (scenarios 11–14) over its delta.
        const scan = Math.max(...[10, 11, 12, 13].map((s) => Math.abs(k.ra.a[s]! * scale))) / Math.abs(compositeDelta);
        interTierScan[interTier - 1] = Math.max(interTierScan[interTier - 1] ?? 0, scan);
      }
      contracts.set(k.symbol, {
        symbol: k.symbol,
        cc: def.cc,
        kind: k.kind,
        ...(k.right === undefined ? {} : { right: k.right }),
        ...(k.strike === undefined ? {} : { strike: k.strike }),
        period: k.period,
        scanTier: tierOfPeriod(def.scanTiers, k.period, `${at}.period`),
        intraTier: tierOfPeriod(def.intraTiers, k.period, `${at}.period`),
        interTier,
        pnl,
        compositeDelta,
        value: k.kind === 'option' ? k.price * k.cvf : 0,
        premiumStyle: k.kind === 'option' && k.optionStyle === 'premium',
        inDelivery: delivery.has(k.period),
      });
    });
    combinedCommodities.set(def.cc, toCombinedCommodity(def, (t) => interTierScan[t], field));
  });
  return {
    exchangeComplex: file.exchangeComplex,
    businessDate: file.businessDate,
    combinedCommodities,
    contracts,
    interSpreads: toInterSpreads(file.interSpreads, new Set(combinedCommodities.keys()), `${source}: interSpreads`),
  };
}
