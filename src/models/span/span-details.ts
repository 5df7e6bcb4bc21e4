import { z } from 'zod';

/** `span` details (docs/models/span.md): the per-combined-commodity decomposition of the SPAN steps. */
export const SpanDetailsSchema = z.strictObject({
  /** `exchange complex business date` of the risk-parameter file (or of the computed arrays). */
  source: z.string(),
  accountType: z.enum(['member', 'hedger', 'speculator']),
  currencies: z.unknown(),
  combinedCommodities: z.array(
    z.strictObject({
      cc: z.string(),
      currency: z.string(),
      /** Per scan tier; `activeScenario` is 1-based (span.md §2 numbering). */
      tiers: z.array(z.unknown()),
      interTiers: z.unknown(),
      riskMaintenance: z.number(),
      riskInitial: z.number(),
    }),
  ),
});

export type SpanDetails = z.output<typeof SpanDetailsSchema>;
