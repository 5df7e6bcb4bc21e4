import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../core/errors.js';
import { loadPriceHistory, loadPriceHistoryAsync } from './load-price-history.js';
import { parsePriceHistory } from './price-history.js';

function errorOf(fn: () => unknown): CrossmarginError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CrossmarginError) return error;
    throw error;
  }
  throw new Error('expected a CrossmarginError, nothing was thrown');
}

const dataPath = (name: string): string => fileURLToPath(new URL(`../../data/${name}`, import.meta.url));
const HEADER = 'date,open,high,low,close,volume';
const csv = (...rows: string[]): string => [HEADER, ...rows].join('\n') + '\n';

describe('loadPriceHistory on bundled data', () => {
  it('loads BTC/USD daily with its documented range', () => {
    const h = loadPriceHistory(dataPath('btc_usd_daily.csv'));
    expect(h.source).toBe(dataPath('btc_usd_daily.csv'));
    expect(h.dates).toHaveLength(5151);
    expect(h.dates[0]).toBe('2011-08-18');
    expect(h.dates.at(-1)).toBe('2025-09-23');
    expect(h.close[0]).toBe(10.9);
    expect(h.close[5150]).toBe(112017.21);
    expect(h.volume[0]).toBe(0.48990826);
    expect(h.high[1]).toBe(11.85);
  });

  it('loads VIX with blank opens, highs and lows as NaN and an all-NaN volume', () => {
    const h = loadPriceHistory(dataPath('vix_daily.csv'));
    expect(h.dates).toHaveLength(9241);
    const i = h.dates.indexOf('2006-02-08');
    expect(Number.isNaN(h.open[i])).toBe(true);
    expect(h.high[i]).toBe(13.61);
    expect(h.close[i]).toBe(12.83);
    expect(Number.isNaN(h.high[h.dates.indexOf('2004-09-27')])).toBe(true);
    expect(Number.isNaN(h.low[h.dates.indexOf('2008-10-10')])).toBe(true);
    expect(h.volume.every(Number.isNaN)).toBe(true);
    expect(h.open.filter(Number.isNaN)).toHaveLength(47);
    expect(h.close.every((c) => c > 0)).toBe(true);
  });

  it('loads asynchronously and reports a missing file', async () => {
    expect((await loadPriceHistoryAsync(dataPath('sp500_daily.csv'))).close[0]).toBe(1455.219971);
    const e = errorOf(() => loadPriceHistory(dataPath('nope.csv')));
    expect(e.code).toBe('FILE_NOT_FOUND');
  });
});

describe('parsePriceHistory errors name file, row and column', () => {
  const err = (text: string): CrossmarginError => errorOf(() => parsePriceHistory(text, 'h.csv'));

  it('accepts CRLF, a missing trailing newline and empty optional fields', () => {
    const h = parsePriceHistory(`${HEADER}\r\n2024-01-01,,,,10,\r\n2024-01-02,1,2,0.5,11,7`, 'h.csv');
    expect(h.dates).toEqual(['2024-01-01', '2024-01-02']);
    expect([...h.close]).toEqual([10, 11]);
    expect(Number.isNaN(h.open[0])).toBe(true);
    expect(h.volume[1]).toBe(7);
  });

  it('bad header', () => {
    const e = err('date,open,high,low,price,volume\n2024-01-01,1,1,1,1,\n');
    expect(e.code).toBe('CSV_MALFORMED');
    expect(e.field).toBe('h.csv:1:close');
    expect(err('').code).toBe('CSV_MALFORMED');
  });

  it('no rows', () => {
    expect(err(csv()).code).toBe('HISTORY_INVALID');
  });

  it('wrong field count', () => {
    const e = err(csv('2024-01-01,1,1,1,1,', '2024-01-02,1,1,1,1'));
    expect(e.code).toBe('CSV_MALFORMED');
    expect(e.field).toBe('h.csv:3');
    expect(e.message).toContain('row 2');
  });

  it.each([
    ['an unparseable date', ['2024-13-01,1,1,1,1,'], 'h.csv:2:date', 'row 1'],
    ['a slash date', ['2024-01-01,1,1,1,1,', '01/02/2024,1,1,1,1,'], 'h.csv:3:date', 'row 2'],
    ['a duplicate date', ['2024-01-01,1,1,1,1,', '2024-01-01,1,1,1,1,'], 'h.csv:3:date', 'duplicate'],
    ['a date going backwards', ['2024-01-02,1,1,1,1,', '2024-01-01,1,1,1,1,'], 'h.csv:3:date', 'ascending'],
    ['a missing close', ['2024-01-01,1,1,1,,'], 'h.csv:2:close', 'missing'],
    ['a zero close', ['2024-01-01,1,1,1,0,'], 'h.csv:2:close', 'positive'],
    ['a negative close', ['2024-01-01,1,1,1,-3,'], 'h.csv:2:close', 'positive'],
    ['a non-numeric close', ['2024-01-01,1,1,1,NaN,'], 'h.csv:2:close', 'NaN'],
    ['a bad open', ['2024-01-01,x,1,1,1,'], 'h.csv:2:open', 'open'],
    ['a negative volume', ['2024-01-01,1,1,1,1,-5'], 'h.csv:2:volume', 'volume'],
  ])('%s', (_label, rows, field, text) => {
    const e = err(csv(...rows));
    expect(e.code).toBe('HISTORY_INVALID');
    expect(e.field).toBe(field);
    expect(e.message).toContain(text);
    expect(e.message).toMatch(/^h\.csv row \d+ \(line \d+\), column /);
  });
});
