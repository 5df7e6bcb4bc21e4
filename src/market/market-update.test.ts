import { describe, expect, it } from 'vitest';
import { checkMarketBounds, DEFAULT_MARKET_BOUNDS, mergeMarketUpdate, parseMarketBounds, parseMarketUpdate } from './market-update.js';
import type { MarketSnapshotFile } from './market-snapshot-schema.js';

const current: MarketSnapshotFile = {
  asOf: '2024-06-17T08:00:00Z',
  underlyings: {
    BTC: { index: 66_000, rate: 0.05, forwards: { '2024-06-21': 66_100, '2024-12-27': 67_500 }, vol: { atm: 0.55, smiles: [{ expiry: '2024-06-21', strikes: [60_000, 70_000], vols: [0.6, 0.5] }] } },
    ETH: { index: 3_500, rate: 0, vol: { atm: 0.65 } },
  },
  fx: { USDC: 1 },
};

describe('mergeMarketUpdate', () => {
  it('an update with only an index keeps vol, forwards, rate and the other underlyings (issue 13, defect 6)', () => {
    const merged = mergeMarketUpdate(current, parseMarketUpdate({ asOf: '2024-06-17T08:05:00Z', underlyings: { BTC: { index: 66_100 } } }));
    expect(merged.underlyings.BTC).toEqual({ ...current.underlyings.BTC, index: 66_100 });
    expect(merged.underlyings.ETH).toEqual(current.underlyings.ETH);
    expect(merged.fx).toEqual({ USDC: 1 });
  });

  it('merges forwards per expiry and vol per field; curve points at or before the new asOf roll off', () => {
    const merged = mergeMarketUpdate(
      current,
      parseMarketUpdate({ asOf: '2024-06-21T08:00:00Z', underlyings: { BTC: { forwards: { '2024-12-27T08:00:00Z': 68_000 }, vol: { atm: 0.5 } } } }),
    );
    // The 2024-06-21 forward and smile expire exactly at asOf; the Dec forward is replaced (same instant, other spelling).
    expect(merged.underlyings.BTC).toEqual({ index: 66_000, rate: 0.05, forwards: { '2024-12-27T08:00:00Z': 68_000 }, vol: { atm: 0.5 } });
  });

  it('a new underlying needs an index; `only` skips held underlyings', () => {
    expect(() => mergeMarketUpdate(current, parseMarketUpdate({ asOf: '2024-06-17T09:00:00Z', underlyings: { SOL: { vol: { atm: 0.8 } } } }))).toThrow(
      expect.objectContaining({ code: 'MARKET_DATA_INVALID', field: 'underlyings.SOL.index' }),
    );
    const merged = mergeMarketUpdate(current, parseMarketUpdate({ asOf: '2024-06-17T09:00:00Z', underlyings: { BTC: { index: 1 }, ETH: { index: 3_600 } } }), new Set(['ETH']));
    expect(merged.underlyings.BTC?.index).toBe(66_000);
    expect(merged.underlyings.ETH?.index).toBe(3_600);
  });
});

describe('market bounds', () => {
  it('refuses absurd vols, fx rates, indices and rates with the field named (issue 13, defect 7)', () => {
    const cases: [unknown, string][] = [
      [{ BTC: { vol: { atm: 1e6 } } }, 'underlyings.BTC.vol.atm'],
      [{ BTC: { index: 1e308 } }, 'underlyings.BTC.index'],
      [{ BTC: { index: 5e-324 } }, 'underlyings.BTC.index'],
      [{ BTC: { rate: 3 } }, 'underlyings.BTC.rate'],
      [{ BTC: { vol: { smiles: [{ expiry: '2024-12-27', strikes: [60_000], vols: [55] }] } } }, 'underlyings.BTC.vol.smiles.0.vols.0'],
    ];
    for (const [underlyings, field] of cases) {
      const update = parseMarketUpdate({ asOf: '2024-06-17T09:00:00Z', underlyings });
      expect(() => checkMarketBounds(update, DEFAULT_MARKET_BOUNDS), field).toThrow(expect.objectContaining({ code: 'MARKET_DATA_INVALID', field }));
    }
    expect(() => checkMarketBounds(parseMarketUpdate({ asOf: '2024-06-17T09:00:00Z', underlyings: {}, fx: { USDC: 1e300 } }), DEFAULT_MARKET_BOUNDS)).toThrow(
      expect.objectContaining({ field: 'fx.USDC' }),
    );
    expect(() => checkMarketBounds(current, DEFAULT_MARKET_BOUNDS)).not.toThrow();
  });

  it('bounds are configurable over the defaults; an empty range is refused', () => {
    const bounds = parseMarketBounds({ vol: { min: 0.01, max: 5 } });
    expect(bounds.vol).toEqual({ min: 0.01, max: 5 });
    expect(bounds.price).toEqual(DEFAULT_MARKET_BOUNDS.price);
    expect(() => parseMarketBounds({ fx: { min: 2, max: 1 } })).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID', field: 'fx.min' }));
  });
});
