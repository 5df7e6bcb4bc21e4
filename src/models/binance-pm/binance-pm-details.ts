import { z } from 'zod';
import { ApproximationsSchema, VenueParamsDetailsSchema } from '../venues/venue-details.js';

/** `binance-pm` details (docs/models/binance-pm.md): amounts in the quote currency. */
export const BinancePmDetailsSchema = z.strictObject({
  venueParams: VenueParamsDetailsSchema,
  quoteCurrency: z.string(),
  adjustedEquity: z.number(),
  /** Unified maintenance margin ratio; null without maintenance margin. */
  uniMMR: z.number().nullable(),
  zone: z.string(),
  futures: z.array(z.unknown()),
  assets: z.array(z.unknown()),
  approximations: ApproximationsSchema.optional(),
});

export type BinancePmDetails = z.output<typeof BinancePmDetailsSchema>;
