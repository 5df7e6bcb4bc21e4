import type { InstrumentSpec } from '../../instruments/instrument-spec.js';
import type { DeribitPmVenueFields } from './deribit-pm-params.js';

/**
 * The scalar S:PM arithmetic of one row (crypto-venues.md §1.1), shared by the per-account path (deribit-pm-rows.ts,
 * which also keeps the vectors for the explanation) and the batch path (deribit-pm-batch.ts, typed arrays only).
 * Both call these in the same order on the same inputs, so their margins agree bit for bit.
 */

/** Relative price step of the two extra scenarios the total delta is read from (central difference). */
export const DELTA_STEP = 1e-4;

/** Positive-P&L offset rule per currency (crypto-venues.md §1.1 AGGREGATION): losses count in full, gains at pnl_offset up to the cap. */
export function deribitOffset(pre: number, pnlOffset: number, cap: number): number {
  return pre <= 0 ? pre : Math.min(pre * pnlOffset, cap);
}

/** One aggregated entry (settlement coin): the offset rule with −0 folded to +0, as the reported vectors show it. */
export function offsetPnl(x: number, f: Pick<DeribitPmVenueFields, 'pnlOffset' | 'maxOffsetablePnl'>): number {
  return deribitOffset(x, f.pnlOffset, f.maxOffsetablePnl) + 0;
}

/**
 * dampen(x, m) = sign(x)·max(0, |x| − D(m)), D(m) = (max(|m|/range,1) − 1) × dampener_USD / ((1 + sign(m)·range)·S)
 * (§1.1, [I]): the fixed-USD dampener in the settlement coin (S = coin → USD at today's index).
 */
export function dampen(x: number, m: number, f: Pick<DeribitPmVenueFields, 'priceRange' | 'extendedDampenerUsd'>, ccyToUsd: number): number {
  const d = ((Math.max(Math.abs(m) / f.priceRange, 1) - 1) * f.extendedDampenerUsd) / ((1 + Math.sign(m) * f.priceRange) * ccyToUsd);
  return Math.sign(x) * Math.max(0, Math.abs(x) - d) + 0;
}

/** worst_case = max(0, −lowest aggregated entry) (§1.1); a row without entries (lowest = +∞) is charged 0. */
export function worstLossOf(lowest: number): number {
  return Math.max(0, -(lowest === Infinity ? 0 : lowest));
}

/**
 * Worst case of one row straight from its pre-aggregated vector `pre[at .. at + standard + extended − 1]` (settlement
 * coin): each entry +0, offset (standard) or dampened then offset (extended), the lowest kept. Same values and the
 * same strict-< scan as `worstCase` over the reported vectors, without making them.
 */
export function rowWorstLoss(
  pre: ArrayLike<number>,
  at: number,
  standardCount: number,
  extendedMoves: readonly number[],
  f: DeribitPmVenueFields,
  ccyToUsd: number,
): number {
  let lowest = Infinity;
  for (let j = 0; j < standardCount; j++) {
    const x = offsetPnl(pre[at + j]! + 0, f);
    if (x < lowest) lowest = x;
  }
  for (let e = 0; e < extendedMoves.length; e++) {
    const x = offsetPnl(dampen(pre[at + standardCount + e]! + 0, extendedMoves[e]!, f, ccyToUsd), f);
    if (x < lowest) lowest = x;
  }
  return worstLossOf(lowest);
}

/** Coin of settlement per contract at the reference price: multiplier / ref (inverse) or multiplier × ref (linear). */
export function rollPerContract(spec: Pick<InstrumentSpec, 'settlement' | 'multiplier'>, reference: number): number {
  return spec.settlement === 'inverse' ? spec.multiplier / reference : spec.multiplier * reference;
}

/** Roll shock of one netted future / perpetual (§1.1, [I]): |position in coin| × max(annualised_move_risk × T, min_annualised_move). */
export function rollShockTerm(netQuantity: number, perContract: number, tau: number, f: Pick<DeribitPmVenueFields, 'annualisedMoveRisk' | 'minAnnualisedMove'>): number {
  return Math.abs(netQuantity) * perContract * Math.max(f.annualisedMoveRisk * tau, f.minAnnualisedMove);
}

/** Total delta in coin of underlying from the ±DELTA_STEP row P&L (settlement coin), via USD at the index S. */
export function deltaCoinOf(up: number, down: number, ccyToUsd: number, index: number): number {
  return (((up - down) / (2 * DELTA_STEP)) * ccyToUsd) / index;
}

/**
 * Delta shock of one underlying (§1.1, [U]), settlement coin: |Δ| × min(max_delta_shock, m_inc × max(0, |Δ| − threshold/S))
 * coins of underlying, valued at S and converted back to the settlement coin.
 */
export function deltaShockTerm(deltaCoin: number, index: number, ccyToUsd: number, f: Pick<DeribitPmVenueFields, 'maxDeltaShock' | 'mInc' | 'deltaTotalLiqShockThresholdUsd'>): number {
  const abs = Math.abs(deltaCoin);
  const shockCoin = abs * Math.min(f.maxDeltaShock, f.mInc * Math.max(0, abs - f.deltaTotalLiqShockThresholdUsd / index));
  return (shockCoin * index) / ccyToUsd;
}

/** risk_matrix_margin = worst case + delta shock + roll shock + correlation contingency (+ legacy contingencies), §1.1. */
export function riskMatrixMarginOf(worst: number, deltaShock: number, rollShock: number, correlationContingency: number, optionContingency: number, futuresContingency: number): number {
  return worst + deltaShock + rollShock + correlationContingency + optionContingency + futuresContingency;
}
