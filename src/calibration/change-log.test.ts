import { describe, expect, it } from 'vitest';
import { loadMarketHistory } from '../scenarios/history/load-market-history.js';
import { calibrate } from './calibrate.js';
import { buildChangeLog } from './change-log.js';

const history = loadMarketHistory(['BTC', 'ETH']);
const stressedWindow = { from: '2020-02-20', to: '2020-04-30' };
// 2023-06-30 (a calm year behind it) → 2025-06-30: BTC and ETH scan ranges and GARCH fits move.
const previous = calibrate(history, { asOf: '2023-06-30', stressedWindow });
const next = calibrate(history, { asOf: '2025-06-30', stressedWindow }, previous);

describe('change log', () => {
  it('a first version logs "initial calibration" for each underlying', () => {
    expect(previous.version).toBe(1);
    expect(previous.supersedes).toBeUndefined();
    const sentences = previous.changeLog.map((e) => e.sentence);
    expect(sentences).toContain(`BTC price scan range ${(previous.scanRanges.underlyings.BTC!.span.priceScanRange * 100).toFixed(1)}%: initial calibration`);
    expect(sentences.filter((s) => s.endsWith(': initial calibration'))).toHaveLength(6);
    expect(previous.changeLog.every((e) => e.from === undefined && e.reason === 'initial calibration')).toBe(true);
  });

  it('the next version is previous + 1 and names what it supersedes', () => {
    expect(next.version).toBe(2);
    expect(next.supersedes).toEqual({ version: 1, asOf: '2023-06-30', inputHash: previous.createdFrom.inputHash });
  });

  it('explains each changed price scan range by the vol change, with from/to values', () => {
    for (const u of ['BTC', 'ETH'] as const) {
      const from = previous.scanRanges.underlyings[u]!.span.priceScanRange;
      const to = next.scanRanges.underlyings[u]!.span.priceScanRange;
      const entry = next.changeLog.find((e) => e.field === `scanRanges.${u}.priceScanRange`);
      if (from === to) {
        expect(entry).toBeUndefined();
        continue;
      }
      expect(entry).toMatchObject({ underlying: u, from, to });
      const e0 = previous.ewma.underlyings[u]!.annualisedVol;
      const e1 = next.ewma.underlyings[u]!.annualisedVol;
      const verb = e1 > e0 ? 'rose' : 'fell';
      expect(entry!.sentence).toBe(
        `${u} price scan range ${(from * 100).toFixed(1)}% → ${(to * 100).toFixed(1)}%: ${entry!.reason}`,
      );
      expect(entry!.reason).toMatch(new RegExp(`^EWMA vol ${verb} from ${(e0 * 100).toFixed(0)}% to ${(e1 * 100).toFixed(0)}% \\(500-day realised vol \\d+% → \\d+%\\)`));
    }
    // At least one of the two moved over two years.
    expect(next.changeLog.some((e) => e.field.endsWith('.priceScanRange'))).toBe(true);
  });

  it('logs GARCH persistence moves beyond the threshold with the half-life', () => {
    for (const u of ['BTC', 'ETH'] as const) {
      const p0 = previous.garch.underlyings[u]!.persistence;
      const p1 = next.garch.underlyings[u]!.persistence;
      const entry = next.changeLog.find((e) => e.field === `garch.${u}.persistence`);
      if (Math.abs(p1 - p0) > 0.01) {
        expect(entry?.sentence).toMatch(new RegExp(`^${u} GARCH persistence ${p0.toFixed(3)} → ${p1.toFixed(3)}: variance shocks now halve in`));
      } else {
        expect(entry).toBeUndefined();
      }
    }
  });

  it('logs correlation moves beyond the threshold, and settings changes', () => {
    const strict = calibrate(history, { asOf: '2025-06-30', stressedWindow, correlationChangeThreshold: 0.001 }, previous);
    const settings = strict.changeLog.find((e) => e.field === 'settings.correlationChangeThreshold');
    expect(settings?.sentence).toBe('correlationChangeThreshold 0.1 → 0.001: calibration settings changed');
    const sample = strict.changeLog.find((e) => e.field === 'correlations.sample.BTC/ETH');
    const r0 = previous.correlations.sample.matrix[0]![1]!;
    const r1 = strict.correlations.sample.matrix[0]![1]!;
    expect(sample).toMatchObject({ from: r0, to: r1 });
    expect(sample!.sentence).toMatch(/^BTC\/ETH sample correlation \d\.\d\d → \d\.\d\d \([+−]\d\.\d\d, threshold 0\.001\): lookback now 2024-\d\d-\d\d\.\.2025-06-30 \(was 2022-\d\d-\d\d\.\.2023-06-30\)$/);
    // Same stressed window in both: its correlation does not move.
    expect(strict.changeLog.some((e) => e.field.startsWith('correlations.stressed.'))).toBe(false);
  });

  it('logs added and removed underlyings', () => {
    const btcOnly = calibrate(loadMarketHistory(['BTC']), { asOf: '2025-06-30', stressedWindow }, previous);
    expect(btcOnly.changeLog.find((e) => e.field === 'underlyings.ETH')?.sentence).toMatch(/^ETH removed: no longer calibrated \(was price scan range \d+\.\d%\)$/);
    const log = buildChangeLog(next, btcOnly);
    expect(log.find((e) => e.field === 'underlyings.ETH')?.sentence).toMatch(/^ETH added: initial calibration, price scan range \d+\.\d%$/);
    expect(log.find((e) => e.field === 'scanRanges.ETH.priceScanRange')?.reason).toBe('initial calibration (new underlying)');
  });

  it('nothing changed → no entries', () => {
    expect(buildChangeLog(next, { ...next, changeLog: [] })).toEqual([]);
  });
});
