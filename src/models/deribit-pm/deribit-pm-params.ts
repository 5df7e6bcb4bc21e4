import { z } from 'zod';
import { CrossmarginError } from '../../core/errors.js';
import { DeribitPmLegacySchema, DERIBIT_PM_LEGACY_DEFAULTS } from './deribit-pm-legacy-params.js';

/**
 * Parameters of `deribit-pm` (S:PM), crypto-venues.md §1.1. Venue parameters are dated configuration: the defaults
 * are the BTC `model_params` of Deribit's `private/pme/simulate` docs example of 2024-06-17 (crypto-venues.md §1.1
 * "Parameters, BTC"); `asOf` and `source` say where a parameter set comes from. `currencies` overrides any field for
 * one settlement currency (aggregation, offset, roll and delta shock) or underlying (price range, vol shock).
 */
const VenueFieldsSchema = z.strictObject({
  priceRange: z.number().finite().positive().lt(1).meta({ description: 'price_range: price scan range, relative (0.16 = ±16 %)' }),
  bucketsCount: z.number().int().min(1).max(50).meta({ description: 'buckets_count: price points on each side of 0 (4 gives 9 points)' }),
  volatilityRangeUp: z.number().finite().min(0).meta({ description: 'volatility_range_up: relative vol shock up at 30 days, σ × (1 + shock × (30/DTE)^p)' }),
  volatilityRangeDown: z.number().finite().min(0).lt(1).meta({ description: 'volatility_range_down: relative vol shock down at 30 days, σ × (1 − shock × (30/DTE)^p)' }),
  shortTermVegaPower: z.number().finite().min(0).meta({ description: 'short_term_vega_power: the power p of the vol shock for DTE < 30' }),
  longTermVegaPower: z.number().finite().min(0).meta({ description: 'long_term_vega_power: the power p of the vol shock for DTE ≥ 30' }),
  minVolatilityForShockUp: z.number().finite().min(0).meta({ description: 'min_volatility_for_shock_up: recorded from model_params; the σ\' reconstruction used here does not apply it (crypto-venues.md §1.1 "Vol shock")' }),
  dteFloorDays: z.number().finite().positive().meta({ description: 'DTE floor of the vol-shock factor, days: not published, an assumption of this reconstruction' }),
  extendedTableFactor: z.number().finite().min(0).meta({ description: 'extended_table_factor: scale of an extended-table move\'s P&L, × priceRange / |move|' }),
  extendedMoves: z.array(z.number().finite().gt(-1).refine((m) => m !== 0, 'an extended move cannot be 0')).meta({ description: 'extended-table price moves, relative (−0.66 … +5), none of them 0' }),
  extendedDampenerUsd: z.number().finite().min(0).meta({ description: 'extended_dampener: dampener of the extended table, USD' }),
  maxDeltaShock: z.number().finite().min(0).meta({ description: 'max_delta_shock: cap of the delta shock per coin of |Δ|: |Δ| × min(maxDeltaShock, mInc × max(0, |Δ| − threshold/S))' }),
  deltaTotalLiqShockThresholdUsd: z.number().finite().min(0).meta({ description: 'delta_total_liq_shock_threshold: |Δ| in USD above which the delta shock grows' }),
  mInc: z.number().finite().min(0).meta({ description: 'm_inc: growth of the delta shock per coin of |Δ| above the threshold' }),
  annualisedMoveRisk: z.number().finite().min(0).meta({ description: 'annualised_move_risk: roll shock of futures per year to expiry, |position| × max(annualisedMoveRisk × T, minAnnualisedMove)' }),
  minAnnualisedMove: z.number().finite().min(0).meta({ description: 'min_annualised_move: floor of the roll shock' }),
  pnlOffset: z.number().finite().min(0).max(1).meta({ description: 'pnl_offset: fraction of positive aggregated P&L that may offset losses (0 = none)' }),
  maxOffsetablePnl: z.number().finite().min(0).meta({ description: 'max_offsetable_pnl: cap of the offset, settlement currency' }),
  mmFactor: z.number().finite().positive().max(1).meta({ description: 'mm_factor: maintenance margin = initial × mmFactor' }),
  // crypto-venues.md §1.1 X:PM: "haircuts apply to IM"; BTC 0 on 2024-06-17.
  haircut: z
    .number()
    .finite()
    .min(0)
    .max(1)
    .meta({ description: 'X:PM collateral haircut of a balance in this currency, fraction 0..1, applied to IM; per-asset values go in currencies' }),
});

export type DeribitPmVenueFields = z.output<typeof VenueFieldsSchema>;

/** Published BTC values, 2024-06-17 (crypto-venues.md §1.1 "Parameters, BTC"). */
export const DERIBIT_PM_BTC_2024_06_17: DeribitPmVenueFields = Object.freeze({
  priceRange: 0.16,
  bucketsCount: 4,
  volatilityRangeUp: 0.5,
  volatilityRangeDown: 0.25,
  shortTermVegaPower: 0.3,
  longTermVegaPower: 0.13,
  minVolatilityForShockUp: 0.5,
  dteFloorDays: 1,
  extendedTableFactor: 1,
  extendedMoves: [-0.66, -0.33, 0.5, 1, 2, 3, 4, 5],
  extendedDampenerUsd: 100_000,
  maxDeltaShock: 0.1,
  deltaTotalLiqShockThresholdUsd: 20_000_000,
  mInc: 0.00005,
  annualisedMoveRisk: 0.075,
  minAnnualisedMove: 0.01,
  pnlOffset: 0,
  maxOffsetablePnl: 0,
  mmFactor: 0.8,
  haircut: 0,
});

const d = DERIBIT_PM_BTC_2024_06_17;

export const DeribitPmParamsSchema = z.strictObject({
  asOf: z.string().default('2024-06-17').meta({ description: 'date of the parameter set' }),
  source: z.string().default('Deribit private/pme/simulate docs example, BTC model_params (docs/models/deribit-pm.md)').meta({ description: 'where the parameter set comes from' }),
  priceRange: VenueFieldsSchema.shape.priceRange.default(d.priceRange),
  bucketsCount: VenueFieldsSchema.shape.bucketsCount.default(d.bucketsCount),
  volatilityRangeUp: VenueFieldsSchema.shape.volatilityRangeUp.default(d.volatilityRangeUp),
  volatilityRangeDown: VenueFieldsSchema.shape.volatilityRangeDown.default(d.volatilityRangeDown),
  shortTermVegaPower: VenueFieldsSchema.shape.shortTermVegaPower.default(d.shortTermVegaPower),
  longTermVegaPower: VenueFieldsSchema.shape.longTermVegaPower.default(d.longTermVegaPower),
  minVolatilityForShockUp: VenueFieldsSchema.shape.minVolatilityForShockUp.default(d.minVolatilityForShockUp),
  dteFloorDays: VenueFieldsSchema.shape.dteFloorDays.default(d.dteFloorDays),
  extendedTableFactor: VenueFieldsSchema.shape.extendedTableFactor.default(d.extendedTableFactor),
  extendedMoves: VenueFieldsSchema.shape.extendedMoves.default([...d.extendedMoves]),
  extendedDampenerUsd: VenueFieldsSchema.shape.extendedDampenerUsd.default(d.extendedDampenerUsd),
  maxDeltaShock: VenueFieldsSchema.shape.maxDeltaShock.default(d.maxDeltaShock),
  deltaTotalLiqShockThresholdUsd: VenueFieldsSchema.shape.deltaTotalLiqShockThresholdUsd.default(d.deltaTotalLiqShockThresholdUsd),
  mInc: VenueFieldsSchema.shape.mInc.default(d.mInc),
  annualisedMoveRisk: VenueFieldsSchema.shape.annualisedMoveRisk.default(d.annualisedMoveRisk),
  minAnnualisedMove: VenueFieldsSchema.shape.minAnnualisedMove.default(d.minAnnualisedMove),
  pnlOffset: VenueFieldsSchema.shape.pnlOffset.default(d.pnlOffset),
  maxOffsetablePnl: VenueFieldsSchema.shape.maxOffsetablePnl.default(d.maxOffsetablePnl),
  mmFactor: VenueFieldsSchema.shape.mmFactor.default(d.mmFactor),
  haircut: VenueFieldsSchema.shape.haircut.default(d.haircut),
  mode: z
    .enum(['s-pm', 'x-pm'])
    .default('s-pm')
    .meta({
      description:
        'margin type (crypto-venues.md §1): s-pm margins each settlement currency in its own coin; x-pm values every currency\'s risk matrix in USD, combines them and applies collateral haircuts to IM (reported in USD)',
    }),
  crossAggregation: z
    .enum(['sum', 'aligned'])
    .default('sum')
    .meta({
      description:
        'how X:PM combines currencies [U]: sum adds each currency\'s worst case in USD (no netting across currencies); aligned adds the USD risk vectors scenario by scenario (all underlyings move by the same relative step) and takes the worst of the sum',
    }),
  variant: z
    .enum(['2023', 'legacy'])
    .default('2023')
    .meta({ description: '2023: the 2023–24 redesign (§1.1); legacy: the pre-2023 PM of §1.1 "Legacy PM" (price/vol grid and contingencies, TV-D4), parameters in legacy' }),
  legacy: DeribitPmLegacySchema.default({ ...DERIBIT_PM_LEGACY_DEFAULTS }).meta({
    description:
      'legacy-PM parameters {asOf, source, priceRange, bucketsCount, volShock, vegaPower, optionContingencyPerNetShort, futuresContingency, mmFactor}; fields left out keep their defaults',
  }),
  defaultsApplyTo: z
    .array(z.string().min(1))
    .default(['BTC'])
    .meta({
      description:
        'underlyings the top-level venue fields are published for (the defaults are BTC\'s 2024-06-17 model_params); a book on any other underlying needs its own currencies.<U> entry with priceRange, volatilityRangeUp, volatilityRangeDown, pnlOffset and maxOffsetablePnl (MODEL_PARAMS_INVALID otherwise), or its name listed here to accept the top-level values knowingly',
    }),
  currencies: z
    .record(z.string(), VenueFieldsSchema.omit({ bucketsCount: true, extendedMoves: true }).partial())
    .default({})
    .meta({
      description:
        'per settlement currency / underlying overrides of the venue fields above (not bucketsCount, extendedMoves), read from that day\'s model_params, e.g. {"ETH": {"extendedDampenerUsd": 50000}}; haircut per collateral asset',
    }),
});

export type DeribitPmParams = z.output<typeof DeribitPmParamsSchema>;

/** The fields in force for one currency or underlying: its override, else the top-level values. */
export function venueFieldsFor(params: DeribitPmParams, name: string): DeribitPmVenueFields {
  // Only the venue fields: dated-config fields (asOf, source), the mode switches and the overrides map are not.
  const base: Record<string, unknown> = {};
  for (const key of VENUE_FIELD_NAMES) base[key] = params[key];
  return { ...base, ...(params.currencies[name] ?? {}) } as DeribitPmVenueFields;
}

const VENUE_FIELD_NAMES = Object.keys(VenueFieldsSchema.shape) as (keyof DeribitPmVenueFields)[];

/**
 * Fields an underlying outside `defaultsApplyTo` must state in `currencies.<U>`: Deribit's `model_params` differ by
 * currency (crypto-venues.md §1.1: "Other currencies differ: read the day's model_params"), and without these an ETH
 * book would be stressed with BTC's price range and vol shocks and get BTC's P&L offset (none).
 */
export const DERIBIT_PM_PER_CURRENCY_FIELDS = ['priceRange', 'volatilityRangeUp', 'volatilityRangeDown', 'pnlOffset', 'maxOffsetablePnl'] as const;

/**
 * Refuses an underlying with neither published defaults (`defaultsApplyTo`) nor its own parameters: MODEL_PARAMS_INVALID
 * naming the first missing field `currencies.<U>.<field>`. No silent fallback to BTC's values.
 */
export function requireOwnParameters(params: DeribitPmParams, underlying: string): void {
  if (params.defaultsApplyTo.includes(underlying)) return;
  const own = params.currencies[underlying] ?? {};
  const missing = DERIBIT_PM_PER_CURRENCY_FIELDS.filter((f) => own[f] === undefined);
  if (missing.length === 0) return;
  throw new CrossmarginError(
    'MODEL_PARAMS_INVALID',
    `currencies.${underlying}.${missing[0]!}: deribit-pm has no ${underlying} parameters (its defaults are BTC's, ${params.asOf}); ` +
      `give that day's ${underlying} model_params in currencies.${underlying} (${missing.join(', ')} missing), ` +
      `or add "${underlying}" to defaultsApplyTo to use the top-level values for it knowingly`,
    { field: `currencies.${underlying}.${missing[0]!}`, details: { underlying, missing, defaultsApplyTo: params.defaultsApplyTo } },
  );
}
