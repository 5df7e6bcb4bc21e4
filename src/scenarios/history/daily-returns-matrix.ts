import type { MarketHistory } from './market-history.js';

/** Inclusive range of end-date indices. */
export interface IndexWindow {
  readonly first: number;
  readonly last: number;
}

/** Daily log returns ending at the window's dates, `days × assets` row-major (the covariance module's layout). */
export function dailyReturnsMatrix(history: MarketHistory, window: IndexWindow): { readonly returns: Float64Array; readonly days: number; readonly assets: number } {
  const assets = history.underlyings.length;
  const days = window.last - window.first + 1;
  const returns = new Float64Array(days * assets);
  for (let i = 0; i < assets; i++) {
    const c = history.close[i] as Float64Array;
    for (let s = 0; s < days; s++) {
      const t = window.first + s;
      returns[s * assets + i] = Math.log((c[t] as number) / (c[t - 1] as number));
    }
  }
  return { returns, days, assets };
}
