import { CrossmarginError } from '../core/errors.js';

/**
 * Input fields of the lower layers that the CLI takes as flags. Those layers serve the HTTP API too, so their errors
 * name the field (`history "x.csv": …`); the CLI shows the flag the user typed instead (`--history "x.csv": …`).
 */
export const FIELD_FLAGS: Readonly<Record<string, string>> = {
  history: '--history',
  portfolio: '--portfolio',
  direction: '--direction',
  scenarios: '--scenarios',
  replaySpeed: '--replay-speed',
};

/**
 * The error as the CLI prints it: when it names one of `flags` (default FIELD_FLAGS, which every command shares; a
 * command passes its own for fields that are flags of that command only) in the `field: problem` form (its message
 * starts with the field), message and field name the flag. Anything else is returned as it is: a field that only
 * appears inside a message (a model's "needs price history") is not a flag the user gave.
 */
export function withFlagNames(error: CrossmarginError, flags: Readonly<Record<string, string>> = FIELD_FLAGS): CrossmarginError {
  const field = error.field;
  if (field === undefined || !Object.hasOwn(flags, field)) return error;
  const rest = error.message.slice(field.length);
  if (!error.message.startsWith(field) || !(rest.startsWith(':') || rest.startsWith(' "'))) return error;
  const flag = flags[field]!;
  return new CrossmarginError(error.code, `${flag}${rest}`, { field: flag, ...(error.details === undefined ? {} : { details: error.details }), cause: error });
}
