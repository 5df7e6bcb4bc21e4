import { z } from 'zod';
import { fraction, venueConfigFields } from '../venues/venue-config.js';

/** One leverage bracket (crypto-venues.md §3): notional floor (quote) and maintenance margin rate for notional above it. */
export const BinanceBracketSchema = z.strictObject({ notionalFloor: z.number().finite().min(0), mmr: fraction });
export type BinanceBracket = z.output<typeof BinanceBracketSchema>;

/**
 * Placeholder brackets: §3 gives only the first bracket's rate (0.5 %, TV-B1); the venue publishes per-symbol
 * bracket tables, which must be supplied for notional beyond the first tier.
 */
export const BINANCE_DEFAULT_BRACKETS: readonly BinanceBracket[] = [{ notionalFloor: 0, mmr: 0.005 }];

/** §3 MarginMM rates by margin leverage (Classic): 3x 10 %, 5x 8 %, 10x 5 %. */
export const BINANCE_MARGIN_MMR: Readonly<Record<string, number>> = { '3': 0.1, '5': 0.08, '10': 0.05 };

const brackets = z
  .array(BinanceBracketSchema)
  .min(1)
  .superRefine((b, ctx) => {
    if (b[0]!.notionalFloor !== 0) ctx.addIssue({ code: 'custom', path: [0, 'notionalFloor'], message: 'the first bracket starts at 0' });
    for (let i = 1; i < b.length; i++) {
      if (!(b[i]!.notionalFloor > b[i - 1]!.notionalFloor)) ctx.addIssue({ code: 'custom', path: [i, 'notionalFloor'], message: 'floors must increase' });
      if (b[i]!.mmr < b[i - 1]!.mmr) ctx.addIssue({ code: 'custom', path: [i, 'mmr'], message: 'rates must not decrease' });
    }
  });

export const BinancePmParamsSchema = z.strictObject({
  ...venueConfigFields('2025-02-06', 'docs/models/binance-pm.md: Binance uniMMR FAQ (6 Nov 2024 / 6 Feb 2025) [V]; brackets and collateral rates placeholders'),
  quoteCurrency: z.string().min(1).default('USD').meta({ description: 'currency of assetIndexPrice (uniMMR is computed in USD)' }),
  brackets: z
    .record(z.string(), brackets)
    .default({})
    .meta({ description: 'underlying → maintenance brackets [{notionalFloor, mmr}], floors increasing from 0, rates not decreasing (cum derived)' }),
  defaultBrackets: brackets
    .default(() => BINANCE_DEFAULT_BRACKETS.map((b) => ({ ...b })))
    .meta({ description: 'brackets of an underlying not listed (placeholder: §3 gives only the 0.5 % first bracket, TV-B1)' }),
  collateralRates: z
    .record(z.string(), fraction)
    .default(() => ({ USD: 1, USDT: 1, USDC: 1 }))
    .meta({ description: 'asset → collateral rate (haircut) applied to positive equity' }),
  defaultCollateralRate: fraction.default(0.9).meta({ description: 'collateral rate of an asset not listed (placeholder: §3 publishes no rates)' }),
  futuresLeverage: z
    .number()
    .finite()
    .min(1)
    .default(20)
    .meta({ description: 'futures leverage of the IM mapping: futuresIM = notional / leverage (§3 order IM)' }),
  marginLeverage: z
    .union([z.literal(3), z.literal(5), z.literal(10)])
    .default(3)
    .meta({ description: 'margin (loan) leverage: selects the MarginMM rate (3x 10 %, 5x 8 %, 10x 5 %) and marginIM = borrowed / (leverage − 1)' }),
});
export type BinancePmParams = z.output<typeof BinancePmParamsSchema>;
