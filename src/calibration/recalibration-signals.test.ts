import { describe, expect, it } from 'vitest';
import { calibrate } from './calibrate.js';
import { restrictHistory } from '../scenarios/history/restrict-history.js';
import { syntheticHistory } from './calibration-test-fixtures.js';
import { parseOpenInterestCsv } from './open-interest.js';
import { monitorParameterSet, recalibrationSignals, type CalibrationBaseline, type CurrentMeasures } from './recalibration-signals.js';

const THRESHOLDS = { volBand: 0.25, volumeChangeThreshold: 0.5, openInterestChangeThreshold: 0.5 };

function current(ewmaVol: number, recentVolume?: number, oi?: number): CurrentMeasures {
  return { ewmaVol, recentVolume, volumeUnit: 'base', openInterest: oi === undefined ? undefined : { latest: oi, latestDate: '2024-06-14' } };
}
function baseline(calibratedVol: number, averageVolume?: number, oi?: number): CalibrationBaseline {
  return { calibratedVol, averageVolume, volumeUnit: 'base', openInterestAverage: oi, label: 'set v1 (as of 2024-01-31)' };
}

describe('recalibrationSignals (pure comparisons)', () => {
  it('vol band: inside [1/(1+b), 1+b] × calibrated is quiet, outside trips', () => {
    const run = (now: number) =>
      recalibrationSignals({ underlyings: ['BTC'], current: new Map([['BTC', current(now)]]), baselines: new Map([['BTC', baseline(0.5)]]), thresholds: THRESHOLDS });
    expect(run(0.6)).toEqual([]);
    expect(run(0.41)).toEqual([]); // 0.5 / 1.25 = 0.4
    const up = run(1.0);
    expect(up).toHaveLength(1);
    expect(up[0]).toMatchObject({ kind: 'vol-band', underlying: 'BTC', values: { current: 1, calibrated: 0.5, lower: 0.4, upper: 0.625, ratio: 2 } });
    expect(up[0]!.message).toMatch(/BTC EWMA vol 100\.0% is above the band \[40\.0%, 62\.5%\] around the calibrated 50\.0% of set v1/);
    expect(run(0.39)[0]!.message).toMatch(/below the band/);
  });

  it('volume and open interest beyond ±50 % trip; different volume units are not compared', () => {
    const signals = recalibrationSignals({
      underlyings: ['ETH'],
      current: new Map([['ETH', current(0.5, 1600, 400)]]),
      baselines: new Map([['ETH', baseline(0.5, 1000, 1000)]]),
      thresholds: THRESHOLDS,
    });
    expect(signals.map((s) => s.kind)).toEqual(['volume-change', 'open-interest-change']);
    expect(signals[0]!.values.change).toBeCloseTo(0.6, 12);
    expect(signals[0]!.message).toMatch(/ETH average daily volume 1\.60k \(base units\) is \+60% vs the 1\.00k/);
    expect(signals[1]!.values.change).toBeCloseTo(-0.6, 12);
    const quote = recalibrationSignals({
      underlyings: ['ETH'],
      current: new Map([['ETH', { ...current(0.5, 5000), volumeUnit: 'quote' as const }]]),
      baselines: new Map([['ETH', baseline(0.5, 1000)]]),
      thresholds: THRESHOLDS,
    });
    expect(quote).toEqual([]);
  });

  it('new product: an underlying absent from the previous set', () => {
    const signals = recalibrationSignals({
      underlyings: ['BTC', 'SOL'],
      current: new Map([['BTC', current(0.5)], ['SOL', current(0.8)]]),
      baselines: new Map([['BTC', baseline(0.5)], ['SOL', baseline(0.8)]]),
      thresholds: THRESHOLDS,
      previous: { underlyings: ['BTC'], label: 'set v1 (as of 2024-01-31)' },
    });
    expect(signals).toEqual([
      expect.objectContaining({ kind: 'new-product', underlying: 'SOL', message: expect.stringMatching(/SOL is new: the previous set v1/) }),
    ]);
  });
});

describe('signals from calibrate', () => {
  // 800 calm days at 2 % a day, then 100 days at 4 %: the EWMA vol doubles after the first calibration.
  const history = syntheticHistory({
    underlyings: ['AAA', 'BBB'],
    days: 900,
    vol: (u, t) => (u === 'AAA' && t >= 800 ? 0.04 : 0.02),
    volume: (u, t) => (u === 'BBB' && t >= 850 ? 3000 : 1000),
  });
  const before = history.dates[799] as string;
  const first = calibrate(history, { asOf: before, lookback: 500 });

  it('a calm first calibration raises no signal', () => {
    expect(first.signals).toEqual([]);
  });

  it('vol band trips when vol doubles; volume trips when it triples', () => {
    const next = calibrate(history, { lookback: 500 }, first);
    const vol = next.signals.find((s) => s.kind === 'vol-band');
    expect(vol).toMatchObject({ underlying: 'AAA', values: { reference: `set v1 (as of ${before})` } });
    expect(vol!.values.ratio as number).toBeGreaterThan(1.6);
    expect(vol!.values.calibrated).toBe(first.ewma.underlyings.AAA!.lookbackAnnualisedVol);
    expect(next.signals.filter((s) => s.kind === 'vol-band').map((s) => s.underlying)).toEqual(['AAA']);
    const volume = next.signals.find((s) => s.kind === 'volume-change');
    expect(volume).toMatchObject({ underlying: 'BBB' });
    expect(volume!.values.change as number).toBeCloseTo(2, 1);
  });

  it('monitorParameterSet sees the same vol move against the live set', () => {
    const signals = monitorParameterSet(history, first);
    expect(signals.some((s) => s.kind === 'vol-band' && s.underlying === 'AAA')).toBe(true);
    // Monitoring on the calibration date itself compares the set with its own data: the lookback vol matches.
    expect(monitorParameterSet(restrictHistory(history, before), first).filter((s) => s.kind === 'vol-band')).toEqual([]);
  });

  it('new product: an underlying calibrated now but not in the previous set', () => {
    const onlyA = syntheticHistory({ underlyings: ['AAA'], days: 900, vol: () => 0.02 });
    const previous = calibrate(onlyA, { asOf: before });
    const next = calibrate(syntheticHistory({ underlyings: ['AAA', 'CCC'], days: 900, vol: () => 0.02 }), {}, previous);
    expect(next.signals.filter((s) => s.kind === 'new-product')).toEqual([
      expect.objectContaining({ underlying: 'CCC', message: expect.stringContaining('CCC is new') }),
    ]);
  });

  it('open interest: a CSV row 60 % above the lookback average trips', () => {
    const rows = ['date,underlying,open_interest'];
    history.dates.forEach((d, t) => rows.push(`${d},AAA,${t >= 890 ? 1600 : 1000}`));
    const openInterest = parseOpenInterestCsv(rows.join('\n'), 'oi.csv');
    const set = calibrate(history, { lookback: 500 }, undefined, { openInterest });
    expect(set.activity.AAA?.openInterest).toMatchObject({ latest: 1600, latestDate: history.dates[899] });
    const oi = set.signals.find((s) => s.kind === 'open-interest-change');
    expect(oi).toMatchObject({ underlying: 'AAA' });
    expect(set.activity.BBB?.openInterest).toBeUndefined();
  });
});

describe('parseOpenInterestCsv', () => {
  it('reads rows in any order into ascending series per underlying', () => {
    const t = parseOpenInterestCsv('date,underlying,open_interest\n2024-06-02,BTC,12\n2024-06-01,BTC,10\n2024-06-01,ETH,5.5\n', 'oi.csv');
    expect(t.get('BTC')).toEqual({ dates: ['2024-06-01', '2024-06-02'], values: [10, 12] });
    expect(t.get('ETH')).toEqual({ dates: ['2024-06-01'], values: [5.5] });
  });
  it.each([
    ['date,underlying,oi\n2024-06-01,BTC,1', /CSV_MALFORMED|header column open_interest/],
    ['date,underlying,open_interest\n', /no open-interest rows/],
    ['date,underlying,open_interest\n2024-02-30,BTC,1', /row 1 \(line 2\), column date: expected a calendar date/],
    ['date,underlying,open_interest\n2024-06-01,BTC,-3', /column open_interest: expected a non-negative number \(got "-3"\)/],
    ['date,underlying,open_interest\n2024-06-01,BTC,lots', /column open_interest/],
    ['date,underlying,open_interest\n2024-06-01,B T C,1', /column underlying/],
    ['date,underlying,open_interest\n2024-06-01,BTC,1\n2024-06-01,BTC,2', /row 2 .* BTC already has an open interest on 2024-06-01/],
    ['date,underlying,open_interest\n2024-06-01,BTC', /expected 3 fields/],
  ])('rejects %j with a message naming the place', (text, message) => {
    expect(() => parseOpenInterestCsv(text, 'oi.csv')).toThrow(message);
    try {
      parseOpenInterestCsv(text, 'oi.csv');
    } catch (e) {
      expect((e as { code: string }).code).toMatch(/CSV_MALFORMED|HISTORY_INVALID/);
      expect((e as Error).message).toContain('oi.csv');
    }
  });
});
