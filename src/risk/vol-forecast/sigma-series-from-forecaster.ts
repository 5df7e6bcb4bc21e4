import { CrossmarginError } from '../../core/errors.js';
import { logReturns } from '../../market/log-returns.js';
import { FHS_DEFAULT_LAMBDA } from '../../scenarios/history/filtered-scenarios.js';
import { ewmaVariance } from '../../numerics/volatility-filters.js';
import { checkRangeOption } from '../../numerics/input-checks.js';
import { walkForwardVolForecast, type VolForecaster, type VolWalkForwardOptions } from './vol-forecaster.js';

/*
 * Adapter from a learned forecaster to the σ series FHS and calibration consume.
 *
 * buildFilteredScenarios (scenarios/history/filtered-scenarios.ts) computes, per underlying, from the daily log
 * returns r = r_0..r_{T−1} up to the end date T, a variance series with T + 1 slots — slot j = σ²_{j|j−1} (forecast
 * of r_j from r_0..r_{j−1}), slot T = σ²_{T+1|T} (tomorrow) — via ewmaVariance(r, λ) or garchVariance(params, r).
 * It then reads slot t − 1 (sqrt MPOR) or t − h (overlapping) for each scenario date t, slot T for σ_now, and slots
 * 1..T for the vol floor. varianceSeriesFromForecaster returns exactly that shape for a learned forecaster, so it is
 * a drop-in for those two calls; sigmaSeriesFromForecaster is its element-wise square root (σ, decimal).
 *
 * The learned slots come from walkForwardVolForecast (out of sample, no look-ahead). The slots before the first
 * learned forecast (there is not yet a training window behind them) are filled by `warmUp`:
 * - `ewma` (default): the EWMA filter's own forecasts with warmUpLambda (default FHS_DEFAULT_LAMBDA = 0.94) — the
 *   series is then complete (slot 0 NaN, as with ewmaVariance), so any scenario window FHS accepts today still works;
 * - `none`: NaN, for callers that restrict themselves to slots ≥ `first` (FHS would then reject early windows).
 */

export interface ForecastSeriesOptions extends VolWalkForwardOptions {
  readonly warmUp?: 'ewma' | 'none';
  readonly warmUpLambda?: number;
}

/** Variance series (decimal², n + 1 slots) of `forecaster` over `returns`; see the file comment. */
export function varianceSeriesFromForecaster(returns: Float64Array, forecaster: VolForecaster, options: ForecastSeriesOptions): Float64Array {
  const warmUp = options.warmUp ?? 'ewma';
  if (warmUp !== 'ewma' && warmUp !== 'none') {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `warmUp: expected "ewma" or "none", got "${String(warmUp)}"`, { field: 'warmUp' });
  }
  const lambda = options.warmUpLambda ?? FHS_DEFAULT_LAMBDA;
  checkRangeOption('warmUpLambda', lambda, 0, 1, true);
  const wf = walkForwardVolForecast(returns, forecaster, options);
  const out = wf.variance;
  if (warmUp === 'ewma') {
    // Slots j < first need r_0..r_{j−1} only, so the EWMA over r_0..r_{first−2} gives them without look-ahead.
    const head = ewmaVariance(returns.subarray(0, wf.first - 1), lambda);
    out.set(head.subarray(0, wf.first));
  }
  return out;
}

/** σ series (decimal, n + 1 slots): √ of varianceSeriesFromForecaster. */
export function sigmaSeriesFromForecaster(returns: Float64Array, forecaster: VolForecaster, options: ForecastSeriesOptions): Float64Array {
  const v = varianceSeriesFromForecaster(returns, forecaster, options);
  for (let j = 0; j < v.length; j++) v[j] = Math.sqrt(v[j] as number);
  return v;
}

/**
 * The adapter as a plain function of the returns, for layers that may not import calibration/ (scenarios/ and
 * models/ sit below it, DESIGN.md "Layers"): FHS can take a `(returns) => variance series` option without knowing
 * about forecasters, and the caller above builds it here.
 */
export function learnedVarianceFilter(forecaster: VolForecaster, options: ForecastSeriesOptions): (returns: Float64Array) => Float64Array {
  return (returns) => varianceSeriesFromForecaster(returns, forecaster, options);
}

/**
 * Drop-in for realisedVolProxy(close, λ) (scenarios/history/vol-move-shifts.ts), which scan-range calibration uses
 * as the vol series of underlyings without an implied-vol index: slot t = the daily σ forecast made at the close of
 * aligned date t (σ_{t+1|t}, decimal), slot 0 NaN, one slot per close. It is sigmaSeriesFromForecaster over the
 * closes' log returns — return j ends on date j + 1, so series slot t uses returns through date t, as the proxy does.
 * With ewmaForecaster({ lambda }) it equals realisedVolProxy(close, lambda) bit for bit.
 */
export function realisedVolFromForecaster(close: Float64Array, forecaster: VolForecaster, options: ForecastSeriesOptions): Float64Array {
  return sigmaSeriesFromForecaster(logReturns(close), forecaster, options);
}
