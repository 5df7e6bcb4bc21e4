import { z } from 'zod';
import { ERROR_CATALOGUE } from '../../core/errors.js';
import { parseWithSchema } from '../../core/validate.js';
import { LIVE_ACCOUNT_STATES } from '../account/account-state.js';

/**
 * What the live engine must not forget across a restart (docs/service.md "Restarts"): the spike guard's last
 * accepted and held index per underlying, when each underlying was last updated (so a stale market is still stale
 * after a restart); and, per account, its last reported figures (the floor a stale or unmarginable account holds),
 * kept as the account's current-state row. The service stores both in the market snapshot's transaction;
 * restoreEngine reads them back.
 */

const finite = z.number().finite();

export const UnmarginableInfoSchema = z.strictObject({
  /** Why the engine cannot margin the account (the evaluation's error message). */
  reason: z.string(),
  /** The evaluation's error code. */
  code: z.enum(Object.keys(ERROR_CATALOGUE) as [keyof typeof ERROR_CATALOGUE, ...(keyof typeof ERROR_CATALOGUE)[]]),
  field: z.string().optional(),
  /** Engine clock when the account became unmarginable, epoch ms. */
  since: finite,
});
export type UnmarginableInfo = z.output<typeof UnmarginableInfoSchema>;

/** An account's last reported figures, account currency. */
export const AccountFloorSchema = z.strictObject({
  initialMargin: finite.nonnegative(),
  maintenanceMargin: finite.nonnegative(),
  equity: finite,
  currency: z.string(),
  state: z.enum(LIVE_ACCOUNT_STATES),
  /** asOf of the market the figures were computed on. */
  asOf: z.string(),
  unmarginable: UnmarginableInfoSchema.optional(),
});
export type AccountFloor = z.output<typeof AccountFloorSchema>;

/**
 * Version 1 carried every account's floor; version 2 (issue 15) carries only the market side, the accounts' figures
 * being current-state rows of their own (written only when they change). Both are read.
 */
export const EngineCheckpointSchema = z.strictObject({
  version: z.union([z.literal(1), z.literal(2)]),
  /** underlying → the spike guard's state (index levels, quote currency). */
  guard: z.record(z.string(), z.strictObject({ lastAccepted: finite.optional(), held: finite.optional() })),
  /** underlying → engine clock of its last accepted update, epoch ms. */
  lastUpdate: z.record(z.string(), finite),
  /** account id → last reported figures (version 1 only). */
  floors: z.record(z.string(), AccountFloorSchema).optional(),
});
export type EngineCheckpoint = z.output<typeof EngineCheckpointSchema>;

/** A stored checkpoint, validated (MARKET_DATA_INVALID names the field: a damaged one is refused, never guessed at). */
export function parseEngineCheckpoint(value: unknown, source: string): EngineCheckpoint {
  return parseWithSchema(EngineCheckpointSchema, value, source, 'MARKET_DATA_INVALID');
}
