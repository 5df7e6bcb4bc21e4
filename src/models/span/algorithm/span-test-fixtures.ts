import { CrossmarginError } from '../../../core/errors.js';
import type { SpanCombinedCommodity, SpanContract, SpanInterSpread, SpanRiskParameters } from '../span-types.js';
import { evaluateSpan } from './evaluate-span.js';
import { scanTierPnlFromPositions } from './scan-tier-pnl-from-positions.js';
import type { SpanAccountInput, SpanEvaluation } from './span-evaluation.js';

/**
 * Builders for SPAN algorithm tests: small parameter sets written out in the tests themselves. Not engine code.
 */

/** Price move of each scenario in thirds of the scan range (§2); the extremes are handled by {@link futurePnl}. */
const THIRDS = [0, 0, 1, 1, -1, -1, 2, 2, -2, -2, 3, 3, -3, -3];

/**
 * P&L of one long future with price scan range `psr` (engine sign): move × psr, extremes 2 × PSR × 35 % = 0.7 × PSR.
 * Pick psr a multiple of 30 to keep every value an exact integer.
 */
export function futurePnl(psr: number): Float64Array {
  const extreme = (7 * psr) / 10;
  return Float64Array.from([...THIRDS.map((t) => (t * psr) / 3), extreme, -extreme]);
}

/** Engine-sign P&L from a column of SPAN losses (pnl = −loss). */
export function pnlFromLosses(losses: readonly number[]): Float64Array {
  return Float64Array.from(losses, (l) => 0 - l);
}

export function contract(fields: Partial<SpanContract> & Pick<SpanContract, 'symbol' | 'cc'>): SpanContract {
  return {
    kind: 'future',
    period: '202412',
    scanTier: 1,
    intraTier: 1,
    interTier: 1,
    pnl: new Float64Array(16),
    compositeDelta: 1,
    value: 0,
    premiumStyle: false,
    inDelivery: false,
    ...fields,
  };
}

export function combinedCommodity(fields: Partial<SpanCombinedCommodity> & Pick<SpanCombinedCommodity, 'code'>): SpanCombinedCommodity {
  return {
    currency: 'USD',
    wfprMethod: 'NORMAL',
    priceScanRange: [],
    intraSpreads: [],
    deliveryRates: [],
    somRate: 0,
    somMethod: 'sum',
    initialToMaintenance: { member: 1, hedger: 1, speculator: 1 },
    ...fields,
  };
}

export function spanParams(
  ccs: readonly SpanCombinedCommodity[],
  contracts: readonly SpanContract[],
  interSpreads: readonly SpanInterSpread[] = [],
): SpanRiskParameters {
  return {
    exchangeComplex: 'TEST',
    businessDate: '2024-06-17',
    combinedCommodities: new Map(ccs.map((c) => [c.code, c])),
    contracts: new Map(contracts.map((c) => [c.symbol, c])),
    interSpreads,
  };
}

/** Evaluates positions with the scan tier P&L summed from the contracts' own arrays. */
export function evaluate(
  params: SpanRiskParameters,
  positions: readonly (readonly [SpanContract, number])[],
  accountType: SpanAccountInput['accountType'] = 'member',
): SpanEvaluation {
  const list = positions.map(([c, quantity]) => ({ contract: c, quantity }));
  return evaluateSpan(params, { positions: list, scanTierPnl: scanTierPnlFromPositions(list), accountType });
}

/** The evaluation of one CC (fails the test through a thrown error when absent). */
export function ccOf(evaluation: SpanEvaluation, cc: string): SpanEvaluation['combinedCommodities'][number] {
  const found = evaluation.combinedCommodities.find((c) => c.cc === cc);
  if (found === undefined) throw new CrossmarginError('INTERNAL', `test: no evaluation for ${cc}`);
  return found;
}
