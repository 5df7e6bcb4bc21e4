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

/**
 * The WFPR of a leg of a SUPER inter-commodity spread (methods/span.md §4), CC currency per unit of delta: CME SPAN
 * 09-01 — for delta-based super-intercommodity spreads the WFPR "will be capped at Scan Risk for Combined Commodity
 * divided by initial delta for the spread leg". `initialDelta` is the leg's inter-tier net delta before any spread;
 * with none the cap is 0 (there is no delta to credit). So a super spread never credits a leg more than
 * rate × its CC's scan risk, whatever the WFPR method (SCANRANGE can exceed it for options, NORMAL when time risk < 0).
 */
export function superSpreadWfpr(wfpr: number, ccScanRisk: number, initialDelta: number): number {
  return initialDelta === 0 ? 0 : Math.min(wfpr, Math.max(0, ccScanRisk) / Math.abs(initialDelta));
}
