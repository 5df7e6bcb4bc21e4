import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../core/errors.js';
import { csvHeaderIndex, csvValueError, parseCsv, parseCsvNumber } from './csv.js';

function errorOf(fn: () => unknown): CrossmarginError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CrossmarginError) return error;
    throw error;
  }
  throw new Error('expected a CrossmarginError, nothing was thrown');
}

const fieldsOf = (text: string): string[][] => parseCsv(text).map((r) => [...r.fields]);

describe('parseCsv', () => {
  it('splits on another delimiter when asked (TSV), commas then being plain text', () => {
    expect(parseCsv('a\tb\n"x\ty"\t1,2\n', 'x.tsv', { delimiter: '\t' }).map((r) => [...r.fields])).toEqual([
      ['a', 'b'],
      ['x\ty', '1,2'],
    ]);
  });

  it('splits plain lines, with or without a trailing newline', () => {
    expect(fieldsOf('a,b,c\n1,2,3\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
    ]);
    expect(fieldsOf('a,b,c\n1,2,3')).toEqual(fieldsOf('a,b,c\n1,2,3\n'));
  });

  it('handles CRLF and lone CR line ends', () => {
    expect(fieldsOf('a,b\r\n1,2\r\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(fieldsOf('a,b\r1,2\r')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('keeps empty fields, including a trailing one', () => {
    expect(fieldsOf('1990-01-02,17.24,,,17.24,\n')).toEqual([['1990-01-02', '17.24', '', '', '17.24', '']]);
    expect(fieldsOf(',\n')).toEqual([['', '']]);
  });

  it('handles quoted fields with commas, doubled quotes and line breaks', () => {
    const recs = parseCsv('name,note\n"a,b","say ""hi"""\n"multi\r\nline",x\nlast,1\n');
    expect(recs.map((r) => r.fields)).toEqual([
      ['name', 'note'],
      ['a,b', 'say "hi"'],
      ['multi\r\nline', 'x'],
      ['last', '1'],
    ]);
    expect(recs.map((r) => r.line)).toEqual([1, 2, 3, 5]);
  });

  it('skips blank lines and a byte-order mark, keeping line numbers', () => {
    const recs = parseCsv('\uFEFFa,b\n\n1,2\n\n\n');
    expect(recs.map((r) => [r.line, ...r.fields])).toEqual([
      [1, 'a', 'b'],
      [3, '1', '2'],
    ]);
    expect(parseCsv('')).toEqual([]);
  });

  it('rejects unterminated quotes, stray quotes and text after a closing quote, naming the line', () => {
    const open = errorOf(() => parseCsv('a,b\n1,"oops\n2,3\n', 'f.csv'));
    expect(open.code).toBe('CSV_MALFORMED');
    expect(open.field).toBe('f.csv:2');
    expect(errorOf(() => parseCsv('a,b\n1,x"y\n', 'f.csv')).field).toBe('f.csv:2');
    expect(errorOf(() => parseCsv('a,b\n\n"1"2,3\n', 'f.csv')).field).toBe('f.csv:3');
  });

  it('round-trips arbitrary fields when quoted (property)', () => {
    const quote = (f: string): string => `"${f.replace(/"/g, '""')}"`;
    const field = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r', ' ', '1', 'é'), maxLength: 8 });
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }), fc.constantFrom('\n', '\r\n'), (rows, eol) => {
        const text = rows.map((r) => r.map(quote).join(',')).join(eol) + eol;
        expect(fieldsOf(text)).toEqual(rows);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseCsvNumber', () => {
  it('accepts plain decimals only', () => {
    expect(parseCsvNumber('9087.89')).toBe(9087.89);
    expect(parseCsvNumber(' -1.5e-3 ')).toBe(-0.0015);
    expect(parseCsvNumber('.5')).toBe(0.5);
    expect(parseCsvNumber('6000.0')).toBe(6000);
    for (const bad of ['', ' ', 'NaN', 'Infinity', '0x10', '1,5', '1e999', 'abc', '--1']) expect(parseCsvNumber(bad)).toBeUndefined();
  });
});

describe('csvHeaderIndex and csvValueError', () => {
  it('maps required columns in any order, case-insensitively', () => {
    const [header] = parseCsv('Close,date, extra\n');
    expect(csvHeaderIndex(header, ['date', 'close'], 'f.csv')).toEqual({ date: 1, close: 0 });
  });

  it('names a missing or duplicated column', () => {
    const missing = errorOf(() => csvHeaderIndex(parseCsv('date,open\n')[0], ['date', 'close'], 'f.csv'));
    expect(missing.code).toBe('CSV_MALFORMED');
    expect(missing.field).toBe('f.csv:1:close');
    expect(errorOf(() => csvHeaderIndex(parseCsv('date,date\n')[0], ['date'], 'f.csv')).message).toContain('twice');
    expect(errorOf(() => csvHeaderIndex(undefined, ['date'], 'f.csv')).field).toBe('f.csv');
  });

  it('exact mode requires the columns in order and no extras', () => {
    expect(errorOf(() => csvHeaderIndex(parseCsv('close,date\n')[0], ['date', 'close'], 'f.csv', { exact: true })).field).toBe('f.csv:1:date');
    expect(errorOf(() => csvHeaderIndex(parseCsv('date,close,x\n')[0], ['date', 'close'], 'f.csv', { exact: true })).field).toBe('f.csv:1:x');
  });

  it('formats value errors with source, row, line and column', () => {
    const e = csvValueError('HISTORY_INVALID', { source: 'f.csv', line: 7, row: 6, column: 'close' }, 'bad', 'x');
    expect(e.message).toBe('f.csv row 6 (line 7), column close: bad (got "x")');
    expect(e.field).toBe('f.csv:7:close');
    expect(e.details).toEqual({ source: 'f.csv', row: 6, line: 7, column: 'close', value: 'x' });
  });
});
