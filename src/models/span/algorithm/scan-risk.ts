import { CrossmarginError } from '../../../core/errors.js';
import { SPAN_PAIRED_SCENARIO, SPAN_SCENARIOS } from '../span-types.js';

/** Scan risk of one scanning tier and its decomposition (methods/span.md §3 step 1, §4). Amounts in CC currency. */
export interface ScanTierRisk {
  /** max(0, max_s L[s]) with L = −pnl (loss positive). */
  readonly scanRisk: number;
  /** 0-based index of the scenario with the largest loss; exact ties go to the lowest index. */
  readonly activeScenario: number;
  /** (L[s*] + L[pair(s*)]) / 2 − timeRisk (§4). */
  readonly priceRisk: number;
  /** |L[s*] − L[pair(s*)]| / 2 (§4). */
  readonly volRisk: number;
  /** (L[1] + L[2]) / 2: mean loss of the two price-unchanged scenarios (0-based indices 0, 1; §4). */
  readonly timeRisk: number;
}

/**
 * Scan risk of one tier from its portfolio P&L (engine sign, gain positive, 16 values). The sign flip to SPAN's
 * loss-positive L happens here, once. price + vol + time = L[s*] = max_s L[s]: it equals `scanRisk` whenever the tier
 * loses somewhere; when every scenario gains, scanRisk is 0 and the unfloored decomposition is reported as is.
 * Its price risk can still be positive then (time risk very negative), which gives a NORMAL WFPR; the credit cap
 * (scan + intra + delivery) keeps such a tier from receiving credit beyond its own risk.
 */
export function scanTierRisk(pnl: Float64Array): ScanTierRisk {
  if (pnl.length !== SPAN_SCENARIOS) {
    throw new CrossmarginError('INTERNAL', `SPAN scan tier P&L has ${pnl.length} values, expected ${SPAN_SCENARIOS}`);
  }
  return scanTierRiskAt(pnl, 0);
}

/**
 * scanTierRisk of the 16 values `pnl[offset .. offset + 15]`: the one implementation of the decomposition, shared
 * by the per-account path and the batch path (span-book.ts reads its tiers straight out of a chunk buffer), so
 * both give the same bits.
 */
export function scanTierRiskAt(pnl: Float64Array, offset: number): ScanTierRisk {
  let active = 0;
  let worst = -Infinity;
  for (let s = 0; s < SPAN_SCENARIOS; s++) {
    const loss = 0 - pnl[offset + s]!;
    if (loss > worst) {
      worst = loss;
      active = s;
    }
  }
  const loss = (s: number): number => 0 - pnl[offset + s]!;
  const paired = loss(SPAN_PAIRED_SCENARIO[active]!);
  const timeRisk = (loss(0) + loss(1)) / 2;
  const volRisk = Math.abs(worst - paired) / 2;
  const priceRisk = (worst + paired) / 2 - timeRisk;
  return { scanRisk: Math.max(0, worst), activeScenario: active, priceRisk, volRisk, timeRisk };
}
