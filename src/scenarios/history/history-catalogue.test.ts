import { existsSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadHistoryCatalogue } from './history-catalogue.js';
import { ROOT } from './history-test-fixtures.js';

describe('history catalogue (data/history-catalogue.json)', () => {
  const catalogue = loadHistoryCatalogue();

  it('names the bundled default file of every underlying the brief lists', () => {
    expect([...catalogue.entries.keys()].sort()).toEqual(['BTC', 'CAC', 'DAX', 'DOGE', 'ETH', 'FTSE', 'LTC', 'PAXG', 'SMI', 'SOL', 'SPX', 'XAU', 'XRP']);
    expect(catalogue.entries.get('BTC')?.file).toBe('data/btc_usd_daily.csv');
    expect(catalogue.entries.get('ETH')?.file).toBe('data/eth_usdt_binance_daily.csv');
    expect(catalogue.entries.get('XAU')?.file).toBe('data/xauusd_daily.csv');
    expect(catalogue.entries.get('SPX')?.file).toBe('data/sp500_daily.csv');
    expect(catalogue.entries.get('SPX')?.volIndex).toBe('data/vix_daily.csv');
  });
  it('resolves every path against the project root, and every file exists', () => {
    for (const [, e] of catalogue.entries) {
      expect(e.path).toBe(join(ROOT, e.file));
      expect(existsSync(e.path)).toBe(true);
      if (e.volIndexPath !== undefined) expect(existsSync(e.volIndexPath)).toBe(true);
    }
  });
  it('records volume units as data/SOURCES.md states them (base for BTC and Binance; unknown for indices and tick volume)', () => {
    for (const name of ['BTC', 'ETH', 'SOL', 'XRP', 'DOGE', 'LTC', 'PAXG']) expect(catalogue.entries.get(name)?.volumeUnit).toBe('base');
    for (const name of ['XAU', 'SPX', 'DAX', 'SMI', 'CAC', 'FTSE']) expect(catalogue.entries.get(name)?.volumeUnit).toBe('unknown');
  });
  it('reports a malformed catalogue as SCHEMA_INVALID naming the field', () => {
    const root = mkdtempSync(join(tmpdir(), 'catalogue-'));
    mkdirSync(join(root, 'data'));
    writeFileSync(join(root, 'data', 'history-catalogue.json'), JSON.stringify({ underlyings: { BTC: { file: 'x.csv', volumeUnit: 'coins', quote: 'USD' } } }));
    expect(() => loadHistoryCatalogue(root)).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID', field: 'underlyings.BTC.volumeUnit' }));
  });
});
