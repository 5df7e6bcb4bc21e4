import { CrossmarginError } from '../../core/errors.js';
import { isoDate } from '../../core/dates.js';
import { lastDateIndexOnOrBefore, type MarketHistory } from '../../scenarios/history/market-history.js';
import type { HistoryContext } from '../margin-model.js';

/** History older than this (calendar days) before the market date is stale: margins must not use it silently. */
export const MAX_HISTORY_STALENESS_DAYS = 10;

/**
 * The history a VaR model uses and the last date it may use: `endDate` (default: the market date), taken as the
 * last history date on or before it. Missing history, or history that stops long before the market date, is an
 * error naming the dates, never a silent zero.
 */
export function historyWindow(context: HistoryContext, endDate: string | undefined): { history: MarketHistory; endIndex: number; endDate: string } {
  const { history } = context;
  const marketDate = isoDate(context.market.asOfMs);
  if (endDate !== undefined && endDate > marketDate) {
    // A margin may only use what was known at the market date: a later end date would look ahead.
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `endDate: ${endDate} is after the market date ${marketDate} (that would use future data)`, { field: 'endDate' });
  }
  const target = endDate ?? marketDate;
  const endIndex = lastDateIndexOnOrBefore(history.dates, target);
  if (endIndex < 0) {
    throw new CrossmarginError('HISTORY_INVALID', `history starts ${history.dates[0] ?? '(empty)'}, after the end date ${target}`, { field: 'history', details: { ranges: history.ranges } });
  }
  const last = history.dates[endIndex]!;
  const days = (Date.parse(`${target}T00:00:00Z`) - Date.parse(`${last}T00:00:00Z`)) / 86_400_000;
  if (days > MAX_HISTORY_STALENESS_DAYS) {
    throw new CrossmarginError(
      'HISTORY_INVALID',
      `history of ${history.underlyings.join(', ')} ends ${last}, ${days} days before the end date ${target} (stale: more than ${MAX_HISTORY_STALENESS_DAYS} days)`,
      { field: 'history', details: { ranges: history.ranges } },
    );
  }
  return { history, endIndex, endDate: last };
}
