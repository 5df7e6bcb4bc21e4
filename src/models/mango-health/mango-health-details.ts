import { z } from 'zod';
import { ApproximationsSchema, VenueParamsDetailsSchema } from '../venues/venue-details.js';

/** One health figure (crypto-venues.md §7), quote currency. */
const HealthSchema = z.object({ health: z.number() });

/** `mango-health` details (docs/models/mango-health.md): amounts in the quote currency. */
export const MangoHealthDetailsSchema = z.strictObject({
  venueParams: VenueParamsDetailsSchema,
  quoteCurrency: z.string(),
  equity: z.number(),
  init: HealthSchema,
  maint: HealthSchema,
  /** Read by the venue liquidation rule: liquidation stops when this health is ≥ 0. */
  liquidationEnd: HealthSchema,
  liquidatable: z.boolean(),
  tokens: z.array(
    z.strictObject({
      token: z.string(),
      balance: z.number(),
      oraclePrice: z.number(),
      stablePrice: z.number().optional(),
      /** bank.rs scaled_init_asset_weight / scaled_init_liab_weight factors applied at Init, and what was (not) applied. */
      initAssetWeightScale: z.number().optional(),
      initLiabWeightScale: z.number().optional(),
      weightScaling: z.string().optional(),
    }),
  ),
  perps: z.array(z.strictObject({ market: z.string(), base: z.number(), oraclePrice: z.number(), initHealthPnl: z.number(), maintHealthPnl: z.number() })),
  approximations: ApproximationsSchema.optional(),
});

export type MangoHealthDetails = z.output<typeof MangoHealthDetailsSchema>;
