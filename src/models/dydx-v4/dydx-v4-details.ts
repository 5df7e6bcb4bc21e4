import { z } from 'zod';
import { ApproximationsSchema, VenueParamsDetailsSchema } from '../venues/venue-details.js';

/** `dydx-v4` details (docs/models/dydx-v4.md): amounts in the quote currency (USDC). */
export const DydxV4DetailsSchema = z.strictObject({
  venueParams: VenueParamsDetailsSchema,
  mode: z.enum(['cross', 'isolated']),
  quoteCurrency: z.string(),
  totalNetCollateral: z.number(),
  initialMarginQuoteQuantums: z.unknown(),
  maintenanceMarginQuoteQuantums: z.unknown(),
  acceptsNewOrders: z.boolean(),
  liquidatable: z.boolean(),
  markets: z.array(
    z.strictObject({
      market: z.string(),
      liquidityTier: z.string(),
      size: z.number(),
      oraclePrice: z.number(),
      notional: z.number(),
      initialMarginFraction: z.number(),
      /** Read by the venue liquidation rule for dYdX's fillable price (§5). */
      maintenanceMarginFraction: z.number(),
      initialMarginRequirement: z.number(),
      maintenanceMarginRequirement: z.number(),
      liquidationPrice: z.unknown(),
    }),
  ),
  approximations: ApproximationsSchema.optional(),
});

export type DydxV4Details = z.output<typeof DydxV4DetailsSchema>;
