import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logReturns } from '../../market/log-returns.js';
import { buildFilteredScenarios, filterHistoricalReturns, type FilteredScenarioOptions } from './filtered-scenarios.js';
import { buildHistoricalScenarios } from './historical-scenarios.js';
import { loadMarketHistory } from './load-market-history.js';
import { garchHorizonVariance, garchVariance } from '../../numerics/volatility-filters.js';

describe('FHS rescaling (var-es.md §3)', () => {
  it('reproduces the §3 vector', () => {
    const r = Float64Array.from([-0.03, 0.01, -0.05, 0.02]);
    const sigma = Float64Array.from([0.02, 0.015, 0.04, 0.01]);
    const out = filterHistoricalReturns(r, sigma, 0.025);
    const expected = [-0.0375, 0.016667, -0.03125, 0.05];
    expected.forEach((x, i) => expect(out[i]).toBeCloseTo(x, 6));
    expect(out[1]).toBeCloseTo(0.025 * (0.01 / 0.015), 15);
  });
  it('writes into out, and is linear in σ_now and scale-free in (r, σ) (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -0.5, max: 0.5, noNaN: true }), fc.double({ min: 1e-4, max: 0.2, noNaN: true })), { minLength: 1, maxLength: 30 }),
        fc.double({ min: 1e-4, max: 0.2, noNaN: true }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        (pairs, now, c) => {
          const r = Float64Array.from(pairs.map((p) => p[0]));
          const s = Float64Array.from(pairs.map((p) => p[1]));
          const out = new Float64Array(pairs.length + 3);
          const a = filterHistoricalReturns(r, s, now, out);
          expect(a.buffer).toBe(out.buffer);
          const b = filterHistoricalReturns(r.map((x) => x * c), s.map((x) => x * c), 2 * now);
          for (let i = 0; i < r.length; i++) expect(b[i] as number).toBeCloseTo(2 * (a[i] as number), 12);
        },
      ),
    );
  });
});

describe('filtered historical scenarios on the bundled BTC + SPX history', () => {
  const history = loadMarketHistory(['BTC', 'SPX']);
  const base: FilteredScenarioOptions = {
    underlyings: ['BTC', 'SPX'],
    lookback: 250,
    mpor: 1,
    mporMethod: 'sqrt',
    volMoves: 'index',
    filter: 'ewma',
    endDate: '2019-12-31',
  };
  const logSd = (set: { count: number; priceMove: Float64Array }, u: number): number => {
    let sum = 0;
    let sq = 0;
    for (let s = 0; s < set.count; s++) {
      const x = Math.log1p(set.priceMove[u * set.count + s] as number);
      sum += x;
      sq += x * x;
    }
    const m = sum / set.count;
    return Math.sqrt(sq / set.count - m * m);
  };

  it('has the requested count, the HS dates, labels and vol shifts', () => {
    const fhs = buildFilteredScenarios(history, base);
    const hs = buildHistoricalScenarios(history, base);
    expect(fhs.count).toBe(250);
    expect(fhs.ids).toEqual(hs.ids);
    expect(Array.from(fhs.volShift)).toEqual(Array.from(hs.volShift));
    expect(fhs.labels[0]).toMatch(/^\d{4}-\d\d-\d\d: (BTC|SPX) [+−]\d+\.\d %, (BTC|SPX) [+−]?\d+\.\d %$/);
    expect(fhs.filter).toBe('ewma');
  });
  it('each scenario is σ_{T+1} · r_t / σ_{t|t−1}, with the EWMA computed independently', () => {
    const fhs = buildFilteredScenarios(history, base);
    const T = history.dates.indexOf('2019-12-31');
    const close = (history.close[1] as Float64Array).subarray(0, T + 1);
    const r = logReturns(close);
    // Independent EWMA: seed with r_0², then the recursion; sig2[t] = forecast of r_t.
    const sig2 = [Number.NaN, (r[0] as number) ** 2];
    for (let t = 1; t < r.length; t++) sig2.push(0.94 * (sig2[t] as number) + 0.06 * (r[t] as number) ** 2);
    const now = Math.sqrt(sig2[r.length] as number);
    expect(fhs.sigmaNow[1]).toBeCloseTo(now, 15);
    for (const id of ['2019-03-22', '2019-08-05', '2019-12-31']) {
      const t = history.dates.indexOf(id);
      const expected = Math.expm1((now * (r[t - 1] as number)) / Math.sqrt(sig2[t - 1] as number));
      expect(fhs.priceMove[fhs.count + fhs.ids.indexOf(id)]).toBeCloseTo(expected, 14);
    }
  });
  it('returns have a standard deviation within 25 % of today’s σ (EWMA and GARCH, several dates)', () => {
    for (const filter of ['ewma', 'garch'] as const) {
      for (const endDate of ['2016-06-30', '2018-06-29', '2019-12-31']) {
        const fhs = buildFilteredScenarios(history, { ...base, filter, endDate });
        for (const u of [0, 1]) {
          const ratio = logSd(fhs, u) / (fhs.sigmaNow[u] as number);
          expect(ratio, `${filter} ${endDate} ${fhs.underlyings[u]}`).toBeGreaterThan(0.75);
          expect(ratio, `${filter} ${endDate} ${fhs.underlyings[u]}`).toBeLessThan(1.25);
        }
      }
    }
  });
  it('rescales the calm 2019 history up to the March 2020 vol (FHS’s point): SPX σ ≈ 4 % on 2020-04-17', () => {
    const fhs = buildFilteredScenarios(history, { ...base, endDate: '2020-04-17' });
    const hs = buildHistoricalScenarios(history, { ...base, endDate: '2020-04-17' });
    expect(fhs.sigmaNow[1]).toBeGreaterThan(0.03);
    // The most recent days were already that volatile, so they change little; a calm 2019 day is scaled up.
    const calm = hs.ids.indexOf('2019-07-01');
    expect(Math.abs(fhs.priceMove[hs.count + calm] as number)).toBeGreaterThan(3 * Math.abs(hs.priceMove[hs.count + calm] as number));
  });
  it('GARCH filter: parameters fitted per underlying and used for σ; h-day scaling uses the GARCH H-day sum', () => {
    const fhs = buildFilteredScenarios(history, { ...base, filter: 'garch', mpor: 5, mporMethod: 'overlapping' });
    const p = fhs.garch[1];
    expect(p).toBeDefined();
    if (p === undefined) return;
    expect(p.alpha + p.beta).toBeLessThan(1);
    expect(p.alpha).toBeGreaterThan(0.05);
    const T = history.dates.indexOf('2019-12-31');
    const close = (history.close[1] as Float64Array).subarray(0, T + 1);
    const v = garchVariance(p, logReturns(close));
    expect(fhs.sigmaNow[1]).toBeCloseTo(Math.sqrt(v[T] as number), 15);
    const t = history.dates.indexOf('2019-08-05');
    const R = Math.log((close[t] as number) / (close[t - 5] as number));
    const expected = Math.expm1((Math.sqrt(garchHorizonVariance(p, v[T] as number, 5)) * R) / Math.sqrt(garchHorizonVariance(p, v[t - 5] as number, 5)));
    expect(fhs.priceMove[fhs.count + fhs.ids.indexOf('2019-08-05')]).toBeCloseTo(expected, 14);
  });
  it('with h = 1 the overlapping and sqrt methods coincide; with h = 5, sqrt scales the 1-day z by √5 σ (EWMA)', () => {
    const a = buildFilteredScenarios(history, base);
    const b = buildFilteredScenarios(history, { ...base, mporMethod: 'overlapping' });
    expect(Array.from(a.priceMove)).toEqual(Array.from(b.priceMove));
    const c = buildFilteredScenarios(history, { ...base, mpor: 5 });
    for (let i = 0; i < a.priceMove.length; i++) expect(Math.log1p(c.priceMove[i] as number)).toBeCloseTo(Math.sqrt(5) * Math.log1p(a.priceMove[i] as number), 12);
  });
  it('vol floor: σ_now is raised to the percentile of past σ forecasts, never lowered', () => {
    const plain = buildFilteredScenarios(history, base);
    const p100 = buildFilteredScenarios(history, { ...base, volFloorPercentile: 100 });
    const T = history.dates.indexOf('2019-12-31');
    const r = logReturns((history.close[1] as Float64Array).subarray(0, T + 1));
    let s2 = (r[0] as number) ** 2;
    let max = Math.sqrt(s2);
    for (let t = 1; t < r.length; t++) {
      s2 = 0.94 * s2 + 0.06 * (r[t] as number) ** 2;
      max = Math.max(max, Math.sqrt(s2));
    }
    expect(p100.sigmaNow[1]).toBeCloseTo(max, 15);
    expect(p100.sigmaForecast[1]).toBe(plain.sigmaNow[1]);
    const p1 = buildFilteredScenarios(history, { ...base, volFloorPercentile: 1 });
    expect(p1.sigmaNow[1]).toBe(plain.sigmaNow[1]);
    const p50 = buildFilteredScenarios(history, { ...base, volFloorPercentile: 50 });
    expect(p50.sigmaNow[1]).toBeGreaterThanOrEqual(plain.sigmaNow[1] as number);
  });
  it('a stressed window keeps the 2008 shapes at today’s vol: smaller in calm December 2019 than in April 2020', () => {
    const spx = loadMarketHistory(['SPX']);
    const o = { ...base, underlyings: ['SPX'], window: { from: '2008-09-01', to: '2008-12-31' } };
    const calm = buildFilteredScenarios(spx, { ...o, endDate: '2019-12-31' });
    const wild = buildFilteredScenarios(spx, { ...o, endDate: '2020-04-17' });
    expect(calm.ids).toEqual(wild.ids);
    expect(calm.ids[0]).toBe('2008-09-02');
    expect(calm.endDate).toBe('2019-12-31');
    const ratio = (wild.sigmaNow[0] as number) / (calm.sigmaNow[0] as number);
    for (let s = 0; s < calm.count; s++) {
      expect(Math.log1p(wild.priceMove[s] as number)).toBeCloseTo(ratio * Math.log1p(calm.priceMove[s] as number), 12);
    }
    expect(Math.min(...wild.priceMove)).toBeLessThan(Math.min(...calm.priceMove));
  });
  it('errors: bad filter options, too-short history', () => {
    expect(() => buildFilteredScenarios(history, { ...base, volFloorPercentile: 0 })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'volFloorPercentile' }));
    expect(() => buildFilteredScenarios(history, { ...base, lambda: 1.2 })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'lambda' }));
    expect(() => buildFilteredScenarios(history, { ...base, filter: 'arch' as 'ewma' })).toThrow(expect.objectContaining({ field: 'filter' }));
    expect(() => buildFilteredScenarios(history, { ...base, endDate: '2011-10-31', lookback: 60 })).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID' }));
    expect(() => buildFilteredScenarios(history, { ...base, endDate: '2011-12-30', lookback: 40, filter: 'garch' })).toThrow(/GARCH\(1,1\) filter needs at least 100/);
  });
});
