import { describe, expect, it } from 'vitest';
import { loadMarketHistory } from '../scenarios/history/load-market-history.js';
import type { MarketHistory } from '../scenarios/history/market-history.js';
import { marketFromHistory } from './history-market.js';
import { walkForward } from './walk-forward.js';

const portfolio = {
  account: 'bt',
  currency: 'USD',
  positions: [
    { instrument: 'BTC_USDC-PERPETUAL', quantity: 1 },
    { instrument: { symbol: 'ES-2030', kind: 'future', underlying: 'SPX', expiry: '2030-12-20', multiplier: 50 }, quantity: -2 },
  ],
};
const history = loadMarketHistory(['BTC', 'SPX']);
const models = ['scenario-grid', 'hs-var', 'parametric-var'];
const run = (h: MarketHistory) =>
  walkForward({ portfolio, models, params: { 'hs-var': { lookback: 250 }, 'parametric-var': { lookback: 250 } }, history: h, from: '2020-02-24', to: '2020-03-06', horizon: 2 });

/** A copy of the history with one day's closes changed (BTC and SPX × factor). */
function bump(h: MarketHistory, date: string, factor: number): MarketHistory {
  const i = h.dates.indexOf(date);
  return { ...h, close: h.close.map((c) => Float64Array.from(c, (v, t) => (t === i ? v * factor : v))) };
}

describe('walk-forward backtest on bundled BTC and S&P 500 history', () => {
  const walks = run(history);

  it('margins every decision day and measures the P&L realised over the next 2 days with the same kernel', () => {
    const [grid] = walks;
    expect(grid!.dates[0]).toBe('2020-02-24');
    expect(grid!.dates.at(-1)).toBe('2020-03-06');
    expect(grid!.initialMargin.every((m) => m > 0)).toBe(true);
    // P&L of 1 BTC linear and −2 × 50 SPX from the close of 2020-02-24 to the close two aligned days later.
    const i = history.dates.indexOf('2020-02-24');
    const btc = history.close[history.underlyings.indexOf('BTC')]!;
    const spx = history.close[history.underlyings.indexOf('SPX')]!;
    // The future's reference is the forward at rate 0 = the index, so its P&L is 50 × ΔS (no carry).
    const expected = (btc[i + 2]! - btc[i]!) - 2 * 50 * (spx[i + 2]! - spx[i]!);
    expect(grid!.pnl[0]).toBeCloseTo(expected, 6);
  });

  it('has no look-ahead: changing day d + 1 changes the P&L realised across it but never a margin set at day d', () => {
    const d = '2020-03-02';
    const k = walks[0]!.dates.indexOf(d);
    const next = history.dates[history.dates.indexOf(d) + 1]!;
    const shocked = run(bump(history, next, 0.7));
    for (let m = 0; m < models.length; m++) {
      // Every margin up to and including day d is unchanged…
      for (let j = 0; j <= k; j++) expect(shocked[m]!.initialMargin[j]).toBe(walks[m]!.initialMargin[j]);
      // …and the day after d, which now knows the shock, changes for the history-based models.
      if (models[m] !== 'scenario-grid') expect(shocked[m]!.initialMargin[k + 1]).not.toBe(walks[m]!.initialMargin[k + 1]);
    }
    // The 2-day P&L from d − 1 spans d + 1.
    expect(shocked[0]!.pnl[k - 1]).not.toBe(walks[0]!.pnl[k - 1]);
  });

  it('builds the day-t market from day-t data only (VIX as the S&P vol)', () => {
    const i = history.dates.indexOf('2020-03-02');
    const m = marketFromHistory(history, i);
    expect(m.underlying('SPX').index).toBe(history.close[history.underlyings.indexOf('SPX')]![i]);
    expect(m.underlying('SPX').vol(m.asOfMs + 86_400_000 * 30, 3000)).toBeCloseTo(history.volIndex.get('SPX')![i]!, 12);
  });

  it('a window with no realised horizon after it is a clear error', () => {
    expect(() => walkForward({ portfolio, models, history, from: '2030-01-01', to: '2030-02-01', horizon: 2 })).toThrow(/no decision days/);
  });
});
