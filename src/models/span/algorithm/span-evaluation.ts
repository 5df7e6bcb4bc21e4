import type { SpreadFormed } from '../../margin-result.js';
import type { SpanContract } from '../span-types.js';

/** What the SPAN algorithm needs of one account (methods/span.md §3). */
export interface SpanAccountInput {
  /** Signed contracts, long positive; the same contract may appear more than once (netted per symbol). */
  readonly positions: readonly { readonly contract: SpanContract; readonly quantity: number }[];
  /** Σ qty × pnl per (cc, scan tier), gain positive, 16 values — computed by the caller with the shared aggregation kernel. */
  readonly scanTierPnl: (cc: string, tier: number) => Float64Array | undefined;
  readonly accountType: 'member' | 'hedger' | 'speculator';
}

/** One scanning tier of a CC (§3 step 1, §4). Amounts in CC currency. */
export interface SpanTierEvaluation {
  readonly tier: number;
  readonly scanRisk: number;
  /** 0-based scenario index (1-based id = index + 1); exact ties go to the lowest index. */
  readonly activeScenario: number;
  readonly priceRisk: number;
  readonly volRisk: number;
  readonly timeRisk: number;
  /** Σ qty × compositeDelta of the tier's positions (before any spread). */
  readonly netDelta: number;
  /** WFPR of the inter tier with the same number when the CC's scan and inter tiers coincide; undefined otherwise. */
  readonly wfpr: number | undefined;
}

/** One inter tier of a CC: the WFPR its delta is credited at (§4). */
export interface SpanInterTierEvaluation {
  readonly tier: number;
  /** Price risk and net delta the WFPR was computed from (the scan tier's, or the CC's when tiers differ). */
  readonly priceRisk: number;
  readonly netDelta: number;
  readonly wfpr: number;
  /** Delta left after all spreads, outside the delivery month. */
  readonly remainingDelta: number;
}

export interface SpanCcEvaluation {
  readonly cc: string;
  readonly currency: string;
  /** Σ over scan tiers (tiers margined independently, §3). */
  readonly scanRisk: number;
  readonly netDelta: number;
  readonly tiers: readonly SpanTierEvaluation[];
  readonly interTiers: readonly SpanInterTierEvaluation[];
  readonly intraSpreadCharge: number;
  readonly deliveryCharge: number;
  readonly interSpreadCredit: number;
  readonly shortOptionMinimum: number;
  readonly netOptionValue: number;
  /**
   * NOV as netted per currency against the maintenance (resp. initial) risk: = netOptionValue, or for a capAnov CC
   * with positive NOV min(NOV, its own risk) (long-option-value.ts).
   */
  readonly availableNetOptionValue: number;
  readonly availableNetOptionValueInitial: number;
  /**
   * max(scan + intra + delivery − interCredit, SOM), capped at the long option value (LOV) when the CC holds only
   * long premium-style options (long-option-value.ts).
   */
  readonly riskMaintenance: number;
  /** max(…, SOM) × initialToMaintenance[accountType], capped at the LOV likewise. */
  readonly riskInitial: number;
}

/** Requirement per performance-bond currency (§3 step 7). */
export interface SpanCurrencyRequirement {
  readonly currency: string;
  readonly riskMaintenance: number;
  readonly riskInitial: number;
  readonly netOptionValue: number;
  /** max(0, Σ riskMaintenance − Σ available NOV); available NOV = NOV unless some CC has capAnov. */
  readonly maintenance: number;
  /** max(0, Σ riskInitial − Σ available NOV (initial)). */
  readonly initial: number;
}

export interface SpanEvaluation {
  /** Sorted by CC code. */
  readonly combinedCommodities: readonly SpanCcEvaluation[];
  /** Sorted by currency code. */
  readonly currencies: readonly SpanCurrencyRequirement[];
  /** Spreads in formation order: intra (CC by CC), then inter by priority. */
  readonly spreads: readonly SpreadFormed[];
}
