import { parseIsoInstant } from '../core/dates.js';
import { CrossmarginError } from '../core/errors.js';
import { parseWithSchema } from '../core/validate.js';
import { InstrumentSpecInputSchema, type InstrumentSpec, type InstrumentSpecInput } from './instrument-spec.js';
import { parseDeribitName } from './parse-deribit-name.js';

/**
 * Parsed names by name: a live engine re-resolves every account's positions on every tick, and a name always
 * parses to the same (immutable) spec. Failures are not cached (they throw, naming the caller's field). Bounded so
 * an adversarial stream of distinct names cannot grow it without limit.
 */
const NAME_CACHE_LIMIT = 50_000;
const nameCache = new Map<string, InstrumentSpec>();

function parseNameCached(name: string, field: string): InstrumentSpec {
  const hit = nameCache.get(name);
  if (hit !== undefined) return hit;
  const spec = parseDeribitName(name, field);
  if (nameCache.size >= NAME_CACHE_LIMIT) nameCache.clear();
  nameCache.set(name, spec);
  return spec;
}

/**
 * Turns the `instrument` of a portfolio position into a spec: a string is a Deribit-style name (parseDeribitName),
 * an object is a full spec validated by InstrumentSpecInputSchema (defaults: multiplier 1, linear, currency USD,
 * inverse currency = underlying).
 *
 * `field` is the dotted path of the input (`positions.2.instrument`); errors name the exact sub-field
 * (`positions.2.instrument.strike`). Throws INSTRUMENT_NAME_INVALID / INSTRUMENT_UNKNOWN for names and
 * INSTRUMENT_SPEC_INVALID for objects and anything else. Expiry against the market date is a separate check
 * (checkNotExpired), since it depends on the snapshot's asOf.
 */
export function resolveInstrument(input: string | InstrumentSpecInput | unknown, field: string): InstrumentSpec {
  if (typeof input === 'string') return parseNameCached(input, field);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    const got = input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input;
    throw new CrossmarginError(
      'INSTRUMENT_SPEC_INVALID',
      `${field}: expected a Deribit-style name (string) or a full instrument spec (object), got ${got}`,
      { field },
    );
  }
  try {
    // No source prefix: parseWithSchema then reports the path relative to the spec, which is re-rooted at `field`.
    return parseWithSchema(InstrumentSpecInputSchema, input, undefined, 'INSTRUMENT_SPEC_INVALID');
  } catch (error) {
    if (!(error instanceof CrossmarginError)) throw error;
    const relative = error.field;
    const fullField = relative === undefined || relative === '' ? field : `${field}.${relative}`;
    const prefix = `${relative ?? '(root)'}: `;
    const reason = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    throw new CrossmarginError('INSTRUMENT_SPEC_INVALID', `${fullField}: ${reason}`, {
      field: fullField,
      ...(error.details === undefined ? {} : { details: error.details }),
      cause: error,
    });
  }
}

/**
 * Expiry of `spec` in epoch milliseconds (date-only expiries at 08:00 UTC), or undefined for spot and perpetuals.
 * Specs from parseDeribitName / resolveInstrument always carry a valid expiry; a hand-built bad one throws SCHEMA_INVALID.
 */
export function expiryMs(spec: InstrumentSpec): number | undefined {
  return spec.expiry === undefined ? undefined : parseIsoInstant(spec.expiry, 'expiry');
}

/**
 * Throws INSTRUMENT_EXPIRED when `spec` has expired at the market date `asOfMs` (epoch ms). An instrument expiring
 * exactly at asOf counts as expired: it has settled and has no time value left to revalue (year fraction 0).
 */
export function checkNotExpired(spec: InstrumentSpec, asOfMs: number, field: string): void {
  if (!Number.isFinite(asOfMs)) {
    // NaN would compare false and silently pass every instrument; the market date comes from the snapshot.
    throw new CrossmarginError('MARKET_DATA_INVALID', `asOf: ${String(asOfMs)} is not a finite epoch-millisecond instant`, {
      field: 'asOf',
    });
  }
  const expiry = expiryMs(spec);
  if (expiry === undefined || expiry > asOfMs) return;
  const expiryText = new Date(expiry).toISOString();
  const asOfText = new Date(asOfMs).toISOString();
  throw new CrossmarginError(
    'INSTRUMENT_EXPIRED',
    `${field}: ${spec.symbol} expired at ${expiryText}, on or before the market date ${asOfText}`,
    { field, details: { symbol: spec.symbol, expiry: expiryText, asOf: asOfText } },
  );
}
