/**
 * In-memory SPAN risk parameters (methods/span.md §1, §3–§8), shared by the JSON file loader, the computed-array
 * builder and the algorithm. Mirrors the CME XML hierarchy (ccDef with tiers and spreads; interSpreads) so pa2/XML
 * converters land in the same structures.
 *
 * SIGN: arrays here are ENGINE sign, gain positive, per ONE LONG contract, in the combined commodity's currency —
 * the CME loss-positive arrays are converted once, in the file loader (`pnl[s] = −a[s] × 10^riskExponent`).
 */

/** Number of SPAN scenarios (methods/span.md §2). */
export const SPAN_SCENARIOS = 16;

/** `pair[s]` = the scenario with the same price move and the opposite vol (15, 16 pair with themselves), 0-based. */
export const SPAN_PAIRED_SCENARIO: readonly number[] = [1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 14, 15];

/** Labels of the 16 scenarios, 1-based ids in the result (`"13"` = price −3/3, vol up). */
export const SPAN_SCENARIO_LABELS: readonly string[] = [
  'price unchanged, vol up',
  'price unchanged, vol down',
  'price +1/3, vol up',
  'price +1/3, vol down',
  'price −1/3, vol up',
  'price −1/3, vol down',
  'price +2/3, vol up',
  'price +2/3, vol down',
  'price −2/3, vol up',
  'price −2/3, vol down',
  'price +3/3, vol up',
  'price +3/3, vol down',
  'price −3/3, vol up',
  'price −3/3, vol down',
  'price +extreme, vol unchanged',
  'price −extreme, vol unchanged',
];

export type SpanContractKind = 'future' | 'option' | 'physical';

export interface SpanContract {
  /** Symbol as used in portfolio files (the instrument's symbol). */
  readonly symbol: string;
  /** Combined commodity code. */
  readonly cc: string;
  readonly kind: SpanContractKind;
  readonly right?: 'call' | 'put';
  readonly strike?: number;
  /** Contract period YYYYMM (a future's month; an option's expiry month), for intra spreads and delivery. */
  readonly period: string;
  /** Tier numbers this contract falls in (1-based; 1 when the CC has a single tier). */
  readonly scanTier: number;
  readonly intraTier: number;
  readonly interTier: number;
  /** Scenario P&L of one long contract, gain positive, CC currency; length 16. */
  readonly pnl: Float64Array;
  /** Composite delta of one long contract (underlying futures-equivalents), already × delta scaling factor. */
  readonly compositeDelta: number;
  /** Value of one long contract for NOV (settlement price × contract value factor), CC currency; 0 for futures. */
  readonly value: number;
  /** Premium-style options enter NOV; futures-style options and futures do not. */
  readonly premiumStyle: boolean;
  /** True when the contract is in its delivery (spot) month: excluded from inter spreads (CME rule). */
  readonly inDelivery: boolean;
}

/** One leg of an intra-commodity spread: a tier (tier-to-tier, XML tLeg) or a contract period (series-to-series, pLeg). */
export interface SpanIntraLeg {
  readonly tier?: number;
  readonly period?: string;
  /** Delta consumed per spread on this leg. */
  readonly ratio: number;
  /** A = the leg must hold long (positive) delta, B = short delta. */
  readonly side: 'A' | 'B';
}

export interface SpanIntraSpread {
  /** Lower first. Series-to-series spreads are processed before tier-to-tier ones at equal priority. */
  readonly priority: number;
  /** Charge per spread formed, CC currency. */
  readonly chargeRate: number;
  readonly legs: readonly SpanIntraLeg[];
}

/** Delivery (spot) month charges, Type 4 method 10 (methods/span.md §3 step 4). */
export interface SpanDeliveryRate {
  readonly period: string;
  /** Per unit of delta in this period consumed by intra spreads. */
  readonly spreadCharge: number;
  /** Per unit of delta in this period left outright. */
  readonly outrightCharge: number;
}

export type WfprMethod = 'NORMAL' | 'SCANRANGE' | 'SCANRANGE_CAP';
export type SomMethod = 'sum' | 'max';

export interface SpanCombinedCommodity {
  readonly code: string;
  /** Performance-bond currency. */
  readonly currency: string;
  /** Weighted futures price risk method for delta-based inter spreads. */
  readonly wfprMethod: WfprMethod;
  /** Price scan range per unit of delta (outright margin of one future), per inter tier (index = tier − 1), CC currency. */
  readonly priceScanRange: readonly number[];
  readonly intraSpreads: readonly SpanIntraSpread[];
  readonly deliveryRates: readonly SpanDeliveryRate[];
  /** Short option minimum: rate per short option, and the counting method ('sum' of shorts or 'max' of calls/puts). */
  readonly somRate: number;
  readonly somMethod: SomMethod;
  /** Initial = maintenance × ratio, by account type. */
  readonly initialToMaintenance: { readonly member: number; readonly hedger: number; readonly speculator: number };
  /**
   * "Limits on Available Net Option Value" (XML ccDef/capAnov): the CC's positive NOV offsets only its own risk, never
   * another CC's (methods/span.md §3 step 7). Absent = false (CME's standard setting).
   */
  readonly capAnov?: boolean;
}

export interface SpanInterLeg {
  readonly cc: string;
  /** Inter tier of the leg (1 when the CC has one tier). */
  readonly tier: number;
  /** Delta consumed per spread on this leg. */
  readonly ratio: number;
  readonly side: 'A' | 'B';
  /** A required leg must be present for the spread to form (all legs required by default). */
  readonly required: boolean;
}

export interface SpanInterSpread {
  readonly priority: number;
  /** Credit rate, fraction (0.75 = 75 %): WFPR credits; for scanning spreads the gain allowance. */
  readonly creditRate: number;
  /** 'delta' = delta-based with WFPR (or flat); 'scanning' = arrays combined on a target CC with a gain allowance. */
  readonly method: 'delta' | 'scanning';
  /** Delta spreads: 'wfpr' credits rate × n × ratio × WFPR per leg; 'flat' credits flatAmount per spread. */
  readonly creditMethod: 'wfpr' | 'flat';
  readonly flatAmount?: number;
  readonly legs: readonly SpanInterLeg[];
  /**
   * A super-intercommodity spread (CME SPAN 09-01; XML `superSpreads`): delta-based, each leg's WFPR capped at its CC's
   * scan risk / the leg's initial delta (weighted-futures-price-risk.ts). Processed in priority order with the other
   * inter spreads (not before the intra spreads as CME does). Absent = false.
   */
  readonly superSpread?: boolean;
  /** Scanning spreads: the CC whose requirement receives the combined scan risk. */
  readonly targetCc?: string;
}

export interface SpanRiskParameters {
  readonly exchangeComplex: string;
  /** Business date of the parameter file. */
  readonly businessDate: string;
  readonly combinedCommodities: ReadonlyMap<string, SpanCombinedCommodity>;
  readonly contracts: ReadonlyMap<string, SpanContract>;
  readonly interSpreads: readonly SpanInterSpread[];
}
