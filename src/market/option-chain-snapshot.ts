import { CrossmarginError } from '../core/errors.js';
import { csvHeaderIndex, csvValueError, parseCsv, parseCsvNumber, type CsvLocation } from './csv.js';
import { expiryKey, isIsoDateOrDateTime, parseAsOfInstant, parseIsoInstant } from '../core/dates.js';
import { parseMarketSnapshotFile, type MarketSnapshotFile, type SmileFile } from './market-snapshot-schema.js';

/** Columns of a Deribit-style option-chain CSV (data/deribit_*_options_*.csv); extra columns are ignored. */
export const OPTION_CHAIN_COLUMNS = [
  'instrument',
  'underlying',
  'expiry',
  'strike',
  'type',
  'mark_iv',
  'underlying_price',
  'mark_price',
  'open_interest',
] as const;

export interface OptionChainSnapshotOptions {
  /** Valuation instant, ISO date-time with zone; expiries at or before it are dropped. */
  readonly asOf: string;
  /** Snapshot name of the underlying (`BTC`); every instrument must be an option on it (`BTC-...`). */
  readonly underlying: string;
  /** Continuously compounded rate to store (default 0). The quoted forwards drive the curve regardless. */
  readonly rate?: number;
  /** Index level; default: the forward of the nearest remaining expiry, because the file has no index column. */
  readonly index?: number;
  /** File name for error messages. */
  readonly source?: string;
}

interface StrikeQuote {
  call?: number;
  put?: number;
}

interface ExpiryBucket {
  readonly expiryMs: number;
  readonly underlyingPrices: number[];
  readonly strikes: Map<number, StrikeQuote>;
}

/**
 * mark_iv is in percent. Shifting the decimal point in the text (`84.27` → `84.27e-2`) gives the double nearest
 * 0.8427, where dividing by 100 can land one ulp off (134.2 / 100 = 1.3419999999999999).
 */
function percentToDecimal(raw: string, value: number): number {
  return /[eE]/.test(raw) ? value / 100 : Number(`${raw}e-2`);
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >>> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Builds a market snapshot file for one underlying from an option-chain CSV.
 *
 * - Expiry column: ISO date (taken at 08:00 UTC, the Deribit convention) or date-time; expiries at or before
 *   `asOf` are dropped.
 * - Forward per expiry: the median of `underlying_price` over that expiry's used rows (Deribit's mark of the
 *   expiry's future or synthetic forward drifts by a few dollars across the seconds the chain took to collect).
 * - One vol per strike: the out-of-the-money side's `mark_iv` (call if K ≥ F, else put), falling back to the other
 *   side when that one is missing; `mark_iv` is in percent and is divided by 100. Rows with `mark_iv` ≤ 0 carry no
 *   quote and are skipped entirely (they do not count towards the forward either).
 * - `index`: `options.index`, else the forward of the nearest expiry (the file has no index column).
 * - Errors: CSV_MALFORMED naming row, line and column (bad header, wrong field count, unparseable value, a
 *   duplicate instrument quote, an option on another underlying); MARKET_DATA_INVALID when no expiry after asOf
 *   has a usable quote. The result is validated with the snapshot schema before it is returned.
 */
export function snapshotFromOptionChain(csvText: string, options: OptionChainSnapshotOptions): MarketSnapshotFile {
  const source = options.source ?? 'option chain';
  const asOfMs = parseAsOfInstant(options.asOf, 'asOf');
  const records = parseCsv(csvText, source);
  const col = csvHeaderIndex(records[0], OPTION_CHAIN_COLUMNS, source);
  const width = records[0]?.fields.length ?? 0;
  const coin = options.underlying.toUpperCase();
  const buckets = new Map<number, ExpiryBucket>();

  for (let r = 1; r < records.length; r++) {
    const rec = records[r] as (typeof records)[number];
    const at = (column: string): CsvLocation => ({ source, line: rec.line, row: r, column });
    if (rec.fields.length !== width) {
      throw new CrossmarginError(
        'CSV_MALFORMED',
        `${source} row ${r} (line ${rec.line}): expected ${width} fields as in the header, found ${rec.fields.length}`,
        { field: `${source}:${rec.line}`, details: { source, row: r, line: rec.line, expected: width, found: rec.fields.length } },
      );
    }
    const text = (c: (typeof OPTION_CHAIN_COLUMNS)[number]): string => (rec.fields[col[c]] as string).trim();
    const number = (c: (typeof OPTION_CHAIN_COLUMNS)[number], rule: (x: number) => boolean, what: string, allowEmpty = false): number => {
      const raw = text(c);
      if (allowEmpty && raw === '') return Number.NaN;
      const x = parseCsvNumber(raw);
      if (x === undefined || !rule(x)) throw csvValueError('CSV_MALFORMED', at(c), `expected ${what}`, raw);
      return x;
    };

    const instrument = text('instrument');
    if (instrument === '') throw csvValueError('CSV_MALFORMED', at('instrument'), 'instrument name is empty');
    // Deribit names start with the coin (`BTC-...`, or `BTC_USDC-...` for linear options).
    const prefix = (instrument.split('-')[0] ?? '').split('_')[0]?.toUpperCase();
    if (prefix !== coin) {
      throw csvValueError('CSV_MALFORMED', at('instrument'), `not an option on ${options.underlying}`, instrument);
    }
    const expiryText = text('expiry');
    if (!isIsoDateOrDateTime(expiryText)) {
      throw csvValueError('CSV_MALFORMED', at('expiry'), 'expected an ISO date (YYYY-MM-DD) or date-time with zone', expiryText);
    }
    const expiryMs = parseIsoInstant(expiryText, 'expiry');
    const strike = number('strike', (x) => x > 0, 'a positive strike');
    const typeText = text('type').toLowerCase();
    if (typeText !== 'call' && typeText !== 'put') throw csvValueError('CSV_MALFORMED', at('type'), 'expected call or put', text('type'));
    const markIv = number('mark_iv', () => true, 'a number (implied vol in %)');
    number('mark_price', (x) => x >= 0, 'a non-negative number or nothing', true);
    number('open_interest', (x) => x >= 0, 'a non-negative number or nothing', true);
    if (markIv <= 0) continue;
    const underlyingPrice = number('underlying_price', (x) => x > 0, 'a positive forward price');
    if (expiryMs <= asOfMs) continue;

    let bucket = buckets.get(expiryMs);
    if (bucket === undefined) {
      bucket = { expiryMs, underlyingPrices: [], strikes: new Map() };
      buckets.set(expiryMs, bucket);
    }
    bucket.underlyingPrices.push(underlyingPrice);
    let quote = bucket.strikes.get(strike);
    if (quote === undefined) {
      quote = {};
      bucket.strikes.set(strike, quote);
    }
    if (quote[typeText] !== undefined) {
      throw csvValueError('CSV_MALFORMED', at('instrument'), `a second ${typeText} quote for strike ${strike} expiring ${expiryText}`, instrument);
    }
    quote[typeText] = percentToDecimal(text('mark_iv'), markIv);
  }

  const expiries = [...buckets.values()].sort((a, b) => a.expiryMs - b.expiryMs);
  const nearest = expiries[0];
  if (nearest === undefined) {
    throw new CrossmarginError('MARKET_DATA_INVALID', `${source}: no option with mark_iv > 0 expires after asOf ${options.asOf}`, {
      field: source,
      details: { source, asOf: options.asOf },
    });
  }
  const forwards: Record<string, number> = {};
  const smiles: SmileFile[] = [];
  let nearestForward = Number.NaN;
  for (const bucket of expiries) {
    const forward = median(bucket.underlyingPrices);
    if (bucket === nearest) nearestForward = forward;
    const key = expiryKey(bucket.expiryMs);
    forwards[key] = forward;
    const strikes = [...bucket.strikes.keys()].sort((a, b) => a - b);
    const vols = strikes.map((k) => {
      const q = bucket.strikes.get(k) as StrikeQuote;
      const otm = k >= forward ? q.call : q.put;
      return (otm ?? q.call ?? q.put) as number;
    });
    smiles.push({ expiry: key, strikes, vols });
  }

  return parseMarketSnapshotFile(
    {
      asOf: options.asOf,
      underlyings: {
        [coin]: {
          index: options.index ?? nearestForward,
          rate: options.rate ?? 0,
          forwards,
          vol: { smiles },
        },
      },
    },
    source,
  );
}
