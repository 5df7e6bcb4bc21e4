import { CrossmarginError } from './errors.js';

/** Milliseconds in one ACT/365 year (DESIGN.md "Units": time in years, ACT/365). */
export const MS_PER_YEAR = 365 * 24 * 3600 * 1000;

/** Hour of day (UTC) at which a date-only expiry settles: crypto venues expire at 08:00 UTC (DESIGN.md). */
export const DEFAULT_EXPIRY_HOUR_UTC = 8;

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses an ISO date or date-time into epoch milliseconds (UTC).
 * A date without a time is taken at `hourUtc` (08:00 UTC for expiries, the crypto convention).
 * Throws SCHEMA_INVALID naming `field` when the text is not a real calendar date.
 */
export function parseIsoInstant(text: string, field: string, hourUtc = DEFAULT_EXPIRY_HOUR_UTC): number {
  const dateOnly = DATE_ONLY.exec(text);
  if (dateOnly) {
    const [, y, m, d] = dateOnly;
    const ms = Date.UTC(Number(y), Number(m) - 1, Number(d), hourUtc);
    const check = new Date(ms);
    if (check.getUTCFullYear() === Number(y) && check.getUTCMonth() === Number(m) - 1 && check.getUTCDate() === Number(d)) {
      return ms;
    }
  } else if (DATE_TIME.test(text)) {
    const ms = Date.parse(text);
    if (Number.isFinite(ms)) return ms;
  }
  throw new CrossmarginError('SCHEMA_INVALID', `${field}: "${text}" is not an ISO date (YYYY-MM-DD) or date-time with zone`, {
    field,
  });
}

/** ACT/365 year fraction from `fromMs` to `toMs` (negative when `toMs` is earlier). */
export function yearFraction(fromMs: number, toMs: number): number {
  return (toMs - fromMs) / MS_PER_YEAR;
}

/** `YYYY-MM-DD` of an epoch-millisecond instant, in UTC. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
