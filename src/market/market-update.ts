import { z } from 'zod';
import { CrossmarginError } from '../core/errors.js';
import { isIsoDateOrDateTime, isIsoDateTimeWithZone, parseAsOfInstant, parseIsoInstant } from '../core/dates.js';
import { parseWithSchema } from '../core/validate.js';
import { MarketSnapshotSchema, SmileSchema, type MarketSnapshotFile, type UnderlyingMarketFile } from './market-snapshot-schema.js';

/**
 * A live market update (docs/service.md "Market input"): like a snapshot file, but every field of an underlying is
 * optional, so a feed can push only what changed. `mergeMarketUpdate` merges it field by field over the current
 * market: an update with only `index` keeps the underlying's vol, forwards and rate.
 */

const positiveNumber = z.number().positive();
// `__proto__` would set a prototype where names key records; no market names an underlying so.
const nameKey = z
  .string()
  .regex(/^\S+$/, 'expected a non-empty name without whitespace')
  .refine((name) => name !== '__proto__', 'is a reserved name');
const isoDateOrTime = z.string().refine(isIsoDateOrDateTime, { message: 'expected an ISO date (YYYY-MM-DD) or date-time with zone' });

export const UnderlyingUpdateSchema = z.strictObject({
  /** Spot / index level, quote currency. Required for an underlying the market does not have yet. */
  index: positiveNumber.optional(),
  /** Continuously compounded carry rate per year; absent: the current one is kept (0 for a new underlying). */
  rate: z.number().optional(),
  /** Forwards by expiry, merged per expiry over the current ones. */
  forwards: z.record(isoDateOrTime, positiveNumber).optional(),
  /** Vol, merged per field (`atm`, `smiles`) over the current one. */
  vol: z.strictObject({ atm: positiveNumber.optional(), smiles: z.array(SmileSchema).min(1).optional() }).optional(),
});

export const MarketUpdateSchema = z.strictObject({
  asOf: z.string().refine(isIsoDateTimeWithZone, { message: 'expected an ISO date-time with zone, e.g. 2024-06-17T08:00:00Z' }),
  underlyings: z.record(nameKey, UnderlyingUpdateSchema),
  fx: z.record(nameKey, positiveNumber).optional(),
});

export type UnderlyingUpdateFile = z.output<typeof UnderlyingUpdateSchema>;
export type MarketUpdateFile = z.output<typeof MarketUpdateSchema>;

/** Validates a parsed JSON value as a market update; SCHEMA_INVALID names the first bad field. */
export function parseMarketUpdate(value: unknown, source = 'market'): MarketUpdateFile {
  return parseWithSchema(MarketUpdateSchema, value, source);
}

/** Inclusive range of an accepted value. */
export interface Bound {
  readonly min: number;
  readonly max: number;
}

/**
 * Sanity bounds on market input, checked at the boundary before anything is stored (docs/service.md "Market
 * bounds"). They catch unit mistakes and garbage (a vol of 55 meant as 55 %, an index of 1e308), not market moves:
 * the spike guard judges moves.
 */
export interface MarketBounds {
  /** Index and forward levels, quote currency. */
  readonly price: Bound;
  /** Implied vols, decimal (0.55 = 55 %). */
  readonly vol: Bound;
  /** USD value of one unit of a currency. */
  readonly fx: Bound;
  /** Continuously compounded rates per year. */
  readonly rate: Bound;
}

/** Defaults: prices 1e-8 … 1e9, vols 0.1 % … 2,000 %, fx 1e-8 … 1e7, rates −100 % … +100 % a year. */
export const DEFAULT_MARKET_BOUNDS: MarketBounds = {
  price: { min: 1e-8, max: 1e9 },
  vol: { min: 0.001, max: 20 },
  fx: { min: 1e-8, max: 1e7 },
  rate: { min: -1, max: 1 },
};

export const MarketBoundsSchema = z.strictObject({
  price: z.strictObject({ min: positiveNumber, max: positiveNumber }).optional(),
  vol: z.strictObject({ min: positiveNumber, max: positiveNumber }).optional(),
  fx: z.strictObject({ min: positiveNumber, max: positiveNumber }).optional(),
  rate: z.strictObject({ min: z.number(), max: z.number() }).optional(),
});

/** Bounds from a (partial) document over the defaults; MARKET_DATA_INVALID when a range is empty. */
export function parseMarketBounds(value: unknown, source = 'marketBounds'): MarketBounds {
  const partial = parseWithSchema(MarketBoundsSchema, value ?? {}, source);
  const bounds: MarketBounds = { ...DEFAULT_MARKET_BOUNDS, ...partial };
  for (const [name, b] of Object.entries(bounds) as [string, Bound][]) {
    if (!(b.min <= b.max)) throw new CrossmarginError('SCHEMA_INVALID', `${source}: ${name}: min ${b.min} is above max ${b.max}`, { field: `${name}.min` });
  }
  return bounds;
}

function checkBound(value: number, bound: Bound, field: string, what: string): void {
  if (!(value >= bound.min && value <= bound.max)) {
    throw new CrossmarginError('MARKET_DATA_INVALID', `${field}: ${what} ${value} is outside the accepted range [${bound.min}, ${bound.max}]`, {
      field,
      details: { value, min: bound.min, max: bound.max },
    });
  }
}

/** Checks every number of an update (or a whole snapshot) against `bounds`; MARKET_DATA_INVALID names the field. */
export function checkMarketBounds(update: MarketUpdateFile | MarketSnapshotFile, bounds: MarketBounds): void {
  for (const [name, u] of Object.entries(update.underlyings) as [string, UnderlyingUpdateFile][]) {
    const at = `underlyings.${name}`;
    if (u.index !== undefined) checkBound(u.index, bounds.price, `${at}.index`, 'index');
    if (u.rate !== undefined) checkBound(u.rate, bounds.rate, `${at}.rate`, 'rate');
    for (const [expiry, forward] of Object.entries(u.forwards ?? {})) checkBound(forward, bounds.price, `${at}.forwards.${expiry}`, 'forward');
    if (u.vol?.atm !== undefined) checkBound(u.vol.atm, bounds.vol, `${at}.vol.atm`, 'vol');
    u.vol?.smiles?.forEach((smile, j) => {
      smile.vols.forEach((v, k) => checkBound(v, bounds.vol, `${at}.vol.smiles.${j}.vols.${k}`, 'vol'));
      smile.strikes.forEach((s, k) => checkBound(s, bounds.price, `${at}.vol.smiles.${j}.strikes.${k}`, 'strike'));
    });
  }
  for (const [ccy, rate] of Object.entries(update.fx ?? {})) checkBound(rate, bounds.fx, `fx.${ccy}`, 'fx rate');
}

/** Instant of a forward key or smile expiry (a date alone is 08:00 UTC), epoch ms. */
function expiryMs(key: string): number {
  return parseIsoInstant(key, key);
}

/**
 * One underlying of `update` merged field by field over `current`: `index` and `rate` replace, `forwards` merge per
 * expiry (the same instant written another way replaces the old key), `vol.atm` and `vol.smiles` replace
 * separately. Forwards and smiles at or before `asOfMs` roll off (no time is left on them).
 */
export function mergeUnderlying(name: string, current: UnderlyingMarketFile | undefined, update: UnderlyingUpdateFile, asOfMs: number): UnderlyingMarketFile {
  const index = update.index ?? current?.index;
  if (index === undefined) {
    throw new CrossmarginError('MARKET_DATA_INVALID', `underlyings.${name}.index: a new underlying needs an index`, { field: `underlyings.${name}.index` });
  }
  const forwards = new Map<number, [string, number]>();
  for (const source of [current?.forwards ?? {}, update.forwards ?? {}]) {
    for (const [key, value] of Object.entries(source)) forwards.set(expiryMs(key), [key, value]);
  }
  const liveForwards = [...forwards].filter(([ms]) => ms > asOfMs).sort(([a], [b]) => a - b);
  const atm = update.vol?.atm ?? current?.vol?.atm;
  const smiles = (update.vol?.smiles ?? current?.vol?.smiles)?.filter((s) => expiryMs(s.expiry) > asOfMs);
  const hasSmiles = smiles !== undefined && smiles.length > 0;
  const vol = atm === undefined && !hasSmiles ? undefined : { ...(atm === undefined ? {} : { atm }), ...(hasSmiles ? { smiles } : {}) };
  return {
    index,
    rate: update.rate ?? current?.rate ?? 0,
    ...(liveForwards.length === 0 ? {} : { forwards: Object.fromEntries(liveForwards.map(([, kv]) => kv)) }),
    ...(vol === undefined ? {} : { vol }),
  };
}

/**
 * The market after `update`, merged over `current` (undefined: no market yet): underlyings and fx rates the update
 * does not name keep their values; named ones merge field by field (mergeUnderlying); expired curve points of every
 * underlying roll off at the new asOf. `only` limits which underlyings of the update are applied (the spike guard
 * holds the others). The result is validated as a whole snapshot.
 */
export function mergeMarketUpdate(current: MarketSnapshotFile | undefined, update: MarketUpdateFile, only?: ReadonlySet<string>): MarketSnapshotFile {
  const asOfMs = parseAsOfInstant(update.asOf);
  const underlyings: Record<string, UnderlyingMarketFile> = {};
  for (const [name, u] of Object.entries(current?.underlyings ?? {})) underlyings[name] = mergeUnderlying(name, u, {}, asOfMs);
  for (const [name, u] of Object.entries(update.underlyings)) {
    if (only !== undefined && !only.has(name)) continue;
    underlyings[name] = mergeUnderlying(name, current?.underlyings[name], u, asOfMs);
  }
  const fx = { ...(current?.fx ?? {}), ...(update.fx ?? {}) };
  const merged = { asOf: update.asOf, underlyings, ...(Object.keys(fx).length === 0 ? {} : { fx }) };
  return parseWithSchema(MarketSnapshotSchema, merged, 'market', 'MARKET_DATA_INVALID');
}
