import { CrossmarginError } from '../../core/errors.js';
import { lastDateIndexOnOrBefore, type MarketHistory } from '../../scenarios/history/market-history.js';
import type { ScenarioRequest } from './scenario-var-model.js';

/**
 * 1-day log returns of `underlyings` over the days a request covers (its window, or the `lookback` days ending at
 * `endDate`), as a row-major matrix (rows = days, columns = underlyings) for covariance estimation (var-es.md §4–§7).
 */
export function historyReturns(history: MarketHistory, underlyings: readonly string[], request: ScenarioRequest): { returns: Float64Array; days: number } {
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
  let last = lastDateIndexOnOrBefore(history.dates, request.window?.to ?? request.endDate);
  // A window holds the returns ending on its days, from its first day on (as historical scenarios do).
  const fromIndex = request.window === undefined ? -1 : lastDateIndexOnOrBefore(history.dates, request.window.from);
  const fromIsDate = request.window !== undefined && history.dates[fromIndex] === request.window.from;
  let first = request.window === undefined ? last - request.lookback + 1 : fromIsDate ? fromIndex : fromIndex + 1;
  first = Math.max(first, 1);
  last = Math.max(last, first - 1);
  const days = last - first + 1;
  if (days < 20) {
    throw new CrossmarginError(
      'HISTORY_INVALID',
      `${underlyings.join(', ')}: only ${Math.max(0, days)} daily returns ${request.window === undefined ? `in the ${request.lookback} days to ${request.endDate}` : `in ${request.window.from}..${request.window.to}`}; at least 20 are needed`,
      { field: 'history', details: { ranges: history.ranges } },
    );
  }
  const returns = new Float64Array(days * cols.length);
  for (let t = 0; t < days; t++) {
    cols.forEach((close, u) => {
      returns[t * cols.length + u] = Math.log(close[first + t]! / close[first + t - 1]!);
    });
  }
  return { returns, days };
}
