import { z } from 'zod';

const accountId = z.string().min(1).max(100);

/**
 * An input of a partition's log (issue 17): what changes an account, in the order the partition applies it. The
 * gateway validates it against this schema before publishing; the owning worker applies it to its engine, and the
 * engine's own checks (admission, marginability) decide the outcome.
 */
export const ClusterInputSchema = z.discriminatedUnion('kind', [
  /** A new or replaced account: its portfolio document (portfolio-schema.ts), checked by the engine. */
  z.strictObject({ kind: z.literal('account'), accountId, document: z.unknown() }),
  /** A fill: the position in `instrument` changes by `quantity` contracts. */
  z.strictObject({ kind: z.literal('trade'), accountId, instrument: z.string().min(1).max(100), quantity: z.number().finite() }),
  /** A collateral balance set to `balance` units of `currency`. */
  z.strictObject({ kind: z.literal('collateral'), accountId, currency: z.string().min(1).max(20), balance: z.number().finite() }),
]);

export type ClusterInput = z.output<typeof ClusterInputSchema>;

/** What applying an input gave: applied, or refused with the engine's coded error. */
export type InputOutcome = { readonly ok: true } | { readonly ok: false; readonly code: string; readonly message: string; readonly field?: string | undefined };
