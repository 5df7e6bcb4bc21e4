import type { ScenarioSet } from '../scenario-set.js';
import { horizonLogReturns, type MporMethod } from './horizon-returns.js';
import type { MarketHistory } from './market-history.js';
import { resolveScenarioWindow, type HistoricalScenarioOptions, type ScenarioWindow } from './scenario-window.js';
import { moveLabel, writeVolShifts, type VolMoveSource } from './vol-move-shifts.js';

/** A historical scenario set plus what it was built from (for reports; consumers need only the ScenarioSet part). */
export interface HistoricalScenarioSet extends ScenarioSet {
  /** Per underlying (set order): where its vol shifts came from. */
  readonly volSource: readonly VolMoveSource[];
  readonly mpor: number;
  readonly mporMethod: MporMethod;
  /** Last date used (the filter's T for FHS). */
  readonly endDate: string;
}

/**
 * Assembles the ScenarioSet arrays once the log returns are known: `logMove[u * count + s]` in, relative price moves
 * e^r − 1 out (in place), vol shifts, ids = end dates, labels with the largest moves. Shared by HS and FHS.
 */
export function assembleHistoricalSet(
  history: MarketHistory,
  options: HistoricalScenarioOptions,
  window: ScenarioWindow,
  logMove: Float64Array,
): HistoricalScenarioSet {
  const count = window.last - window.first + 1;
  const k = options.underlyings.length;
  const priceMove = logMove;
  // expm1 keeps full precision for the small moves that dominate (e^r − 1 would lose digits near 0).
  for (let i = 0; i < priceMove.length; i++) priceMove[i] = Math.expm1(priceMove[i] as number);
  const volShift = new Float64Array(k * count);
  const volSource = window.rows.map((row, u) =>
    writeVolShifts(history, row, window, options.mpor, options.mporMethod, options.volMoves, volShift.subarray(u * count, (u + 1) * count)),
  );
  const ids: string[] = new Array<string>(count);
  const labels: string[] = new Array<string>(count);
  const moves = new Array<number>(k);
  for (let s = 0; s < count; s++) {
    const date = history.dates[window.first + s] as string;
    for (let u = 0; u < k; u++) moves[u] = priceMove[u * count + s] as number;
    ids[s] = date;
    labels[s] = moveLabel(date, options.underlyings, moves);
  }
  return {
    count,
    underlyings: [...options.underlyings],
    ids,
    labels,
    priceMove,
    volShift,
    volShiftMode: 'relative',
    timeStep: new Float64Array(count),
    weight: new Float64Array(count).fill(1),
    volSource,
    mpor: options.mpor,
    mporMethod: options.mporMethod,
    endDate: history.dates[window.endIndex] as string,
  };
}

/**
 * Historical simulation scenarios (var-es.md §2): scenario s = the joint move of every underlying over the MPOR
 * ending on historical day t_s, applied to today's book. Price moves are relative, e^r − 1, with r the h-day log
 * return (`overlapping`: ln(c_t/c_{t−h}); `sqrt`: √h·ln(c_t/c_{t−1}); var-es.md §8). Vol shifts are relative
 * (writeVolShifts: implied-vol index ratio, realised-vol proxy, or none). ids are the end dates `YYYY-MM-DD`,
 * labels `2020-03-12: BTC −39.5 %, SPX −9.5 %`; time step 0 (the book is revalued at today's date), weight 1.
 *
 * Scenarios: the `lookback` most recent end dates up to `endDate`, or every end date in `window`. Days are the
 * history's aligned dates, so a mixed crypto + equity set moves on the equity calendar.
 * Errors: see resolveScenarioWindow (HISTORY_INVALID for too short a history, stating needed vs available).
 */
export function buildHistoricalScenarios(history: MarketHistory, options: HistoricalScenarioOptions): HistoricalScenarioSet {
  const window = resolveScenarioWindow(history, options);
  const count = window.last - window.first + 1;
  const h = options.mpor;
  const logMove = new Float64Array(options.underlyings.length * count);
  // One scratch buffer for every underlying's return series; returns[k] ends at date index k + h.
  const scratch = new Float64Array(window.endIndex + 1);
  window.rows.forEach((row, u) => {
    const close = (history.close[row] as Float64Array).subarray(0, window.endIndex + 1);
    const returns = horizonLogReturns(close, h, options.mporMethod, scratch);
    logMove.set(returns.subarray(window.first - h, window.last - h + 1), u * count);
  });
  return assembleHistoricalSet(history, options, window, logMove);
}
