import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../core/errors.js';
import { parseMarketSnapshotFile } from './market-snapshot-schema.js';

function errorOf(fn: () => unknown): CrossmarginError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CrossmarginError) return error;
    throw error;
  }
  throw new Error('expected a CrossmarginError, nothing was thrown');
}

interface LooseSmile {
  expiry: unknown;
  strikes: unknown[];
  vols: unknown[];
  [key: string]: unknown;
}
interface LooseFile {
  asOf: unknown;
  underlyings: {
    BTC: { index?: unknown; rate?: unknown; forwards?: Record<string, unknown>; vol: { smiles: LooseSmile[] }; [key: string]: unknown };
    SPX: { index?: unknown; vol: Record<string, unknown>; [key: string]: unknown };
  };
  fx: Record<string, unknown>;
  [key: string]: unknown;
}

const valid = (): LooseFile => ({
  asOf: '2024-06-17T08:00:00Z',
  underlyings: {
    BTC: {
      index: 66000,
      rate: 0,
      forwards: { '2024-06-28': 66150 },
      vol: { smiles: [{ expiry: '2024-06-28', strikes: [60000, 66000, 72000], vols: [0.62, 0.55, 0.58] }] },
    },
    SPX: { index: 5400, vol: { atm: 0.14 } },
  },
  fx: { USDC: 1.0, USDT: 1.0 },
});

/** Applies `edit` to a fresh valid file and returns the error it causes. */
function schemaError(edit: (file: LooseFile) => void): CrossmarginError {
  const file = valid();
  edit(file);
  const error = errorOf(() => parseMarketSnapshotFile(file, 'market.json'));
  expect(error.code).toBe('SCHEMA_INVALID');
  return error;
}

describe('MarketSnapshotSchema', () => {
  it('accepts the DESIGN.md example and fills the default rate', () => {
    const file = parseMarketSnapshotFile(valid());
    expect(file.underlyings.SPX?.rate).toBe(0);
    expect(file.underlyings.BTC?.forwards).toEqual({ '2024-06-28': 66150 });
    expect(file.fx).toEqual({ USDC: 1, USDT: 1 });
  });

  it('names a negative index', () => {
    const e = schemaError((f) => (f.underlyings.BTC.index = -1));
    expect(e.field).toBe('underlyings.BTC.index');
    expect(e.message).toMatch(/^market\.json: underlyings\.BTC\.index: /);
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a numeric string', '55'],
    ['null', null],
  ])('rejects %s as a vol and names it', (_label, bad) => {
    const e = schemaError((f) => (f.underlyings.BTC.vol.smiles[0]!.vols[2] = bad));
    expect(e.field).toBe('underlyings.BTC.vol.smiles.0.vols.2');
  });

  it('rejects a NaN or infinite rate', () => {
    expect(schemaError((f) => (f.underlyings.BTC.rate = Number.NaN)).field).toBe('underlyings.BTC.rate');
    expect(schemaError((f) => (f.underlyings.BTC.rate = Number.NEGATIVE_INFINITY)).field).toBe('underlyings.BTC.rate');
  });

  it('rejects mismatched strikes and vols lengths', () => {
    const e = schemaError((f) => f.underlyings.BTC.vol.smiles[0]!.vols.pop());
    expect(e.field).toBe('underlyings.BTC.vol.smiles.0.vols');
    expect(e.message).toContain('3 strikes but 2 vols');
  });

  it('rejects strikes that are not strictly increasing, naming the offending strike', () => {
    const e = schemaError((f) => (f.underlyings.BTC.vol.smiles[0]!.strikes = [60000, 60000, 72000]));
    expect(e.field).toBe('underlyings.BTC.vol.smiles.0.strikes.1');
  });

  it('rejects an empty smile', () => {
    const e = schemaError((f) => {
      f.underlyings.BTC.vol.smiles[0]!.strikes = [];
      f.underlyings.BTC.vol.smiles[0]!.vols = [];
    });
    expect(e.field).toBe('underlyings.BTC.vol.smiles.0.strikes');
  });

  it('names an unknown key by the key itself', () => {
    expect(schemaError((f) => (f.underlyings.BTC.volatility = 0.5)).field).toBe('underlyings.BTC.volatility');
    expect(schemaError((f) => (f.extra = true)).field).toBe('extra');
    const e = schemaError((f) => (f.underlyings.BTC.vol.smiles[0]!.strike = 1));
    expect(e.field).toBe('underlyings.BTC.vol.smiles.0.strike');
    expect(e.message).toContain('unknown key "strike"');
  });

  it.each(['2024-06-17', '2024-06-17T08:00:00', '2024-02-30T08:00:00Z', 'yesterday', '2024-06-17T25:00:00Z'])(
    'rejects asOf %s',
    (asOf) => {
      expect(schemaError((f) => (f.asOf = asOf)).field).toBe('asOf');
    },
  );

  it('accepts asOf with an offset or minutes only', () => {
    expect(parseMarketSnapshotFile({ ...valid(), asOf: '2024-06-17T10:00+02:00' }).asOf).toBe('2024-06-17T10:00+02:00');
  });

  it('rejects a vol with neither atm nor smiles', () => {
    expect(schemaError((f) => (f.underlyings.SPX.vol = {})).field).toBe('underlyings.SPX.vol');
  });

  it('rejects a bad forward key and names it', () => {
    const e = schemaError((f) => (f.underlyings.BTC.forwards = { '2024-13-01': 66000 }));
    expect(e.field).toBe('underlyings.BTC.forwards.2024-13-01');
  });

  it('rejects a non-positive forward', () => {
    expect(schemaError((f) => (f.underlyings.BTC.forwards = { '2024-06-28': 0 })).field).toBe('underlyings.BTC.forwards.2024-06-28');
  });

  it('rejects two forward keys for the same instant', () => {
    const e = schemaError((f) => (f.underlyings.BTC.forwards = { '2024-06-28': 66000, '2024-06-28T08:00:00Z': 66100 }));
    expect(e.field).toBe('underlyings.BTC.forwards.2024-06-28T08:00:00Z');
  });

  it('rejects forwards and smiles at or before asOf', () => {
    expect(schemaError((f) => (f.underlyings.BTC.forwards = { '2024-06-17': 66000 })).field).toBe('underlyings.BTC.forwards.2024-06-17');
    expect(schemaError((f) => (f.underlyings.BTC.vol.smiles[0]!.expiry = '2024-06-01')).field).toBe(
      'underlyings.BTC.vol.smiles.0.expiry',
    );
  });

  it('rejects duplicate smile expiries', () => {
    const e = schemaError((f) => f.underlyings.BTC.vol.smiles.push({ ...f.underlyings.BTC.vol.smiles[0]!, expiry: '2024-06-28T08:00Z' }));
    expect(e.field).toBe('underlyings.BTC.vol.smiles.1.expiry');
  });

  it('rejects negative fx and an fx.USD other than 1', () => {
    expect(schemaError((f) => (f.fx.USDC = -1)).field).toBe('fx.USDC');
    expect(schemaError((f) => (f.fx.USD = 1.01)).field).toBe('fx.USD');
  });

  it('rejects a missing index and a non-object root', () => {
    expect(schemaError((f) => delete f.underlyings.SPX.index).field).toBe('underlyings.SPX.index');
    const e = errorOf(() => parseMarketSnapshotFile([], 'm.json'));
    expect(e.code).toBe('SCHEMA_INVALID');
    expect(e.field).toBe('m.json');
  });
});
