import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../core/errors.js';
import { loadMarketHistory } from '../scenarios/history/load-market-history.js';
import { calibrate, type CalibrationProgress } from './calibrate.js';
import { tenYearWindow } from './calibration-window.js';
import { restrictHistory } from '../scenarios/history/restrict-history.js';
import { syntheticHistory } from './calibration-test-fixtures.js';
import { computeInputHash, parseParameterSet, sha256Hex } from './parameter-set.js';

const history = loadMarketHistory(['BTC', 'ETH']);
const asOf = '2024-06-14';
const stressedWindow = { from: '2020-02-20', to: '2020-04-30' };
const SOURCES = [
  { file: 'data/btc_usd_daily.csv', sha256: sha256Hex('btc') },
  { file: 'data/eth_usdt_binance_daily.csv', sha256: sha256Hex('eth') },
];

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof CrossmarginError) return `${e.code} ${e.message}`;
    throw e;
  }
  return 'no error';
}

describe('calibrate', () => {
  const set = calibrate(history, { asOf, stressedWindow }, undefined, { sources: SOURCES });

  it('produces a document that survives JSON and parses with the schema', () => {
    const again = parseParameterSet(JSON.parse(JSON.stringify(set)), 'round-trip');
    expect(again).toEqual(set);
    expect(set.format).toBe('crossmargin-params-1');
    expect(set.version).toBe(1);
    expect(set.asOf).toBe(asOf);
    expect(set.createdFrom.underlyings).toEqual(['BTC', 'ETH']);
    expect(set.createdFrom.dateRange.to).toBe(asOf);
    expect(set.settings).toMatchObject({ asOf, lookback: 500, coverage: 0.99, mpor: 2, lambda: 0.94, stressedWindow });
    expect(set.lookbackWindow).toMatchObject({ to: asOf, returns: 500 });
  });

  it('does not look ahead: calibrating as of a date equals calibrating history that ends there', () => {
    const cut = calibrate(restrictHistory(history, asOf), { asOf, stressedWindow }, undefined, { sources: SOURCES });
    expect(cut).toEqual(set);
    // And data after asOf never shows up: changing a later close changes nothing.
    const tampered = { ...history, close: history.close.map((c) => Float64Array.from(c, (v, t) => (history.dates[t]! > asOf ? v * 3 : v))) };
    expect(calibrate(tampered, { asOf, stressedWindow }, undefined, { sources: SOURCES })).toEqual(set);
  });

  it('input hash: over sorted source hashes and settings, not file names or order', () => {
    expect(set.createdFrom.inputHash).toBe(computeInputHash(SOURCES, set.settings));
    const renamed = [
      { file: 'copy/eth.csv', sha256: SOURCES[1]!.sha256 },
      { file: 'copy/btc.csv', sha256: SOURCES[0]!.sha256 },
    ];
    expect(computeInputHash(renamed, set.settings)).toBe(set.createdFrom.inputHash);
    expect(computeInputHash(SOURCES, { ...set.settings, coverage: 0.995 })).not.toBe(set.createdFrom.inputHash);
    expect(computeInputHash([{ file: 'x', sha256: sha256Hex('other') }, SOURCES[1]!], set.settings)).not.toBe(set.createdFrom.inputHash);
  });

  it('without file hashes, hashes the in-memory history (and says so)', () => {
    const anon = calibrate(history, { asOf, stressedWindow });
    expect(anon.createdFrom.sources).toEqual([{ file: '(in-memory history)', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(anon.notes.join('\n')).toMatch(/no file hashes given/);
  });

  it('EWMA, lookback vol and GARCH are consistent and annualised with the calendar (365 for crypto)', () => {
    expect(set.periodsPerYear).toBe(365);
    for (const u of ['BTC', 'ETH']) {
      const e = set.ewma.underlyings[u]!;
      expect(e.annualisedVol).toBeCloseTo(e.dailyVol * Math.sqrt(365), 14);
      expect(e.lookbackAnnualisedVol).toBeCloseTo(e.lookbackDailyVol * Math.sqrt(365), 14);
      const g = set.garch.underlyings[u]!;
      expect(g.persistence).toBeCloseTo(g.alpha + g.beta, 14);
      expect(g.persistence).toBeLessThan(1);
      expect(g.longRunDailyVol).toBeCloseTo(Math.sqrt(g.omega / (1 - g.persistence)), 12);
      expect(g.halfLifeDays).toBeCloseTo(Math.log(0.5) / Math.log(g.persistence), 10);
      for (const k of ['omega', 'alpha', 'beta'] as const) expect(g.standardErrors[k]).toBeGreaterThan(0);
    }
  });

  it('reports progress for each GARCH fit and scan range, then correlations', () => {
    const steps: CalibrationProgress[] = [];
    calibrate(history, { asOf, stressedWindow }, undefined, { sources: SOURCES, onProgress: (p) => steps.push(p) });
    expect(steps.map((s) => `${s.step}${s.underlying === undefined ? '' : `:${s.underlying}`}`)).toEqual([
      'garch:BTC',
      'scan-ranges:BTC',
      'garch:ETH',
      'scan-ranges:ETH',
      'correlations',
    ]);
  });

  it('chooses a stressed window automatically inside the APC window when none is given', () => {
    const auto = calibrate(history, { asOf });
    const w = auto.correlations.stressed.window;
    expect(w.selection).toBe('auto');
    expect(w.returns).toBe(60);
    expect(auto.scanRanges.apc.stressedWindow).toEqual({ from: w.from, to: w.to });
    // The most volatile 60 days of crypto since 2017 include March 2020.
    expect(w.from <= '2020-03-12' && w.to >= '2020-03-12').toBe(true);
  });

  it('the APC window is the last apcYears calendar years, or all history when shorter', () => {
    const btc = restrictHistory(loadMarketHistory(['BTC']), '2024-06-14');
    const w = tenYearWindow(btc, 10, 2);
    expect(btc.dates[w.first]! > '2014-06-14').toBe(true);
    expect(btc.dates[w.first - 1]! <= '2014-06-14').toBe(true);
    expect(w.truncated).toBe(false);
    expect(tenYearWindow(btc, 20, 2)).toEqual({ first: 2, last: btc.dates.length - 1, truncated: true });
  });

  it('clear errors: bad settings, too little history, a stressed window after as-of', () => {
    expect(codeOf(() => calibrate(history, { coverage: 1.5 }))).toMatch(/^MODEL_PARAMS_INVALID settings: coverage:/);
    expect(codeOf(() => calibrate(history, { lookback: 50 }))).toMatch(/^MODEL_PARAMS_INVALID settings: lookback:/);
    expect(codeOf(() => calibrate(history, { asOf: '2017-12-31' }))).toMatch(/^HISTORY_INVALID calibration needs 502 aligned dates/);
    expect(codeOf(() => calibrate(history, { asOf: '2010-01-01' }))).toMatch(/^HISTORY_INVALID asOf 2010-01-01 is before the aligned history/);
    expect(codeOf(() => calibrate(history, { asOf, stressedWindow: { from: '2024-06-01', to: '2024-07-31' } }))).toMatch(
      /^MODEL_PARAMS_INVALID stressedWindow: 2024-06-01\.\.2024-07-31 ends after the last date used, 2024-06-14/,
    );
    expect(codeOf(() => calibrate(history, { asOf, stressedWindow: { from: '2020-03-01', to: '2020-03-02' } }))).toMatch(/at least 4 are needed/);
  });

  it('flat prices: a clear error rather than NaN parameters', () => {
    const flat = syntheticHistory({ underlyings: ['AAA'], days: 700, vol: () => 0 });
    expect(codeOf(() => calibrate(flat, {}))).toMatch(/^HISTORY_INVALID/);
  });
});
