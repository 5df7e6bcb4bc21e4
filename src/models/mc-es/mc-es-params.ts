import { z } from 'zod';
import { varParamsSchema } from '../var/var-params.js';

/** mc-es's defaults over the VaR family's parameters (docs/models/var-family.md): 97.5 %, 500 days, ES. */
const DEFAULTS = { confidence: 0.975, lookback: 500, measure: 'es' } as const;

const MC_EXTRA = {
  paths: z.number().int().min(100).max(1_000_000).default(10_000).meta({ description: 'Monte Carlo paths (= scenarios)' }),
  seed: z.number().int().min(0).default(20261121).meta({ description: 'seed of the counter-based generator' }),
  distribution: z.enum(['normal', 't']).default('normal').meta({ description: 'multivariate normal or Student-t (unit variance) draws' }),
  dof: z.number().finite().gt(2).default(5).meta({ description: 'Student-t degrees of freedom (any real > 2)' }),
  covariance: z.enum(['ewma', 'sample']).default('ewma').meta({ description: 'vols and correlations: EWMA (λ = decay) or sample estimates' }),
  factor: z
    .strictObject({ underlying: z.string().min(1) })
    .optional()
    .meta({ description: 'one-factor model, e.g. {"underlying": "BTC"}: altcoins as beta × BTC + idiosyncratic' }),
  threads: z.number().int().min(1).max(64).default(1).meta({ description: 'worker threads for path generation; the result does not depend on it' }),
  returns: z
    .enum(['log', 'simple'])
    .default('log')
    .meta({ description: "log: move = e^x − 1 (prices stay positive); simple: move = x, the parametric methods' return model" }),
};

export const McEsParamsSchema = varParamsSchema(DEFAULTS, MC_EXTRA);

export type McEsParams = z.output<typeof McEsParamsSchema>;
