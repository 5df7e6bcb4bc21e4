import type { SpanContract } from '../span-types.js';
import { SPAN_SCENARIOS } from '../span-types.js';

/**
 * Σ qty × pnl per (cc, scan tier), gain positive — the `scanTierPnl` of a SpanAccountInput for callers without the
 * shared aggregation kernel (tests, one-off evaluations). Tiers the account does not hold give undefined.
 */
export function scanTierPnlFromPositions(
  positions: readonly { readonly contract: SpanContract; readonly quantity: number }[],
): (cc: string, tier: number) => Float64Array | undefined {
  const sums = new Map<string, Float64Array>();
  for (const { contract, quantity } of positions) {
    const key = `${contract.cc}\u0000${contract.scanTier}`;
    let sum = sums.get(key);
    if (sum === undefined) {
      sum = new Float64Array(SPAN_SCENARIOS);
      sums.set(key, sum);
    }
    for (let s = 0; s < SPAN_SCENARIOS; s++) sum[s] = sum[s]! + quantity * (contract.pnl[s] ?? 0);
  }
  return (cc, tier) => sums.get(`${cc}\u0000${tier}`);
}
