import { CrossmarginError } from '../../core/errors.js';
import { logReturns } from '../../market/log-returns.js';
import { assembleHistoricalSet, type HistoricalScenarioSet } from './historical-scenarios.js';
import { horizonLogReturns } from './horizon-returns.js';
import type { MarketHistory } from './market-history.js';
import { resolveScenarioWindow, type HistoricalScenarioOptions } from './scenario-window.js';
import { ewmaVariance, fitGarch11, garchHorizonVariance, garchVariance, GARCH_MIN_RETURNS, type Garch11Params } from '../../numerics/volatility-filters.js';

/** 'learned': a variance series supplied by the caller (`varianceFilter`), e.g. a HAR or boosted-tree forecaster. */
export type VolatilityFilter = 'ewma' | 'garch' | 'learned';

export interface FilteredScenarioOptions extends HistoricalScenarioOptions {
  readonly filter: VolatilityFilter;
  /** EWMA decay (var-es.md §6), default 0.94; ignored for GARCH. */
  readonly lambda?: number | undefined;
  /**
   * Anti-procyclicality floor (var-es.md §3, §10): today's σ_{T+1} is raised to at least this percentile (0 < p ≤ 100,
   * nearest rank) of the filter's own daily σ forecasts over the whole history used (dates 1..T, date 0 has no
   * forecast). Undefined = no floor.
   */
  readonly volFloorPercentile?: number | undefined;
  /**
   * filter 'learned': the daily variance series of a returns series, n + 1 slots (slot j = σ²_{j|j−1} of r_j, slot n =
   * tomorrow's), as risk/vol-forecast/learnedVarianceFilter builds it. Injected because learned forecasters live in a
   * higher layer than scenario generators.
   */
  readonly varianceFilter?: ((returns: Float64Array) => Float64Array) | undefined;
}

export interface FilteredScenarioSet extends HistoricalScenarioSet {
  readonly filter: VolatilityFilter;
  /** Per underlying: the filter's 1-day σ_{T+1|T} before the floor, decimal. */
  readonly sigmaForecast: Float64Array;
  /** Per underlying: the 1-day σ used to revolatilise (after the floor). */
  readonly sigmaNow: Float64Array;
  /** Per underlying: the fitted GARCH parameters (undefined for EWMA). */
  readonly garch: readonly (Garch11Params | undefined)[];
}

/** Default EWMA decay of the FHS filter (RiskMetrics daily). */
export const FHS_DEFAULT_LAMBDA = 0.94;

/**
 * The FHS rescaling of var-es.md §3 with zero mean: z_i = r_i / σ_i, r*_i = σ_now · z_i. `returns`, `sigma` and
 * `out` are aligned (σ_i = the forecast of r_i's vol made the day before); allocation-free with `out`.
 * §3 vector: r = [−0.03, 0.01, −0.05, 0.02], σ = [0.02, 0.015, 0.04, 0.01], σ_now = 0.025 → [−0.0375, 0.016667,
 * −0.03125, 0.05].
 */
export function filterHistoricalReturns(returns: Float64Array, sigma: Float64Array, sigmaNow: number, out?: Float64Array): Float64Array {
  const n = returns.length;
  if (sigma.length !== n) {
    throw new CrossmarginError('INTERNAL', `sigma: ${sigma.length} values for ${n} returns`, { field: 'sigma' });
  }
  if (out !== undefined && out.length < n) {
    throw new CrossmarginError('INTERNAL', `out: buffer holds ${out.length} values but ${n} are needed`, { field: 'out' });
  }
  const result = out === undefined ? new Float64Array(n) : out.length === n ? out : out.subarray(0, n);
  for (let i = 0; i < n; i++) result[i] = (sigmaNow * (returns[i] as number)) / (sigma[i] as number);
  return result;
}

/** Nearest-rank percentile (0 < p ≤ 100) of the finite values of `x`: the ⌈p/100 · m⌉-th smallest of m. */
function nearestRankPercentile(x: Float64Array, p: number): number {
  const finite = Float64Array.from(x.filter((v) => Number.isFinite(v))).sort();
  const m = finite.length;
  // ceil(x − 1e-9): p·m/100 lands a hair above an integer in doubles (var-es.md §1 floating-point note).
  const rank = Math.min(Math.max(Math.ceil((p * m) / 100 - 1e-9), 1), m);
  return finite[rank - 1] as number;
}

function checkFilterOptions(options: FilteredScenarioOptions): void {
  if (options.filter !== 'ewma' && options.filter !== 'garch' && options.filter !== 'learned') {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `filter: expected "ewma", "garch" or "learned", got "${String(options.filter)}"`, { field: 'filter' });
  }
  const p = options.volFloorPercentile;
  if (p !== undefined && !(p > 0 && p <= 100)) {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `volFloorPercentile: expected a percentile in (0, 100], got ${p}`, { field: 'volFloorPercentile' });
  }
}

/**
 * Filtered historical simulation (var-es.md §3): each underlying's daily log returns are devolatilised by a filter's
 * forecast (EWMA or GARCH(1,1), §6, run over the whole aligned history up to the end date T — more history, better
 * burn-in) and revolatilised to today's forecast σ_{T+1}, optionally floored. Zero mean (μ_i = 0): daily means are
 * negligible against σ and an estimated mean only adds noise; GARCH is fitted with μ = 0 for the same reason.
 *
 * Multi-day (MPOR h), matching `mporMethod`:
 * - `sqrt`: the 1-day standardised return z_t = r_t / σ_{t|t−1} of each end day, scaled by today's h-day forecast
 *   sd S_T: r* = S_T · z_t;
 * - `overlapping`: the overlapping h-day return R_t = ln(c_t / c_{t−h}) standardised by the h-day forecast sd made at
 *   its start, S_{t−h}, then r* = S_T · R_t / S_{t−h}.
 * The h-day sd is √h · σ_{T+1} for EWMA (its forecast is flat) and √(Σ_{k=1..h} E[σ²_{T+k}]) for GARCH (§6 H-day
 * sum, §8 "with GARCH use the H-day sum").
 *
 * Vol shifts, ids, labels and the scenario dates are exactly those of buildHistoricalScenarios.
 * Errors: those of resolveScenarioWindow; HISTORY_INVALID when a filter σ used is zero (flat prices before it) or a
 * GARCH fit has fewer than GARCH_MIN_RETURNS returns; MODEL_PARAMS_INVALID for bad filter options.
 */
export function buildFilteredScenarios(history: MarketHistory, options: FilteredScenarioOptions): FilteredScenarioSet {
  checkFilterOptions(options);
  const window = resolveScenarioWindow(history, options);
  const lambda = options.lambda ?? FHS_DEFAULT_LAMBDA;
  const h = options.mpor;
  const T = window.endIndex;
  const count = window.last - window.first + 1;
  const k = options.underlyings.length;
  const logMove = new Float64Array(k * count);
  const sigmaForecast = new Float64Array(k);
  const sigmaNow = new Float64Array(k);
  const garch: (Garch11Params | undefined)[] = [];
  const raw = new Float64Array(count);
  const scale = new Float64Array(count);
  const horizon = new Float64Array(T + 1);

  window.rows.forEach((row, u) => {
    const name = options.underlyings[u] as string;
    const close = (history.close[row] as Float64Array).subarray(0, T + 1);
    // r[j] = ln(c_{j+1}/c_j) ends at date j + 1; variance slot j = σ²_{j|j−1} of r[j], slot T = σ²_{T+1|T}.
    const r = logReturns(close);
    let variance: Float64Array;
    let params: Garch11Params | undefined;
    if (options.filter === 'ewma') {
      variance = ewmaVariance(r, lambda);
    } else if (options.filter === 'learned') {
      if (options.varianceFilter === undefined) {
        throw new CrossmarginError('MODEL_PARAMS_INVALID', 'filter: "learned" needs a varianceFilter (a learned forecaster)', { field: 'filter' });
      }
      variance = options.varianceFilter(r);
      if (variance.length !== r.length + 1) {
        throw new CrossmarginError('INTERNAL', `${name}: the learned variance series has ${variance.length} slots, expected ${r.length + 1}`);
      }
    } else {
      if (r.length < GARCH_MIN_RETURNS) {
        throw new CrossmarginError('HISTORY_INVALID', `${name}: a GARCH(1,1) filter needs at least ${GARCH_MIN_RETURNS} daily returns up to ${history.dates[T]}, only ${r.length} available`, {
          field: name,
          details: { underlying: name, needed: GARCH_MIN_RETURNS, available: r.length },
        });
      }
      params = fitGarch11(r, { mean: 'zero' }).params;
      variance = garchVariance(params, r);
    }
    garch.push(params);
    const forecast = Math.sqrt(variance[T] as number);
    let now = forecast;
    if (options.volFloorPercentile !== undefined) {
      const sigmas = new Float64Array(T);
      for (let j = 1; j <= T; j++) sigmas[j - 1] = Math.sqrt(variance[j] as number);
      now = Math.max(now, nearestRankPercentile(sigmas, options.volFloorPercentile));
    }
    sigmaForecast[u] = forecast;
    sigmaNow[u] = now;
    // h-day forecast sd from a 1-day variance made at some date (EWMA: flat; GARCH: the H-day sum).
    const hDaySd = (v: number): number => (params === undefined ? Math.sqrt(h * v) : Math.sqrt(garchHorizonVariance(params, v, h)));
    const target = hDaySd(now * now);

    for (let s = 0; s < count; s++) {
      const t = window.first + s;
      let sd: number;
      if (options.mporMethod === 'sqrt') {
        raw[s] = r[t - 1] as number;
        sd = Math.sqrt(variance[t - 1] as number);
      } else {
        sd = hDaySd(variance[t - h] as number);
      }
      if (!(sd > 0 && Number.isFinite(sd))) {
        throw new CrossmarginError('HISTORY_INVALID', `${name}: the ${options.filter} volatility forecast for ${history.dates[t]} is ${sd}; prices were flat before it, so returns cannot be standardised`, {
          field: name,
          details: { underlying: name, date: history.dates[t] },
        });
      }
      scale[s] = sd;
    }
    if (options.mporMethod === 'overlapping') {
      const R = horizonLogReturns(close, h, 'overlapping', horizon);
      raw.set(R.subarray(window.first - h, window.last - h + 1));
    }
    filterHistoricalReturns(raw, scale, target, logMove.subarray(u * count, (u + 1) * count));
  });

  return { ...assembleHistoricalSet(history, options, window, logMove), filter: options.filter, sigmaForecast, sigmaNow, garch };
}
