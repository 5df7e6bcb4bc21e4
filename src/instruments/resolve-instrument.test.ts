import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../core/errors.js';
import type { InstrumentSpec } from './instrument-spec.js';
import { checkNotExpired, expiryMs, resolveInstrument } from './resolve-instrument.js';

function thrown(fn: () => unknown): CrossmarginError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CrossmarginError);
    return error as CrossmarginError;
  }
  return expect.fail('expected a CrossmarginError, nothing was thrown');
}

const FIELD = 'positions.2.instrument';

const ES_FUTURE = {
  symbol: 'ESZ4',
  kind: 'future',
  underlying: 'SPX',
  expiry: '2024-12-20',
  multiplier: 50,
  settlement: 'linear',
  currency: 'USD',
} as const;

function specError(input: unknown, subField: string | undefined, messagePart: string): CrossmarginError {
  const error = thrown(() => resolveInstrument(input, FIELD));
  const expectedField = subField === undefined ? FIELD : `${FIELD}.${subField}`;
  expect(error.code).toBe('INSTRUMENT_SPEC_INVALID');
  expect(error.field).toBe(expectedField);
  expect(error.message.startsWith(`${expectedField}: `)).toBe(true);
  expect(error.message).toContain(messagePart);
  return error;
}

describe('resolveInstrument: names', () => {
  it('a string is parsed as a Deribit name, errors naming the field', () => {
    expect(resolveInstrument('BTC-PERPETUAL', FIELD)).toMatchObject({ kind: 'perpetual', multiplier: 10, settlement: 'inverse' });
    const error = thrown(() => resolveInstrument('BTC-31FEB24', FIELD));
    expect(error.code).toBe('INSTRUMENT_NAME_INVALID');
    expect(error.field).toBe(FIELD);
    expect(thrown(() => resolveInstrument('DOGE-PERPETUAL', FIELD)).code).toBe('INSTRUMENT_UNKNOWN');
  });
});

describe('resolveInstrument: full specs', () => {
  it('the DESIGN.md ES future resolves field for field', () => {
    expect(resolveInstrument(ES_FUTURE, FIELD)).toStrictEqual<InstrumentSpec>({
      symbol: 'ESZ4',
      kind: 'future',
      underlying: 'SPX',
      expiry: '2024-12-20',
      multiplier: 50,
      settlement: 'linear',
      currency: 'USD',
    });
  });

  it('fills defaults: multiplier 1, linear, currency USD', () => {
    expect(resolveInstrument({ symbol: 'SPX-SPOT', kind: 'spot', underlying: 'SPX' }, FIELD)).toStrictEqual<InstrumentSpec>({
      symbol: 'SPX-SPOT',
      kind: 'spot',
      underlying: 'SPX',
      multiplier: 1,
      settlement: 'linear',
      currency: 'USD',
    });
  });

  it('an inverse spec defaults its currency to the underlying coin', () => {
    expect(
      resolveInstrument({ symbol: 'DOGE-PERPETUAL', kind: 'perpetual', underlying: 'DOGE', multiplier: 10, settlement: 'inverse' }, FIELD),
    ).toStrictEqual<InstrumentSpec>({
      symbol: 'DOGE-PERPETUAL',
      kind: 'perpetual',
      underlying: 'DOGE',
      multiplier: 10,
      settlement: 'inverse',
      currency: 'DOGE',
    });
  });

  it('an option with a date-time expiry keeps every field', () => {
    const spec = {
      symbol: 'SPX-C-5500',
      kind: 'option',
      underlying: 'SPX',
      expiry: '2024-12-20T21:00:00Z',
      strike: 5500,
      right: 'call',
      multiplier: 100,
      settlement: 'linear',
      currency: 'USD',
    } as const;
    expect(resolveInstrument(spec, FIELD)).toStrictEqual<InstrumentSpec>({ ...spec });
  });

  it('missing expiry for a future', () => {
    const noExpiry: Record<string, unknown> = { ...ES_FUTURE };
    delete noExpiry.expiry;
    specError(noExpiry, 'expiry', 'expiry is required for a future');
  });

  it('option without strike', () => {
    specError(
      { symbol: 'X', kind: 'option', underlying: 'SPX', expiry: '2024-12-20', right: 'put' },
      'strike',
      'strike is required for an option',
    );
  });

  it('option without right', () => {
    specError({ symbol: 'X', kind: 'option', underlying: 'SPX', expiry: '2024-12-20', strike: 5000 }, 'right', 'right (call|put)');
  });

  it('negative multiplier', () => {
    specError({ ...ES_FUTURE, multiplier: -50 }, 'multiplier', '');
  });

  it('NaN strike given as the string "NaN"', () => {
    specError(
      { symbol: 'X', kind: 'option', underlying: 'SPX', expiry: '2024-12-20', strike: 'NaN', right: 'call' },
      'strike',
      'expected number',
    );
  });

  it('NaN and infinite numbers as strike', () => {
    specError({ symbol: 'X', kind: 'option', underlying: 'SPX', expiry: '2024-12-20', strike: Number.NaN, right: 'call' }, 'strike', '');
    specError(
      { symbol: 'X', kind: 'option', underlying: 'SPX', expiry: '2024-12-20', strike: Number.POSITIVE_INFINITY, right: 'call' },
      'strike',
      '',
    );
  });

  it('unknown kind', () => {
    specError({ ...ES_FUTURE, kind: 'swap' }, 'kind', '');
  });

  it('unknown key', () => {
    specError({ ...ES_FUTURE, tickSize: 0.25 }, 'tickSize', 'unknown key "tickSize"');
  });

  it('an expiry that is not a calendar date', () => {
    specError({ ...ES_FUTURE, expiry: '2024-02-31' }, 'expiry', 'real calendar day');
    specError({ ...ES_FUTURE, expiry: '20/12/2024' }, 'expiry', 'expected an ISO date');
  });

  it('an inverse option whose currency is not its underlying', () => {
    specError(
      {
        symbol: 'BTC-X',
        kind: 'option',
        underlying: 'BTC',
        expiry: '2024-06-28',
        strike: 60000,
        right: 'call',
        settlement: 'inverse',
        currency: 'USD',
      },
      'currency',
      'an inverse instrument settles in its underlying BTC, not USD',
    );
  });

  it('an inverse spot holding, a strike on a future, an expiry on a perpetual', () => {
    specError({ symbol: 'X', kind: 'spot', underlying: 'BTC', settlement: 'inverse' }, 'settlement', 'cannot be inverse');
    specError({ ...ES_FUTURE, strike: 5000 }, 'strike', 'a future has no strike');
    specError({ symbol: 'X', kind: 'perpetual', underlying: 'BTC', expiry: '2024-06-28' }, 'expiry', 'a perpetual has no expiry');
  });

  it('a symbol with surrounding spaces, or empty', () => {
    specError({ ...ES_FUTURE, symbol: ' ESZ4' }, 'symbol', 'spaces');
    specError({ ...ES_FUTURE, symbol: '' }, 'symbol', '');
  });

  it('neither a string nor an object', () => {
    specError(42, undefined, 'got number');
    specError(null, undefined, 'got null');
    specError(undefined, undefined, 'got undefined');
    specError([ES_FUTURE], undefined, 'got an array');
  });

  it('keeps the zod issues in the details', () => {
    const error = specError({ ...ES_FUTURE, multiplier: 0 }, 'multiplier', '');
    expect(error.details).toMatchObject({ issues: [{ path: 'multiplier' }] });
  });
});

describe('expiryMs and checkNotExpired', () => {
  const future = resolveInstrument('BTC-28JUN24', FIELD);
  const expiry = Date.UTC(2024, 5, 28, 8);

  it('a date-only expiry is 08:00 UTC; spot and perpetuals have none', () => {
    expect(expiryMs(future)).toBe(expiry);
    expect(expiryMs(resolveInstrument('BTC-PERPETUAL', FIELD))).toBeUndefined();
    expect(expiryMs(resolveInstrument('BTC', FIELD))).toBeUndefined();
  });

  it('passes before expiry, even one millisecond before', () => {
    expect(() => checkNotExpired(future, Date.UTC(2024, 5, 17, 8), FIELD)).not.toThrow();
    expect(() => checkNotExpired(future, expiry - 1, FIELD)).not.toThrow();
  });

  it('an instrument expiring exactly at asOf has expired', () => {
    const error = thrown(() => checkNotExpired(future, expiry, FIELD));
    expect(error.code).toBe('INSTRUMENT_EXPIRED');
    expect(error.field).toBe(FIELD);
    expect(error.message).toBe(
      `${FIELD}: BTC-28JUN24 expired at 2024-06-28T08:00:00.000Z, on or before the market date 2024-06-28T08:00:00.000Z`,
    );
  });

  it('after expiry the message gives both dates', () => {
    const error = thrown(() => checkNotExpired(future, Date.UTC(2024, 6, 1), FIELD));
    expect(error.message).toContain('2024-06-28T08:00:00.000Z');
    expect(error.message).toContain('2024-07-01T00:00:00.000Z');
    expect(error.details).toMatchObject({ symbol: 'BTC-28JUN24' });
  });

  it('perpetuals and spot never expire', () => {
    expect(() => checkNotExpired(resolveInstrument('BTC-PERPETUAL', FIELD), Date.UTC(2100, 0, 1), FIELD)).not.toThrow();
  });

  it('a NaN market date is refused instead of passing every instrument', () => {
    expect(thrown(() => checkNotExpired(future, Number.NaN, FIELD)).code).toBe('MARKET_DATA_INVALID');
  });
});
