import { CrossmarginError } from '../core/errors.js';
import { csvHeaderIndex, csvValueError, parseCsv, parseCsvNumber, type CsvLocation } from './csv.js';
import { isIsoDate } from '../core/dates.js';

/** Columns of every bundled daily file (data/SOURCES.md), in this order. */
export const PRICE_HISTORY_COLUMNS = ['date', 'open', 'high', 'low', 'close', 'volume'] as const;

/**
 * A daily price series. `dates` are `YYYY-MM-DD`, strictly ascending and unique. `close` is always a positive
 * finite number; `open`/`high`/`low`/`volume` are NaN where the file leaves them empty (VIX opens, index volumes).
 * Prices in the series' quote currency; volume in the source's own unit (see data/SOURCES.md).
 */
export interface PriceHistory {
  readonly source: string;
  readonly dates: readonly string[];
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/**
 * Parses a `date,open,high,low,close,volume` CSV (header exactly that, case-insensitive).
 * Errors: CSV_MALFORMED for the header, quoting and field counts; HISTORY_INVALID for values (a date that is not a
 * real `YYYY-MM-DD`, not after the previous row, or repeated; a close that is missing, non-positive or not a number;
 * a non-empty open/high/low that is not a positive number or a volume that is not a non-negative number). Every
 * error names `source`, the row, the line and the column. A file with a header but no rows is HISTORY_INVALID.
 */
export function parsePriceHistory(csvText: string, source: string): PriceHistory {
  const records = parseCsv(csvText, source);
  const col = csvHeaderIndex(records[0], PRICE_HISTORY_COLUMNS, source, { exact: true });
  const n = records.length - 1;
  if (n <= 0) {
    throw new CrossmarginError('HISTORY_INVALID', `${source}: no price rows after the header`, { field: source, details: { source } });
  }
  const dates: string[] = new Array<string>(n);
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const volume = new Float64Array(n);
  const width = PRICE_HISTORY_COLUMNS.length;

  for (let r = 1; r <= n; r++) {
    const rec = records[r] as (typeof records)[number];
    const i = r - 1;
    const at = (column: string): CsvLocation => ({ source, line: rec.line, row: r, column });
    if (rec.fields.length !== width) {
      throw new CrossmarginError(
        'CSV_MALFORMED',
        `${source} row ${r} (line ${rec.line}): expected ${width} fields (${PRICE_HISTORY_COLUMNS.join(',')}), found ${rec.fields.length}`,
        { field: `${source}:${rec.line}`, details: { source, row: r, line: rec.line, expected: width, found: rec.fields.length } },
      );
    }
    const field = (c: (typeof PRICE_HISTORY_COLUMNS)[number]): string => (rec.fields[col[c]] as string).trim();

    const date = field('date');
    if (!isIsoDate(date)) throw csvValueError('HISTORY_INVALID', at('date'), 'expected a calendar date YYYY-MM-DD', date);
    if (i > 0) {
      const prev = dates[i - 1] as string;
      if (date === prev) throw csvValueError('HISTORY_INVALID', at('date'), `duplicate date (also on the previous row)`, date);
      // ISO dates compare correctly as strings.
      if (date < prev) throw csvValueError('HISTORY_INVALID', at('date'), `dates must be ascending, but the previous row is ${prev}`, date);
    }
    dates[i] = date;

    const closeText = field('close');
    const c = parseCsvNumber(closeText);
    if (closeText === '') throw csvValueError('HISTORY_INVALID', at('close'), 'close is missing');
    if (c === undefined || !(c > 0)) throw csvValueError('HISTORY_INVALID', at('close'), 'expected a positive finite close', closeText);
    close[i] = c;

    const optional = (column: 'open' | 'high' | 'low' | 'volume', out: Float64Array, min: 'positive' | 'non-negative'): void => {
      const raw = field(column);
      if (raw === '') {
        out[i] = Number.NaN;
        return;
      }
      const x = parseCsvNumber(raw);
      if (x === undefined || !(min === 'positive' ? x > 0 : x >= 0)) throw csvValueError('HISTORY_INVALID', at(column), `expected a ${min} number or nothing`, raw);
      out[i] = x;
    };
    optional('open', open, 'positive');
    optional('high', high, 'positive');
    optional('low', low, 'positive');
    optional('volume', volume, 'non-negative');
  }
  return { source, dates, open, high, low, close, volume };
}
