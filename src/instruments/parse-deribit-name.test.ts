import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CrossmarginError, type ErrorCode } from '../core/errors.js';
import { formatDeribitName, type DeribitNameFields } from './format-deribit-name.js';
import type { InstrumentSpec } from './instrument-spec.js';
import { DERIBIT_INVERSE_CONTRACT_SIZE_USD, formatDeribitStrike, parseDeribitName } from './parse-deribit-name.js';

/** Runs `fn`, expecting a CrossmarginError; returns it so the test can check code, field and message. */
function thrown(fn: () => unknown): CrossmarginError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CrossmarginError);
    return error as CrossmarginError;
  }
  return expect.fail('expected a CrossmarginError, nothing was thrown');
}

function expectNameError(name: string, code: ErrorCode, messagePart: RegExp | string): CrossmarginError {
  const error = thrown(() => parseDeribitName(name, 'positions.3.instrument'));
  expect(error.code).toBe(code);
  expect(error.field).toBe('positions.3.instrument');
  expect(error.message).toContain('positions.3.instrument');
  expect(error.message).toContain(`"${name}"`);
  if (typeof messagePart === 'string') expect(error.message).toContain(messagePart);
  else expect(error.message).toMatch(messagePart);
  return error;
}

describe('parseDeribitName: inverse names', () => {
  it('BTC-PERPETUAL is an inverse perpetual of 10 USD per contract, settled in BTC', () => {
    expect(parseDeribitName('BTC-PERPETUAL')).toStrictEqual<InstrumentSpec>({
      symbol: 'BTC-PERPETUAL',
      kind: 'perpetual',
      underlying: 'BTC',
      multiplier: 10,
      settlement: 'inverse',
      currency: 'BTC',
    });
  });

  it('ETH-PERPETUAL is 1 USD per contract', () => {
    expect(parseDeribitName('ETH-PERPETUAL')).toStrictEqual<InstrumentSpec>({
      symbol: 'ETH-PERPETUAL',
      kind: 'perpetual',
      underlying: 'ETH',
      multiplier: 1,
      settlement: 'inverse',
      currency: 'ETH',
    });
  });

  it('BTC-28JUN24 is an inverse future expiring 2024-06-28 (08:00 UTC by convention)', () => {
    expect(parseDeribitName('BTC-28JUN24')).toStrictEqual<InstrumentSpec>({
      symbol: 'BTC-28JUN24',
      kind: 'future',
      underlying: 'BTC',
      expiry: '2024-06-28',
      multiplier: 10,
      settlement: 'inverse',
      currency: 'BTC',
    });
  });

  it('accepts a one-digit day (BTC-5JUL24) and ETH futures at 1 USD', () => {
    expect(parseDeribitName('ETH-5JUL24')).toStrictEqual<InstrumentSpec>({
      symbol: 'ETH-5JUL24',
      kind: 'future',
      underlying: 'ETH',
      expiry: '2024-07-05',
      multiplier: 1,
      settlement: 'inverse',
      currency: 'ETH',
    });
    expect(parseDeribitName('BTC-5JUL24').expiry).toBe('2024-07-05');
  });

  it('accepts 29FEB in a leap year', () => {
    expect(parseDeribitName('BTC-29FEB24').expiry).toBe('2024-02-29');
  });

  it('BTC-28JUN24-60000-C is a coin-settled call on 1 BTC', () => {
    expect(parseDeribitName('BTC-28JUN24-60000-C')).toStrictEqual<InstrumentSpec>({
      symbol: 'BTC-28JUN24-60000-C',
      kind: 'option',
      underlying: 'BTC',
      expiry: '2024-06-28',
      strike: 60000,
      right: 'call',
      multiplier: 1,
      settlement: 'inverse',
      currency: 'BTC',
    });
  });

  it('ETH-27DEC24-3500-P is a coin-settled put on 1 ETH', () => {
    expect(parseDeribitName('ETH-27DEC24-3500-P')).toStrictEqual<InstrumentSpec>({
      symbol: 'ETH-27DEC24-3500-P',
      kind: 'option',
      underlying: 'ETH',
      expiry: '2024-12-27',
      strike: 3500,
      right: 'put',
      multiplier: 1,
      settlement: 'inverse',
      currency: 'ETH',
    });
  });

  it('names from the bundled Deribit option chains parse', () => {
    expect(parseDeribitName('BTC-22MAY20-6000-C')).toMatchObject({ expiry: '2020-05-22', strike: 6000, right: 'call' });
    expect(parseDeribitName('ETH-23NOV25-2300-P')).toMatchObject({ expiry: '2025-11-23', strike: 2300, right: 'put' });
  });

  it('is case-insensitive and trims, returning the upper-case symbol', () => {
    const spec = parseDeribitName('  btc-28jun24-60000-c ');
    expect(spec.symbol).toBe('BTC-28JUN24-60000-C');
    expect(spec).toStrictEqual(parseDeribitName('BTC-28JUN24-60000-C'));
    expect(parseDeribitName('eth-perpetual').symbol).toBe('ETH-PERPETUAL');
  });

  it('returns frozen specs (they are shared through the instrument table)', () => {
    expect(Object.isFrozen(parseDeribitName('BTC-PERPETUAL'))).toBe(true);
  });

  it('keeps the face-value table in one place', () => {
    expect(DERIBIT_INVERSE_CONTRACT_SIZE_USD).toStrictEqual({ BTC: 10, ETH: 1 });
  });
});

describe('parseDeribitName: linear names', () => {
  it('BTC_USDC-PERPETUAL is a linear perpetual of 1 BTC, settled in USDC', () => {
    expect(parseDeribitName('BTC_USDC-PERPETUAL')).toStrictEqual<InstrumentSpec>({
      symbol: 'BTC_USDC-PERPETUAL',
      kind: 'perpetual',
      underlying: 'BTC',
      multiplier: 1,
      settlement: 'linear',
      currency: 'USDC',
    });
  });

  it('ETH_USDT-PERPETUAL settles in USDT', () => {
    expect(parseDeribitName('ETH_USDT-PERPETUAL')).toStrictEqual<InstrumentSpec>({
      symbol: 'ETH_USDT-PERPETUAL',
      kind: 'perpetual',
      underlying: 'ETH',
      multiplier: 1,
      settlement: 'linear',
      currency: 'USDT',
    });
  });

  it('ETH_USDC-28JUN24 is a linear future', () => {
    expect(parseDeribitName('ETH_USDC-28JUN24')).toStrictEqual<InstrumentSpec>({
      symbol: 'ETH_USDC-28JUN24',
      kind: 'future',
      underlying: 'ETH',
      expiry: '2024-06-28',
      multiplier: 1,
      settlement: 'linear',
      currency: 'USDC',
    });
  });

  it('SOL_USDC-28JUN24-150-C is a linear call on 1 SOL (no inverse contract size needed)', () => {
    expect(parseDeribitName('SOL_USDC-28JUN24-150-C')).toStrictEqual<InstrumentSpec>({
      symbol: 'SOL_USDC-28JUN24-150-C',
      kind: 'option',
      underlying: 'SOL',
      expiry: '2024-06-28',
      strike: 150,
      right: 'call',
      multiplier: 1,
      settlement: 'linear',
      currency: 'USDC',
    });
  });

  it('XRP_USDC-27DEC24-0d625-C has strike 0.625 and keeps Deribit\'s lower-case "d"', () => {
    expect(parseDeribitName('XRP_USDC-27DEC24-0d625-C')).toStrictEqual<InstrumentSpec>({
      symbol: 'XRP_USDC-27DEC24-0d625-C',
      kind: 'option',
      underlying: 'XRP',
      expiry: '2024-12-27',
      strike: 0.625,
      right: 'call',
      multiplier: 1,
      settlement: 'linear',
      currency: 'USDC',
    });
    expect(parseDeribitName('xrp_usdc-27dec24-0D625-p').symbol).toBe('XRP_USDC-27DEC24-0d625-P');
  });

  it('accepts decimal strikes above 1 (AVAX_USDC-27DEC24-42d5-P)', () => {
    expect(parseDeribitName('AVAX_USDC-27DEC24-42d5-P')).toMatchObject({ strike: 42.5, right: 'put', underlying: 'AVAX' });
  });
});

describe('parseDeribitName: spot', () => {
  it('BTC_USDC is a spot pair valued in USDC', () => {
    expect(parseDeribitName('BTC_USDC')).toStrictEqual<InstrumentSpec>({
      symbol: 'BTC_USDC',
      kind: 'spot',
      underlying: 'BTC',
      multiplier: 1,
      settlement: 'linear',
      currency: 'USDC',
    });
  });

  it('a bare BTC is a spot holding of BTC valued in USD', () => {
    expect(parseDeribitName('BTC')).toStrictEqual<InstrumentSpec>({
      symbol: 'BTC',
      kind: 'spot',
      underlying: 'BTC',
      multiplier: 1,
      settlement: 'linear',
      currency: 'USD',
    });
  });

  it('a bare USDC is a spot holding of USDC valued in USD', () => {
    expect(parseDeribitName('usdc')).toStrictEqual<InstrumentSpec>({
      symbol: 'USDC',
      kind: 'spot',
      underlying: 'USDC',
      multiplier: 1,
      settlement: 'linear',
      currency: 'USD',
    });
  });
});

describe('parseDeribitName: invalid names', () => {
  it('empty', () => {
    expectNameError('', 'INSTRUMENT_NAME_INVALID', 'the name is empty');
    expectNameError('   ', 'INSTRUMENT_NAME_INVALID', 'the name is empty');
  });

  it('lower-case month typo (jnu)', () => {
    expectNameError('btc-28jnu24', 'INSTRUMENT_NAME_INVALID', '"JNU" is not a month');
  });

  it('bad day (32JUN24, 0JUN24, 31JUN24)', () => {
    expectNameError('BTC-32JUN24', 'INSTRUMENT_NAME_INVALID', 'day 32 does not exist, June 2024 has 30 days');
    expectNameError('BTC-0JUN24', 'INSTRUMENT_NAME_INVALID', 'day 0 does not exist');
    expectNameError('BTC-31JUN24', 'INSTRUMENT_NAME_INVALID', 'day 31 does not exist, June 2024 has 30 days');
  });

  it('31FEB24 is not a date', () => {
    expectNameError('BTC-31FEB24', 'INSTRUMENT_NAME_INVALID', 'day 31 does not exist, February 2024 has 29 days');
    expectNameError('BTC-29FEB23', 'INSTRUMENT_NAME_INVALID', 'February 2023 has 28 days');
  });

  it('zero-padded day, three-digit day and four-digit year are refused', () => {
    expectNameError('BTC-05JUL24', 'INSTRUMENT_NAME_INVALID', 'without a leading zero (5JUL24)');
    expectNameError('BTC-128JUN24', 'INSTRUMENT_NAME_INVALID', 'DMMMYY');
    expectNameError('BTC-28JUN2024', 'INSTRUMENT_NAME_INVALID', 'DMMMYY');
  });

  it('missing strike', () => {
    expectNameError('BTC-28JUN24-C', 'INSTRUMENT_NAME_INVALID', 'the strike is missing');
    expectNameError('BTC-28JUN24--C', 'INSTRUMENT_NAME_INVALID', 'the strike is missing');
  });

  it('missing right', () => {
    expectNameError('BTC-28JUN24-60000', 'INSTRUMENT_NAME_INVALID', 'the right (C or P) is missing');
  });

  it('strike 0', () => {
    expectNameError('BTC-28JUN24-0-C', 'INSTRUMENT_NAME_INVALID', 'strike "0" must be positive');
    expectNameError('XRP_USDC-27DEC24-0d0-C', 'INSTRUMENT_NAME_INVALID', 'must be positive');
  });

  it('strike NaN', () => {
    expectNameError('BTC-28JUN24-NaN-C', 'INSTRUMENT_NAME_INVALID', 'strike "NAN" is not a positive number');
  });

  it('strike -5', () => {
    expectNameError('BTC-28JUN24--5-C', 'INSTRUMENT_NAME_INVALID', 'strike "-5" must be positive');
  });

  it('strike with a "." instead of "d", or not in canonical form', () => {
    expectNameError('XRP_USDC-27DEC24-0.625-C', 'INSTRUMENT_NAME_INVALID', 'a decimal strike uses "d"');
    expectNameError('BTC-28JUN24-060000-C', 'INSTRUMENT_NAME_INVALID', 'not in canonical form; write 60000');
    expectNameError('XRP_USDC-27DEC24-0d6250-C', 'INSTRUMENT_NAME_INVALID', 'write 0d625');
    expectNameError('BTC-28JUN24-1e5-C', 'INSTRUMENT_NAME_INVALID', 'strike "1E5" is not a positive number');
  });

  it('right X', () => {
    expectNameError('BTC-28JUN24-60000-X', 'INSTRUMENT_NAME_INVALID', 'right "X" must be C (call) or P (put)');
    expectNameError('BTC-28JUN24-60000-CALL', 'INSTRUMENT_NAME_INVALID', 'right "CALL" must be C (call) or P (put)');
  });

  it('unknown coin with an inverse name: DOGE-PERPETUAL asks for a full spec', () => {
    const error = expectNameError('DOGE-PERPETUAL', 'INSTRUMENT_UNKNOWN', 'no Deribit contract size is known for DOGE');
    expect(error.message).toContain('give a full instrument spec');
    expect(error.details).toMatchObject({ underlying: 'DOGE' });
    expectNameError('SOL-28JUN24', 'INSTRUMENT_UNKNOWN', 'known for SOL');
    expectNameError('SOL-28JUN24-150-C', 'INSTRUMENT_UNKNOWN', 'known for SOL');
  });

  it('syntax errors take precedence over an unknown coin', () => {
    expectNameError('DOGE-31FEB24', 'INSTRUMENT_NAME_INVALID', 'February 2024 has 29 days');
  });

  it('unsupported quote currency', () => {
    expectNameError('BTC_EUR-PERPETUAL', 'INSTRUMENT_NAME_INVALID', 'quote currency "EUR" is not supported');
    expectNameError('USDC_USDC', 'INSTRUMENT_NAME_INVALID', 'quotes a currency in itself');
  });

  it('garbage', () => {
    const error = expectNameError('hello world!', 'INSTRUMENT_NAME_INVALID', 'only letters, digits');
    expect(error.message).toContain('accepted forms: BTC-PERPETUAL');
    expect(error.details).toMatchObject({ name: 'hello world!' });
    expectNameError('BTC-FOO', 'INSTRUMENT_NAME_INVALID', '"FOO" is neither PERPETUAL nor an expiry');
    expectNameError('BTC-', 'INSTRUMENT_NAME_INVALID', 'nothing follows "-"');
    expectNameError('-PERPETUAL', 'INSTRUMENT_NAME_INVALID', 'the currency before "-" is missing');
    expectNameError('BTC_USDC_X', 'INSTRUMENT_NAME_INVALID', 'more than one "_"');
    expectNameError('BTC-PERPETUAL-60000-C', 'INSTRUMENT_NAME_INVALID', 'a perpetual has no strike');
    expectNameError('BTC-28JUN24-60000-C-X', 'INSTRUMENT_NAME_INVALID', 'too many');
    expectNameError('123', 'INSTRUMENT_NAME_INVALID', 'is not a currency code');
  });

  it('defaults the field to "instrument"', () => {
    expect(thrown(() => parseDeribitName('BTC-FOO')).field).toBe('instrument');
  });

  it('a non-string from untyped JavaScript is a coded error, not a crash', () => {
    const error = thrown(() => parseDeribitName(42 as unknown as string, 'x'));
    expect(error.code).toBe('INSTRUMENT_NAME_INVALID');
    expect(error.field).toBe('x');
  });
});

describe('formatDeribitName', () => {
  it('writes every form', () => {
    expect(formatDeribitName({ base: 'BTC', kind: 'perpetual' })).toBe('BTC-PERPETUAL');
    expect(formatDeribitName({ base: 'BTC', kind: 'future', expiry: '2024-07-05' })).toBe('BTC-5JUL24');
    expect(formatDeribitName({ base: 'BTC', kind: 'option', expiry: '2024-06-28', strike: 60000, right: 'call' })).toBe(
      'BTC-28JUN24-60000-C',
    );
    expect(formatDeribitName({ base: 'XRP', quote: 'USDC', kind: 'option', expiry: '2024-12-27', strike: 0.625, right: 'put' })).toBe(
      'XRP_USDC-27DEC24-0d625-P',
    );
    expect(formatDeribitName({ base: 'BTC', quote: 'USDC', kind: 'spot' })).toBe('BTC_USDC');
    expect(formatDeribitName({ base: 'BTC', kind: 'spot' })).toBe('BTC');
  });

  it('refuses fields a name cannot carry', () => {
    expect(thrown(() => formatDeribitName({ base: 'BTC', kind: 'future' })).field).toBe('instrument.expiry');
    expect(thrown(() => formatDeribitName({ base: 'BTC', kind: 'future', expiry: '1999-01-01' })).code).toBe('INSTRUMENT_SPEC_INVALID');
    expect(thrown(() => formatDeribitName({ base: 'BTC', kind: 'option', expiry: '2024-06-28', strike: -1, right: 'call' })).field).toBe(
      'instrument.strike',
    );
    expect(thrown(() => formatDeribitName({ base: 'BTC', kind: 'option', expiry: '2024-06-28', strike: 1 })).field).toBe('instrument.right');
  });

  it('formatDeribitStrike has no spelling for non-positive, non-finite or exponent strikes', () => {
    expect(formatDeribitStrike(0)).toBeUndefined();
    expect(formatDeribitStrike(Number.NaN)).toBeUndefined();
    expect(formatDeribitStrike(1e-7)).toBeUndefined();
    expect(formatDeribitStrike(1e21)).toBeUndefined();
    expect(formatDeribitStrike(60000)).toBe('60000');
  });
});

describe('property: formatted names parse back to their fields', () => {
  const coin = fc.constantFrom('BTC', 'ETH');
  const linearCoin = fc.constantFrom('BTC', 'ETH', 'SOL', 'XRP', 'AVAX', '1INCH');
  const date = fc
    .date({ min: new Date(Date.UTC(2000, 0, 1)), max: new Date(Date.UTC(2099, 11, 31)), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10));
  // Integer strikes, decimal strikes with up to 4 places, and arbitrary doubles that still print without exponent.
  const strike = fc.oneof(
    fc.integer({ min: 1, max: 10_000_000 }),
    fc.integer({ min: 1, max: 10_000_000 }).map((n) => n / 10_000),
    fc.double({ min: 1e-6, max: 1e9, noNaN: true }).filter((x) => formatDeribitStrike(x) !== undefined),
  );
  const right = fc.constantFrom<'call' | 'put'>('call', 'put');

  it('inverse options: (coin, date, strike, right) round-trip', () => {
    fc.assert(
      fc.property(coin, date, strike, right, (base, expiry, k, r) => {
        const fields: DeribitNameFields = { base, kind: 'option', expiry, strike: k, right: r };
        const name = formatDeribitName(fields);
        const spec = parseDeribitName(name);
        expect(spec).toStrictEqual<InstrumentSpec>({
          symbol: name,
          kind: 'option',
          underlying: base,
          expiry,
          strike: k,
          right: r,
          multiplier: 1,
          settlement: 'inverse',
          currency: base,
        });
        // Any letter case gives the same canonical symbol.
        expect(parseDeribitName(name.toLowerCase()).symbol).toBe(name);
      }),
    );
  });

  it('linear options and futures round-trip', () => {
    fc.assert(
      fc.property(linearCoin, fc.constantFrom<'USDC' | 'USDT'>('USDC', 'USDT'), date, strike, right, (base, quote, expiry, k, r) => {
        const option = parseDeribitName(formatDeribitName({ base, quote, kind: 'option', expiry, strike: k, right: r }));
        expect(option).toMatchObject({ underlying: base, currency: quote, expiry, strike: k, right: r, settlement: 'linear', multiplier: 1 });
        const future = parseDeribitName(formatDeribitName({ base, quote, kind: 'future', expiry }));
        expect(future).toStrictEqual<InstrumentSpec>({
          symbol: `${base}_${quote}-${future.symbol.split('-')[1] ?? ''}`,
          kind: 'future',
          underlying: base,
          expiry,
          multiplier: 1,
          settlement: 'linear',
          currency: quote,
        });
      }),
    );
  });

  it('inverse futures carry the face value of their coin', () => {
    fc.assert(
      fc.property(coin, date, (base, expiry) => {
        const spec = parseDeribitName(formatDeribitName({ base, kind: 'future', expiry }));
        expect(spec.expiry).toBe(expiry);
        expect(spec.multiplier).toBe(DERIBIT_INVERSE_CONTRACT_SIZE_USD[base]);
      }),
    );
  });
});
