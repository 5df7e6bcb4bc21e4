import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../core/errors.js';
import type { InstrumentSpec } from './instrument-spec.js';
import { InstrumentTable, specDifferences } from './instrument-table.js';
import { parseDeribitName } from './parse-deribit-name.js';

function thrown(fn: () => unknown): CrossmarginError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CrossmarginError);
    return error as CrossmarginError;
  }
  return expect.fail('expected a CrossmarginError, nothing was thrown');
}

const ES: InstrumentSpec = {
  symbol: 'ESZ4',
  kind: 'future',
  underlying: 'SPX',
  expiry: '2024-12-20',
  multiplier: 50,
  settlement: 'linear',
  currency: 'USD',
};

describe('InstrumentTable', () => {
  it('hands out dense ids in first-seen order and keeps them stable', () => {
    const table = new InstrumentTable();
    const names = ['BTC-PERPETUAL', 'BTC-28JUN24-60000-C', 'ETH-PERPETUAL', 'BTC'];
    const ids = names.map((n) => table.add(parseDeribitName(n)));
    expect(ids).toStrictEqual([0, 1, 2, 3]);
    expect(table.add(ES)).toBe(4);
    // Re-adding (same or equal spec) returns the same id and does not grow the table.
    expect(table.add(parseDeribitName('btc-28jun24-60000-c'))).toBe(1);
    expect(table.add({ ...ES })).toBe(4);
    expect(table.size).toBe(5);
    expect(table.id('ETH-PERPETUAL')).toBe(2);
    expect(table.id('ESZ4')).toBe(4);
    expect(table.id('NOPE')).toBeUndefined();
    expect(table.spec(1).strike).toBe(60000);
    expect(table.specs().map((s) => s.symbol)).toStrictEqual([...names, 'ESZ4']);
    expect(table.symbolNames()).toStrictEqual([...names, 'ESZ4']);
    for (let id = 0; id < table.size; id++) expect(table.id(table.spec(id).symbol)).toBe(id);
  });

  it('interns underlyings too, for kernels that index by underlying', () => {
    const table = new InstrumentTable();
    for (const n of ['BTC-PERPETUAL', 'ETH-PERPETUAL', 'BTC-28JUN24', 'SOL_USDC-28JUN24-150-C']) table.add(parseDeribitName(n));
    table.add(ES);
    expect(table.underlyingNames()).toStrictEqual(['BTC', 'ETH', 'SOL', 'SPX']);
    expect(table.underlyingId('BTC')).toBe(0);
    expect(table.underlyingId('SPX')).toBe(3);
    expect(table.underlyingId('DOGE')).toBeUndefined();
    expect(table.underlyingOf(2)).toBe(0);
    expect(Array.from(table.underlyingIndex())).toStrictEqual([0, 1, 0, 2, 3]);
    expect(table.underlyingIndex()).toBeInstanceOf(Int32Array);
  });

  it('refuses two different specs under one symbol, naming the field and the differences', () => {
    const table = new InstrumentTable();
    table.add(parseDeribitName('BTC-PERPETUAL'));
    const conflicting: InstrumentSpec = { ...parseDeribitName('BTC-PERPETUAL'), multiplier: 1 };
    const error = thrown(() => table.add(conflicting, 'positions.4.instrument'));
    expect(error.code).toBe('INSTRUMENT_SPEC_INVALID');
    expect(error.field).toBe('positions.4.instrument');
    expect(error.message).toContain('conflicting definitions of instrument "BTC-PERPETUAL"');
    expect(error.message).toContain('multiplier 10 vs 1');
    expect(error.details).toMatchObject({ differences: ['multiplier'] });
    expect(table.size).toBe(1);
    expect(table.spec(0).multiplier).toBe(10);
  });

  it('a full spec reusing a Deribit symbol with other terms is a conflict', () => {
    const table = new InstrumentTable();
    table.add(parseDeribitName('BTC-28JUN24'));
    const error = thrown(() => table.add({ ...parseDeribitName('BTC-28JUN24'), expiry: '2024-06-29', settlement: 'linear', currency: 'USD' }));
    expect(error.details).toMatchObject({ differences: ['expiry', 'settlement', 'currency'] });
    expect(error.field).toBe('instrument');
  });

  it('spec() and underlyingOf() throw RangeError for ids never handed out', () => {
    const table = new InstrumentTable();
    expect(() => table.spec(0)).toThrow(RangeError);
    expect(() => table.underlyingOf(-1)).toThrow(RangeError);
  });
});

describe('specDifferences', () => {
  it('compares expiries as instants', () => {
    expect(specDifferences(ES, { ...ES, expiry: '2024-12-20T08:00:00Z' })).toStrictEqual([]);
    expect(specDifferences(ES, { ...ES, expiry: '2024-12-20T08:00:00+01:00' })).toStrictEqual(['expiry']);
  });

  it('lists every differing field but never the symbol', () => {
    expect(specDifferences(ES, { ...ES, symbol: 'OTHER' })).toStrictEqual([]);
    expect(specDifferences(parseDeribitName('BTC-28JUN24-60000-C'), parseDeribitName('BTC-28JUN24-60000-P'))).toStrictEqual(['right']);
  });
});
