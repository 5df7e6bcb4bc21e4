import { CrossmarginError } from '../../core/errors.js';

/**
 * Argument checks shared by the backtest statistics. Scalars a caller chooses (coverage, levels, counts) are
 * USAGE_INVALID naming the option; series contents (one bad day in an array) are SCHEMA_INVALID naming the element
 * as `<series>.<index>` (0-based), so the CLI and the API report the same field.
 */

/** A probability strictly inside (0, 1): coverage levels, exception probabilities, test levels. */
export function checkProbability(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0 && value < 1)) {
    throw new CrossmarginError('USAGE_INVALID', `${name}: must be a number strictly between 0 and 1, got ${value}`, { field: name });
  }
}

/** An integer in [min, max]. */
export function checkInteger(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!(Number.isSafeInteger(value) && value >= min && value <= max)) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`;
    throw new CrossmarginError('USAGE_INVALID', `${name}: must be ${range}, got ${value}`, { field: name });
  }
}

/** A 0/1 exception series with at least one day. */
export function checkIndicators(name: string, indicators: Uint8Array): void {
  if (indicators.length === 0) throw new CrossmarginError('USAGE_INVALID', `${name}: needs at least one day`, { field: name });
  for (let t = 0; t < indicators.length; t++) {
    const v = indicators[t]!;
    if (v !== 0 && v !== 1) {
      throw new CrossmarginError('SCHEMA_INVALID', `${name}.${t}: exception indicator must be 0 or 1, got ${v}`, { field: `${name}.${t}` });
    }
  }
}

/** A series of `length` finite values (also ≥ 0, or > 0, when asked): P&L, VaR, ES, margin. */
export function checkSeries(name: string, values: Float64Array, length: number, sign: 'any' | 'nonNegative' | 'positive' = 'any'): void {
  if (values.length !== length) {
    throw new CrossmarginError('SCHEMA_INVALID', `${name}: has ${values.length} values, expected ${length} (one per day)`, { field: name });
  }
  for (let t = 0; t < values.length; t++) {
    const v = values[t]!;
    const bad = !Number.isFinite(v) || (sign === 'nonNegative' && v < 0) || (sign === 'positive' && v <= 0);
    if (bad) {
      const need = sign === 'positive' ? 'a finite number > 0' : sign === 'nonNegative' ? 'a finite number ≥ 0' : 'a finite number';
      throw new CrossmarginError('SCHEMA_INVALID', `${name}.${t}: must be ${need}, got ${v}`, { field: `${name}.${t}` });
    }
  }
}
