import type { WfprMethod } from '../span-types.js';

/**
 * Weighted futures price risk per unit of delta (methods/span.md §4), CC currency per futures-equivalent:
 * NORMAL max(priceRisk / |netDelta|, 0) — 0 when the net delta is 0 (no delta, nothing to spread); SCANRANGE the
 * price scan range; SCANRANGE_CAP min(NORMAL, scan range). CME divides by the *rounded* net delta; deltas here are not
 * rounded (they come from the file already scaled), so the plain net delta is used.
 */
export function weightedFuturesPriceRisk(method: WfprMethod, priceRisk: number, netDelta: number, priceScanRange: number): number {
  const normal = netDelta === 0 ? 0 : Math.max(priceRisk / Math.abs(netDelta), 0);
  switch (method) {
    case 'NORMAL':
      return normal;
    case 'SCANRANGE':
      return priceScanRange;
    case 'SCANRANGE_CAP':
      return Math.min(normal, priceScanRange);
  }
}
