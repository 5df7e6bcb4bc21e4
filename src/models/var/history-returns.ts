import { CrossmarginError } from '../../core/errors.js';
import type { MarketHistory } from '../../scenarios/history/market-history.js';
import { dayRange, volFactorReturn, type VolFactor } from './vol-factors.js';
import type { ScenarioRequest } from './scenario-var-model.js';

/**
 * 1-day log returns of `underlyings` over the days a request covers (its window, or the `lookback` days ending at
 * `endDate`), as a row-major matrix (rows = days, columns = underlyings) for covariance estimation (var-es.md §4–§7).
 */
export function historyReturns(
  history: MarketHistory,
  underlyings: readonly string[],
  request: ScenarioRequest,
  vols: readonly VolFactor[] = [],
): { returns: Float64Array; days: number } {
  const cols = underlyings.map((u) => {
    const i = history.underlyings.indexOf(u);
    if (i < 0) throw new CrossmarginError('HISTORY_INVALID', `no history loaded for ${u}`, { field: `history.${u}` });
    return history.close[i]!;
  });
  if (request.window !== undefined && request.window.to > request.endDate) {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `stressedWindow.to: ${request.window.to} is after the end date ${request.endDate} (that would use future data)`, {
      field: 'stressedWindow.to',
    });
  }
  // A window holds the returns ending on its days, from its first day on (as historical scenarios do).
  const range = dayRange(history, request.endDate, request.lookback, request.window);
  const first = range.first;
  const last = Math.max(range.last, first - 1);
  const days = last - first + 1;
  if (days < 20) {
    throw new CrossmarginError(
      'HISTORY_INVALID',
      `${underlyings.join(', ')}: only ${Math.max(0, days)} daily returns ${request.window === undefined ? `in the ${request.lookback} days to ${request.endDate}` : `in ${request.window.from}..${request.window.to}`}; at least 20 are needed`,
      { field: 'history', details: { ranges: history.ranges } },
    );
  }
  // Columns: the underlyings' price log returns, then the vol factors' log changes (vol-factors.ts).
  const width = cols.length + vols.length;
  const returns = new Float64Array(days * width);
  for (let t = 0; t < days; t++) {
    cols.forEach((close, u) => {
      returns[t * width + u] = Math.log(close[first + t]! / close[first + t - 1]!);
    });
    vols.forEach((f, v) => {
      returns[t * width + cols.length + v] = volFactorReturn(f, first + t);
    });
  }
  return { returns, days };
}
