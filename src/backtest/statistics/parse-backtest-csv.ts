import { CrossmarginError } from '../../core/errors.js';
import { csvHeaderIndex, csvValueError, parseCsv, parseCsvNumber, type CsvLocation, type CsvRecord } from '../../market/csv.js';

/**
 * The two backtest input files `crossmargin validate --exceptions FILE` reads (docs/backtesting.md "File formats"):
 *
 * - indicator form: one 0/1 per line, no header (1 = an exception that day);
 * - series form: a header with columns `pnl` and `var` (P&L gain positive, VaR positive, at the tested coverage),
 *   optionally `es` (ES at the ES level, > 0), `es_var` (VaR at the ES level, for Acerbi–Szekely when it differs
 *   from the tested coverage) and `margin` (margin held, ≥ 0); any order, names case-insensitive, other columns
 *   ignored.
 *
 * The form is told by the first record: a single numeric field is the indicator form, anything else is a header.
 * Errors name the file, line and column: CSV_MALFORMED for structure and unparsable numbers (including `NaN`),
 * SCHEMA_INVALID for numbers out of range (an indicator other than 0/1, a negative VaR, ES ≤ 0).
 */
export type BacktestCsv =
  | { readonly form: 'indicators'; readonly indicators: Uint8Array }
  | {
      readonly form: 'series';
      readonly pnl: Float64Array;
      readonly var: Float64Array;
      readonly es: Float64Array | undefined;
      readonly esVar: Float64Array | undefined;
      readonly margin: Float64Array | undefined;
      /** Recognised columns present, in the order pnl, var, es, es_var, margin. */
      readonly columns: readonly string[];
    };

const OPTIONAL_COLUMNS = ['es', 'es_var', 'margin'] as const;
type OptionalColumn = (typeof OPTIONAL_COLUMNS)[number];

function emptyError(source: string, message: string): CrossmarginError {
  return new CrossmarginError('CSV_MALFORMED', `${source}: ${message}`, { field: source, details: { source } });
}

/** Parses backtest CSV text; `source` (the file path) prefixes every error. */
export function parseBacktestCsv(text: string, source: string): BacktestCsv {
  const records = parseCsv(text, source);
  const first = records[0];
  if (first === undefined) {
    throw emptyError(source, 'empty file; expected one 0/1 exception indicator per line, or a header with columns pnl,var[,es]');
  }
  const isIndicators = first.fields.length === 1 && parseCsvNumber(first.fields[0]!) !== undefined;
  return isIndicators ? parseIndicators(records, source) : parseSeries(records, source);
}

function parseIndicators(records: readonly CsvRecord[], source: string): BacktestCsv {
  const indicators = new Uint8Array(records.length);
  records.forEach((record, i) => {
    const at: CsvLocation = { source, line: record.line, row: i + 1, column: 'indicator' };
    if (record.fields.length !== 1) {
      throw csvValueError('CSV_MALFORMED', at, `expected one 0/1 value per line, got ${record.fields.length} fields`, record.fields.join(','));
    }
    const raw = record.fields[0]!;
    const v = parseCsvNumber(raw);
    if (v === undefined) throw csvValueError('CSV_MALFORMED', at, 'not a number; expected 0 or 1', raw);
    if (v !== 0 && v !== 1) throw csvValueError('SCHEMA_INVALID', at, 'exception indicator must be 0 or 1', raw);
    indicators[i] = v;
  });
  return { form: 'indicators', indicators };
}

function optionalIndex(header: CsvRecord, name: OptionalColumn, source: string): number | undefined {
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const i = names.indexOf(name);
  if (i < 0) return undefined;
  if (names.indexOf(name, i + 1) >= 0) {
    throw new CrossmarginError('CSV_MALFORMED', `${source} line ${header.line}, header column ${name}: appears twice`, {
      field: `${source}:${header.line}:${name}`,
      details: { source, line: header.line, column: name },
    });
  }
  return i;
}

function parseSeries(records: readonly CsvRecord[], source: string): BacktestCsv {
  const header = records[0]!;
  const required = csvHeaderIndex(header, ['pnl', 'var'], source);
  const optional = new Map<OptionalColumn, number>();
  for (const name of OPTIONAL_COLUMNS) {
    const i = optionalIndex(header, name, source);
    if (i !== undefined) optional.set(name, i);
  }
  const rows = records.slice(1);
  if (rows.length === 0) throw emptyError(source, 'header but no data rows');
  const T = rows.length;
  const pnl = new Float64Array(T);
  const valueAtRisk = new Float64Array(T);
  const columns = new Map<OptionalColumn, Float64Array>([...optional.keys()].map((k) => [k, new Float64Array(T)]));
  const width = header.fields.length;
  rows.forEach((record, r) => {
    const location = (column: string): CsvLocation => ({ source, line: record.line, row: r + 1, column });
    if (record.fields.length !== width) {
      const missing = record.fields.length < width;
      const column = missing ? header.fields[record.fields.length]!.trim() : `#${width + 1}`;
      throw csvValueError(
        'CSV_MALFORMED',
        location(column),
        missing ? `missing: the row has ${record.fields.length} fields, the header ${width}` : `extra field: the row has ${record.fields.length} fields, the header ${width}`,
      );
    }
    const read = (index: number, column: string): number => {
      const raw = record.fields[index]!;
      const v = parseCsvNumber(raw);
      if (v === undefined) throw csvValueError('CSV_MALFORMED', location(column), 'not a number', raw);
      return v;
    };
    pnl[r] = read(required.pnl, 'pnl');
    const v = read(required.var, 'var');
    if (v < 0) throw csvValueError('SCHEMA_INVALID', location('var'), 'VaR must be ≥ 0 (a positive loss amount)', record.fields[required.var]);
    valueAtRisk[r] = v;
    for (const [name, index] of optional) {
      const x = read(index, name);
      const positive = name === 'es';
      if (positive ? x <= 0 : x < 0) {
        const what = name === 'es' ? 'ES must be > 0' : name === 'es_var' ? 'VaR at the ES level must be ≥ 0' : 'margin must be ≥ 0';
        throw csvValueError('SCHEMA_INVALID', location(name), what, record.fields[index]);
      }
      columns.get(name)![r] = x;
    }
  });
  return {
    form: 'series',
    pnl,
    var: valueAtRisk,
    es: columns.get('es'),
    esVar: columns.get('es_var'),
    margin: columns.get('margin'),
    columns: ['pnl', 'var', ...OPTIONAL_COLUMNS.filter((c) => optional.has(c))],
  };
}
