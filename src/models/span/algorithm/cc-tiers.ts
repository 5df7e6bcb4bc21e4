import { CrossmarginError } from '../../../core/errors.js';
import type { SpanCombinedCommodity } from '../span-types.js';
import type { NettedPosition } from './delta-ledger.js';
import { scanTierRisk, type ScanTierRisk } from './scan-risk.js';
import { spanParamError } from './span-param-error.js';
import { weightedFuturesPriceRisk } from './weighted-futures-price-risk.js';

/** A scan tier the account holds: its P&L (engine sign), decomposition and net delta (methods/span.md §3, §4). */
export interface HeldTier extends ScanTierRisk {
  readonly tier: number;
  readonly pnl: Float64Array;
  readonly netDelta: number;
}

export interface InterTierWfpr {
  readonly tier: number;
  readonly priceRisk: number;
  readonly netDelta: number;
  readonly wfpr: number;
}

const uniqueSorted = (values: readonly number[]): number[] => [...new Set(values)].sort((a, b) => a - b);

const netDeltaOf = (positions: readonly NettedPosition[]): number =>
  positions.reduce((sum, p) => sum + p.quantity * p.contract.compositeDelta, 0);

/** Scan tiers of one CC, each margined on its own (§3 step 1); the caller's `scanTierPnl` supplies the arrays. */
export function heldScanTiers(
  cc: string,
  positions: readonly NettedPosition[],
  scanTierPnl: (cc: string, tier: number) => Float64Array | undefined,
): HeldTier[] {
  return uniqueSorted(positions.map((p) => p.contract.scanTier)).map((tier) => {
    const pnl = scanTierPnl(cc, tier);
    if (pnl === undefined) {
      throw new CrossmarginError('INTERNAL', `SPAN: no scan tier P&L for ${cc} tier ${tier}, where the account holds positions`);
    }
    const inTier = positions.filter((p) => p.contract.scanTier === tier);
    return { tier, pnl, netDelta: netDeltaOf(inTier), ...scanTierRisk(pnl) };
  });
}

/**
 * WFPR per inter tier of one CC (§4). When every contract of the CC has scanTier = interTier (`aligned`), inter tier
 * t uses scan tier t's price risk and net delta. Otherwise an inter tier has no scan array of its own, so all inter
 * tiers use the CC's price risk summed over scan tiers and the CC's net delta (the method's scan range still comes
 * from priceScanRange[t − 1]).
 */
export function interTierWfpr(
  code: string,
  cc: SpanCombinedCommodity,
  positions: readonly NettedPosition[],
  tiers: readonly HeldTier[],
  aligned: boolean,
): InterTierWfpr[] {
  const ccPriceRisk = tiers.reduce((sum, t) => sum + t.priceRisk, 0);
  const ccNetDelta = netDeltaOf(positions);
  return uniqueSorted(positions.map((p) => p.contract.interTier)).map((tier) => {
    const scan = tiers.find((t) => t.tier === tier);
    const priceRisk = aligned ? (scan?.priceRisk ?? 0) : ccPriceRisk;
    const netDelta = aligned ? (scan?.netDelta ?? 0) : ccNetDelta;
    return { tier, priceRisk, netDelta, wfpr: interTierWfprOf(code, cc, tier, priceRisk, netDelta) };
  });
}

/**
 * WFPR of inter tier `tier` of a CC from the price risk and net delta it reads (§4), with that tier's price scan
 * range; a SCANRANGE method without one is a parameter error naming the field. Shared with span-book.ts.
 */
export function interTierWfprOf(code: string, cc: SpanCombinedCommodity, tier: number, priceRisk: number, netDelta: number): number {
  const range = cc.priceScanRange[tier - 1];
  if (range === undefined && cc.wfprMethod !== 'NORMAL') {
    throw spanParamError(`combinedCommodities.${code}.priceScanRange.${tier - 1}`, `missing for inter tier ${tier} (WFPR method ${cc.wfprMethod})`);
  }
  return weightedFuturesPriceRisk(cc.wfprMethod, priceRisk, netDelta, range ?? 0);
}
