import { z } from 'zod';

/** `isolated-simple` results carry no details: each component is one position's charge. */
export const IsolatedSimpleDetailsSchema = z.strictObject({});

export type IsolatedSimpleDetails = z.output<typeof IsolatedSimpleDetailsSchema>;
