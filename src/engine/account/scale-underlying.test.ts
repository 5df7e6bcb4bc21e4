import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { scaleUnderlying } from './scale-underlying.js';
import { accountTestMarket } from './account-test-fixtures.js';

const base = accountTestMarket().toJSON();
const expiry = Date.parse('2024-12-27T08:00:00Z');

describe('scaleUnderlying', () => {
  it('scales the index and forwards of one underlying only, leaving the input untouched', () => {
    const scaled = scaleUnderlying(base, 'BTC', 0.8);
    expect(scaled.underlyings.BTC?.index).toBeCloseTo(52800, 9);
    expect(scaled.underlyings.BTC?.forwards?.['2024-12-27']).toBeCloseTo(67980 * 0.8, 9);
    expect(scaled.underlyings.SPX).toEqual(base.underlyings.SPX);
    expect(base.underlyings.BTC?.index).toBe(66000);
    const m = parseMarketSnapshot(scaled);
    expect(m.fxRate('BTC', 'USD')).toBeCloseTo(52800, 9);
  });

  it('moves the smile with the price (sticky moneyness) by default, or keeps strikes (sticky strike)', () => {
    const original = accountTestMarket().underlying('BTC');
    const moneyness = parseMarketSnapshot(scaleUnderlying(base, 'BTC', 1.25)).underlying('BTC');
    const strike = parseMarketSnapshot(scaleUnderlying(base, 'BTC', 1.25, { vol: 'sticky-strike' })).underlying('BTC');
    expect(moneyness.vol(expiry, 80000 * 1.25)).toBeCloseTo(original.vol(expiry, 80000), 12);
    expect(strike.vol(expiry, 80000)).toBeCloseTo(original.vol(expiry, 80000), 12);
  });

  it('scales a coin priced in fx too, so collateral in it is stressed', () => {
    const withFx = { ...base, fx: { ...base.fx, BTC: 66000 } };
    expect(scaleUnderlying(withFx, 'BTC', 0.5).fx?.BTC).toBe(33000);
    expect(scaleUnderlying(withFx, 'BTC', 0.5).fx?.USDC).toBe(1);
  });

  it('refuses an unknown underlying or a bad scale', () => {
    expect(() => scaleUnderlying(base, 'ETH', 1.1)).toThrow(expect.objectContaining({ code: 'MARKET_UNDERLYING_MISSING' }));
    expect(() => scaleUnderlying(base, 'BTC', 0)).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID' }));
    expect(() => scaleUnderlying(base, 'BTC', Number.NaN)).toThrow(/indexScale/);
  });
});
