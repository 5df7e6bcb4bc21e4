import { z } from 'zod';
import { TailMeasureDetailsSchema } from '../var/var-details.js';

/** Details of `parametric-var`: the analytic inputs (daily vols, correlations, exposures) and tail measures. */
export const ParametricVarDetailsSchema = z.strictObject({
  ...TailMeasureDetailsSchema.shape,
  method: z.enum(['delta-normal', 'delta-gamma']),
  measure: z.enum(['var', 'es']),
  mpor: z.number(),
  sigma: z.number(),
  historyDays: z.number(),
  underlyings: z.array(z.string()).readonly(),
  /** Account currency per 100 % move of each underlying. */
  exposures: z.array(z.number()),
  vegaExposures: z.record(z.string(), z.number()),
  volFactorSources: z.record(z.string(), z.string()),
  dailyVols: z.array(z.number()),
  correlation: z.array(z.number()),
  factor: z.strictObject({ betas: z.array(z.number()), residualVols: z.array(z.number()), factorVol: z.number() }).optional(),
  stressedMargin: z.number().optional(),
  tenYearMargin: z.number().optional(),
});

export type ParametricVarDetails = z.output<typeof ParametricVarDetailsSchema>;
