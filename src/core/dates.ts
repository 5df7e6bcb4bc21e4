import { CrossmarginError } from './errors.js';

/** Milliseconds in one ACT/365 year (DESIGN.md "Units": time in years, ACT/365). */
export const MS_PER_YEAR = 365 * 24 * 3600 * 1000;

/** Hour of day (UTC) at which a date-only expiry settles: crypto venues expire at 08:00 UTC (DESIGN.md). */
export const DEFAULT_EXPIRY_HOUR_UTC = 8;

/*
 * Strict ISO dates. `Date.parse` silently rolls impossible dates over (`2024-02-30T00:00Z` becomes 1 March), and
 * files key forwards, smiles and expiries by date, so a typo must be an error naming the field, not another day.
 */
const DATE_PART = /^(\d{4})-(\d{2})-(\d{2})/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_TIME_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** True when the leading `YYYY-MM-DD` of `text` is a real calendar day. */
function hasCalendarDate(text: string): boolean {
  const m = DATE_PART.exec(text);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const check = new Date(Date.UTC(y, mo - 1, d));
  return check.getUTCFullYear() === y && check.getUTCMonth() === mo - 1 && check.getUTCDate() === d;
}

/** `YYYY-MM-DD` naming a real calendar day. */
export function isIsoDate(text: string): boolean {
  return ISO_DATE.test(text) && hasCalendarDate(text);
}

/** ISO date-time with an explicit zone (`Z` or `±hh:mm`), on a real calendar day, e.g. `2024-06-17T08:00:00Z`. */
export function isIsoDateTimeWithZone(text: string): boolean {
  return ISO_DATE_TIME_WITH_ZONE.test(text) && hasCalendarDate(text) && Number.isFinite(Date.parse(text));
}

/** Either of the two forms above (what expiries and forward keys accept). */
export function isIsoDateOrDateTime(text: string): boolean {
  return isIsoDate(text) || isIsoDateTimeWithZone(text);
}

/**
 * Epoch ms (UTC) of an ISO date or date-time; a date alone is taken at `hourUtc` (08:00 UTC, the crypto expiry
 * convention). Throws SCHEMA_INVALID naming `field` for anything else, including impossible calendar dates.
 */
export function parseIsoInstant(text: string, field: string, hourUtc = DEFAULT_EXPIRY_HOUR_UTC): number {
  if (isIsoDate(text)) {
    return Date.UTC(Number(text.slice(0, 4)), Number(text.slice(5, 7)) - 1, Number(text.slice(8, 10)), hourUtc);
  }
  if (isIsoDateTimeWithZone(text)) return Date.parse(text);
  throw new CrossmarginError(
    'SCHEMA_INVALID',
    `${field}: "${text}" is not an ISO date (YYYY-MM-DD) or date-time with zone on a real calendar day`,
    { field, details: { value: text } },
  );
}

/** Epoch ms of an `asOf` stamp, which must carry a time and a zone (a bare date is ambiguous for a snapshot). */
export function parseAsOfInstant(text: string, field = 'asOf'): number {
  if (!isIsoDateTimeWithZone(text)) {
    throw new CrossmarginError('SCHEMA_INVALID', `${field}: "${text}" is not an ISO date-time with zone, e.g. 2024-06-17T08:00:00Z`, {
      field,
      details: { value: text },
    });
  }
  return Date.parse(text);
}

/**
 * The canonical key for an expiry instant in a snapshot file: `YYYY-MM-DD` when it falls at the 08:00 UTC
 * convention (so it reads like the venue's calendar), the full UTC ISO string otherwise.
 */
export function expiryKey(expiryMs: number): string {
  const iso = new Date(expiryMs).toISOString();
  const dateOnly = iso.slice(0, 10);
  return Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10)), DEFAULT_EXPIRY_HOUR_UTC) === expiryMs
    ? dateOnly
    : iso;
}

/** ACT/365 year fraction from `fromMs` to `toMs` (negative when `toMs` is earlier). */
export function yearFraction(fromMs: number, toMs: number): number {
  return (toMs - fromMs) / MS_PER_YEAR;
}

/** `YYYY-MM-DD` of an epoch-millisecond instant, in UTC. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
