import { z } from 'zod';
import { CrossmarginError } from '../../core/errors.js';
import { parseWithSchema } from '../../core/validate.js';
import { fraction, venueConfigFields } from '../../models/venues/venue-config.js';

/**
 * A venue's liquidation rule as dated configuration (crypto-venues.md §8 and the venue sections). Every amount is a
 * fraction; prices are the snapshot's marks. The rule closes increments of positions until the account is back above
 * its maintenance margin (or the venue's own stop level), charging a penalty that goes to the insurance fund.
 */
export const LiquidationRuleSchema = z.strictObject({
  ...venueConfigFields('undated', 'generic rule (no venue values)'),
  /** Share of each position's size at the start of liquidation closed per step (0 < f ≤ 1). */
  incrementFraction: z.number().finite().gt(0).max(1).default(0.1),
  /** Fixed slice per step in contracts, by kind, instead of the fraction (Deribit historically: 200 futures, 1 option). */
  incrementContracts: z.strictObject({ deltaOne: z.number().finite().positive().optional(), option: z.number().finite().positive().optional() }).default({}),
  /** Penalty (liquidation fee) as a fraction of the closed notional in the settlement currency, paid to the insurance fund. */
  penaltyRate: fraction.default(0),
  /** Per settlement currency overrides of penaltyRate (Deribit: BTC 0.75 %, ETH 0.9 %). */
  penaltyRateByCurrency: z.record(z.string(), fraction).default({}),
  /** The penalty never takes the account below zero equity (dYdX: the fee comes out of what is left above bankruptcy). */
  penaltyCappedAtEquity: z.boolean().default(false),
  /**
   * Execution price: `mark-slippage` = mark × (1 ∓ slippage) against the liquidated side; `dydx-fillable` = §5's
   * fillable price P × (1 ∓ ABR × SMMR × MMF), ABR = clamp(BA × (1 − TNC/TMMR), 0, 1).
   */
  price: z.enum(['mark-slippage', 'dydx-fillable']).default('mark-slippage'),
  slippage: fraction.default(0),
  /** SMMR of dydx-fillable: `spread_to_maintenance_margin_ratio_ppm` 100,000 → 0.1 (§5 sample liquidation config). */
  spreadToMaintenanceMarginRatio: z.number().finite().min(0).default(0.1),
  /** BA of dydx-fillable: `bankruptcy_adjustment_ppm` 1,000,000 → 1 (§5). */
  bankruptcyAdjustment: z.number().finite().min(0).default(1),
  /** Which position goes first: the largest margin contribution, or delta-one (futures, perpetuals) before options, then spot. */
  order: z.enum(['largest-contribution', 'futures-first']).default('largest-contribution'),
  /** Collateral currency that receives the cash flows (a USDC-margined venue); default the instrument's settlement currency. */
  settleInto: z.string().min(1).optional(),
  /** Equity the venue compares with MM: the plain valuation (collateral + option premiums + spot), or a named result component. */
  equityComponent: z.string().min(1).optional(),
  /** Liquidation starts when equity < MM × (1 + startBuffer) (Binance Pro: liquidation zone from uniMMR 105 %). */
  startBuffer: z.number().finite().min(0).default(0),
  /** It stops when equity ≥ MM × (1 + exitBuffer) (Drift's exit buffer [U]); or at the venue's own stop level (`target`). */
  exitBuffer: z.number().finite().min(0).default(0),
  /** `maintenance`, or `liquidation-end` (Mango: stop when LiquidationEnd health ≥ 0, read from the result's details). */
  target: z.enum(['maintenance', 'liquidation-end']).default('maintenance'),
  /** Safety stop on the number of steps. */
  maxSteps: z.number().int().positive().max(1_000_000).default(10_000),
});

export type LiquidationRule = z.output<typeof LiquidationRuleSchema>;
export type LiquidationRuleInput = z.input<typeof LiquidationRuleSchema>;

const DERIBIT: LiquidationRuleInput = {
  asOf: '2022-01-11',
  source: 'docs/models/deribit-sm.md (liquidation fee 0.75 % BTC, 0.9 % ETH from 11 Jan 2022) and docs/liquidation.md (incremental slices of 200 × $10 futures and 1 option, futures first)',
  incrementContracts: { deltaOne: 200, option: 1 },
  penaltyRate: 0.0075,
  penaltyRateByCurrency: { BTC: 0.0075, ETH: 0.009 },
  order: 'futures-first',
};

/**
 * Each registered venue model's rule with the values crypto-venues.md gives; `illustrative` marks values the document
 * does not give (chosen for examples, not a venue's published figure). A model without an entry gets the generic
 * defaults of the schema.
 */
export const VENUE_LIQUIDATION_RULES: Readonly<Record<string, LiquidationRuleInput>> = Object.freeze({
  'deribit-pm': DERIBIT,
  'deribit-sm': DERIBIT,
  'dydx-v4': {
    asOf: 'v4-chain sample genesis',
    source: 'docs/models/dydx-v4.md: fillable price, max_liquidation_fee_ppm 5,000, max_position_portion_liquidated_ppm 1,000,000, SMMR 0.1, BA 1',
    incrementFraction: 1,
    penaltyRate: 0.005,
    penaltyCappedAtEquity: true,
    price: 'dydx-fillable',
    settleInto: 'USDC',
  },
  drift: {
    asOf: 'illustrative',
    source: 'docs/models/drift.md (partial liquidation, exit buffer [U]); fee 1 %, slices of 25 % and buffer 0 are illustrative',
    incrementFraction: 0.25,
    penaltyRate: 0.01,
    settleInto: 'USDC',
    equityComponent: 'totalCollateralMaintenance',
  },
  'mango-health': {
    asOf: '2024-01-01',
    source: 'docs/models/mango-health.md: liquidate while Maint health < 0 until LiquidationEnd health ≥ 0; fee halfway between 1 and the maint liability weight (default perp 1.1 → 5 %)',
    incrementFraction: 0.25,
    penaltyRate: 0.05,
    settleInto: 'USDC',
    target: 'liquidation-end',
  },
  'binance-pm': {
    asOf: '2025-02-06',
    source: 'docs/models/binance-pm.md Pro zones: liquidation from uniMMR 105 %; fee 1 % and slices of 25 % are illustrative',
    incrementFraction: 0.25,
    penaltyRate: 0.01,
    equityComponent: 'adjustedEquity',
    startBuffer: 0.05,
    exitBuffer: 0.05,
  },
});

/** The venue's rule for `modelId` with `overrides` (a parsed `--rule` file) on top; errors name the field. */
export function liquidationRuleFor(modelId: string, overrides: unknown = {}, source = 'rule'): LiquidationRule {
  const base = VENUE_LIQUIDATION_RULES[modelId] ?? {};
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `${source}: a liquidation rule must be a JSON object`, { field: source });
  }
  // Only the fields given replace the venue's; the schema then validates the merged rule (unknown keys refused).
  return parseWithSchema(LiquidationRuleSchema, { ...base, ...overrides }, source, 'MODEL_PARAMS_INVALID');
}
