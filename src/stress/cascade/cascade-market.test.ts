import { describe, expect, it } from 'vitest';
import { loadPriceHistory } from '../../market/load-price-history.js';
import { loadHistoryCatalogue } from '../../scenarios/history/history-catalogue.js';
import { calibrateCascadeMarket } from './cascade-market.js';

describe('calibrateCascadeMarket (bundled history)', () => {
  const market = calibrateCascadeMarket(['BTC', 'ETH']);
  const btc = loadPriceHistory(loadHistoryCatalogue().entries.get('BTC')!.path);
  const n = btc.close.length;

  it('starts at the last close and averages 30 days of volume × close for ADV (base-unit volume)', () => {
    expect(market.prices[0]).toBe(btc.close[n - 1]);
    expect(market.asOf[0]).toBe(btc.dates[n - 1]);
    let sum = 0;
    for (let t = n - 30; t < n; t++) sum += btc.volume[t]! * btc.close[t]!;
    expect(market.adv[0]).toBeCloseTo(sum / 30, 0);
  });

  it('takes σ as the sample standard deviation of the last 90 daily log returns', () => {
    const r = Array.from({ length: 90 }, (_, k) => Math.log(btc.close[n - 90 + k]! / btc.close[n - 91 + k]!));
    const mean = r.reduce((a, b) => a + b, 0) / 90;
    const sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / 89);
    expect(market.sigma[0]).toBeCloseTo(sd, 12);
  });

  it('gives a symmetric correlation with a unit diagonal', () => {
    expect(market.correlation[0]).toBe(1);
    expect(market.correlation[1]).toBe(market.correlation[2]);
    expect(market.correlation[1]).toBeGreaterThan(0.3);
    expect(market.correlation[1]).toBeLessThan(1);
  });

  it('refuses an underlying without bundled history', () => {
    expect(() => calibrateCascadeMarket(['NOPE'])).toThrow(expect.objectContaining({ code: 'MARKET_UNDERLYING_MISSING', field: 'NOPE' }));
  });
});
