import { describe, expect, it } from 'vitest';
import { renderBacktestHtml } from '../report/html-report.js';
import { buildBacktestReport } from '../backtest-report.js';
import type { ModelWalk } from '../walk-forward.js';
import type { MarketHistory } from '../../scenarios/history/market-history.js';
import { summariseBacktest, summariseExceptions } from './backtest-summary.js';
import { christoffersen } from './christoffersen.js';
import { independenceWindowing, nonOverlappingIndicators } from './non-overlapping-indicators.js';

const H = 10;
const DAYS = 2500;
/** Realised days (1-based after the first decision close) with a large loss; none falls in consecutive h-day windows. */
const SHOCKS = [137, 1013, 2222];

/**
 * A 10-day margin test where the model is right about independence: daily P&L alternates ±1 except three isolated
 * −100 shocks; the margin is 50. Decision day t compares the margin with the P&L of days t + 1 … t + 10, so each
 * shock is an exception on the 10 consecutive decision days whose window contains it (overlapping: 30 exceptions in
 * 3 runs of 10), but on the non-overlapping windows (every 10th decision day) in exactly one window each.
 */
function overlappingBacktest(): { pnl: Float64Array; var: Float64Array } {
  const daily = Float64Array.from({ length: DAYS + H + 1 }, (_, d) => (SHOCKS.includes(d) ? -100 : d % 2 === 0 ? 1 : -1));
  const pnl = Float64Array.from({ length: DAYS }, (_, t) => {
    let s = 0;
    for (let d = t + 1; d <= t + H; d++) s += daily[d]!;
    return s;
  });
  return { pnl, var: new Float64Array(DAYS).fill(50) };
}

/** The deterministic series the h = 1 figures were recorded on (before the windowing existed). */
function lcgSeries(n: number, seed: number, rate: number): Uint8Array {
  let s = seed >>> 0;
  const out = new Uint8Array(n);
  for (let t = 0; t < n; t++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[t] = s / 4294967296 < (t > 0 && out[t - 1] === 1 ? 0.3 : rate) ? 1 : 0;
  }
  return out;
}

describe('nonOverlappingIndicators', () => {
  it('keeps every h-th day from the first; h = 1 is the series itself', () => {
    const s = Uint8Array.from([1, 0, 0, 1, 1, 0, 0, 1]);
    expect(Array.from(nonOverlappingIndicators(s, 3))).toEqual([1, 1, 0]);
    expect(Array.from(nonOverlappingIndicators(s, 8))).toEqual([1]);
    expect(Array.from(nonOverlappingIndicators(s, 20))).toEqual([1]);
    expect(nonOverlappingIndicators(s, 1)).toBe(s);
    expect(() => nonOverlappingIndicators(s, 0)).toThrow(expect.objectContaining({ code: 'USAGE_INVALID', field: 'horizon' }));
    expect(() => nonOverlappingIndicators(s, 2.5)).toThrow(expect.objectContaining({ field: 'horizon' }));
  });

  it('describes the windowing', () => {
    expect(independenceWindowing(250, 1, 3)).toEqual({ kind: 'daily', horizon: 1, observations: 250, exceptions: 3, description: 'every day: 1-day windows do not overlap (250 days)' });
    expect(independenceWindowing(250, 10, 1)).toMatchObject({ kind: 'non-overlapping', observations: 25, description: 'non-overlapping 10-day windows: every 10th day from the first (25 of 250 days)' });
    expect(independenceWindowing(251, 2, 0).description).toBe('non-overlapping 2-day windows: every 2nd day from the first (126 of 251 days)');
  });
});

describe('Christoffersen on overlapping h-day P&L (non-overlapping windows)', () => {
  it('does not reject independent exceptions that the overlapping series clusters by construction', () => {
    const input = overlappingBacktest();
    const s = summariseBacktest({ ...input, coverage: 0.99, horizon: H });
    // Coverage tests still count every day: 30 exceptions in 2500 (25 expected), not rejected.
    expect(s.exceptions).toBe(30);
    expect(s.pof.p).toBeGreaterThan(0.3);

    // Old: Christoffersen on every decision day. 3 runs of 10 → n01 = 3, n11 = 27: LR_ind = 259.206, p = 2.6e-58.
    const daily = Uint8Array.from(input.pnl, (v, t) => (-v > input.var[t]! ? 1 : 0));
    const old = christoffersen(daily, 0.01);
    expect(old.counts).toEqual({ n00: 2466, n01: 3, n10: 3, n11: 27 });
    expect(old.independence.statistic).toBeCloseTo(259.20625, 4);
    expect(old.conditionalCoverage.statistic).toBeCloseTo(260.15565, 4);
    expect(old.independence.pValue).toBeLessThan(1e-50);
    expect(old.conditionalCoverage.pValue).toBeLessThan(1e-50);

    // New: every 10th decision day, 250 non-overlapping windows, one exception per shock: LR_ind = 0.073173, p = 0.78677.
    expect(s.independenceWindowing).toMatchObject({ kind: 'non-overlapping', horizon: H, observations: 250, exceptions: 3 });
    expect(s.independence.counts).toEqual({ n00: 243, n01: 3, n10: 3, n11: 0 });
    expect(s.independence.stat).toBeCloseTo(0.073173, 6);
    expect(s.independence.p).toBeGreaterThan(0.05);
    expect(s.independence.p).toBeCloseTo(0.78677, 5);
    // LR_cc = LR_pof + LR_ind on the same 250 windows (3 exceptions where 2.5 are expected).
    expect(s.conditionalCoverage.p).toBeGreaterThan(0.05);
    expect(s.conditionalCoverage.stat).toBeCloseTo(0.168113, 6);
    expect(s.conditionalCoverage.p).toBeCloseTo(0.91938, 5);
  });

  it('still detects clustering across non-overlapping windows', () => {
    // Exceptions on every decision day of 40 consecutive days: 4 consecutive windows at h = 10.
    const ind = new Uint8Array(1000);
    ind.fill(1, 500, 540);
    const s = summariseExceptions(ind, 0.99, { horizon: 10 });
    expect(s.independence.counts.n11).toBe(3);
    expect(s.independence.p).toBeLessThan(1e-3);
  });

  it('h = 1 gives the figures of the daily test to the last digit (recorded before the windowing existed)', () => {
    const a = summariseExceptions(lcgSeries(700, 42, 0.06), 0.95);
    expect(a.independence).toEqual({ stat: 6.0777259671846195, p: 0.013689688206817128, counts: { n00: 640, n01: 27, n10: 27, n11: 5 } });
    expect(a.conditionalCoverage).toEqual({ stat: 6.3560613397821895, p: 0.041667631696877344 });
    expect(a.pof).toEqual({ stat: 0.2783353725975699, p: 0.5977943538034826 });
    expect(a.independenceWindowing).toMatchObject({ kind: 'daily', horizon: 1, observations: 700, exceptions: 32 });
    expect(summariseExceptions(lcgSeries(700, 42, 0.06), 0.95, { horizon: 1 })).toEqual(a);

    const pnl = Float64Array.from({ length: 400 }, (_, t) => Math.sin(t * 1.7) * 10 - (t % 37 === 5 || t % 37 === 6 ? 30 : 0));
    const b = summariseBacktest({ pnl, var: new Float64Array(400).fill(12), coverage: 0.99 });
    expect(b.independence).toEqual({ stat: 40.342420165471566, p: 2.1313071408248108e-10, counts: { n00: 366, n01: 11, n10: 11, n11: 11 } });
    expect(b.conditionalCoverage).toEqual({ stat: 80.18220440398326, p: 3.878426274109621e-18 });
    expect(b.trafficLight).toMatchObject({ zone: 'red', window: 250, exceptions: 14, cumulativeProbability: 0.9999999487392628 });
  });
});

describe('the backtest report states the windowing', () => {
  function walk(model: string): ModelWalk {
    const input = overlappingBacktest();
    const dates = Array.from({ length: DAYS }, (_, t) => new Date(Date.UTC(2015, 0, 1) + t * 86_400_000).toISOString().slice(0, 10));
    const nan = new Float64Array(DAYS).fill(Number.NaN);
    return { model, dates, initialMargin: input.var, maintenanceMargin: input.var, var: nan, es: nan, pnl: input.pnl, confidence: undefined };
  }
  const history = (dates: readonly string[]): MarketHistory => ({
    dates,
    underlyings: [],
    close: [],
    volume: [],
    volumeUnit: [],
    volIndex: new Map(),
    sources: [],
    ranges: [],
    gaps: [],
    dropped: [],
  });

  it('in the JSON summary, the verdict and the HTML page', () => {
    const w = walk('m');
    const report = buildBacktestReport([w], history(w.dates), { portfolio: 'p', horizon: H, coverage: 0.99 });
    const s = report.models[0]!.summary;
    expect(JSON.parse(JSON.stringify(s)).independenceWindowing).toMatchObject({ kind: 'non-overlapping', horizon: 10, observations: 250 });
    // Green over the last 250 days and conditional coverage not rejected on the non-overlapping windows: adequate.
    expect(report.ranking[0]!.adequate).toBe(true);
    expect(report.verdict).toContain('Independence and conditional coverage tested on non-overlapping 10-day windows: every 10th day from the first (250 of 2500 days).');
    const html = renderBacktestHtml(report);
    expect(html).toContain('Christoffersen tests on non-overlapping 10-day windows: every 10th day from the first (250 of 2500 days)');

    const daily = buildBacktestReport([w], history(w.dates), { portfolio: 'p', horizon: 1, coverage: 0.99 });
    expect(daily.models[0]!.summary.independenceWindowing.kind).toBe('daily');
    expect(daily.verdict).not.toContain('Independence and conditional coverage tested');
    expect(renderBacktestHtml(daily)).toContain('Christoffersen tests on every day: 1-day windows do not overlap (2500 days)');
  });
});
