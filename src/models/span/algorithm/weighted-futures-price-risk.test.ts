import { describe, expect, it } from 'vitest';
import { weightedFuturesPriceRisk } from './weighted-futures-price-risk.js';

describe('weightedFuturesPriceRisk (span.md §4)', () => {
  it('NORMAL = max(priceRisk / |netDelta|, 0)', () => {
    expect(weightedFuturesPriceRisk('NORMAL', 3610, -0.5, 99)).toBe(7220); // 3,610 / 0.5
    expect(weightedFuturesPriceRisk('NORMAL', -40, 2, 99)).toBe(0);
    expect(weightedFuturesPriceRisk('NORMAL', 500, 0, 99)).toBe(0); // no delta: nothing to spread
  });
  it('SCANRANGE = the price scan range; SCANRANGE_CAP = min(NORMAL, range)', () => {
    expect(weightedFuturesPriceRisk('SCANRANGE', 3610, 0.5, 2500)).toBe(2500);
    expect(weightedFuturesPriceRisk('SCANRANGE_CAP', 3610, 0.5, 2500)).toBe(2500);
    expect(weightedFuturesPriceRisk('SCANRANGE_CAP', 3610, 0.5, 9000)).toBe(7220);
  });
});
