import { SPAN_SCENARIOS } from '../span-types.js';

/**
 * Scan risk of a scanning-based inter spread (methods/span.md §4.1), CC currency: per scenario
 * combined[s] = Σ_{legs with L>0} L − rate × Σ_{legs with L<0} |L| (the gain allowance `rate` lets a gaining leg
 * offset losses only up to that fraction), then max(0, max_s combined). `legPnl` are the legs' tier P&L arrays in
 * engine sign (L = −pnl).
 *
 * Never above the legs' standalone scan risks summed: combined[s] ≤ Σ_{L>0} L[s] ≤ Σ_legs max(0, max_s L), because
 * the gain term is ≤ 0 for any rate ≥ 0 — so the credit (standalone sum − combined) is ≥ 0. The rate ≤ 1 bound
 * (validated) is what keeps a gain from offsetting more than itself.
 */
export function scanningSpreadRisk(legPnl: readonly Float64Array[], rate: number): number {
  let worst = 0;
  for (let s = 0; s < SPAN_SCENARIOS; s++) {
    let losses = 0;
    let gains = 0;
    for (const pnl of legPnl) {
      const loss = 0 - pnl[s]!;
      if (loss > 0) losses += loss;
      else gains -= loss;
    }
    worst = Math.max(worst, losses - rate * gains);
  }
  return worst;
}
