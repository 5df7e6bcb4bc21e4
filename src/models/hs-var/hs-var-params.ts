import type { z } from 'zod';
import { varParamsSchema } from '../var/var-params.js';

/** hs-var's defaults over the VaR family's parameters (docs/models/var-family.md): 99 %, 500 days, VaR. */
const DEFAULTS = { confidence: 0.99, lookback: 500, measure: 'var' } as const;

export const HsVarParamsSchema = varParamsSchema(DEFAULTS, {});

export type HsVarParams = z.output<typeof HsVarParamsSchema>;
