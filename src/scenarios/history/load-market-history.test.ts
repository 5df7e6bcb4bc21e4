import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, readClosesDirect } from './history-test-fixtures.js';
import { inferHistoryFile, loadMarketHistory, parseHistorySpec } from './load-market-history.js';

const at = (dates: readonly string[], date: string): number => dates.indexOf(date);

describe('loadMarketHistory from the catalogue', () => {
  it('BTC alone: every bundled day, the 2020-05-21 close 9061.96 at its date index, volume in BTC', () => {
    const h = loadMarketHistory(['BTC']);
    expect(h.dates.length).toBe(5151);
    expect(h.dates[0]).toBe('2011-08-18');
    const i = at(h.dates, '2020-05-21');
    expect(i).toBeGreaterThan(0);
    expect(h.close[0]?.[i]).toBe(9061.96);
    expect(h.volumeUnit).toEqual(['base']);
    expect(h.volume[0]?.[0]).toBeCloseTo(0.48990826, 12);
    expect(h.volIndex.size).toBe(0);
    expect(h.sources).toEqual([join(ROOT, 'data/btc_usd_daily.csv')]);
  });
  it('ETH from Binance (USDT), with its own dates', () => {
    const h = loadMarketHistory(['ETH']);
    expect(h.dates[0]).toBe('2017-08-17');
    expect(h.close[0]?.[0]).toBe(302.0);
    expect(h.close[0]?.[h.dates.length - 1]).toBe(3224.99);
    expect(h.volumeUnit).toEqual(['base']);
  });
  it('SPX with VIX as a decimal vol index, aligned on common dates; no volume for VIX, shares for SPX', () => {
    const h = loadMarketHistory(['SPX']);
    expect(h.dates[0]).toBe('2000-01-03');
    expect(h.dates[h.dates.length - 1]).toBe('2020-04-17');
    const vix = h.volIndex.get('SPX');
    expect(vix).toBeDefined();
    const i = at(h.dates, '2020-03-12');
    expect(h.close[0]?.[i]).toBeCloseTo(2480.639893, 6);
    // CBOE VIX closed at 75.47 on 2020-03-12: stored as 0.7547.
    expect(vix?.[i]).toBeCloseTo(readClosesDirect('data/vix_daily.csv').get('2020-03-12')! / 100, 14);
    expect(vix?.[i]).toBeCloseTo(0.7547, 10);
    expect(h.volumeUnit).toEqual(['unknown']);
    expect(h.ranges.map((r) => r.name)).toEqual(['SPX', 'SPX:vol']);
    expect(h.sources[1]).toBe(join(ROOT, 'data/vix_daily.csv'));
  });
  it('BTC + SPX: the equity calendar (intersection), BTC weekend days reported as dropped', () => {
    const h = loadMarketHistory(['BTC', 'SPX']);
    const btc = readClosesDirect('data/btc_usd_daily.csv');
    const spx = readClosesDirect('data/sp500_daily.csv');
    expect(h.dates[0]).toBe('2011-08-18');
    expect(h.dates[h.dates.length - 1]).toBe('2020-04-17');
    expect(h.dates.every((d) => btc.has(d) && spx.has(d))).toBe(true);
    expect(h.dates.includes('2020-03-14')).toBe(false); // a Saturday
    const i = at(h.dates, '2020-03-12');
    expect(h.close[0]?.[i]).toBe(btc.get('2020-03-12'));
    expect(h.close[1]?.[i]).toBe(spx.get('2020-03-12'));
    expect(h.dropped.find((d) => d.name === 'BTC')?.dates).toContain('2020-03-14');
    expect(h.volume[0]?.[i]).toBeGreaterThan(0);
    expect(h.volIndex.get('SPX')?.length).toBe(h.dates.length);
  });
});

describe('--history specs', () => {
  it('parses NAME=path, NAME:vol=path and bare paths', () => {
    expect(parseHistorySpec('BTC=data/x.csv')).toMatchObject({ kind: 'close', underlying: 'BTC', path: 'data/x.csv', inferred: false });
    expect(parseHistorySpec('SPX:vol=vix.csv')).toMatchObject({ kind: 'volIndex', underlying: 'SPX', path: 'vix.csv' });
    expect(parseHistorySpec('data/btc_usd_daily.csv')).toMatchObject({ kind: 'close', underlying: 'BTC', inferred: true });
    expect(parseHistorySpec('data/vix_daily.csv')).toMatchObject({ kind: 'volIndex', underlying: 'SPX', inferred: true });
  });
  it('infers underlyings from file names (the documented table)', () => {
    const cases: [string, string, string][] = [
      ['btc_usd_daily.csv', 'close', 'BTC'],
      ['BTCUSD_1d.csv', 'close', 'BTC'],
      ['eth_usdt_binance_daily.csv', 'close', 'ETH'],
      ['/tmp/ethusdt.csv', 'close', 'ETH'],
      ['sp500_daily.csv', 'close', 'SPX'],
      ['xauusd_daily.csv', 'close', 'XAU'],
      ['paxg_usdt_binance_daily.csv', 'close', 'PAXG'],
      ['doge_usd_cmc_daily.csv', 'close', 'DOGE'],
      ['ftse_daily.csv', 'close', 'FTSE'],
      ['vix_daily.csv', 'volIndex', 'SPX'],
    ];
    for (const [file, kind, underlying] of cases) expect(inferHistoryFile(file)).toEqual({ kind, underlying });
    expect(inferHistoryFile('prices.csv')).toBeUndefined();
    expect(inferHistoryFile('usd.csv')).toBeUndefined();
  });
  it('rejects bad specs with USAGE_INVALID naming the spec', () => {
    for (const bad of ['', '  ', '=x.csv', 'BTC=', 'BTC:iv=x.csv', 'SPX:vol', 'prices.csv', 'B/TC=x.csv']) {
      expect(() => parseHistorySpec(bad), bad).toThrow(expect.objectContaining({ code: 'USAGE_INVALID', field: 'history' }));
    }
    expect(() => parseHistorySpec('prices.csv')).toThrow(/cannot tell the underlying.*prices\.csv.*NAME=prices\.csv/);
  });
  it('a spec overrides the catalogue; bare paths and :vol specs are placed by name', () => {
    const btcPath = join(ROOT, 'data/btc_usd_daily.csv');
    const h = loadMarketHistory(['BTC', 'SPX'], [join(ROOT, 'data/sp500_daily.csv'), `BTC=${btcPath}`, `SPX:vol=${join(ROOT, 'data/vix_daily.csv')}`]);
    expect(h.sources).toEqual([btcPath, join(ROOT, 'data/sp500_daily.csv'), join(ROOT, 'data/vix_daily.csv')]);
    // A user file's volume unit is not declared.
    expect(h.volumeUnit).toEqual(['unknown', 'unknown']);
    expect(h.volIndex.has('SPX')).toBe(true);
  });
  it('uses a user-supplied file for an uncatalogued underlying', () => {
    const dir = mkdtempSync(join(tmpdir(), 'history-'));
    const file = join(dir, 'foo.csv');
    writeFileSync(file, 'date,open,high,low,close,volume\n2024-01-01,,,,10,\n2024-01-02,,,,11,\n2024-01-03,,,,12,5\n');
    const h = loadMarketHistory(['FOO'], [`FOO=${file}`]);
    expect(Array.from(h.close[0] ?? [])).toEqual([10, 11, 12]);
    expect(Number.isNaN(h.volume[0]?.[0])).toBe(true);
    expect(h.volume[0]?.[2]).toBe(5);
  });
  it('errors: unknown underlying (HISTORY_INVALID naming it), spec for an unrequested underlying, duplicate spec, missing file', () => {
    expect(() => loadMarketHistory(['BTC', 'FOO'])).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID', field: 'FOO' }));
    expect(() => loadMarketHistory(['FOO'])).toThrow(/FOO: no price history.*FOO=path/);
    expect(() => loadMarketHistory(['BTC'], ['BTX=x.csv'])).toThrow(expect.objectContaining({ code: 'USAGE_INVALID' }));
    expect(() => loadMarketHistory(['BTC'], ['data/vix_daily.csv'])).toThrow(/vol index of SPX.*not among the underlyings needed \(BTC\)/);
    expect(() => loadMarketHistory(['BTC'], ['BTC=a.csv', 'btc_usd_daily.csv'])).toThrow(/already given by "BTC=a.csv"/);
    expect(() => loadMarketHistory(['BTC'], ['BTC=/no/such/file.csv'])).toThrow(expect.objectContaining({ code: 'FILE_NOT_FOUND' }));
    expect(() => loadMarketHistory([])).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID' }));
    expect(() => loadMarketHistory(['BTC', 'BTC'])).toThrow(/requested twice/);
  });
  it('non-overlapping histories are HISTORY_INVALID (EU indices end in 1998, PAXG starts in 2020)', () => {
    expect(() => loadMarketHistory(['DAX', 'PAXG'])).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID' }));
  });
});
