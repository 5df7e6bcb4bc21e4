import { isoDate } from '../core/dates.js';
import { CrossmarginError, toCrossmarginError } from '../core/errors.js';
import type { MarketHistory } from '../scenarios/history/market-history.js';
import { BookRevaluator } from './book-revaluator.js';
import { reverseStressMahalanobis } from './reverse-stress-mahalanobis.js';
import { mahalanobisDistance, reverseStressAlong, type ReverseStressPoint } from './reverse-stress.js';
import { historyUpTo } from './stress-history.js';
import { DEFAULT_COVARIANCE_LOOKBACK, DEFAULT_REVERSE_HORIZON, stressCovariance, type StressCovariance } from './stress-covariance.js';
import type { StressPopulation } from './stress-population.js';

export interface ReverseStressOptions {
  /** Direction of the directional search, by underlying (any scale; unnamed underlyings 0). Default: −∇P&L at today. */
  readonly direction?: Readonly<Record<string, number>>;
  /**
   * Daily history of a set of underlyings (aligned); when absent, only the directional search runs. Dates after the
   * population's market date are dropped (historyUpTo).
   */
  readonly historyLoader?: (underlyings: readonly string[]) => MarketHistory;
  readonly lookback?: number;
  readonly horizonDays?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/** A reverse-stress answer as reported: moves per underlying. */
export interface ReverseMove {
  readonly reachable: boolean;
  /** Relative price move per underlying (−0.42 = price × 0.58), decimal. */
  readonly moves: Readonly<Record<string, number>>;
  /** The same as log moves ln(P₁/P₀). */
  readonly logMoves: Readonly<Record<string, number>>;
  /** P&L at the move, account currency (−equity when reachable). */
  readonly pnl: number;
  /** √(xᵀΣ⁻¹x) in horizon standard deviations, when a covariance is available. */
  readonly mahalanobis?: number;
}

export interface AccountReverseStress {
  readonly account: string;
  readonly currency: string;
  readonly equity: number;
  readonly underlyings: readonly string[];
  /** The normalised direction searched (max |d| = 1) and the answer along it. */
  readonly direction: Readonly<Record<string, number>>;
  readonly directional: ReverseMove;
  readonly mostLikely?: ReverseMove & { readonly iterations: number; readonly converged: boolean };
  readonly covariance?: Omit<StressCovariance, 'matrix' | 'factor' | 'underlyings'>;
  /** Why the most-likely move is missing (no history, too short a common history). */
  readonly mostLikelyError?: { readonly code: string; readonly message: string };
}

function toMove(point: ReverseStressPoint, underlyings: readonly string[], cov?: StressCovariance): ReverseMove {
  const moves: Record<string, number> = {};
  const logMoves: Record<string, number> = {};
  underlyings.forEach((u, i) => {
    logMoves[u] = (point.logMoves[i] as number) + 0;
    moves[u] = Math.expm1(point.logMoves[i] as number) + 0;
  });
  const distance = cov === undefined || !point.reachable ? undefined : mahalanobisDistance(point.logMoves, cov.factor, underlyings.length);
  return { reachable: point.reachable, moves, logMoves, pnl: point.pnl, ...(distance === undefined ? {} : { mahalanobis: distance }) };
}

/** Underlyings an account's book (collateral included) moves with, in population order. */
export function accountUnderlyings(population: StressPopulation, account: number): string[] {
  const p = population.portfolios[account]!;
  const held = new Set(p.positions.map((pos) => population.context.instruments.spec(pos.instrument).underlying));
  return population.underlyings.filter((u) => held.has(u));
}

/** USAGE_INVALID when the direction names an underlying no book moves with. */
export function checkDirection(population: StressPopulation, direction: Readonly<Record<string, number>>): void {
  for (const u of Object.keys(direction)) {
    if (!population.underlyings.includes(u)) {
      throw new CrossmarginError('USAGE_INVALID', `direction: ${u} is not an underlying of the portfolios (they move with: ${population.underlyings.join(', ') || 'none'})`, {
        field: 'direction',
      });
    }
  }
}

/**
 * Reverse stress of every account (docs/stress-testing.md "Reverse stress"): along the direction, and — with
 * history — the most likely move under the covariance of horizon log returns (minimum Mahalanobis distance).
 */
export function reverseStressAccounts(population: StressPopulation, options: ReverseStressOptions = {}): AccountReverseStress[] {
  const covariances = new Map<string, StressCovariance | CrossmarginError>();
  const covarianceFor = (underlyings: readonly string[]): StressCovariance | CrossmarginError => {
    const key = underlyings.join(',');
    let c = covariances.get(key);
    if (c === undefined) {
      try {
        if (options.historyLoader === undefined) throw new CrossmarginError('HISTORY_INVALID', 'no history loader given', { field: 'history' });
        // Never past the market's date, whatever the loader gives: the most likely move must not use future returns.
        const history = historyUpTo(options.historyLoader(underlyings), isoDate(population.context.market.asOfMs));
        c = stressCovariance(history, options.lookback ?? DEFAULT_COVARIANCE_LOOKBACK, options.horizonDays ?? DEFAULT_REVERSE_HORIZON);
      } catch (error) {
        c = toCrossmarginError(error);
      }
      covariances.set(key, c);
    }
    return c;
  };
  const total = population.portfolios.length;
  return population.portfolios.map((p, a) => {
    const underlyings = accountUnderlyings(population, a);
    const n = underlyings.length;
    const equity = population.equity[a] as number;
    const revaluator = new BookRevaluator(p, population.context, underlyings);
    const d = new Float64Array(n);
    if (options.direction !== undefined) {
      underlyings.forEach((u, i) => (d[i] = options.direction?.[u] ?? 0));
    } else {
      // Adverse first-order direction: against today's P&L gradient (central difference, 1e-4 log move).
      const h = 1e-4;
      const points = new Float64Array(2 * n * n);
      for (let i = 0; i < n; i++) {
        points[2 * i * n + i] = h;
        points[(2 * i + 1) * n + i] = -h;
      }
      const values = new Float64Array(2 * n);
      if (n > 0) revaluator.evaluate(points, 2 * n, values);
      for (let i = 0; i < n; i++) d[i] = -((values[2 * i] as number) - (values[2 * i + 1] as number)) / (2 * h);
    }
    const scale = d.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const direction = Object.fromEntries(underlyings.map((u, i) => [u, scale === 0 ? 0 : (d[i] as number) / scale + 0]));
    const cov = n === 0 ? undefined : covarianceFor(underlyings);
    const usable = cov instanceof CrossmarginError ? undefined : cov;
    const directional = toMove(reverseStressAlong(revaluator, equity, d), underlyings, usable);
    let result: AccountReverseStress = { account: p.account, currency: p.currency, equity, underlyings, direction, directional };
    if (usable !== undefined) {
      const best = reverseStressMahalanobis(revaluator, equity, usable.matrix, usable.factor);
      const info = { horizonDays: usable.horizonDays, from: usable.from, to: usable.to, days: usable.days, shrinkage: usable.shrinkage, vols: usable.vols };
      result = { ...result, mostLikely: { ...toMove(best, underlyings, usable), iterations: best.iterations, converged: best.converged }, covariance: info };
    } else if (cov instanceof CrossmarginError) {
      result = { ...result, mostLikelyError: { code: cov.code, message: cov.message } };
    }
    options.onProgress?.(a + 1, total);
    return result;
  });
}
