import { z } from 'zod';
import { ApproximationsSchema } from '../venues/venue-details.js';

/** `okx-pm` details (docs/models/okx-pm.md): per risk unit, amounts in USD. */
export const OkxPmDetailsSchema = z.strictObject({
  method: z.string(),
  venueParams: z.strictObject({ asOf: z.string(), source: z.string(), imrFactor: z.number() }),
  units: z.array(z.unknown()),
  approximations: ApproximationsSchema,
});

export type OkxPmDetails = z.output<typeof OkxPmDetailsSchema>;
