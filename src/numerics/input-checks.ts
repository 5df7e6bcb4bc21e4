import { CrossmarginError } from '../core/errors.js';

/*
 * Argument checks shared by the volatility forecasters. Bad options are MODEL_PARAMS_INVALID, bad data
 * HISTORY_INVALID; both name the offending field (DESIGN.md "Errors").
 */

/** MODEL_PARAMS_INVALID unless `value` is a whole number in [min, max]. */
export function checkIntegerOption(field: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!(Number.isInteger(value) && value >= min && value <= max)) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in [${min}, ${max}]`;
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `${field}: expected a whole number ${range}, got ${value}`, { field, details: { value, min, max } });
  }
}

/** MODEL_PARAMS_INVALID unless lo < value ≤ hi (or lo < value < hi with `openHigh`). */
export function checkRangeOption(field: string, value: number, lo: number, hi: number, openHigh = false): void {
  const ok = value > lo && (openHigh ? value < hi : value <= hi);
  if (!ok) {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `${field}: expected a number in (${lo}, ${hi}${openHigh ? ')' : ']'}, got ${value}`, { field, details: { value } });
  }
}

/** HISTORY_INVALID naming `field.i` for the first non-finite return; returns are decimal log returns. */
export function checkReturns(returns: Float64Array, field = 'returns'): void {
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i] as number;
    if (!Number.isFinite(r)) {
      throw new CrossmarginError('HISTORY_INVALID', `${field}.${i}: not a finite number (${r})`, { field: `${field}.${i}`, details: { value: r } });
    }
  }
}

/** HISTORY_INVALID unless there are at least `needed` returns, saying what needs them. */
export function checkReturnCount(returns: Float64Array, needed: number, purpose: string, field = 'returns'): void {
  if (returns.length < needed) {
    throw new CrossmarginError('HISTORY_INVALID', `${field}: ${purpose} needs at least ${needed} returns, got ${returns.length}`, {
      field,
      details: { needed, available: returns.length },
    });
  }
}
