import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../market/package-root.js';
import { buildStressSet } from './build-stress-set.js';
import { selectBuiltInScenarios } from './default-library.js';
import { stressHistory } from './stress-history.js';

/** Close of `date` read straight from a bundled CSV row (`date,open,high,low,close,volume`). */
function closeOn(file: string, date: string): number {
  const row = readFileSync(join(packageRoot(), 'data', file), 'utf8')
    .split('\n')
    .find((line) => line.startsWith(`${date},`));
  if (row === undefined) throw new Error(`${file} has no row for ${date}`);
  return Number(row.split(',')[4]);
}

const history = stressHistory();

describe('historical scenarios cut from the bundled data', () => {
  it('2020-03-12: BTC and SPX move by the close ratios of the CSV rows, SPX vol by the VIX ratio', () => {
    const { set, scenarios } = buildStressSet(selectBuiltInScenarios(['crypto-2020-03-12']), ['BTC', 'SPX'], history.historyFor);
    const btc = closeOn('btc_usd_daily.csv', '2020-03-12') / closeOn('btc_usd_daily.csv', '2020-03-11') - 1;
    const spx = closeOn('sp500_daily.csv', '2020-03-12') / closeOn('sp500_daily.csv', '2020-03-11') - 1;
    const vix = closeOn('vix_daily.csv', '2020-03-12') / closeOn('vix_daily.csv', '2020-03-11') - 1;
    expect(set.priceMove[0]).toBeCloseTo(btc, 12);
    expect(set.priceMove[1]).toBeCloseTo(spx, 12);
    expect(set.volShift[1]).toBeCloseTo(vix, 12);
    expect(btc).toBeLessThan(-0.35); // the Black Thursday crash, as the data has it
    expect(scenarios[0]!.moves[0]).toMatchObject({ baseDate: '2020-03-11', endDate: '2020-03-12', volSource: 'realised' });
    expect(scenarios[0]!.moves[1]).toMatchObject({ volSource: 'index' });
    expect(scenarios[0]!.noData).toEqual([]);
  });

  it('a multi-day window runs from the close before `from` to the close of `to` (LUNA, ETH)', () => {
    const { set, scenarios } = buildStressSet(selectBuiltInScenarios(['crypto-2022-05-luna']), ['ETH'], history.historyFor);
    const eth = closeOn('eth_usdt_binance_daily.csv', '2022-05-12') / closeOn('eth_usdt_binance_daily.csv', '2022-05-08') - 1;
    expect(set.priceMove[0]).toBeCloseTo(eth, 12);
    expect(scenarios[0]!.moves[0]).toMatchObject({ baseDate: '2022-05-08', endDate: '2022-05-12' });
  });

  it('equities skip the weekend before a Monday window (2020-03-16 runs from Friday 2020-03-13)', () => {
    const { set, scenarios } = buildStressSet(selectBuiltInScenarios(['equity-2020-03-16']), ['SPX'], history.historyFor);
    expect(set.priceMove[0]).toBeCloseTo(closeOn('sp500_daily.csv', '2020-03-16') / closeOn('sp500_daily.csv', '2020-03-13') - 1, 12);
    expect(scenarios[0]!.moves[0]).toMatchObject({ baseDate: '2020-03-13' });
  });

  it('underlyings without data in the window are left unmoved and reported; the others still move', () => {
    const { set, scenarios } = buildStressSet(selectBuiltInScenarios(['equity-2008-10', 'crypto-2022-11-ftx']), ['BTC', 'SPX', 'NOHIST'], history.historyFor);
    const [gfc, ftx] = scenarios;
    expect(gfc!.noData.map((d) => d.underlying)).toEqual(['BTC', 'NOHIST']);
    expect(gfc!.noData[0]!.reason).toMatch(/no close between 2008-10-01 and 2008-10-31/);
    expect(gfc!.noData[1]!.reason).toMatch(/no price history/);
    expect(set.priceMove[1 * set.count + 0]).toBeLessThan(-0.15); // SPX in October 2008
    expect(set.priceMove[0 * set.count + 0]).toBe(0);
    expect(ftx!.noData.map((d) => d.underlying)).toEqual(['SPX', 'NOHIST']); // the bundled SPX ends in 2020
    expect(set.priceMove[0 * set.count + 1]).toBeLessThan(-0.1);
  });

  it('hypothetical and breakdown scenarios need no history; a breakdown gives both orientations', () => {
    const { set, scenarios } = buildStressSet(
      [
        { kind: 'hypothetical', id: 'h', moves: { BTC: -0.3, '*': -0.1 }, volMoves: { BTC: 0.5 } },
        { kind: 'correlation-breakdown', id: 'b', legs: ['BTC', 'ETH'], spread: 0.2, common: -0.05, volMoves: {} },
      ],
      ['BTC', 'ETH', 'SPX'],
      () => {
        throw new Error('no history should be read');
      },
    );
    expect(scenarios.map((s) => s.id)).toEqual(['h', 'b:BTC-down', 'b:BTC-up']);
    const move = (u: number, s: number): number => set.priceMove[u * set.count + s]!;
    expect([move(0, 0), move(1, 0), move(2, 0)]).toEqual([-0.3, -0.1, -0.1]);
    expect(set.volShift[0]).toBe(0.5);
    expect(move(0, 1)).toBeCloseTo(-0.15, 15);
    expect(move(1, 1)).toBeCloseTo(0.05, 15);
    expect(move(0, 2)).toBeCloseTo(0.05, 15);
    expect(move(1, 2)).toBeCloseTo(-0.15, 15);
    expect(move(2, 1)).toBe(0);
  });
});
