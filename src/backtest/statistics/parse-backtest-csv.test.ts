import { describe, expect, it } from 'vitest';
import { parseBacktestCsv } from './parse-backtest-csv.js';

describe('parseBacktestCsv', () => {
  it('reads the indicator form (one 0/1 per line, blank lines skipped, CRLF)', () => {
    const r = parseBacktestCsv('0\r\n1\r\n\r\n 0 \r\n1', 'x.csv');
    expect(r.form).toBe('indicators');
    if (r.form === 'indicators') expect(Array.from(r.indicators)).toEqual([0, 1, 0, 1]);
  });

  it('reads the series form with optional columns in any order, case-insensitively', () => {
    const r = parseBacktestCsv('Margin,VAR,date,PnL,es_var,ES\n5,2,2024-01-01,-1.5,1.5,3\n6,2.5,2024-01-02,0.25,1.75,3.5\n', 'x.csv');
    expect(r.form).toBe('series');
    if (r.form !== 'series') return;
    expect(Array.from(r.pnl)).toEqual([-1.5, 0.25]);
    expect(Array.from(r.var)).toEqual([2, 2.5]);
    expect(Array.from(r.es!)).toEqual([3, 3.5]);
    expect(Array.from(r.esVar!)).toEqual([1.5, 1.75]);
    expect(Array.from(r.margin!)).toEqual([5, 6]);
    expect(r.columns).toEqual(['pnl', 'var', 'es', 'es_var', 'margin']);
  });

  it('optional columns are undefined when absent', () => {
    const r = parseBacktestCsv('pnl,var\n1,2\n', 'x.csv');
    expect(r).toMatchObject({ form: 'series', es: undefined, esVar: undefined, margin: undefined, columns: ['pnl', 'var'] });
  });

  it('errors carry file, line and column in field and details', () => {
    expect(() => parseBacktestCsv('pnl,var\n1,2\n1,-3\n', 'x.csv')).toThrow(
      expect.objectContaining({ code: 'SCHEMA_INVALID', field: 'x.csv:3:var', details: expect.objectContaining({ line: 3, row: 2, column: 'var', value: '-3' }) }),
    );
    expect(() => parseBacktestCsv('1\n0\n0.5\n', 'x.csv')).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID', field: 'x.csv:3:indicator' }));
    expect(() => parseBacktestCsv('pnl,var\n"1,2\n', 'x.csv')).toThrow(expect.objectContaining({ code: 'CSV_MALFORMED' }));
  });
});
