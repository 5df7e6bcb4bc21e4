import { CrossmarginError, type ErrorCode } from '../core/errors.js';

/**
 * A small CSV reader (RFC 4180 subset) shared by the option-chain and price-history loaders.
 *
 * Handles: comma separators (or another one-character delimiter, e.g. a tab for TSV); fields in double quotes, with
 * `""` for a literal quote and delimiters or line breaks inside; LF, CRLF and lone-CR line ends; a trailing line break; a leading byte-order mark. Lines that are
 * completely empty are skipped anywhere in the file. A quote inside an unquoted field, text after a closing
 * quote, or an unterminated quoted field is CSV_MALFORMED naming the line. Fields are returned untrimmed.
 */

export interface CsvRecord {
  /** 1-based line of the file on which this record starts (the header is normally line 1). */
  readonly line: number;
  readonly fields: readonly string[];
}

/** Where a value sits, for error messages: `row` counts data rows from 1 (header excluded). */
export interface CsvLocation {
  readonly source: string;
  readonly line: number;
  readonly row: number;
  /** Column name as written in the header. */
  readonly column: string;
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

function structureError(source: string, line: number, message: string): CrossmarginError {
  const field = `${source}:${line}`;
  return new CrossmarginError('CSV_MALFORMED', `${source} line ${line}: ${message}`, { field, details: { source, line } });
}

/** Options of `parseCsv`. */
export interface CsvParseOptions {
  /** Field separator, one character other than a quote or line end: `,` (the default) or a tab for TSV. */
  readonly delimiter?: string;
}

/** Splits CSV text into records. `source` (a file path or input name) prefixes error messages. */
export function parseCsv(text: string, source = 'csv', options: CsvParseOptions = {}): CsvRecord[] {
  const delimiter = options.delimiter ?? ',';
  const sep = delimiter.charCodeAt(0);
  if (delimiter.length !== 1 || sep === QUOTE || sep === CR || sep === LF) {
    throw new CrossmarginError('INTERNAL', `parseCsv: unusable delimiter ${JSON.stringify(delimiter)}`);
  }
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let blank = true;
    for (;;) {
      let value: string;
      if (text.charCodeAt(i) === QUOTE) {
        blank = false;
        const quoteLine = line;
        i++;
        let buf = '';
        let segStart = i;
        for (;;) {
          if (i >= n) throw structureError(source, quoteLine, 'quoted field is never closed');
          const c = text.charCodeAt(i);
          if (c === QUOTE) {
            if (text.charCodeAt(i + 1) === QUOTE) {
              buf += text.slice(segStart, i + 1);
              i += 2;
              segStart = i;
              continue;
            }
            buf += text.slice(segStart, i);
            i++;
            break;
          }
          if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) line++;
          i++;
        }
        value = buf;
        if (i < n) {
          const c = text.charCodeAt(i);
          if (c !== sep && c !== CR && c !== LF) throw structureError(source, line, `unexpected "${text[i]}" after a closing quote`);
        }
      } else {
        const start = i;
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === sep || c === CR || c === LF) break;
          if (c === QUOTE) throw structureError(source, line, 'quote inside an unquoted field (quote the whole field and double the quote)');
          i++;
        }
        value = text.slice(start, i);
        if (value !== '') blank = false;
      }
      fields.push(value);
      if (i < n && text.charCodeAt(i) === sep) {
        blank = false;
        i++;
        continue;
      }
      if (i < n) {
        // End of record: consume CRLF, LF or a lone CR.
        if (text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF) i += 2;
        else i++;
        line++;
      }
      break;
    }
    if (!blank) records.push({ line: startLine, fields });
  }
  return records;
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A plain decimal number (`12`, `-0.5`, `1e-3`, surrounding spaces allowed), or undefined for anything else,
 * including the empty string, hex, `NaN`, `Infinity` and values that overflow. (`Number()` would accept `''` as 0.)
 */
export function parseCsvNumber(text: string): number | undefined {
  const t = text.trim();
  if (!DECIMAL.test(t)) return undefined;
  const x = Number(t);
  return Number.isFinite(x) ? x : undefined;
}

/**
 * An error about one value of a CSV file. `field` is `<source>:<line>:<column>` (compiler-style location with the
 * column's header name); the message names the row, line and column; `details` carries them separately.
 */
export function csvValueError(code: ErrorCode, at: CsvLocation, message: string, value?: string): CrossmarginError {
  const shown = value === undefined ? '' : ` (got "${value}")`;
  return new CrossmarginError(code, `${at.source} row ${at.row} (line ${at.line}), column ${at.column}: ${message}${shown}`, {
    field: `${at.source}:${at.line}:${at.column}`,
    details: { source: at.source, row: at.row, line: at.line, column: at.column, ...(value === undefined ? {} : { value }) },
  });
}

/**
 * Checks a header record and returns each required column's index. Names are compared trimmed and
 * case-insensitively. With `exact`, the header must be exactly `required` in that order (no extra columns);
 * otherwise extra columns are allowed and order is free. Errors are CSV_MALFORMED naming the column.
 */
export function csvHeaderIndex<const C extends string>(
  header: CsvRecord | undefined,
  required: readonly C[],
  source: string,
  options: { exact?: boolean } = {},
): Record<C, number> {
  const expected = required.join(',');
  if (header === undefined) {
    throw new CrossmarginError('CSV_MALFORMED', `${source}: empty file; expected the header ${expected}`, {
      field: source,
      details: { source, expected },
    });
  }
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const fail = (column: string, message: string): never => {
    throw new CrossmarginError('CSV_MALFORMED', `${source} line ${header.line}, header column ${column}: ${message}; expected the header ${expected}`, {
      field: `${source}:${header.line}:${column}`,
      details: { source, line: header.line, column, expected, found: header.fields.join(',') },
    });
  };
  if (options.exact === true) {
    required.forEach((col, i) => {
      const got = names[i];
      if (got !== col) fail(col, got === undefined ? 'missing' : `found "${header.fields[i]}"`);
    });
    if (names.length > required.length) fail(header.fields[required.length] ?? '?', 'unexpected extra column');
  }
  const index = {} as Record<C, number>;
  for (const col of required) {
    const first = names.indexOf(col);
    if (first < 0) fail(col, 'missing');
    if (names.indexOf(col, first + 1) >= 0) fail(col, 'appears twice');
    index[col] = first;
  }
  return index;
}
