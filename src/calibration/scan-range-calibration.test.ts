import { describe, expect, it } from 'vitest';
import { ScenarioGridParamsSchema } from '../models/scenario-grid/scenario-grid-params.js';
import { SpanParamsSchema } from '../models/span/span-params.js';
import { TimsParamsSchema } from '../models/tims/tims-params.js';
import { readClosesDirect } from '../scenarios/history/history-test-fixtures.js';
import { loadMarketHistory } from '../scenarios/history/load-market-history.js';
import { calibrate } from './calibrate.js';
import { modelParamsFromCalibration } from './model-params-from-calibration.js';
import { absQuantile, ewmaBurnIn, priceMoves, roundUpTo } from './scan-range-calibration.js';

describe('scan-range building blocks', () => {
  it('absQuantile is the k-th largest |x|, k = ⌈(1 − coverage)·N⌉ without drift (var-es.md §1)', () => {
    const xs = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? 1 : -1) * (i + 1));
    expect(absQuantile(xs, 0.99)).toBe(100); // k = 1, not 2 (naive ceil of 1.0000000000000009)
    expect(absQuantile(xs, 0.95)).toBe(96); // k = 5
    expect(absQuantile([3], 0.99)).toBe(3);
    expect(() => absQuantile([], 0.99)).toThrow(/no observations/);
  });
  it('priceMoves: up e^q − 1, down 1 − e^−q, range = up', () => {
    const m = priceMoves(Math.log(1.2));
    expect(m.up).toBeCloseTo(0.2, 15);
    expect(m.down).toBeCloseTo(1 - 1 / 1.2, 15);
    expect(m.range).toBe(m.up);
  });
  it('roundUpTo never rounds down and leaves exact multiples alone', () => {
    expect(roundUpTo(0.15, 0.001)).toBe(0.15);
    expect(roundUpTo(0.1 + 0.05, 0.001)).toBe(0.15); // 0.15000000000000002 is still 0.15
    expect(roundUpTo(0.15001, 0.001)).toBe(0.151);
    expect(roundUpTo(0.0004, 0.001)).toBe(0.001);
  });
  it('the realised proxy burn-in is 75 days for λ = 0.94 (var-es.md §6: 74.43)', () => {
    expect(ewmaBurnIn(0.94)).toBe(75);
  });
});

/** Everything below is recomputed from the CSV text, independently of the loaders and the calibration code. */
function btcDirect(asOf: string): { dates: string[]; close: number[] } {
  const all = readClosesDirect('data/btc_usd_daily.csv');
  const dates = [...all.keys()].filter((d) => d <= asOf).sort();
  return { dates, close: dates.map((d) => all.get(d) as number) };
}

/** k-th largest of |x| with k = ⌈N·(100 − 99)/100⌉ in integers (coverage 0.99). */
function direct99(xs: readonly number[]): number {
  const sorted = xs.map(Math.abs).sort((a, b) => b - a);
  const k = Math.ceil((xs.length * 1) / 100);
  return sorted[k - 1] as number;
}

describe('scan ranges on the bundled BTC history = an independent quantile computation', () => {
  const asOf = '2024-06-14';
  const stressedWindow = { from: '2020-02-20', to: '2020-04-30' };
  const set = calibrate(loadMarketHistory(['BTC']), { asOf, stressedWindow, lookback: 500, coverage: 0.99, mpor: 2 });
  const s = set.scanRanges.underlyings.BTC!;
  const { dates, close } = btcDirect(asOf);
  const n = dates.length;
  const h = 2;
  const move = (t: number): number => Math.log((close[t] as number) / (close[t - h] as number));

  it('current window: the 5th largest of the last 500 overlapping 2-day |log returns|', () => {
    const moves = Array.from({ length: 500 }, (_, s) => move(n - 500 + s));
    const q = direct99(moves);
    expect(s.windows.current.observations).toBe(500);
    expect(s.windows.current.from).toBe(dates[n - 500]);
    expect(s.windows.current.to).toBe(asOf);
    expect(s.windows.current.price.logQuantile).toBe(q);
    expect(s.withoutApc.priceScanRange).toBeCloseTo(Math.exp(q) - 1, 15);
    expect(s.windows.current.price.up).toBeCloseTo(Math.exp(q) - 1, 15);
    expect(s.windows.current.price.down).toBeCloseTo(1 - Math.exp(-q), 15);
    expect(s.windows.current.price.down).toBeLessThan(s.windows.current.price.up);
  });

  it('APC: 10-year floor, stressed blend, withApc = max(current, 10-year, 0.75·current + 0.25·stressed), rounded up', () => {
    const tenYearStart = '2014-06-14';
    const tenYear: number[] = [];
    const stressed: number[] = [];
    for (let t = h; t < n; t++) {
      if ((dates[t] as string) > tenYearStart) tenYear.push(move(t));
      if ((dates[t] as string) >= stressedWindow.from && (dates[t] as string) <= stressedWindow.to) stressed.push(move(t));
    }
    const current = Math.exp(direct99(Array.from({ length: 500 }, (_, s) => move(n - 500 + s)))) - 1;
    const ten = Math.exp(direct99(tenYear)) - 1;
    const str = Math.exp(direct99(stressed)) - 1;
    expect(s.windows.tenYear.observations).toBe(tenYear.length);
    expect(s.windows.tenYear.truncated).toBe(false);
    expect(s.windows.tenYear.price.range).toBeCloseTo(ten, 15);
    expect(s.windows.stressed.observations).toBe(stressed.length);
    expect(s.windows.stressed.price.range).toBeCloseTo(str, 15); // N ≈ 70 → k = 1: the largest move
    const withApc = Math.max(current, ten, 0.75 * current + 0.25 * str);
    expect(s.withApc.priceScanRange).toBeCloseTo(withApc, 15);
    expect(s.span.priceScanRange).toBeCloseTo(Math.ceil(withApc * 1000) / 1000, 12);
    expect(s.tims.priceRange).toBe(s.span.priceScanRange);
    expect(s.scenarioGrid.priceRange).toBe(s.span.priceScanRange);
    expect(s.capped).toBe(false);
  });

  it('vol scan range: 99 % quantile of 2-day changes of an independently computed annualised EWMA realised vol', () => {
    expect(set.periodsPerYear).toBe(365);
    expect(s.volSource).toBe('realised');
    // EWMA(0.94) seeded with the first squared return; vol at date t uses returns up to t.
    const v: number[] = [Number.NaN];
    let s2 = 0;
    for (let t = 1; t < n; t++) {
      const r = Math.log((close[t] as number) / (close[t - 1] as number));
      s2 = t === 1 ? r * r : 0.94 * s2 + 0.06 * r * r;
      v.push(Math.sqrt(s2 * 365));
    }
    const changes = Array.from({ length: 500 }, (_, s) => (v[n - 500 + s] as number) - (v[n - 502 + s] as number));
    expect(s.windows.current.volQuantile).toBeCloseTo(direct99(changes), 12);
    expect(s.withoutApc.volScanRange).toBeCloseTo(direct99(changes), 12);
  });

  it('the method text states the recipe and the numbers', () => {
    expect(s.method).toMatch(/99\.0% quantile q of \|2-day overlapping log return\|/);
    expect(s.method).toContain(`${s.windows.current.from}..${asOf}`);
  });
});

describe('scan ranges: vol index, cap, pluggability', () => {
  it('SPX uses VIX: the quantile of |VIX_t − VIX_{t−2}| on the dates SPX and VIX share, in vol points', () => {
    const set = calibrate(loadMarketHistory(['SPX']), { asOf: '2020-04-17', stressedWindow: { from: '2020-02-20', to: '2020-04-17' } });
    const s = set.scanRanges.underlyings.SPX!;
    expect(s.volSource).toBe('index');
    const spx = readClosesDirect('data/sp500_daily.csv');
    const vix = readClosesDirect('data/vix_daily.csv');
    const dates = [...spx.keys()].filter((d) => vix.has(d) && d <= '2020-04-17').sort();
    const n = dates.length;
    const changes = Array.from({ length: 500 }, (_, k) => ((vix.get(dates[n - 500 + k]!) as number) - (vix.get(dates[n - 502 + k]!) as number)) / 100);
    expect(s.withoutApc.volScanRange).toBeCloseTo(direct99(changes), 12);
    expect(set.periodsPerYear).toBeGreaterThanOrEqual(250);
    expect(set.periodsPerYear).toBeLessThanOrEqual(254);
  });

  it('caps a stressed price range that would not fit SPAN / the grid, and says so', () => {
    // March 2020 with full stressed weight: the largest 2-day BTC move (12–13 March, ≈ −48 % in log) gives e^q − 1 > 0.5.
    const set = calibrate(loadMarketHistory(['BTC']), { asOf: '2024-06-14', stressedWindow: { from: '2020-03-01', to: '2020-03-31' }, stressedWeight: 1 });
    const s = set.scanRanges.underlyings.BTC!;
    expect(s.withApc.priceScanRange).toBeGreaterThan(0.5);
    expect(s.withApc.priceBinding).toBe('stressed');
    expect(s.capped).toBe(true);
    expect(s.span.priceScanRange).toBe(0.499);
    expect(set.notes.join('\n')).toMatch(/BTC: the APC price scan range .* was capped at 49\.9%/);
  });

  it('the pluggable values parse with the span, tims and scenario-grid schemas', () => {
    const set = calibrate(loadMarketHistory(['BTC', 'ETH']), { asOf: '2024-06-14' });
    const p = modelParamsFromCalibration(set);
    const span = SpanParamsSchema.parse({ underlyings: p.span.underlyings });
    expect(span.underlyings.BTC?.priceScanRange).toBe(set.scanRanges.underlyings.BTC?.span.priceScanRange);
    const tims = TimsParamsSchema.parse({ classGroups: p.tims.classGroups });
    expect(tims.classGroups.ETH?.priceRange).toBe(set.scanRanges.underlyings.ETH?.tims.priceRange);
    const grid = ScenarioGridParamsSchema.parse({ underlyings: p.scenarioGrid.underlyings });
    expect(grid.underlyings.BTC?.priceRange).toBe(set.scanRanges.underlyings.BTC?.scenarioGrid.priceRange);
    expect(() => modelParamsFromCalibration(set, ['SOL'])).toThrow(/SOL: not calibrated/);
  });
});
