import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { normalTail } from '../../numerics/normal-tail.js';
import { loadMarketHistory } from '../../scenarios/history/load-market-history.js';
import { computeMargin } from '../compute-margin.js';

const loader = (u: readonly string[]) => loadMarketHistory(u);
const market = parseMarketSnapshot({ asOf: '2025-09-23T23:00:00Z', underlyings: { BTC: { index: 112017.21 }, ETH: { index: 4164.26 }, SOL: { index: 213.3 } }, fx: { USDC: 1 } });
const book = (...positions: [string, number][]) => ({ document: { account: 'p', positions: positions.map(([instrument, quantity]) => ({ instrument, quantity })) } });

/** EWMA(λ) variance of the last `lookback` BTC log returns to 2025-09-23, seeded with the first squared return (var-es.md §6). */
function btcEwmaVol(lookback: number, lambda: number): number {
  const rows = readFileSync('data/btc_usd_daily.csv', 'utf8').trim().split('\n').slice(1).map((r) => Number(r.split(',')[4]));
  const closes = rows.slice(-(lookback + 1));
  const r = closes.slice(1).map((c, i) => Math.log(c / closes[i]!));
  let v = r[0]! ** 2;
  for (let t = 1; t < r.length; t++) v = lambda * v + (1 - lambda) * r[t]! ** 2;
  return Math.sqrt(v);
}

describe('parametric-var', () => {
  it('VaR of one linear position = z · σ · √h · notional, σ from EWMA on the bundled history', () => {
    const r = computeMargin(book(['BTC_USDC-PERPETUAL', 3]), market, 'parametric-var', { params: { lookback: 500, mpor: 2, confidence: 0.99 }, historyLoader: loader });
    const expected = normalTail(0.99).z * btcEwmaVol(500, 0.94) * Math.sqrt(2) * 3 * 112017.21;
    expect(r.initialMargin).toBeCloseTo(expected, 4);
    expect(r.positions[0]!.contribution).toBeCloseTo(expected, 4); // Euler: a single position carries it all
  });

  it('Euler contributions add up to the margin; a hedge contributes negatively', () => {
    const r = computeMargin(book(['BTC_USDC-PERPETUAL', 3], ['ETH_USDC-PERPETUAL', -40], ['SOL_USDC-PERPETUAL', 500]), market, 'parametric-var', { historyLoader: loader });
    const sum = r.positions.reduce((a, p) => a + p.contribution, 0);
    expect(sum).toBeCloseTo(r.initialMargin, 6);
  });

  it('the BTC factor option makes altcoin dependence on bitcoin explicit (betas reported)', () => {
    const r = computeMargin(book(['BTC_USDC-PERPETUAL', 1], ['SOL_USDC-PERPETUAL', -300]), market, 'parametric-var', { params: { factor: { underlying: 'BTC' } }, historyLoader: loader });
    const factor = r.details?.factor as { betas: number[] };
    expect(factor.betas[0]).toBe(1);
    expect(factor.betas[1]).toBeGreaterThan(0.5); // SOL moves with BTC
    expect(r.initialMargin).toBeGreaterThan(0);
  });

  it('delta-gamma: a short option book needs more than its delta-normal margin', () => {
    const opts = (method: string) => ({ params: { method }, historyLoader: loader });
    const m = parseMarketSnapshot({ ...market.toJSON(), underlyings: { BTC: { index: 112017.21, vol: { atm: 0.45 } } } });
    const shortStraddle = book(['BTC_USDC-27MAR26-110000-C', -1], ['BTC_USDC-27MAR26-110000-P', -1]);
    const dn = computeMargin(shortStraddle, m, 'parametric-var', opts('delta-normal'));
    const dg = computeMargin(shortStraddle, m, 'parametric-var', opts('delta-gamma'));
    expect(dg.initialMargin).toBeGreaterThan(dn.initialMargin);
  });
});

describe('mc-es', () => {
  it('converges to the parametric ES for a linear book within its standard error (simple returns)', () => {
    const paths = 40_000;
    const params = { confidence: 0.975, measure: 'es' as const, mpor: 1 };
    const positions = book(['BTC_USDC-PERPETUAL', 2], ['ETH_USDC-PERPETUAL', -30]);
    const mc = computeMargin(positions, market, 'mc-es', { params: { ...params, paths, returns: 'simple' }, historyLoader: loader });
    const pv = computeMargin(positions, market, 'parametric-var', { params, historyLoader: loader });
    const sigma = pv.details?.sigma as number;
    // ES standard error for N paths at tail mass (1−α)N (normal): ≈ σ·√((1 + (ES/σ − z)²·…)/((1−α)N)); 3 SE with the
    // simple bound σ·√(2/((1−α)N)).
    const se = sigma * Math.sqrt(2 / ((1 - 0.975) * paths));
    expect(Math.abs(mc.initialMargin - pv.initialMargin)).toBeLessThan(3 * se);
  });

  it('is deterministic: the same seed gives the same result for 1 or 3 threads', () => {
    const positions = book(['BTC_USDC-PERPETUAL', 2], ['SOL_USDC-PERPETUAL', 100]);
    const one = computeMargin(positions, market, 'mc-es', { params: { paths: 5000, threads: 1 }, historyLoader: loader });
    const three = computeMargin(positions, market, 'mc-es', { params: { paths: 5000, threads: 3 }, historyLoader: loader });
    expect(three.initialMargin).toBe(one.initialMargin);
    const other = computeMargin(positions, market, 'mc-es', { params: { paths: 5000, seed: 7 }, historyLoader: loader });
    expect(other.initialMargin).not.toBe(one.initialMargin);
  });

  it('Student-t paths with the BTC factor give fatter tails than normal ones', () => {
    const positions = book(['BTC_USDC-PERPETUAL', 2], ['SOL_USDC-PERPETUAL', 100]);
    const normal = computeMargin(positions, market, 'mc-es', { params: { paths: 20000, factor: { underlying: 'BTC' }, confidence: 0.995 }, historyLoader: loader });
    const t = computeMargin(positions, market, 'mc-es', { params: { paths: 20000, factor: { underlying: 'BTC' }, distribution: 't', dof: 3, confidence: 0.995 }, historyLoader: loader });
    expect(t.initialMargin).toBeGreaterThan(normal.initialMargin);
  });
});

describe('implied-vol factors (vega risk) in parametric-var and mc-es', () => {
  const spx = parseMarketSnapshot({ asOf: '2020-04-17T20:00:00Z', underlyings: { SPX: { index: 2874.56, vol: { atm: 0.38 } } } });
  const longDatedPut = { document: { account: 'v', positions: [{ instrument: { symbol: 'P1500', kind: 'option', underlying: 'SPX', expiry: '2030-12-20', strike: 1500, right: 'put', multiplier: 100 }, quantity: -5 }] } };

  it('a vega-heavy book needs far more margin once VIX moves are a risk factor', () => {
    for (const model of ['parametric-var', 'mc-es']) {
      const extra = model === 'mc-es' ? { paths: 4000 } : {};
      const withVol = computeMargin(longDatedPut, spx, model, { params: extra, historyLoader: loader });
      const pricesOnly = computeMargin(longDatedPut, spx, model, { params: { ...extra, volMoves: 'none' }, historyLoader: loader });
      expect(withVol.initialMargin).toBeGreaterThan(1.5 * pricesOnly.initialMargin);
    }
  });

  it('parametric reports the vega exposure and its VIX source; Euler contributions still add up', () => {
    const r = computeMargin(longDatedPut, spx, 'parametric-var', { historyLoader: loader });
    expect((r.details?.volFactorSources as Record<string, string>).SPX).toBe('index');
    expect((r.details?.vegaExposures as Record<string, number>).SPX).toBeLessThan(0); // short options lose when vol rises
    expect(r.positions[0]!.contribution).toBeCloseTo(r.initialMargin, 6);
  });
});
