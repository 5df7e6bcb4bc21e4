import { z } from 'zod';
import { varParamsSchema } from '../var/var-params.js';

/** fhs-es's defaults over the VaR family's parameters (docs/models/var-family.md): 97.5 %, 750 days, ES. */
const DEFAULTS = { confidence: 0.975, lookback: 750, measure: 'es' } as const;

const FHS_EXTRA = {
  filter: z
    .enum(['ewma', 'garch', 'har', 'gbt'])
    .default('ewma')
    .meta({
      description:
        'volatility filter: EWMA with decay, GARCH(1,1) by maximum likelihood (decay ignored), or a learned forecaster trained on the history up to the end date: HAR regression, or boosted trees on HAR features (docs/vol-forecasts.md)',
    }),
  trainWindow: z.number().int().min(250).max(5000).default(1000).meta({ description: 'har, gbt filters: days of returns each fit uses' }),
  refitEvery: z.number().int().min(1).max(250).default(21).meta({ description: 'har, gbt filters: refit the forecaster every this many days' }),
};

export const FhsEsParamsSchema = varParamsSchema(DEFAULTS, FHS_EXTRA);

export type FhsEsParams = z.output<typeof FhsEsParamsSchema>;
