import { lastDateIndexOnOrBefore, type MarketHistory } from '../../scenarios/history/market-history.js';
import { realisedVolProxy } from '../../scenarios/history/vol-move-shifts.js';

/**
 * Implied-vol risk factors for the parametric and Monte Carlo models: per underlying, the daily log change of its
 * implied-vol level — the vol index where the history has one (VIX for SPX) and `volMoves` is 'index', else the
 * realised-vol proxy (EWMA(0.94) of the underlying's own returns), as historical scenarios do — so options' vega
 * risk enters the covariance beside the price moves. 'none' gives no vol factors (prices only).
 */
export interface VolFactor {
  readonly underlying: string;
  readonly source: 'index' | 'realised';
  /** Vol level per history date (decimal; the proxy is a daily vol, only its changes matter). */
  readonly level: Float64Array;
}

export function volFactors(history: MarketHistory, underlyings: readonly string[], volMoves: 'index' | 'realised' | 'none'): VolFactor[] {
  if (volMoves === 'none') return [];
  return underlyings.map((u) => {
    const index = volMoves === 'index' ? history.volIndex.get(u) : undefined;
    if (index !== undefined) return { underlying: u, source: 'index' as const, level: index };
    return { underlying: u, source: 'realised' as const, level: realisedVolProxy(history.close[history.underlyings.indexOf(u)]!) };
  });
}

/** Log change of each factor's level on day t (vs t − 1); 0 where a level is missing or not positive (proxy warm-up). */
export function volFactorReturn(factor: VolFactor, t: number): number {
  const now = factor.level[t]!;
  const before = factor.level[t - 1]!;
  return now > 0 && before > 0 && Number.isFinite(now) && Number.isFinite(before) ? Math.log(now / before) : 0;
}

/** Index range [first, last] of the days a window or lookback covers (shared with historyReturns). */
export function dayRange(history: MarketHistory, endDate: string, lookback: number, window?: { from: string; to: string }): { first: number; last: number } {
  const last = lastDateIndexOnOrBefore(history.dates, window?.to ?? endDate);
  if (window === undefined) return { first: Math.max(1, last - lookback + 1), last };
  const fromIndex = lastDateIndexOnOrBefore(history.dates, window.from);
  const first = history.dates[fromIndex] === window.from ? fromIndex : fromIndex + 1;
  return { first: Math.max(1, first), last };
}
