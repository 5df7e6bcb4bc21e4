import { z } from 'zod';
import { ApproximationsSchema } from '../venues/venue-details.js';

/** `okx-pm` details (docs/models/okx-pm.md): per risk unit, amounts in USD. */
export const OkxPmDetailsSchema = z.strictObject({
  method: z.string(),
  venueParams: z.strictObject({ asOf: z.string(), source: z.string(), imrFactor: z.number() }),
  units: z.array(z.unknown()),
  /** Account-level borrowing (MR8), USD: Σ MMR, Σ IMR and per borrowed currency {currency, coins, usd, mmr, imr}. */
  borrowing: z.strictObject({
    mmr: z.number(),
    imr: z.number(),
    currencies: z.array(z.strictObject({ currency: z.string(), coins: z.number(), usd: z.number(), mmr: z.number(), imr: z.number() })),
  }),
  approximations: ApproximationsSchema,
});

export type OkxPmDetails = z.output<typeof OkxPmDetailsSchema>;
