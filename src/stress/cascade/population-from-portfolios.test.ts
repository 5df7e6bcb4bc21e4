import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { populationFromPortfolios, readPortfolioSet } from './population-from-portfolios.js';

function dirWith(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cascade-pop-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), JSON.stringify(content));
  return dir;
}

describe('population from portfolio files', () => {
  it('reads a directory: linear and inverse perpetuals become USD-linear units, coin collateral a spot holding', () => {
    const dir = dirWith({
      'a.json': { account: 'a', currency: 'USD', mode: 'cross', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2 }], collateral: { USDC: 30_000 } },
      'b.json': [
        { account: 'b', currency: 'USD', mode: 'cross', positions: [{ instrument: 'BTC-PERPETUAL', quantity: -5000 }], collateral: { BTC: 0.5, USD: 100 } },
        { account: 'c', currency: 'USDT', mode: 'isolated', positions: [{ instrument: { symbol: 'ESZ5', kind: 'future', underlying: 'SPX', expiry: '2025-12-19', multiplier: 50, settlement: 'linear', currency: 'USD' }, quantity: 1 }], collateral: { USD: 20_000 } },
      ],
    });
    const set = readPortfolioSet(dir);
    expect(set.underlyings).toEqual(['BTC', 'SPX']);
    const p = populationFromPortfolios(set, set.underlyings, Float64Array.from([100_000, 5000]));
    expect(p.accountIds).toEqual(['a', 'b', 'c']);
    expect(Array.from(p.cash)).toEqual([30_000, 100, 20_000]);
    // a: 2 coins; b: 5,000 contracts × 10 USD face / 100,000 = −0.5 coin, then 0.5 BTC collateral held spot; c: 50 units.
    expect(Array.from(p.positionQuantity)).toEqual([2, -0.5, 0.5, 50]);
    expect(Array.from(p.positionSpot)).toEqual([0, 0, 1, 0]);
    expect(Array.from(p.positionStart)).toEqual([0, 1, 3, 4]);
  });

  it('starts accounts with the unrealised P&L of positions that carry an entry price (linear and inverse)', () => {
    const dir = dirWith({
      'e.json': [
        // 2 × (100,000 − 90,000) = 20,000 USD of unrealised gain on top of 10,000 USDC.
        { account: 'lin', currency: 'USD', mode: 'cross', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2, entryPrice: 90_000 }], collateral: { USDC: 10_000 } },
        // Short 1,000 × 10 USD face from 80,000: −10,000 × (100,000/80,000 − 1) = −2,500 USD.
        { account: 'inv', currency: 'USD', mode: 'cross', positions: [{ instrument: 'BTC-PERPETUAL', quantity: -1000, entryPrice: 80_000 }], collateral: { USD: 1_000 } },
      ],
    });
    const set = readPortfolioSet(dir);
    const p = populationFromPortfolios(set, set.underlyings, Float64Array.from([100_000]));
    expect(p.cash[0]).toBeCloseTo(30_000, 9);
    // Underwater from the start: the account's equity is negative before any shock.
    expect(p.cash[1]).toBeCloseTo(-1_500, 9);
  });

  it('refuses options and collateral it cannot price, naming the field', () => {
    const options = dirWith({ 'o.json': { account: 'o', currency: 'USD', mode: 'cross', positions: [{ instrument: 'BTC-27DEC30-60000-C', quantity: 1 }], collateral: { USD: 1 } } });
    const set = readPortfolioSet(options);
    expect(() => populationFromPortfolios(set, set.underlyings, Float64Array.from([100_000]))).toThrow(expect.objectContaining({ code: 'INSTRUMENT_SPEC_INVALID', field: 'positions.0.instrument' }));
    const eur = dirWith({ 'e.json': { account: 'e', currency: 'USD', mode: 'cross', positions: [], collateral: { EUR: 1 } } });
    const eurSet = readPortfolioSet(eur);
    expect(() => populationFromPortfolios(eurSet, ['BTC'], Float64Array.from([100_000]))).toThrow(expect.objectContaining({ code: 'MARKET_FX_MISSING', field: 'collateral.EUR' }));
    expect(() => readPortfolioSet(join(eur, 'missing'))).toThrow(expect.objectContaining({ code: 'FILE_NOT_FOUND' }));
  });
});
