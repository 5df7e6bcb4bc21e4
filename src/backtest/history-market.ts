import { CrossmarginError } from '../core/errors.js';
import { parseMarketSnapshot, type MarketSnapshot } from '../market/market-snapshot.js';
import type { MarketHistory } from '../scenarios/history/market-history.js';

/**
 * What a backtest knows on day i: the history up to and including day i, nothing later. Arrays are views
 * (subarray), so truncating costs nothing; a model handed this history cannot look ahead whatever it does.
 */
export function truncateHistory(history: MarketHistory, endIndex: number): MarketHistory {
  const end = endIndex + 1;
  const volIndex = new Map<string, Float64Array>();
  for (const [u, series] of history.volIndex) volIndex.set(u, series.subarray(0, end));
  return {
    ...history,
    dates: history.dates.slice(0, end),
    close: history.close.map((c) => c.subarray(0, end)),
    volume: history.volume.map((v) => v.subarray(0, end)),
    volIndex,
  };
}

/** EWMA(0.94) daily vol of an underlying's log returns up to day i (RiskMetrics seeding: first squared return). */
export function ewmaDailyVol(close: Float64Array, i: number, lambda = 0.94): number {
  if (i < 2) return Number.NaN;
  let variance = Math.log(close[1]! / close[0]!) ** 2;
  for (let t = 2; t <= i; t++) variance = lambda * variance + (1 - lambda) * Math.log(close[t]! / close[t - 1]!) ** 2;
  return Math.sqrt(variance);
}

/** Aligned dates per year around day i (≈ 252 for exchange calendars, ≈ 365 for crypto), to annualise daily vols. */
export function periodsPerYear(dates: readonly string[], i: number): number {
  const yearAgo = Date.parse(`${dates[i]}T00:00:00Z`) - 365 * 86_400_000;
  let count = 0;
  for (let t = i; t > 0 && Date.parse(`${dates[t]}T00:00:00Z`) > yearAgo; t--) count++;
  return count >= 200 ? count : 252;
}

/**
 * The market snapshot of day i built from history alone: index = that day's close, rate 0, a flat implied vol =
 * the vol index (VIX for SPX) when the history has one, else the annualised EWMA(0.94) realised vol. asOf is the end
 * of the UTC day. Stablecoins are worth 1 USD.
 */
export function marketFromHistory(history: MarketHistory, i: number): MarketSnapshot {
  const date = history.dates[i];
  if (date === undefined) throw new CrossmarginError('INTERNAL', `no history date at index ${i}`);
  const perYear = periodsPerYear(history.dates, i);
  const underlyings: Record<string, { index: number; rate: number; vol: { atm: number } }> = {};
  history.underlyings.forEach((u, k) => {
    const close = history.close[k]!;
    const indexVol = history.volIndex.get(u)?.[i];
    const vol = indexVol !== undefined && Number.isFinite(indexVol) && indexVol > 0 ? indexVol : ewmaDailyVol(close, i) * Math.sqrt(perYear);
    underlyings[u] = { index: close[i]!, rate: 0, vol: { atm: Number.isFinite(vol) && vol > 0 ? vol : 0.5 } };
  });
  return parseMarketSnapshot({ asOf: `${date}T23:59:59Z`, underlyings, fx: { USDC: 1, USDT: 1 } }, `history ${date}`);
}
