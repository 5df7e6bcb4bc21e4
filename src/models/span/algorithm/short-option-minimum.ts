import type { SomMethod } from '../span-types.js';
import type { NettedPosition } from './delta-ledger.js';

/**
 * Short option minimum of one combined commodity (methods/span.md §3 step 6), CC currency:
 * somRate × (shortCalls + shortPuts) for 'sum' (method blank/2), somRate × max(shortCalls, shortPuts) for 'max'
 * (method 1). Counts are contracts: |qty| of each option contract held net short (positions netted per contract
 * first, so a long and a short of the same series cancel).
 */
export function shortOptionMinimum(positions: readonly NettedPosition[], somRate: number, method: SomMethod): number {
  let calls = 0;
  let puts = 0;
  for (const { contract, quantity } of positions) {
    if (contract.kind !== 'option' || !(quantity < 0)) continue;
    if (contract.right === 'put') puts -= quantity;
    else calls -= quantity;
  }
  return somFromCounts(calls, puts, somRate, method);
}

/** SOM from the net short call and put counts (contracts, ≥ 0): the formula both paths use (span-book.ts). */
export function somFromCounts(calls: number, puts: number, somRate: number, method: SomMethod): number {
  return somRate * (method === 'max' ? Math.max(calls, puts) : calls + puts);
}
