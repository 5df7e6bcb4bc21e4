import type { NettedPosition } from './delta-ledger.js';

/**
 * Net option value of one combined commodity (methods/span.md §3 step 7), CC currency: Σ qty × value over
 * premium-style options (long +, short −). Futures-style options and futures carry no premium and do not enter.
 */
export function netOptionValue(positions: readonly NettedPosition[]): number {
  let nov = 0;
  for (const { contract, quantity } of positions) {
    if (contract.kind === 'option' && contract.premiumStyle) nov += quantity * contract.value;
  }
  return nov;
}
