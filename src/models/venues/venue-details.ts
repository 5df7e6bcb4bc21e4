import { z } from 'zod';

/** The published values a venue model used (venue-config.ts), echoed in every result. */
export const VenueParamsDetailsSchema = z.strictObject({ asOf: z.string(), source: z.string() });

/** Parts of the book the venue model approximated (docs/models/<id>.md "Limitations"), when any. */
export const ApproximationsSchema = z.array(z.string());
