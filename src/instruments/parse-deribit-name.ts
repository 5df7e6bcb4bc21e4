import { CrossmarginError } from '../core/errors.js';
import type { InstrumentSpec, OptionRight } from './instrument-spec.js';

/**
 * Deribit's `contract_size` for its inverse (coin-settled) futures and perpetuals: the face value of one contract,
 * in USD. A position of q contracts in `BTC-PERPETUAL` is q × 10 USD of notional, settled in BTC.
 *
 * This table is also the list of coins that have inverse instruments at all: an inverse name (no `_USDC`/`_USDT`
 * quote) on any other coin is refused with INSTRUMENT_UNKNOWN, because guessing a face value would silently
 * mis-size the position. Inverse options on these coins are 1 coin per contract (DERIBIT_OPTION_CONTRACT_SIZE).
 * Contract sizes are venue settings that can change; later work moves this into versioned, as-of config.
 */
export const DERIBIT_INVERSE_CONTRACT_SIZE_USD: Readonly<Record<string, number>> = Object.freeze({
  BTC: 10,
  ETH: 1,
});

/** Contract size of a Deribit inverse option, in coins of the underlying (premium is quoted in coin per coin). */
export const DERIBIT_OPTION_CONTRACT_SIZE = 1;

/**
 * Contract size we use for linear (`_USDC` / `_USDT`) instruments and spot, in coins of the base currency: the
 * quantity is then in coins, like the `amount` of Deribit's API for linear instruments.
 */
export const DERIBIT_LINEAR_CONTRACT_SIZE = 1;

/** Quote (and settlement) currencies accepted after `_` in a name. */
export const DERIBIT_LINEAR_QUOTES = ['USDC', 'USDT'] as const;
export type DeribitLinearQuote = (typeof DERIBIT_LINEAR_QUOTES)[number];

/** Settlement currency of a bare currency code used as a spot holding (`BTC` is valued in USD at the index). */
export const BARE_SPOT_CURRENCY = 'USD';

/** Accepted name forms with one example each; shown in error details and in docs/instrument-names.md. */
export const DERIBIT_NAME_FORMS: readonly string[] = Object.freeze([
  'COIN-PERPETUAL (BTC-PERPETUAL)',
  'COIN-DMMMYY (BTC-28JUN24)',
  'COIN-DMMMYY-STRIKE-C|P (BTC-28JUN24-60000-C)',
  'COIN_USDC-PERPETUAL, COIN_USDT-PERPETUAL (BTC_USDC-PERPETUAL)',
  'COIN_USDC-DMMMYY (ETH_USDC-28JUN24)',
  'COIN_USDC-DMMMYY-STRIKE-C|P (XRP_USDC-27DEC24-0d625-C)',
  'COIN_USDC spot pair (BTC_USDC)',
  'COIN bare currency = spot holding (BTC, USDC)',
]);

/** Three-letter month abbreviations as Deribit writes them; index = month - 1. */
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;

const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const;

/** A currency code: letters and digits (some coins start with a digit, e.g. 1INCH), at least one letter. */
const CURRENCY_CODE = /^(?=.*[A-Z])[A-Z0-9]{1,16}$/;
const EXPIRY_SHAPE = /^(\d{1,2})([A-Z]{3})(\d{2})$/;
/** Strike digits with Deribit's `d` (upper-cased here) as decimal point: `60000`, `0D625`. */
const STRIKE_SHAPE = /^\d+(D\d+)?$/;

const SHORT_HINT =
  'accepted forms: BTC-PERPETUAL, BTC-28JUN24, BTC-28JUN24-60000-C, BTC_USDC-PERPETUAL, ETH_USDC-28JUN24, ' +
  'SOL_USDC-28JUN24-150-P, BTC_USDC, BTC (see docs/instrument-names.md)';

function nameError(field: string, name: string, reason: string): CrossmarginError {
  return new CrossmarginError('INSTRUMENT_NAME_INVALID', `${field}: "${name}" is not a valid instrument name: ${reason}; ${SHORT_HINT}`, {
    field,
    details: { name, reason, accepted: DERIBIT_NAME_FORMS },
  });
}

/** The two-digit-year month/day calendar check; returns the ISO date `YYYY-MM-DD` or a reason it is not a date. */
function parseExpirySegment(segment: string): { readonly iso: string } | { readonly reason: string } {
  const m = EXPIRY_SHAPE.exec(segment);
  if (m === null) {
    return {
      reason:
        `"${segment}" is neither PERPETUAL nor an expiry DMMMYY ` +
        '(day 1-31 without leading zero, 3-letter English month, 2-digit year, e.g. 28JUN24, 5JUL24)',
    };
  }
  const [, dayText = '', monthText = '', yearText = ''] = m;
  const monthIndex = (MONTHS as readonly string[]).indexOf(monthText);
  if (monthIndex < 0) {
    return { reason: `expiry "${segment}": "${monthText}" is not a month (expected one of ${MONTHS.join(', ')})` };
  }
  if (dayText.length === 2 && dayText.startsWith('0')) {
    // One contract must have one symbol, so the zero-padded spelling is refused rather than silently accepted.
    return { reason: `expiry "${segment}": write the day without a leading zero (${Number(dayText)}${monthText}${yearText})` };
  }
  const day = Number(dayText);
  const year = 2000 + Number(yearText);
  // Day 0 of the next month is the last day of this one.
  const daysInMonth = new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) {
    return {
      reason: `expiry "${segment}": day ${day} does not exist, ${MONTH_NAMES[monthIndex] ?? monthText} ${year} has ${daysInMonth} days`,
    };
  }
  const iso = `${year}-${String(monthIndex + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return { iso };
}

/**
 * Deribit's spelling of a strike: shortest decimal form, `d` for the decimal point (0.625 → `0d625`).
 * Returns undefined for strikes that have no such spelling (non-finite, not positive, exponent notation).
 */
export function formatDeribitStrike(strike: number): string | undefined {
  if (!Number.isFinite(strike) || strike <= 0) return undefined;
  const text = String(strike);
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined;
  return text.replace('.', 'd');
}

function parseStrikeSegment(segment: string): { readonly strike: number; readonly text: string } | { readonly reason: string } {
  if (segment === '') return { reason: 'the strike is missing (expected COIN-DMMMYY-STRIKE-C|P)' };
  if (!STRIKE_SHAPE.test(segment)) {
    return {
      reason: `strike "${segment}" is not a positive number (digits, with "d" as decimal point, e.g. 60000 or 0d625)`,
    };
  }
  const strike = Number(segment.replace('D', '.'));
  if (!Number.isFinite(strike)) return { reason: `strike "${segment}" is too large` };
  if (strike <= 0) return { reason: `strike "${segment}" must be positive` };
  const canonical = formatDeribitStrike(strike);
  if (canonical === undefined || canonical.toUpperCase() !== segment) {
    // Leading zeros, trailing fraction zeros or digits beyond double precision: refuse so one strike has one symbol.
    return { reason: `strike "${segment}" is not in canonical form; write ${canonical ?? String(strike)}` };
  }
  return { strike, text: canonical };
}

function parseRightSegment(segment: string): OptionRight | undefined {
  if (segment === 'C') return 'call';
  if (segment === 'P') return 'put';
  return undefined;
}

interface NameHead {
  readonly base: string;
  readonly quote: DeribitLinearQuote | undefined;
}

function parseHead(head: string): NameHead | { readonly reason: string } {
  if (head === '') return { reason: 'the currency before "-" is missing' };
  const pieces = head.split('_');
  if (pieces.length > 2) return { reason: `"${head}" has more than one "_" (expected COIN or COIN_USDC)` };
  const [base = '', quote] = pieces;
  if (!CURRENCY_CODE.test(base)) return { reason: `"${base}" is not a currency code (letters and digits, e.g. BTC)` };
  if (quote === undefined) return { base, quote: undefined };
  if (!(DERIBIT_LINEAR_QUOTES as readonly string[]).includes(quote)) {
    return { reason: `quote currency "${quote}" is not supported (linear instruments are quoted in ${DERIBIT_LINEAR_QUOTES.join(' or ')})` };
  }
  if (quote === base) return { reason: `"${head}" quotes a currency in itself` };
  return { base, quote: quote as DeribitLinearQuote };
}

/** Structure of a name once its syntax is checked, before contract sizes are looked up. */
type ParsedName =
  | { readonly kind: 'spot' }
  | { readonly kind: 'perpetual' }
  | { readonly kind: 'future'; readonly expiry: string }
  | { readonly kind: 'option'; readonly expiry: string; readonly strike: number; readonly strikeText: string; readonly right: OptionRight };

function parseTail(parts: readonly string[]): ParsedName | { readonly reason: string } {
  const [, second, third, fourth] = parts;
  if (second === undefined) return { kind: 'spot' };
  if (second === '') return { reason: 'nothing follows "-" (expected PERPETUAL or an expiry like 28JUN24)' };
  if (second === 'PERPETUAL') {
    if (parts.length > 2) return { reason: 'a perpetual has no strike or right (expected COIN-PERPETUAL)' };
    return { kind: 'perpetual' };
  }
  const expiry = parseExpirySegment(second);
  if ('reason' in expiry) return expiry;
  if (third === undefined) return { kind: 'future', expiry: expiry.iso };
  // `-` is the separator, so a negative strike shows up as an empty segment followed by the digits.
  if (parts.length === 5 && third === '' && fourth !== undefined && /^\d/.test(fourth)) {
    return { reason: `strike "-${fourth}" must be positive` };
  }
  if (parts.length > 4) return { reason: `too many "-" separated parts (${parts.length}); an option is COIN-DMMMYY-STRIKE-C|P` };
  if (fourth === undefined) {
    if (third === 'C' || third === 'P') return { reason: 'the strike is missing (expected COIN-DMMMYY-STRIKE-C|P)' };
    return { reason: 'the right (C or P) is missing after the strike (expected COIN-DMMMYY-STRIKE-C|P)' };
  }
  const strike = parseStrikeSegment(third);
  if ('reason' in strike) return strike;
  const right = parseRightSegment(fourth);
  if (right === undefined) return { reason: `right "${fourth}" must be C (call) or P (put)` };
  return { kind: 'option', expiry: expiry.iso, strike: strike.strike, strikeText: strike.text, right };
}

/**
 * Parses a Deribit-style instrument name into a full spec (rules and units: docs/instrument-names.md).
 *
 * - `BTC-PERPETUAL`, `BTC-28JUN24`: inverse perpetual / future; multiplier = USD face value per contract
 *   (DERIBIT_INVERSE_CONTRACT_SIZE_USD), quantity in contracts, P&L in the coin.
 * - `BTC-28JUN24-60000-C`: inverse European option, 1 coin per contract, P&L in the coin.
 * - `BTC_USDC-PERPETUAL`, `ETH_USDT-28JUN24`, `XRP_USDC-27DEC24-0d625-C`: linear, 1 coin per contract, P&L in
 *   the quote currency.
 * - `BTC_USDC`: spot pair, valued in USDC; `BTC`: spot holding of the currency, valued in USD.
 *
 * Names are case-insensitive and trimmed; the returned `symbol` is upper-cased, except that the strike's decimal
 * point is written `d` as Deribit does (`XRP_USDC-27DEC24-0d625-C`), so every spelling of a contract interns to one
 * symbol. Date-only expiries mean 08:00 UTC (DESIGN.md).
 *
 * Throws INSTRUMENT_NAME_INVALID (naming `field`) when the name does not follow the grammar, and INSTRUMENT_UNKNOWN
 * for an inverse name on a coin without a known contract size.
 */
export function parseDeribitName(name: string, field = 'instrument'): InstrumentSpec {
  if (typeof name !== 'string') throw nameError(field, String(name), `expected a string, got ${typeof name}`);
  const given = name.trim();
  if (given === '') throw nameError(field, name, 'the name is empty');
  const upper = given.toUpperCase();
  if (!/^[A-Z0-9_-]+$/.test(upper)) {
    throw nameError(field, name, 'only letters, digits, "_" and "-" may appear (a decimal strike uses "d": 0d625)');
  }
  const parts = upper.split('-');
  const head = parseHead(parts[0] ?? '');
  if ('reason' in head) throw nameError(field, name, head.reason);
  const tail = parseTail(parts);
  if ('reason' in tail) throw nameError(field, name, tail.reason);

  const headText = head.quote === undefined ? head.base : `${head.base}_${head.quote}`;
  const symbol =
    tail.kind === 'spot'
      ? headText
      : tail.kind === 'perpetual'
        ? `${headText}-PERPETUAL`
        : tail.kind === 'future'
          ? `${headText}-${parts[1] ?? ''}`
          : `${headText}-${parts[1] ?? ''}-${tail.strikeText}-${tail.right === 'call' ? 'C' : 'P'}`;

  if (tail.kind === 'spot') {
    return Object.freeze({
      symbol,
      kind: 'spot',
      underlying: head.base,
      multiplier: DERIBIT_LINEAR_CONTRACT_SIZE,
      settlement: 'linear',
      currency: head.quote ?? BARE_SPOT_CURRENCY,
    });
  }

  const option = tail.kind === 'option' ? { strike: tail.strike, right: tail.right } : {};
  const expiry = tail.kind === 'perpetual' ? {} : { expiry: tail.expiry };

  if (head.quote !== undefined) {
    return Object.freeze({
      symbol,
      kind: tail.kind,
      underlying: head.base,
      ...expiry,
      ...option,
      multiplier: DERIBIT_LINEAR_CONTRACT_SIZE,
      settlement: 'linear',
      currency: head.quote,
    });
  }

  const faceValueUsd = Object.hasOwn(DERIBIT_INVERSE_CONTRACT_SIZE_USD, head.base)
    ? DERIBIT_INVERSE_CONTRACT_SIZE_USD[head.base]
    : undefined;
  if (faceValueUsd === undefined) {
    const known = Object.keys(DERIBIT_INVERSE_CONTRACT_SIZE_USD).join(', ');
    throw new CrossmarginError(
      'INSTRUMENT_UNKNOWN',
      `${field}: "${name}" is an inverse (coin-settled) name, but no Deribit contract size is known for ${head.base} ` +
        `(known: ${known}); give a full instrument spec instead (symbol, kind, underlying, expiry, strike, right, ` +
        `multiplier, settlement, currency), or use a linear name such as ${head.base}_USDC-PERPETUAL`,
      { field, details: { name, underlying: head.base, knownInverseCoins: Object.keys(DERIBIT_INVERSE_CONTRACT_SIZE_USD) } },
    );
  }
  return Object.freeze({
    symbol,
    kind: tail.kind,
    underlying: head.base,
    ...expiry,
    ...option,
    multiplier: tail.kind === 'option' ? DERIBIT_OPTION_CONTRACT_SIZE : faceValueUsd,
    settlement: 'inverse',
    currency: head.base,
  });
}
