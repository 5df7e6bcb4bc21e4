import { z } from 'zod';
import type { ParameterDoc } from '../../margin-model.js';
import { fraction, venueConfigFields } from '../venue-config.js';

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
  /** uniMMR is computed in USD (assetIndexPrice). */
  quoteCurrency: z.string().min(1).default('USD'),
  /** Underlying → maintenance brackets. */
  brackets: z.record(z.string(), brackets).default({}),
  defaultBrackets: brackets.default(() => BINANCE_DEFAULT_BRACKETS.map((b) => ({ ...b }))),
  /** Asset → collateral rate (haircut) applied to positive equity. */
  collateralRates: z.record(z.string(), fraction).default(() => ({ USD: 1, USDT: 1, USDC: 1 })),
  /** Collateral rate of an asset not listed (placeholder: §3 publishes no rates). */
  defaultCollateralRate: fraction.default(0.9),
  /** Futures leverage for the IM mapping: futuresIM = notional / leverage (§3 order IM). */
  futuresLeverage: z.number().finite().min(1).default(20),
  /** Margin (loan) leverage: selects MarginMM rate (§3: 3, 5, 10) and marginIM = borrowed/(leverage − 1). */
  marginLeverage: z.union([z.literal(3), z.literal(5), z.literal(10)]).default(3),
});
export type BinancePmParams = z.output<typeof BinancePmParamsSchema>;

export const BINANCE_PARAMETER_DOCS: readonly ParameterDoc[] = [
  { name: 'asOf', description: 'date the venue values were observed', default: '"2025-02-06"' },
  { name: 'source', description: 'where the values come from', default: '"docs/models/binance-pm.md"' },
  { name: 'quoteCurrency', description: 'currency of assetIndexPrice (uniMMR is in USD)', default: '"USD"' },
  { name: 'brackets', description: 'underlying → [{notionalFloor, mmr}] maintenance brackets (cum derived)', default: '{}' },
  { name: 'defaultBrackets', description: 'brackets of an unlisted underlying (placeholder: §3 first bracket only)', default: JSON.stringify(BINANCE_DEFAULT_BRACKETS) },
  { name: 'collateralRates', description: 'asset → collateral rate', default: '{"USD":1,"USDT":1,"USDC":1}' },
  { name: 'defaultCollateralRate', description: 'collateral rate of an unlisted asset (placeholder)', default: '0.9' },
  { name: 'futuresLeverage', description: 'leverage of the IM mapping (futuresIM = notional / leverage)', default: '20' },
  { name: 'marginLeverage', description: 'margin-loan leverage: MarginMM 3x 10 %, 5x 8 %, 10x 5 %', default: '3' },
];
