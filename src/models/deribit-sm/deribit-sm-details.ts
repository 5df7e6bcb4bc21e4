import { z } from 'zod';

/** `deribit-sm` details (docs/models/deribit-sm.md): the published values used, and long options' premium. */
export const DeribitSmDetailsSchema = z.strictObject({
  asOf: z.string(),
  source: z.string(),
  /** Premium of long options by settlement coin (not margined: paid up front). */
  longOptionPremium: z.record(z.string(), z.number()),
});

export type DeribitSmDetails = z.output<typeof DeribitSmDetailsSchema>;
