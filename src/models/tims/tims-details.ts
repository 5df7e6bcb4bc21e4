import { z } from 'zod';

/** `tims` details (docs/models/tims.md): class and product-group decomposition, account currency. */
export const TimsDetailsSchema = z.strictObject({
  marginBeforeFloor: z.number(),
  classRiskSum: z.number(),
  classes: z.array(z.unknown()),
  productGroups: z.array(z.unknown()),
});

export type TimsDetails = z.output<typeof TimsDetailsSchema>;
