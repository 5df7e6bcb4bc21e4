import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InstrumentTable } from '../../instruments/instrument-table.js';
import type { MarketSnapshot } from '../../market/market-snapshot.js';
import { priceInstrument } from '../../pricing/instrument-pricer.js';
import { resolvePortfolio } from '../../portfolio/resolve-portfolio.js';
import type { MarginResult } from '../margin-result.js';
import { testMarket } from '../model-test-fixtures.js';
import { deribitSmFutureCharge, deribitSmModel, deribitSmShortOptionCharge } from './deribit-sm-model.js';
import { DERIBIT_SM_FUTURES_BTC_HISTORICAL, DeribitSmParamsSchema } from './deribit-sm-params.js';

const market = testMarket(); // BTC index 66,000

function margin(positions: { instrument: unknown; quantity: number }[], currency = 'BTC', params: unknown = {}, m: MarketSnapshot = market): MarginResult {
  const instruments = new InstrumentTable();
  const resolved = resolvePortfolio({ account: 'sm', currency, mode: 'cross', positions }, instruments);
  return deribitSmModel.compile(DeribitSmParamsSchema.parse(params), { instruments, market: m }).evaluate(resolved);
}

describe('deribit-sm: inverse futures/perpetuals (crypto-venues.md §1)', () => {
  it('perpetual by hand: 100 BTC → IM 100 × (2 % + 100 × 0.005 %) = 2.5 BTC, MM 100 × 1.5 % = 1.5 BTC', () => {
    // 660,000 contracts × 10 USD face / 66,000 = 100 BTC.
    const r = margin([{ instrument: 'BTC-PERPETUAL', quantity: -660_000 }]);
    expect(r.initialMargin).toBeCloseTo(2.5, 12);
    expect(r.maintenanceMargin).toBeCloseTo(1.5, 12);
  });

  it('converts the coin margin to the account currency at the index', () => {
    const r = margin([{ instrument: 'BTC-PERPETUAL', quantity: 660_000 }], 'USD');
    expect(r.initialMargin).toBeCloseTo(2.5 * 66_000, 6);
  });

  it('ETH uses its own increment (0.0004 % per ETH)', () => {
    expect(DeribitSmParamsSchema.parse({}).futures.ETH?.initialIncrement).toBe(0.000004);
    expect(deribitSmFutureCharge(1000, DeribitSmParamsSchema.parse({}).futures.ETH!).initial).toBeCloseTo(1000 * (0.02 + 1000 * 0.000004), 12);
  });

  it('TV-D3 (historical rule 2 % + 0.5 % per 100 BTC): 350 BTC → 13.125 BTC', () => {
    expect(deribitSmFutureCharge(350, DERIBIT_SM_FUTURES_BTC_HISTORICAL).initial).toBeCloseTo(13.125, 12);
    const r = margin([{ instrument: 'BTC-PERPETUAL', quantity: (350 * 66_000) / 10 }], 'BTC', { asOf: 'historical', futures: { BTC: DERIBIT_SM_FUTURES_BTC_HISTORICAL } });
    expect(r.initialMargin).toBeCloseTo(13.125, 10);
    expect(r.maintenanceMargin).toBeCloseTo(350 * (0.015 + 3.5 * 0.005), 10);
  });
});

describe('deribit-sm: inverse options per 1-coin contract (crypto-venues.md §1)', () => {
  const rates = DeribitSmParamsSchema.parse({}).options;

  it('short call by hand: K 70,000, S 66,000, mark 0.05 → IM max(0.15 − 4,000/66,000, 0.10) + 0.05 = 0.15, MM 0.125', () => {
    const c = deribitSmShortOptionCharge('call', 70_000, 66_000, 0.05, rates);
    expect(c.initial).toBeCloseTo(0.15, 12);
    expect(c.maintenance).toBeCloseTo(0.125, 12);
    // Near the money the 0.15 − OTM/S term binds: K 67,000 → 0.15 − 1/66 + 0.08.
    expect(deribitSmShortOptionCharge('call', 67_000, 66_000, 0.08, rates).initial).toBeCloseTo(0.15 - 1000 / 66_000 + 0.08, 12);
  });

  it('short put by hand: OTM, ITM and a mark above 1', () => {
    const otm = deribitSmShortOptionCharge('put', 60_000, 66_000, 0.02, rates);
    expect(otm.initial).toBeCloseTo(0.12, 12); // max(0.15 − 6,000/66,000, 0.10) + 0.02
    expect(otm.maintenance).toBeCloseTo(0.095, 12); // max(0.075, 0.0015) + 0.02
    const itm = deribitSmShortOptionCharge('put', 70_000, 66_000, 0.07, rates);
    expect(itm.initial).toBeCloseTo(0.22, 12);
    expect(itm.maintenance).toBeCloseTo(0.145, 12);
    const deep = deribitSmShortOptionCharge('put', 200_000, 66_000, 2, rates);
    expect(deep.maintenance).toBeCloseTo(2.15, 12); // max(0.075, 0.15) + 2
    expect(deep.initial).toBeCloseTo(2.15, 12);
  });

  it('the model takes mark = priceInstrument unitPrice and S = its forward; longs are 0 with the premium reported', () => {
    const instruments = new InstrumentTable();
    const resolved = resolvePortfolio({ account: 'x', currency: 'BTC', positions: [{ instrument: 'BTC-27DEC24-70000-P', quantity: -3 }] }, instruments);
    const price = priceInstrument(instruments.spec(resolved.positions[0]!.instrument), market);
    const expected = deribitSmShortOptionCharge('put', 70_000, price.forward, price.unitPrice, rates);
    const short = margin([{ instrument: 'BTC-27DEC24-70000-P', quantity: -3 }]);
    expect(short.initialMargin).toBeCloseTo(3 * expected.initial, 12);
    expect(short.maintenanceMargin).toBeCloseTo(3 * expected.maintenance, 12);
    const long = margin([{ instrument: 'BTC-27DEC24-70000-P', quantity: 3 }]);
    expect(long.initialMargin).toBe(0);
    expect((long.details?.longOptionPremium as Record<string, number>)['BTC-27DEC24-70000-P']).toBeCloseTo(3 * price.unitPrice, 12);
  });
});

describe('deribit-sm: refusals and invariants', () => {
  it('refuses a linear (USDC) instrument, naming the position', () => {
    expect(() => margin([{ instrument: 'BTC-PERPETUAL', quantity: 1 }, { instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }])).toThrow(
      expect.objectContaining({ code: 'INSTRUMENT_SPEC_INVALID', field: 'positions.1.instrument' }),
    );
  });

  const inverse = ['BTC-PERPETUAL', 'BTC-27DEC24', 'BTC-27DEC24-60000-C', 'BTC-27DEC24-70000-P', 'BTC-28JUN24-66000-C'];
  it('property: margin ≥ 0 and MM ≤ IM on random inverse books', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ i: fc.integer({ min: 0, max: inverse.length - 1 }), q: fc.integer({ min: -100_000, max: 100_000 }) }), { minLength: 1, maxLength: 8 }),
        fc.constantFrom('BTC', 'USD'),
        (book, currency) => {
          const r = margin(book.map((p) => ({ instrument: inverse[p.i], quantity: p.q / 10 })), currency);
          expect(r.initialMargin).toBeGreaterThanOrEqual(0);
          expect(r.maintenanceMargin).toBeGreaterThanOrEqual(0);
          expect(r.maintenanceMargin).toBeLessThanOrEqual(r.initialMargin * (1 + 1e-12) + 1e-12);
        },
      ),
      { numRuns: 100 },
    );
  });
});
