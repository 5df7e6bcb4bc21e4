import { isIsoDate } from '../core/dates.js';
import { CrossmarginError } from '../core/errors.js';
import { csvHeaderIndex, csvValueError, parseCsv, parseCsvNumber } from '../market/csv.js';

/** Columns of an open-interest file, in this order. */
export const OPEN_INTEREST_COLUMNS = ['date', 'underlying', 'open_interest'] as const;

/** One underlying's open interest by date (ascending), in the file's unit (contracts or notional; only ratios are used). */
export interface OpenInterestSeries {
  readonly dates: readonly string[];
  readonly values: readonly number[];
}

/** Underlying → its open-interest series. */
export type OpenInterestTable = ReadonlyMap<string, OpenInterestSeries>;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Parses a `date,underlying,open_interest` CSV (header exactly that, case-insensitive; rows in any order).
 * Errors name the file, row, line and column: CSV_MALFORMED for the header, quoting or a wrong field count;
 * HISTORY_INVALID for a date that is not a real `YYYY-MM-DD`, an underlying that is not a name, an open interest that
 * is not a non-negative number, the same (date, underlying) twice, or a file without rows.
 */
export function parseOpenInterestCsv(text: string, source: string): OpenInterestTable {
  const records = parseCsv(text, source);
  const col = csvHeaderIndex(records[0], OPEN_INTEREST_COLUMNS, source, { exact: true });
  if (records.length < 2) {
    throw new CrossmarginError('HISTORY_INVALID', `${source}: no open-interest rows after the header`, { field: source, details: { source } });
  }
  const rows = new Map<string, Map<string, number>>();
  for (let r = 1; r < records.length; r++) {
    const rec = records[r] as (typeof records)[number];
    if (rec.fields.length !== OPEN_INTEREST_COLUMNS.length) {
      throw new CrossmarginError(
        'CSV_MALFORMED',
        `${source} row ${r} (line ${rec.line}): expected ${OPEN_INTEREST_COLUMNS.length} fields (${OPEN_INTEREST_COLUMNS.join(',')}), found ${rec.fields.length}`,
        { field: `${source}:${rec.line}`, details: { source, row: r, line: rec.line } },
      );
    }
    const at = (column: string) => ({ source, line: rec.line, row: r, column });
    const date = (rec.fields[col.date] as string).trim();
    const underlying = (rec.fields[col.underlying] as string).trim();
    const text = rec.fields[col.open_interest] as string;
    if (!isIsoDate(date)) throw csvValueError('HISTORY_INVALID', at('date'), 'expected a calendar date YYYY-MM-DD', date);
    if (!NAME.test(underlying)) throw csvValueError('HISTORY_INVALID', at('underlying'), 'expected an underlying name (letters, digits, ".", "_", "-")', underlying);
    const value = parseCsvNumber(text);
    if (value === undefined || value < 0) throw csvValueError('HISTORY_INVALID', at('open_interest'), 'expected a non-negative number', text.trim());
    const series = rows.get(underlying) ?? new Map<string, number>();
    if (series.has(date)) throw csvValueError('HISTORY_INVALID', at('date'), `${underlying} already has an open interest on ${date}`, date);
    series.set(date, value);
    rows.set(underlying, series);
  }
  const table = new Map<string, OpenInterestSeries>();
  for (const [u, series] of rows) {
    const dates = [...series.keys()].sort();
    table.set(u, { dates, values: dates.map((d) => series.get(d) as number) });
  }
  return table;
}

/**
 * Open interest of one underlying seen from `asOf`: the latest value on or before it, and the mean over [from, asOf]
 * ("the calibration's" open interest when [from, asOf] is the lookback). Undefined when no row is on or before asOf;
 * the average falls back to the latest value when no row lies in [from, asOf].
 */
export function openInterestAt(
  series: OpenInterestSeries | undefined,
  from: string,
  asOf: string,
): { readonly latest: number; readonly latestDate: string; readonly average: number; readonly observations: number } | undefined {
  if (series === undefined) return undefined;
  let latest: number | undefined;
  let latestDate: string | undefined;
  let sum = 0;
  let count = 0;
  series.dates.forEach((d, i) => {
    if (d > asOf) return;
    const v = series.values[i] as number;
    latest = v;
    latestDate = d;
    if (d >= from) {
      sum += v;
      count++;
    }
  });
  if (latest === undefined || latestDate === undefined) return undefined;
  return count === 0 ? { latest, latestDate, average: latest, observations: 1 } : { latest, latestDate, average: sum / count, observations: count };
}
