import type { NettedPosition } from './delta-ledger.js';

/**
 * Long option value cap of one combined commodity (methods/span.md §3 step 5), CC currency: when every position the
 * CC holds is a LONG premium-style option, the CC's risk is capped at the value of those options, Σ qty × value —
 * "a long option position can never be at risk for more than its premium" (SPAN Overview, Span Margin Calculation
 * ch. 11, July 1999, https://www.scribd.com/document/37243333/Span-Margin-Calculation). Undefined (no cap) when the CC
 * holds anything else: a future, a short option, or a futures-style option (whose premium was not paid, so its
 * value is not a bound on what the holder can lose). Netted positions have quantity ≠ 0.
 */
export function longOptionValueCap(positions: readonly NettedPosition[]): number | undefined {
  let value = 0;
  for (const { contract, quantity } of positions) {
    if (!(contract.kind === 'option' && contract.premiumStyle && quantity > 0)) return undefined;
    value += quantity * contract.value;
  }
  return positions.length === 0 ? undefined : value;
}

/** A CC's risk (maintenance or initial) after the long option value cap: min(risk, cap) when the cap applies. */
export function capAtLongOptionValue(risk: number, cap: number | undefined): number {
  return cap === undefined ? risk : Math.min(risk, Math.max(0, cap));
}

/**
 * Available net option value of one CC (methods/span.md §3 step 7), CC currency: its NOV, except that a CC whose
 * available NOV "has limits" (`capAnov`) can offset only its own risk — CME: "If a Combined Commodity's Available Net
 * Option Value has limits, it cannot be used to offset risk in another Combined Commodity. The standard setting
 * (without limits) allows Available Net Option Value to be used to offset risk from any other Combined Commodity"
 * (https://cmegroupclientsite.atlassian.net/wiki/spaces/pubspan/pages/46498045/Combined+Commodities). A negative NOV
 * (net short options) is never limited: it raises the requirement in full.
 */
export function availableNetOptionValue(nov: number, risk: number, capAnov: boolean): number {
  return capAnov && nov > 0 ? Math.min(nov, risk) : nov;
}
