import { z } from 'zod';
import type { ParameterDoc } from '../margin-model.js';
import { DeribitPmLegacySchema, DERIBIT_PM_LEGACY_DEFAULTS } from './deribit-pm-legacy-params.js';

/**
 * Parameters of `deribit-pm` (S:PM), crypto-venues.md §1.1. Venue parameters are dated configuration: the defaults
 * are the BTC `model_params` of Deribit's `private/pme/simulate` docs example of 2024-06-17 (crypto-venues.md §1.1
 * "Parameters, BTC"); `asOf` and `source` say where a parameter set comes from. `currencies` overrides any field for
 * one settlement currency (aggregation, offset, roll and delta shock) or underlying (price range, vol shock).
 */
const VenueFieldsSchema = z.strictObject({
  /** Price scan range, relative (±16 %). */
  priceRange: z.number().finite().positive().lt(1),
  /** Price points each side of 0 (4 → 9 points). */
  bucketsCount: z.number().int().min(1).max(50),
  /** Relative vol shock up / down at 30 days (σ × (1 ± shock × (30/DTE)^p)). */
  volatilityRangeUp: z.number().finite().min(0),
  volatilityRangeDown: z.number().finite().min(0).lt(1),
  /** Vega powers p for DTE < 30 and DTE ≥ 30. */
  shortTermVegaPower: z.number().finite().min(0),
  longTermVegaPower: z.number().finite().min(0),
  /** Recorded from model_params; the σ' reconstruction used here does not apply it (crypto-venues.md §1.1 "Vol shock"). */
  minVolatilityForShockUp: z.number().finite().min(0),
  /** DTE floor of the vol-shock factor, days: not published, an assumption of this reconstruction. */
  dteFloorDays: z.number().finite().positive(),
  extendedTableFactor: z.number().finite().min(0),
  /** Extended-table moves, relative (−0.66 … +5). */
  extendedMoves: z.array(z.number().finite().gt(-1).refine((m) => m !== 0, 'an extended move cannot be 0')),
  /** Dampener of the extended table, USD. */
  extendedDampenerUsd: z.number().finite().min(0),
  maxDeltaShock: z.number().finite().min(0),
  deltaTotalLiqShockThresholdUsd: z.number().finite().min(0),
  mInc: z.number().finite().min(0),
  annualisedMoveRisk: z.number().finite().min(0),
  minAnnualisedMove: z.number().finite().min(0),
  /** Fraction of positive aggregated P&L that may offset (0 = none). */
  pnlOffset: z.number().finite().min(0).max(1),
  /** Cap of the offset, in the settlement currency. */
  maxOffsetablePnl: z.number().finite().min(0),
  mmFactor: z.number().finite().positive().max(1),
  /**
   * X:PM collateral haircut of a balance in this currency, fraction 0..1, applied to IM (crypto-venues.md §1.1 X:PM:
   * "haircuts apply to IM"; BTC 0 on 2024-06-17). Per-asset values go in `currencies`.
   */
  haircut: z.number().finite().min(0).max(1),
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
  asOf: z.string().default('2024-06-17'),
  source: z.string().default('Deribit private/pme/simulate docs example, BTC model_params (docs/models/deribit-pm.md)'),
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
  /**
   * Margin type (crypto-venues.md §1): `s-pm` margins each settlement currency in its own coin; `x-pm` values every
   * currency's risk matrix in USD, combines them and applies collateral haircuts to IM (reported in USD).
   */
  mode: z.enum(['s-pm', 'x-pm']).default('s-pm'),
  /**
   * How X:PM combines currencies ([U], §1.1 X:PM): `sum` adds each currency's worst case in USD (no netting across
   * currencies); `aligned` adds the USD risk vectors scenario by scenario (all underlyings move by the same relative
   * step) and takes the worst of the sum.
   */
  crossAggregation: z.enum(['sum', 'aligned']).default('sum'),
  /** `2023` = the 2023–24 redesign (§1.1); `legacy` = the pre-2023 PM of §1.1 "Legacy PM" (TV-D4), see `legacy`. */
  variant: z.enum(['2023', 'legacy']).default('2023'),
  legacy: DeribitPmLegacySchema.default({ ...DERIBIT_PM_LEGACY_DEFAULTS }),
  /** Per-currency overrides (e.g. `{"ETH": {"extendedDampenerUsd": …}}`), read from that day's model_params. */
  currencies: z.record(z.string(), VenueFieldsSchema.omit({ bucketsCount: true, extendedMoves: true }).partial()).default({}),
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

export const DERIBIT_PM_PARAMETER_DOCS: readonly ParameterDoc[] = [
  { name: 'asOf', description: 'date of the parameter set', default: '"2024-06-17"' },
  { name: 'source', description: 'where the parameter set comes from', default: '"Deribit private/pme/simulate docs example, BTC"' },
  ...Object.entries(d).map(([name, value]) => ({ name, description: `Deribit model_params ${name} (docs/models/deribit-pm.md)`, default: JSON.stringify(value) })),
  { name: 'mode', description: 's-pm (per settlement currency, in coin) or x-pm (all currencies in USD, collateral haircuts on IM)', default: '"s-pm"' },
  { name: 'crossAggregation', description: 'x-pm: sum (per-currency worst cases added in USD) or aligned (USD vectors added scenario by scenario) [U]', default: '"sum"' },
  { name: 'variant', description: '2023 (the 2023–24 redesign) or legacy (pre-2023 PM: price/vol grid + option and futures contingencies, TV-D4)', default: '"2023"' },
  { name: 'legacy', description: 'legacy-PM parameters {asOf, source, priceRange, bucketsCount, volShock, vegaPower, optionContingencyPerNetShort, futuresContingency, mmFactor}', default: JSON.stringify(DERIBIT_PM_LEGACY_DEFAULTS) },
  { name: 'currencies', description: 'per settlement currency / underlying overrides of the venue fields above (not bucketsCount, extendedMoves); haircut per collateral asset', default: '{}' },
];
