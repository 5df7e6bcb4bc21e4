import { z } from 'zod';
import { ScenarioGridParamsSchema } from '../../models/scenario-grid/scenario-grid-params.js';

/**
 * Settings of `crossmargin cascade` (docs/cascades.md "Settings"); the defaults are the documented defaults.
 * Amounts USD, moves and rates as decimals.
 */
export const CascadeConfigSchema = z.strictObject({
  /** Accounts generated (ignored when a population is given). */
  accounts: z.number().int().min(1).max(5_000_000).default(10_000),
  seed: z.number().int().min(0).max(2 ** 32 - 1).default(1),
  /** Underlyings of a generated population, from data/history-catalogue.json, and their relative weights. */
  underlyings: z.array(z.string().min(1)).min(1).default(['BTC', 'ETH', 'SOL', 'SPX']),
  weights: z.array(z.number().finite().positive()).optional(),
  /** Relative price move per underlying before round 1; underlyings not named do not move. */
  shock: z.record(z.string(), z.number().finite().gt(-1)).default({ BTC: -0.2, ETH: -0.25 }),
  rounds: z.number().int().min(1).max(1000).default(20),
  insuranceFund: z.number().finite().min(0).default(1_000_000),
  /** Liquidation penalty per USD of notional closed, to the insurance fund. */
  penaltyRate: z.number().finite().min(0).max(0.5).default(0.01),
  /** Square-root impact coefficient Y. */
  impactY: z.number().finite().min(0).max(100).default(1),
  /** Maintenance margin: `scenario-grid` parameters (docs/models/scenario-grid.md); cascade default ±8 % range. */
  maintenance: ScenarioGridParamsSchema.default(ScenarioGridParamsSchema.parse({ priceRange: 0.08, underlyings: { SPX: { priceRange: 0.05 } } })),
  relief: z.strictObject({ cap: z.number().finite().min(0).max(1).default(0.8), minCorrelation: z.number().finite().min(-1).max(1).default(0.5) }).default({ cap: 0.8, minCorrelation: 0.5 }),
  /** ADV override per underlying, USD per day (needed for files without volume). */
  adv: z.record(z.string(), z.number().finite().positive()).default({}),
  windows: z
    .strictObject({
      advDays: z.number().int().min(1).default(30),
      volDays: z.number().int().min(2).default(90),
      correlationDays: z.number().int().min(10).default(365),
      minSharedDays: z.number().int().min(2).default(60),
    })
    .default({ advDays: 30, volDays: 90, correlationDays: 365, minSharedDays: 60 }),
  /** Variants run: `compare` = cross/isolated × relief on/off on the same population. */
  mode: z.enum(['cross', 'isolated']).default('cross'),
  withRelief: z.boolean().default(false),
  compare: z.boolean().default(false),
});

export type CascadeConfig = z.output<typeof CascadeConfigSchema>;
export type CascadeConfigInput = z.input<typeof CascadeConfigSchema>;
