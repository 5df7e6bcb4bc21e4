import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { computeMargin } from '../compute-margin.js';
import { testMarket } from '../model-test-fixtures.js';

describe('isolated-simple', () => {
  const market = testMarket();
  const F = (expiry: string, u = 'SPX') => market.underlying(u).forward(Date.parse(`${expiry}T08:00:00Z`));

  it('charges |notional| × rate per position with no netting (hand computation)', () => {
    const es = { symbol: 'ESU4', kind: 'future', underlying: 'SPX', expiry: '2024-09-20', multiplier: 50 };
    const r = computeMargin(
      { document: { account: 'x', positions: [{ instrument: es, quantity: 2 }, { instrument: es, quantity: -2 }] } },
      market,
      'isolated-simple',
    );
    const one = 2 * 50 * F('2024-09-20') * 0.1;
    expect(r.initialMargin).toBeCloseTo(2 * one, 8); // the hedge doubles the margin: no netting
    expect(r.maintenanceMargin).toBeCloseTo(one, 8); // 5 % each
    expect(r.components).toHaveLength(2);
    expect(r.worstScenario).toBeUndefined();
  });

  it('inverse perpetual notional is face / price in coin, converted to the account currency at the index', () => {
    const r = computeMargin({ document: { account: 'x', currency: 'USD', positions: [{ instrument: 'BTC-PERPETUAL', quantity: -1000 }] } }, market, 'isolated-simple');
    expect(r.initialMargin).toBeCloseTo(1000 * 10 * 0.1, 8); // 10 USD face each: notional 10,000 USD
    const inBtc = computeMargin({ document: { account: 'x', currency: 'BTC', positions: [{ instrument: 'BTC-PERPETUAL', quantity: -1000 }] } }, market, 'isolated-simple');
    expect(inBtc.initialMargin).toBeCloseTo((1000 * 10 * 0.1) / 66000, 12);
  });

  it('per-underlying overrides win over the kind rates', () => {
    const doc = { document: { account: 'x', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }] } };
    const r = computeMargin(doc, market, 'isolated-simple', {
      params: { maintenanceRate: { perpetual: 0.01 }, underlyings: { BTC: { initialRate: { perpetual: 0.02 } } } },
    });
    expect(r.initialMargin).toBeCloseTo(66000 * 0.02, 8);
    expect(r.maintenanceMargin).toBeCloseTo(66000 * 0.01, 8);
  });

  it('rejects a maintenance rate above the initial rate, naming the field', () => {
    const doc = { document: { account: 'x', positions: [{ instrument: 'BTC-PERPETUAL', quantity: 1 }] } };
    expect(() => computeMargin(doc, market, 'isolated-simple', { params: { underlyings: { BTC: { initialRate: { perpetual: 0.02 } } } } })).toThrow(
      /underlyings\.BTC\.maintenanceRate\.perpetual/,
    );
  });

  it('needs no vol for options (it prices nothing) and values a bare currency holding by its fx rate', () => {
    const noVol = parseMarketSnapshot({ asOf: '2024-06-17T08:00:00Z', underlyings: { BTC: { index: 66000 } }, fx: { USDC: 0.999 } });
    const r = computeMargin(
      { document: { account: 'x', positions: [{ instrument: 'BTC-27DEC24-60000-C', quantity: -1 }, { instrument: 'USDC', quantity: 1000 }] } },
      noVol,
      'isolated-simple',
    );
    expect(r.components[0]?.value).toBeCloseTo(66000 * 0.15, 8); // one coin of underlying at the index
    expect(r.components[1]?.value).toBeCloseTo(1000 * 0.999 * 0.1, 8); // spot rate 10 %
  });

  it('rejects unknown parameters, naming them', () => {
    const doc = { document: { account: 'x', positions: [{ instrument: 'BTC-PERPETUAL', quantity: 1 }] } };
    expect(() => computeMargin(doc, market, 'isolated-simple', { params: { initialRates: {} } })).toThrow(/initialRates/);
  });
});
