import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ScenarioSet } from '../scenario-set.js';
import { buildHistoricalScenarios } from './historical-scenarios.js';
import { readClosesDirect } from './history-test-fixtures.js';
import { loadMarketHistory } from './load-market-history.js';
import type { MarketHistory } from './market-history.js';
import type { HistoricalScenarioOptions } from './scenario-window.js';
import { realisedVolProxy } from './vol-move-shifts.js';

const history = loadMarketHistory(['BTC', 'SPX']);
const btcCsv = readClosesDirect('data/btc_usd_daily.csv');
const spxCsv = readClosesDirect('data/sp500_daily.csv');
const vixCsv = readClosesDirect('data/vix_daily.csv');
const base: HistoricalScenarioOptions = { underlyings: ['BTC', 'SPX'], lookback: 20, mpor: 1, mporMethod: 'overlapping', endDate: '2020-03-31', volMoves: 'index' };

const move = (set: ScenarioSet, u: number, id: string): number => set.priceMove[u * set.count + set.ids.indexOf(id)] as number;
const vol = (set: ScenarioSet, u: number, id: string): number => set.volShift[u * set.count + set.ids.indexOf(id)] as number;
/** Relative move e^{ln(a/b)} − 1 from two CSV closes. */
const rel = (csv: Map<string, number>, to: string, from: string, h = 1): number => Math.exp(h * Math.log(csv.get(to)! / csv.get(from)!)) - 1;

describe('historical simulation scenarios (var-es.md §2)', () => {
  const set = buildHistoricalScenarios(history, base);

  it('is a ScenarioSet of the lookback most recent end dates, ids = dates, relative vol, no time step, weight 1', () => {
    expect(set.count).toBe(20);
    expect(set.underlyings).toEqual(['BTC', 'SPX']);
    expect(set.ids[19]).toBe('2020-03-31');
    expect(set.ids[0]).toBe('2020-03-04'); // 20 NYSE days back from 31 March
    expect(set.priceMove.length).toBe(40);
    expect(set.volShift.length).toBe(40);
    expect(set.volShiftMode).toBe('relative');
    expect(Array.from(set.timeStep).every((x) => x === 0)).toBe(true);
    expect(Array.from(set.weight).every((x) => x === 1)).toBe(true);
    expect(set.endDate).toBe('2020-03-31');
    expect(set.ids.every((d, i) => i === 0 || d > (set.ids[i - 1] as string))).toBe(true);
  });
  it('the 2020-03-12 scenario is e^{ln(c_t/c_{t−1})} − 1 of each CSV, and its label names the moves', () => {
    expect(move(set, 0, '2020-03-12')).toBeCloseTo(rel(btcCsv, '2020-03-12', '2020-03-11'), 14);
    expect(move(set, 1, '2020-03-12')).toBeCloseTo(rel(spxCsv, '2020-03-12', '2020-03-11'), 14);
    expect(set.labels[set.ids.indexOf('2020-03-12')]).toBe('2020-03-12: BTC −38.8 %, SPX −9.5 %');
  });
  it('moves over the equity calendar: the Monday scenario is the return from Friday', () => {
    expect(move(set, 0, '2020-03-16')).toBeCloseTo(rel(btcCsv, '2020-03-16', '2020-03-13'), 14);
  });
  it('vol shifts from VIX for SPX (VIX_t / VIX_{t−1} − 1) and the realised proxy for BTC', () => {
    expect(vol(set, 1, '2020-03-12')).toBeCloseTo(vixCsv.get('2020-03-12')! / vixCsv.get('2020-03-11')! - 1, 12);
    expect(set.volSource).toEqual(['realised', 'index']);
    const proxy = realisedVolProxy(history.close[0] as Float64Array);
    const t = history.dates.indexOf('2020-03-12');
    expect(vol(set, 0, '2020-03-12')).toBeCloseTo((proxy[t] as number) / (proxy[t - 1] as number) - 1, 12);
    expect(vol(set, 0, '2020-03-12')).toBeGreaterThan(0.5); // a −39 % day lifts EWMA vol a lot
  });
  it("volMoves 'realised' ignores VIX; 'none' gives zeros", () => {
    const realised = buildHistoricalScenarios(history, { ...base, volMoves: 'realised' });
    expect(realised.volSource).toEqual(['realised', 'realised']);
    expect(vol(realised, 1, '2020-03-12')).not.toBeCloseTo(vol(set, 1, '2020-03-12'), 3);
    expect(Array.from(realised.priceMove)).toEqual(Array.from(set.priceMove));
    const none = buildHistoricalScenarios(history, { ...base, volMoves: 'none' });
    expect(Array.from(none.volShift).every((x) => x === 0)).toBe(true);
    expect(none.volSource).toEqual(['none', 'none']);
  });
  it('defaults to the last common date (SPX ends 2020-04-17)', () => {
    const latest = buildHistoricalScenarios(history, { ...base, endDate: undefined, lookback: 250 });
    expect(latest.ids[249]).toBe('2020-04-17');
    expect(latest.count).toBe(250);
  });
  it('an end date on a weekend uses the Friday before', () => {
    expect(buildHistoricalScenarios(history, { ...base, endDate: '2020-03-29' }).ids[19]).toBe('2020-03-27');
  });
  it('follows the set order of underlyings, not the history order', () => {
    const swapped = buildHistoricalScenarios(history, { ...base, underlyings: ['SPX', 'BTC'] });
    expect(move(swapped, 1, '2020-03-12')).toBe(move(set, 0, '2020-03-12'));
    const spxOnly = buildHistoricalScenarios(history, { ...base, underlyings: ['SPX'] });
    expect(spxOnly.priceMove.length).toBe(20);
    expect(spxOnly.labels[spxOnly.ids.indexOf('2020-03-12')]).toBe('2020-03-12: SPX −9.5 %');
  });
});

describe('MPOR: overlapping vs sqrt (var-es.md §8)', () => {
  const over = buildHistoricalScenarios(history, { ...base, mpor: 5 });
  const sqrt = buildHistoricalScenarios(history, { ...base, mpor: 5, mporMethod: 'sqrt' });
  const d = history.dates;
  const t = d.indexOf('2020-03-12');

  it('same end dates for both methods', () => {
    expect(over.ids).toEqual(sqrt.ids);
    expect(over.mpor).toBe(5);
  });
  it('overlapping: c_t / c_{t−5} − 1 over aligned dates; sqrt: e^{√5·ln(c_t/c_{t−1})} − 1', () => {
    expect(move(over, 1, '2020-03-12')).toBeCloseTo(rel(spxCsv, '2020-03-12', d[t - 5] as string), 14);
    expect(move(over, 0, '2020-03-12')).toBeCloseTo(rel(btcCsv, '2020-03-12', d[t - 5] as string), 14);
    expect(move(sqrt, 1, '2020-03-12')).toBeCloseTo(rel(spxCsv, '2020-03-12', d[t - 1] as string, Math.sqrt(5)), 14);
  });
  it('vol shifts follow the method: VIX_t/VIX_{t−5} − 1 vs e^{√5·ln(VIX_t/VIX_{t−1})} − 1', () => {
    expect(vol(over, 1, '2020-03-12')).toBeCloseTo(vixCsv.get('2020-03-12')! / vixCsv.get(d[t - 5] as string)! - 1, 12);
    expect(vol(sqrt, 1, '2020-03-12')).toBeCloseTo(Math.exp(Math.sqrt(5) * Math.log(vixCsv.get('2020-03-12')! / vixCsv.get(d[t - 1] as string)!)) - 1, 12);
  });
  it('every move is e^r − 1 > −1, and over h = 1 the methods agree (property on random end dates)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 400, max: history.dates.length - 1 }), fc.integer({ min: 1, max: 10 }), (end, h) => {
        const o = { ...base, endDate: history.dates[end] as string, lookback: 30, mpor: h };
        const a = buildHistoricalScenarios(history, o);
        const b = buildHistoricalScenarios(history, { ...o, mporMethod: 'sqrt' });
        expect(Array.from(a.priceMove).every((x) => x > -1 && Number.isFinite(x))).toBe(true);
        expect(Array.from(b.volShift).every((x) => x > -1 && Number.isFinite(x))).toBe(true);
        if (h === 1) expect(Array.from(a.priceMove)).toEqual(Array.from(b.priceMove));
      }),
      { numRuns: 25 },
    );
  });
});

describe('stressed window', () => {
  it('uses exactly the end dates inside [from, to], whatever the lookback', () => {
    const s = buildHistoricalScenarios(history, { ...base, endDate: undefined, lookback: 1, window: { from: '2020-02-22', to: '2020-03-23' } });
    expect(s.ids[0]).toBe('2020-02-24');
    expect(s.ids[s.count - 1]).toBe('2020-03-23');
    expect(s.count).toBe(21);
    expect(s.endDate).toBe('2020-04-17');
  });
  it('a 2008 window on SPX + VIX alone', () => {
    const spx = loadMarketHistory(['SPX']);
    const s = buildHistoricalScenarios(spx, { underlyings: ['SPX'], lookback: 1, mpor: 10, mporMethod: 'overlapping', volMoves: 'index', window: { from: '2008-09-01', to: '2008-12-31' } });
    const worst = Math.min(...s.priceMove);
    expect(worst).toBeLessThan(-0.25);
    expect(s.labels[Array.from(s.priceMove).indexOf(worst)]).toMatch(/^2008-1\d-\d\d: SPX −2\d\.\d %$/);
  });
});

describe('errors', () => {
  it('too short: HISTORY_INVALID with needed vs available and the date ranges', () => {
    const err = (() => {
      try {
        buildHistoricalScenarios(history, { ...base, endDate: '2011-12-30', lookback: 250, mpor: 10 });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toMatchObject({ code: 'HISTORY_INVALID', details: { needed: 261 } });
    expect(String((err as Error).message)).toMatch(/lookback 250 \+ MPOR 10 \+ 1 needs 261 aligned dates up to 2011-12-30, only \d+ available/);
    expect(String((err as Error).message)).toMatch(/BTC 2011-08-18\.\.2025-09-23.*SPX 2000-01-03\.\.2020-04-17.*SPX:vol 1990-01-02/);
  });
  it('exactly lookback + mpor + 1 dates is enough; one fewer is not', () => {
    const small: MarketHistory = loadMarketHistory(['SPX']);
    const end = 25; // index of the end date: end + 1 dates available
    const o = { underlyings: ['SPX'], mpor: 5, mporMethod: 'overlapping' as const, volMoves: 'realised' as const, endDate: small.dates[end] as string };
    expect(buildHistoricalScenarios(small, { ...o, lookback: 20 }).count).toBe(20);
    expect(() => buildHistoricalScenarios(small, { ...o, lookback: 21 })).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID' }));
  });
  it('window too early for the MPOR, empty window, window after the end date', () => {
    expect(() => buildHistoricalScenarios(history, { ...base, window: { from: '2011-08-01', to: '2011-09-01' } })).toThrow(/history too short for window/);
    expect(() => buildHistoricalScenarios(history, { ...base, window: { from: '2020-03-14', to: '2020-03-15' } })).toThrow(/holds no aligned date/);
    expect(() => buildHistoricalScenarios(history, { ...base, window: { from: '2020-04-01', to: '2020-04-10' } })).toThrow(
      expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'window.to' }),
    );
  });
  it('unknown underlying, bad parameters, end date outside the history', () => {
    expect(() => buildHistoricalScenarios(history, { ...base, underlyings: ['ETH'] })).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID', field: 'ETH' }));
    expect(() => buildHistoricalScenarios(history, { ...base, lookback: 0 })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'lookback' }));
    expect(() => buildHistoricalScenarios(history, { ...base, mpor: 2.5 })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'mpor' }));
    expect(() => buildHistoricalScenarios(history, { ...base, endDate: '2020-13-01' })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'endDate' }));
    expect(() => buildHistoricalScenarios(history, { ...base, endDate: '2021-01-04' })).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID', field: 'endDate' }));
  });
});
