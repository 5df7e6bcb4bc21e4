import { parseWithSchema } from '../core/validate.js';
import { z } from 'zod';
import { isIsoDateOrDateTime, isIsoDateTimeWithZone, parseAsOfInstant, parseIsoInstant } from '../core/dates.js';

/**
 * Schema of the market snapshot file (DESIGN.md "Market snapshot file").
 *
 * Units: `index` and forwards in the underlying's quote currency (USD for crypto); `rate` continuously
 * compounded per year; vols decimal (0.55, not 55); `fx` the USD value of one unit of the currency.
 * Every object is strict (unknown keys are errors) and every number finite (zod 4 rejects NaN and ±Infinity).
 * Cross-field rules (strikes ascending, equal lengths, no duplicate expiries, expiries after `asOf`) are checked
 * here too, so a file that passes this schema always builds a usable `MarketSnapshot`.
 */

// zod 4's number() already rejects NaN and ±Infinity.
const positiveNumber = z.number().positive();

const ISO_DATE_OR_TIME_MESSAGE = 'expected an ISO date (YYYY-MM-DD) or date-time with zone (e.g. 2024-06-28T08:00:00Z) on a real calendar day';

const isoDateOrTime = z.string().refine(isIsoDateOrDateTime, { message: ISO_DATE_OR_TIME_MESSAGE });

/** Underlying and currency names: non-empty, no whitespace (they become parts of field paths and CLI arguments). */
const nameKey = z.string().regex(/^\S+$/, 'expected a non-empty name without whitespace');

export const SmileSchema = z
  .strictObject({
    /** Expiry of the smile; a date alone means 08:00 UTC. */
    expiry: isoDateOrTime,
    /** Strikes in the quote currency, strictly increasing. */
    strikes: z.array(positiveNumber).min(1),
    /** Implied vols (decimal), one per strike. */
    vols: z.array(positiveNumber).min(1),
  })
  .superRefine((smile, ctx) => {
    // Refinements run even after element issues, so guard the shapes.
    for (let i = 1; i < smile.strikes.length; i++) {
      const prev = smile.strikes[i - 1] as number;
      const cur = smile.strikes[i] as number;
      if (!(cur > prev)) {
        ctx.addIssue({ code: 'custom', path: ['strikes', i], message: `strikes must be strictly increasing (${cur} after ${prev})` });
        return;
      }
    }
    if (smile.vols.length !== smile.strikes.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['vols'],
        message: `expected one vol per strike: ${smile.strikes.length} strikes but ${smile.vols.length} vols`,
      });
    }
  });

export const VolSchema = z
  .strictObject({
    /** Flat (at-the-money) vol for every expiry and strike; ignored when `smiles` is present. */
    atm: positiveNumber.optional(),
    /** One smile per expiry; expiries distinct, any order. */
    smiles: z.array(SmileSchema).min(1).optional(),
  })
  .superRefine((vol, ctx) => {
    if (vol.atm === undefined && vol.smiles === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'vol needs "atm", "smiles" or both' });
      return;
    }
    const seen = new Map<number, number>();
    vol.smiles?.forEach((smile, j) => {
      if (!isIsoDateOrDateTime(smile.expiry)) return;
      const ms = parseIsoInstant(smile.expiry, 'expiry');
      const first = seen.get(ms);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['smiles', j, 'expiry'], message: `duplicate smile expiry: same instant as smiles.${first}.expiry` });
      } else {
        seen.set(ms, j);
      }
    });
  });

export const UnderlyingMarketSchema = z
  .strictObject({
    /** Spot / index level in the quote currency. */
    index: positiveNumber,
    /** Continuously compounded carry rate per year, used when no forwards are given. */
    rate: z.number().default(0),
    /** Explicit forward prices keyed by expiry (ISO date = 08:00 UTC, or date-time with zone). */
    forwards: z.record(z.string().refine(isIsoDateOrDateTime, { message: ISO_DATE_OR_TIME_MESSAGE }), positiveNumber).optional(),
    vol: VolSchema.optional(),
  })
  .superRefine((u, ctx) => {
    if (u.forwards === undefined) return;
    const seen = new Map<number, string>();
    for (const key of Object.keys(u.forwards)) {
      if (!isIsoDateOrDateTime(key)) continue;
      const ms = parseIsoInstant(key, key);
      const first = seen.get(ms);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['forwards', key], message: `duplicate forward expiry: same instant as "${first}"` });
      } else {
        seen.set(ms, key);
      }
    }
  });

export const MarketSnapshotSchema = z
  .strictObject({
    /** Valuation instant; must carry a time and a zone. Times to expiry are ACT/365 from here. */
    asOf: z.string().refine(isIsoDateTimeWithZone, { message: 'expected an ISO date-time with zone, e.g. 2024-06-17T08:00:00Z' }),
    underlyings: z.record(nameKey, UnderlyingMarketSchema),
    /** USD value of one unit of each currency (USDC: 1.0). USD itself is always 1. */
    fx: z.record(nameKey, positiveNumber).optional(),
  })
  .superRefine((snap, ctx) => {
    if (!isIsoDateTimeWithZone(snap.asOf)) return;
    const asOfMs = parseAsOfInstant(snap.asOf);
    // Forwards and smiles at or before asOf have no time left (T <= 0): carry ln(F/S)/T and total variance are
    // undefined there, so a stale entry is an error rather than something silently ignored.
    for (const [name, u] of Object.entries(snap.underlyings)) {
      for (const key of Object.keys(u.forwards ?? {})) {
        if (isIsoDateOrDateTime(key) && parseIsoInstant(key, key) <= asOfMs) {
          ctx.addIssue({ code: 'custom', path: ['underlyings', name, 'forwards', key], message: `forward expiry is not after asOf ${snap.asOf}` });
        }
      }
      u.vol?.smiles?.forEach((smile, j) => {
        if (isIsoDateOrDateTime(smile.expiry) && parseIsoInstant(smile.expiry, 'expiry') <= asOfMs) {
          ctx.addIssue({
            code: 'custom',
            path: ['underlyings', name, 'vol', 'smiles', j, 'expiry'],
            message: `smile expiry ${smile.expiry} is not after asOf ${snap.asOf}`,
          });
        }
      });
    }
    const usd = snap.fx?.USD;
    if (usd !== undefined && usd !== 1) {
      ctx.addIssue({ code: 'custom', path: ['fx', 'USD'], message: `USD is the numeraire and must be 1, got ${usd}` });
    }
  });

/** The validated file form (defaults applied: `rate` always present). Also valid input, so it round-trips. */
export type MarketSnapshotFile = z.output<typeof MarketSnapshotSchema>;
/** What a file may contain before defaults (`rate` optional). */
export type MarketSnapshotFileInput = z.input<typeof MarketSnapshotSchema>;
export type UnderlyingMarketFile = z.output<typeof UnderlyingMarketSchema>;
export type VolFile = z.output<typeof VolSchema>;
export type SmileFile = z.output<typeof SmileSchema>;

/** Validates a parsed JSON value as a snapshot file; SCHEMA_INVALID names the first bad field. */
export function parseMarketSnapshotFile(value: unknown, source?: string): MarketSnapshotFile {
  return parseWithSchema(MarketSnapshotSchema, value, source);
}
