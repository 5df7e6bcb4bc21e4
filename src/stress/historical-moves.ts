import { lastDateIndexOnOrBefore, type MarketHistory } from '../scenarios/history/market-history.js';
import { realisedVolProxy } from '../scenarios/history/vol-move-shifts.js';

/** The base close may lie at most this many calendar days before `from` (weekends, holidays); older means no data. */
export const MAX_BASE_GAP_DAYS = 7;

/** One underlying's move over a historical stress window, or why there is none. */
export type HistoricalMove =
  | {
      readonly available: true;
      /** Date of the last close before `from` (the base) and of the last close on or before `to`. */
      readonly baseDate: string;
      readonly endDate: string;
      readonly baseClose: number;
      readonly endClose: number;
      /** endClose / baseClose − 1, decimal. */
      readonly priceMove: number;
      /** Relative vol move (vol × (1 + volMove)); 0 when the source has no usable level. */
      readonly volMove: number;
      readonly volSource: 'index' | 'realised';
    }
  | { readonly available: false; readonly reason: string };

function daysBetween(a: string, b: string): number {
  return (Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000;
}

/**
 * Joint cumulative move of one underlying over a stress window (docs/stress-testing.md "Historical scenarios"):
 * from the close of the last date before `from` to the close of the last date on or before `to`, on the
 * underlying's own calendar (crypto trades at weekends, indices do not). The vol move is the ratio of the
 * underlying's vol index (VIX for SPX) at the same two dates, else of the realised-vol proxy (EWMA λ = 0.94 of daily
 * log returns, var-es.md §6) — the same sources the historical VaR scenarios use.
 *
 * No data when: no close inside [from, to], no close before `from`, or the base close is more than
 * MAX_BASE_GAP_DAYS before `from` (the series starts inside or just before the window).
 */
export function historicalMove(history: MarketHistory, row: number, from: string, to: string): HistoricalMove {
  const dates = history.dates;
  const end = lastDateIndexOnOrBefore(dates, to);
  if (end < 0 || (dates[end] as string) < from) {
    const first = dates[0];
    const last = dates[dates.length - 1];
    return { available: false, reason: `no close between ${from} and ${to} (data ${first ?? '-'} to ${last ?? '-'})` };
  }
  let baseIndex = lastDateIndexOnOrBefore(dates, from);
  if (baseIndex >= 0 && dates[baseIndex] === from) baseIndex -= 1;
  if (baseIndex < 0) return { available: false, reason: `no close before ${from} (data starts ${dates[0] as string})` };
  const baseDate = dates[baseIndex] as string;
  if (daysBetween(baseDate, from) > MAX_BASE_GAP_DAYS) {
    return { available: false, reason: `last close before ${from} is ${baseDate}, more than ${MAX_BASE_GAP_DAYS} days earlier` };
  }
  const close = history.close[row] as Float64Array;
  const baseClose = close[baseIndex] as number;
  const endClose = close[end] as number;
  const index = history.volIndex.get(history.underlyings[row] as string);
  const level = index ?? realisedVolProxy(close.subarray(0, end + 1));
  const v0 = level[baseIndex] as number;
  const v1 = level[end] as number;
  return {
    available: true,
    baseDate,
    endDate: dates[end] as string,
    baseClose,
    endClose,
    priceMove: endClose / baseClose - 1,
    volMove: v0 > 0 && v1 > 0 && Number.isFinite(v0) && Number.isFinite(v1) ? v1 / v0 - 1 : 0,
    volSource: index === undefined ? 'realised' : 'index',
  };
}
