import { CrossmarginError } from '../core/errors.js';
import { dailyReturnsMatrix } from '../scenarios/history/daily-returns-matrix.js';
import { ledoitWolf } from '../numerics/ledoit-wolf.js';
import type { MarketHistory } from '../scenarios/history/market-history.js';
import { cholesky } from '../numerics/covariance.js';

/** Defaults of the reverse-stress covariance: the last 750 aligned daily returns (≈ 3 years), 10-day horizon. */
export const DEFAULT_COVARIANCE_LOOKBACK = 750;
export const DEFAULT_REVERSE_HORIZON = 10;

export interface StressCovariance {
  readonly underlyings: readonly string[];
  /** Σ of horizon log returns, n × n row-major: Ledoit–Wolf daily covariance × horizon (square-root-of-time). */
  readonly matrix: Float64Array;
  /** Lower Cholesky factor of `matrix`. */
  readonly factor: Float64Array;
  readonly horizonDays: number;
  /** Dates of the first and last daily return used, and their number. */
  readonly from: string;
  readonly to: string;
  readonly days: number;
  /** Ledoit–Wolf shrinkage intensity (0 = sample covariance). */
  readonly shrinkage: number;
  /** Horizon volatility per underlying, √Σ_ii (decimal log return). */
  readonly vols: readonly number[];
}

/**
 * Covariance for the minimum-Mahalanobis reverse stress (docs/stress-testing.md "Reverse stress"): daily log returns
 * of the aligned history (common dates of all underlyings), the last `lookback` of them, shrunk by Ledoit–Wolf
 * (var-es.md §7; numerics/ledoit-wolf.ts) so a short common history still gives a positive-definite matrix, then
 * scaled to `horizonDays` by √t (Σ_h = h · Σ_1, i.i.d. returns). HISTORY_INVALID when fewer than 30 returns remain.
 */
export function stressCovariance(history: MarketHistory, lookback: number = DEFAULT_COVARIANCE_LOOKBACK, horizonDays: number = DEFAULT_REVERSE_HORIZON): StressCovariance {
  const n = history.underlyings.length;
  const last = history.dates.length - 1;
  const first = Math.max(1, last - lookback + 1);
  const days = last - first + 1;
  if (days < 30) {
    throw new CrossmarginError('HISTORY_INVALID', `${history.underlyings.join(', ')}: only ${Math.max(0, days)} common daily returns; the reverse-stress covariance needs at least 30`, {
      field: 'history',
      details: { underlyings: history.underlyings, days },
    });
  }
  const { returns } = dailyReturnsMatrix(history, { first, last });
  const lw = ledoitWolf(returns, days, n);
  const matrix = lw.matrix.map((v) => v * horizonDays);
  const { factor } = cholesky(matrix, n, { field: 'reverse-stress covariance' });
  return {
    underlyings: [...history.underlyings],
    matrix,
    factor,
    horizonDays,
    from: history.dates[first] as string,
    to: history.dates[last] as string,
    days,
    shrinkage: lw.shrinkage,
    vols: Array.from({ length: n }, (_, i) => Math.sqrt(matrix[i * n + i] as number)),
  };
}
