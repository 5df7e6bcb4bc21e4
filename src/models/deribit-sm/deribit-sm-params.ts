import { z } from 'zod';

/**
 * Size-dependent rate of inverse futures/perpetuals in Deribit standard margin (crypto-venues.md §1, "Standard
 * margin, inverse futures/perps"): rate = base + increment × size_coin / incrementStepCoins. The 11 Jan 2022 rule is
 * written per coin (step 1); the historical rule "0.5 % per 100 BTC" is increment 0.005 with step 100 (TV-D3).
 */
const rate = z.number().finite().min(0);
export const DeribitSmFuturesRatesSchema = z
  .strictObject({
    initialBase: rate,
    maintenanceBase: rate,
    /** Added to the rate per `incrementStepCoins` of position size (continuous, not stepped). */
    initialIncrement: rate,
    maintenanceIncrement: rate,
    incrementStepCoins: z.number().finite().positive(),
  })
  .superRefine((r, ctx) => {
    if (r.maintenanceBase > r.initialBase || r.maintenanceIncrement > r.initialIncrement) {
      ctx.addIssue({ code: 'custom', message: 'maintenance rates exceed the initial rates' });
    }
  });

export type DeribitSmFuturesRates = z.output<typeof DeribitSmFuturesRatesSchema>;

/** BTC and ETH from 11 Jan 2022 (crypto-venues.md §1): IM 2 % + size × 0.005 % (ETH 0.0004 %), MM 1 % + size × the same. */
export const DERIBIT_SM_FUTURES_2022_01_11: Readonly<Record<string, DeribitSmFuturesRates>> = Object.freeze({
  BTC: { initialBase: 0.02, maintenanceBase: 0.01, initialIncrement: 0.00005, maintenanceIncrement: 0.00005, incrementStepCoins: 1 },
  ETH: { initialBase: 0.02, maintenanceBase: 0.01, initialIncrement: 0.000004, maintenanceIncrement: 0.000004, incrementStepCoins: 1 },
});

/** Historical BTC rule (test.deribit.com futures docs, crypto-venues.md §1): IM 2.0 % + 0.5 % per 100 BTC, MM 1.5 % + 0.5 % per 100 BTC. */
export const DERIBIT_SM_FUTURES_BTC_HISTORICAL: DeribitSmFuturesRates = Object.freeze({
  initialBase: 0.02,
  maintenanceBase: 0.015,
  initialIncrement: 0.005,
  maintenanceIncrement: 0.005,
  incrementStepCoins: 100,
});

/** Inverse option rates per 1-coin contract, in coin (crypto-venues.md §1, "Inverse options per 1-coin contract"). */
export const DeribitSmOptionRatesSchema = z.strictObject({
  /** 0.15 in IM = max(0.15 − OTM/S_mark, 0.10) + mark. */
  initialBase: rate,
  /** 0.10 floor of the same. */
  initialFloor: rate,
  /** 0.075 in MM (call: 0.075 + mark; put: max(0.075, 0.075 × mark) + mark). */
  maintenance: rate,
});

export type DeribitSmOptionRates = z.output<typeof DeribitSmOptionRatesSchema>;

const DEFAULT_OPTIONS: DeribitSmOptionRates = Object.freeze({ initialBase: 0.15, initialFloor: 0.1, maintenance: 0.075 });

export const DeribitSmParamsSchema = z.strictObject({
  asOf: z.string().default('2022-01-11').meta({ description: 'date of the parameter set' }),
  source: z
    .string()
    .default('Deribit support "11 January 2022" futures rates; options per third-party reconstruction (docs/models/deribit-sm.md)')
    .meta({ description: 'where the parameter set comes from' }),
  futures: z
    .record(z.string(), DeribitSmFuturesRatesSchema)
    .default({ ...DERIBIT_SM_FUTURES_2022_01_11 })
    .meta({
      description:
        'futures / perpetual rates per settlement coin {initialBase, maintenanceBase, initialIncrement, maintenanceIncrement, incrementStepCoins}: rate = base + increment × size_coin / step; a coin not listed is refused',
    }),
  options: DeribitSmOptionRatesSchema.default({ ...DEFAULT_OPTIONS }).meta({
    description: 'inverse option rates per 1-coin contract {initialBase, initialFloor, maintenance}: the 0.15 / 0.10 / 0.075 of the option formulas',
  }),
});

export type DeribitSmParams = z.output<typeof DeribitSmParamsSchema>;
