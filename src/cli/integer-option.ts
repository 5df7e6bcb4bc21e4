import { CrossmarginError } from '../core/errors.js';

/** A command-line integer in [min, max], refused naming its flag (USAGE_INVALID) otherwise. */
export function integerOption(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new CrossmarginError('USAGE_INVALID', `${flag}: expected an integer from ${min} to ${max}, got "${value}"`, { field: flag });
  return n;
}
