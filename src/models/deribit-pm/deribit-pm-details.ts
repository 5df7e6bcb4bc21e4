import { z } from 'zod';

/** Per-currency rows, open orders and risk vectors: their shapes are documented in docs/models/deribit-pm.md. */
const common = {
  method: z.string(),
  variant: z.string(),
  currencies: z.array(z.unknown()),
  openOrders: z.array(z.strictObject({ group: z.string(), currency: z.string(), side: z.string(), margin: z.number() })).optional(),
  initialRiskVectors: z.unknown(),
};

/** `deribit-pm` details: S:PM (per settlement currency) or X:PM (combined in USD, `cross`). */
export const DeribitPmDetailsSchema = z.discriminatedUnion('mode', [
  z.strictObject({ ...common, mode: z.literal('s-pm') }),
  z.strictObject({ ...common, mode: z.literal('x-pm'), cross: z.record(z.string(), z.unknown()) }),
]);

export type DeribitPmDetails = z.output<typeof DeribitPmDetailsSchema>;
