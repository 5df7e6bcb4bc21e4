import { z } from 'zod';
import { varParamsSchema } from '../var/var-params.js';

/** parametric-var's defaults over the VaR family's parameters (docs/models/var-family.md): 99 %, 500 days, VaR. */
const DEFAULTS = { confidence: 0.99, lookback: 500, measure: 'var' } as const;

const PARAMETRIC_EXTRA = {
  method: z
    .enum(['delta-normal', 'delta-gamma'])
    .default('delta-normal')
    .meta({ description: 'delta-normal: σ_P = √(wᵀΣw); delta-gamma: normal with the cumulants of δᵀx + ½xᵀΓx (var-es.md §4)' }),
  covariance: z.enum(['ewma', 'sample']).default('ewma').meta({ description: 'vols and correlations: EWMA (λ = decay) or sample estimates' }),
  factor: z
    .strictObject({ underlying: z.string().min(1) })
    .optional()
    .meta({ description: 'one-factor model, e.g. {"underlying": "BTC"}: altcoins as beta × BTC + idiosyncratic' }),
};

export const ParametricVarParamsSchema = varParamsSchema(DEFAULTS, PARAMETRIC_EXTRA);

export type ParametricVarParams = z.output<typeof ParametricVarParamsSchema>;
