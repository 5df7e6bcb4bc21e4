import { z } from 'zod';
import { ApproximationsSchema, VenueParamsDetailsSchema } from '../venues/venue-details.js';

/** `drift` details (docs/models/drift.md): amounts in the quote currency. */
export const DriftDetailsSchema = z.strictObject({
  venueParams: VenueParamsDetailsSchema,
  quoteCurrency: z.string(),
  totalCollateralInitial: z.number(),
  totalCollateralMaintenance: z.number(),
  /** Fill margin type (protocol-v2 MarginRequirementType::Fill): weights and ratios halfway between initial and maintenance. */
  totalCollateralFill: z.number().optional(),
  marginRequirementFill: z.number().optional(),
  freeCollateral: z.number(),
  liquidatable: z.boolean(),
  spot: z.array(z.unknown()),
  perps: z.array(z.unknown()),
  approximations: ApproximationsSchema.optional(),
});

export type DriftDetails = z.output<typeof DriftDetailsSchema>;
