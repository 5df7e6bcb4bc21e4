import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../core/errors.js';
import { parseMarketSnapshot } from './market-snapshot.js';
import type { MarketSnapshotFileInput } from './market-snapshot-schema.js';

function errorOf(fn: () => unknown): CrossmarginError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CrossmarginError) return error;
    throw error;
  }
  throw new Error('expected a CrossmarginError, nothing was thrown');
}

const design: MarketSnapshotFileInput = {
  asOf: '2024-06-17T08:00:00Z',
  underlyings: {
    BTC: {
      index: 66000,
      rate: 0.0,
      forwards: { '2024-06-28': 66150 },
      vol: { smiles: [{ expiry: '2024-06-28', strikes: [60000, 66000, 72000], vols: [0.62, 0.55, 0.58] }] },
    },
    SPX: { index: 5400, vol: { atm: 0.14 } },
    ETH: { index: 3500, rate: 0.05 },
  },
  fx: { USDC: 1.0, USDT: 0.999, EUR: 1.08 },
};

const jun28 = Date.parse('2024-06-28T08:00:00Z');

describe('parseMarketSnapshot', () => {
  const snap = parseMarketSnapshot(design, 'market.json');

  it('exposes asOf, names and underlyings', () => {
    expect(snap.asOf).toBe('2024-06-17T08:00:00Z');
    expect(snap.asOfMs).toBe(Date.parse('2024-06-17T08:00:00Z'));
    expect(snap.source).toBe('market.json');
    expect(snap.names()).toEqual(['BTC', 'SPX', 'ETH']);
    expect(snap.has('BTC')).toBe(true);
    expect(snap.has('btc')).toBe(false);
    const btc = snap.underlying('BTC');
    expect(btc.index).toBe(66000);
    expect(btc.hasVol).toBe(true);
    expect(snap.underlying('ETH').hasVol).toBe(false);
  });

  it('gives forwards: explicit, index for perpetuals, index·e^{rT} without quotes', () => {
    const btc = snap.underlying('BTC');
    expect(btc.forward(jun28)).toBe(66150);
    expect(btc.forward(snap.asOfMs)).toBe(66000);
    const eth = snap.underlying('ETH');
    const oneYear = snap.asOfMs + 365 * 86_400_000;
    expect(eth.forward(oneYear)).toBeCloseTo(3500 * Math.exp(0.05), 8);
  });

  it('gives vols from the smile (strike interpolation) and the flat atm', () => {
    const btc = snap.underlying('BTC');
    expect(btc.vol(jun28, 66000)).toBe(0.55);
    expect(btc.vol(jun28, 63000)).toBeCloseTo(0.585, 14);
    expect(btc.vol(jun28, 90000)).toBe(0.58);
    expect(snap.underlying('SPX').vol(jun28 + 1e10, 1234)).toBe(0.14);
  });

  it('throws MARKET_VOL_MISSING naming underlyings.X.vol', () => {
    const e = errorOf(() => snap.underlying('ETH').vol(jun28, 3000));
    expect(e.code).toBe('MARKET_VOL_MISSING');
    expect(e.field).toBe('underlyings.ETH.vol');
  });

  it('throws MARKET_UNDERLYING_MISSING naming the caller field and listing the available names', () => {
    const e = errorOf(() => snap.underlying('SOL', 'positions.1.instrument'));
    expect(e.code).toBe('MARKET_UNDERLYING_MISSING');
    expect(e.field).toBe('positions.1.instrument');
    expect(e.message).toContain('"SOL"');
    expect(e.message).toContain('positions.1.instrument');
    expect(e.details).toEqual({ underlying: 'SOL', available: ['BTC', 'SPX', 'ETH'] });
    expect(errorOf(() => snap.underlying('SOL')).field).toBe('underlyings.SOL');
  });

  it('converts currencies through USD, using underlying indices for coins', () => {
    expect(snap.fxRate('USD', 'USD')).toBe(1);
    expect(snap.fxRate('BTC', 'USD')).toBe(66000);
    expect(snap.fxRate('USD', 'BTC')).toBeCloseTo(1 / 66000, 18);
    expect(snap.fxRate('BTC', 'ETH')).toBeCloseTo(66000 / 3500, 12);
    expect(snap.fxRate('USDT', 'USD')).toBe(0.999);
    expect(snap.fxRate('EUR', 'USDT')).toBeCloseTo(1.08 / 0.999, 14);
    expect(snap.fxRate('JPY', 'JPY')).toBe(1);
  });

  it('prefers fx over an underlying of the same name', () => {
    const s = parseMarketSnapshot({ asOf: '2024-06-17T08:00:00Z', underlyings: { USDC: { index: 0.98 } }, fx: { USDC: 1 } });
    expect(s.fxRate('USDC', 'USD')).toBe(1);
  });

  it('throws MARKET_FX_MISSING naming the missing currency', () => {
    const e = errorOf(() => snap.fxRate('JPY', 'USD'));
    expect(e.code).toBe('MARKET_FX_MISSING');
    expect(e.field).toBe('fx.JPY');
    expect(errorOf(() => snap.fxRate('USD', 'SOL')).field).toBe('fx.SOL');
  });

  it('lets smiles win over atm', () => {
    const s = parseMarketSnapshot({
      asOf: '2024-06-17T08:00:00Z',
      underlyings: { X: { index: 100, vol: { atm: 0.9, smiles: [{ expiry: '2024-07-17', strikes: [100], vols: [0.3] }] } } },
    });
    expect(s.underlying('X').vol(Date.parse('2024-09-01T08:00:00Z'), 100)).toBe(0.3);
  });

  it('interpolates across smiles in total variance via UnderlyingMarket.vol', () => {
    const s = parseMarketSnapshot({
      asOf: '2024-01-01T08:00:00Z',
      underlyings: {
        X: {
          index: 100,
          vol: {
            smiles: [
              { expiry: '2024-04-01', strikes: [100], vols: [0.5] },
              { expiry: '2024-12-31', strikes: [100], vols: [0.3] },
            ],
          },
        },
      },
    });
    const t0 = (Date.parse('2024-04-01T08:00:00Z') - s.asOfMs) / (365 * 86_400_000);
    const t1 = (Date.parse('2024-12-31T08:00:00Z') - s.asOfMs) / (365 * 86_400_000);
    const mid = Date.parse('2024-08-01T08:00:00Z');
    const t = (mid - s.asOfMs) / (365 * 86_400_000);
    const w = 0.25 * t0 + ((0.09 * t1 - 0.25 * t0) * (t - t0)) / (t1 - t0);
    expect(s.underlying('X').vol(mid, 100)).toBeCloseTo(Math.sqrt(w / t), 14);
  });

  it('rejects a non-positive strike', () => {
    expect(errorOf(() => snap.underlying('BTC').vol(jun28, 0)).code).toBe('MARKET_DATA_INVALID');
  });

  it('prefixes schema errors with the source', () => {
    const e = errorOf(() => parseMarketSnapshot({ ...design, asOf: 'now' }, 'm.json'));
    expect(e.code).toBe('SCHEMA_INVALID');
    expect(e.message).toMatch(/^m\.json: asOf: /);
  });

  it('round-trips through toJSON and returns a defensive copy', () => {
    const json = snap.toJSON();
    expect(json.underlyings.SPX?.rate).toBe(0);
    expect(parseMarketSnapshot(json).toJSON()).toEqual(json);
    expect(JSON.parse(JSON.stringify(snap))).toEqual(json);
    (json.underlyings.BTC as { index: number }).index = 1;
    expect(snap.toJSON().underlyings.BTC?.index).toBe(66000);
  });

  it('round-trips random valid snapshots (property)', () => {
    const underlying = fc.record({
      index: fc.double({ min: 0.01, max: 1e6, noNaN: true }),
      rate: fc.double({ min: -0.5, max: 0.5, noNaN: true }),
      fwdDays: fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { maxLength: 3 }),
      atm: fc.option(fc.double({ min: 0.01, max: 3, noNaN: true }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('BTC', 'ETH', 'SPX', 'SOL'), underlying, { maxKeys: 4 }), (dict) => {
        const asOfMs = Date.parse('2024-06-17T08:00:00Z');
        const file = {
          asOf: '2024-06-17T08:00:00Z',
          underlyings: Object.fromEntries(
            Object.entries(dict).map(([name, u]) => [
              name,
              {
                index: u.index,
                rate: u.rate,
                forwards: Object.fromEntries(u.fwdDays.map((d) => [new Date(asOfMs + d * 86_400_000).toISOString().slice(0, 10), u.index * 1.01])),
                ...(u.atm === undefined ? {} : { vol: { atm: u.atm } }),
              },
            ]),
          ),
        };
        const once = parseMarketSnapshot(file).toJSON();
        expect(once).toEqual(file);
        expect(parseMarketSnapshot(once).toJSON()).toEqual(once);
      }),
      { numRuns: 100 },
    );
  });
});
