import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../core/errors.js';
import { alignPanel } from './aligned-panel.js';
import { loadPriceHistory } from './load-price-history.js';

const dataPath = (name: string): string => fileURLToPath(new URL(`../../data/${name}`, import.meta.url));
const series = (pairs: [string, number][]) => ({ dates: pairs.map((p) => p[0]), close: Float64Array.from(pairs, (p) => p[1]) });

function errorOf(fn: () => unknown): CrossmarginError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CrossmarginError) return error;
    throw error;
  }
  throw new Error('expected a CrossmarginError, nothing was thrown');
}

describe('alignPanel', () => {
  it('intersects dates and reports what each series lost', () => {
    const a = series([
      ['2024-01-01', 1],
      ['2024-01-02', 2],
      ['2024-01-03', 3],
      ['2024-01-04', 4],
    ]);
    const b = series([
      ['2024-01-02', 20],
      ['2024-01-04', 40],
      ['2024-01-05', 50],
    ]);
    const p = alignPanel([
      { name: 'A', history: a },
      { name: 'B', history: b },
    ]);
    expect(p.dates).toEqual(['2024-01-02', '2024-01-04']);
    expect(p.names).toEqual(['A', 'B']);
    expect(p.closes.map((c) => [...c])).toEqual([
      [2, 4],
      [20, 40],
    ]);
    expect(p.dropped).toEqual([
      { name: 'A', dates: ['2024-01-01', '2024-01-03'] },
      { name: 'B', dates: ['2024-01-05'] },
    ]);
    expect(p.gaps).toEqual([]);
  });

  it('reports gaps longer than gapDays without throwing', () => {
    const a = series([
      ['2024-01-01', 1],
      ['2024-01-05', 2],
      ['2024-01-12', 3],
    ]);
    expect(alignPanel([{ name: 'A', history: a }]).gaps).toEqual([{ name: 'A', from: '2024-01-05', to: '2024-01-12', days: 7 }]);
    expect(alignPanel([{ name: 'A', history: a }], { gapDays: 3 }).gaps).toHaveLength(2);
  });

  it('throws HISTORY_INVALID for an empty intersection, duplicate names and unsorted dates', () => {
    const a = series([['2024-01-01', 1]]);
    const b = series([['2024-01-02', 1]]);
    const empty = errorOf(() =>
      alignPanel([
        { name: 'A', history: a },
        { name: 'B', history: b },
      ]),
    );
    expect(empty.code).toBe('HISTORY_INVALID');
    expect(empty.field).toBe('histories');
    expect(errorOf(() => alignPanel([])).code).toBe('HISTORY_INVALID');
    expect(
      errorOf(() =>
        alignPanel([
          { name: 'A', history: a },
          { name: 'A', history: a },
        ]),
      ).field,
    ).toBe('histories.1.name');
    const unsorted = series([
      ['2024-01-02', 1],
      ['2024-01-01', 1],
    ]);
    expect(errorOf(() => alignPanel([{ name: 'U', history: unsorted }])).field).toBe('histories.0.history.dates.1');
  });

  it('aligns BTC (7 days a week) with the S&P 500 (trading days)', () => {
    const btc = loadPriceHistory(dataPath('btc_usd_daily.csv'));
    const spx = loadPriceHistory(dataPath('sp500_daily.csv'));
    const p = alignPanel([
      { name: 'BTC', history: btc },
      { name: 'SPX', history: spx },
    ]);
    // BTC has no missing day, so the panel is every S&P trading day from BTC's first day to the S&P's last.
    expect(p.dates[0]).toBe('2011-08-18');
    expect(p.dates.at(-1)).toBe('2020-04-17');
    expect((p.dates[0] as string) >= (btc.dates[0] as string) && (p.dates[0] as string) >= (spx.dates[0] as string)).toBe(true);
    expect(p.dates).toHaveLength(2180);
    const spxStart = spx.dates.indexOf('2011-08-18');
    expect(p.dropped[1]?.dates).toHaveLength(spxStart);
    expect(p.dropped[0]?.dates).toHaveLength(btc.dates.length - 2180);
    const i = p.dates.indexOf('2020-03-12');
    expect(p.closes[0]?.[i]).toBe(btc.close[btc.dates.indexOf('2020-03-12')]);
    expect(p.closes[1]?.[i]).toBe(spx.close[spx.dates.indexOf('2020-03-12')]);
    // The only S&P gap over 5 days is the NYSE closure after 11 September 2001; BTC has none.
    expect(p.gaps).toEqual([{ name: 'SPX', from: '2001-09-10', to: '2001-09-17', days: 7 }]);
  });
});
