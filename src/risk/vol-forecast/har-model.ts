import { CrossmarginError } from '../../core/errors.js';
import type { HarFeatureRow, HarFeatures } from './har-features.js';
import { checkRangeOption } from '../../numerics/input-checks.js';
import { ordinaryLeastSquares } from '../../numerics/ordinary-least-squares.js';

/*
 * HAR-RV regression (Corsi 2009): RV_{t+1} = β0 + β_d RV_d + β_w RV_w + β_m RV_m + u, fitted by OLS, with RV
 * proxied by squared daily returns (har-features.ts).
 *
 * Two transforms:
 * - `level`: the regression above on variances (decimal²). It estimates the conditional mean E[r²_{t+1}]
 *   directly, which is what a variance forecast should be, but OLS on levels can return a negative or tiny value
 *   when the fitted intercept or a coefficient is negative — hence the floor below.
 * - `log` (default): ln(y + ε) = β0 + β_d ln(RV_d + ε) + β_w ln(RV_w + ε) + β_m ln(RV_m + ε). ε = logOffsetFraction × mean
 *   training target keeps ln finite on days with a zero return. exp of a fitted log is a conditional *median*-like
 *   quantity (for normal returns E[ln z²] = −1.27, so it would understate the variance about 3.6-fold), so the
 *   back-transform multiplies by Duan's (1983) smearing factor, the training mean of exp(residual):
 *   forecast = exp(x'β) · mean(exp(u)) − ε.
 *
 * Default `log`: out of sample on data before the period reported in docs/vol-forecasts.md, level-HAR's QLIKE was
 * 13 % worse than EWMA on SPX (calm spells pushed its forecasts onto the floor) while log-HAR beat EWMA on both BTC
 * and SPX; the log fit is also the usual choice in the HAR literature for its robustness to outliers.
 *
 * Floor: every forecast is at least max(floorFraction · RV_m, HAR_MIN_VARIANCE). A forecast below a small fraction
 * of the trailing month's realised variance is an artefact of the linear fit, not a view on volatility, and a
 * near-zero variance would make QLIKE and any margin built on it meaningless.
 */

export type HarTransform = 'level' | 'log';

export interface HarModel {
  readonly transform: HarTransform;
  readonly intercept: number;
  readonly daily: number;
  readonly weekly: number;
  readonly monthly: number;
  /** `log`: Duan smearing factor mean(exp(residual)) ≥ 1 in practice; `level`: 1. */
  readonly smearing: number;
  /** `log`: ε added before taking logs (decimal²); `level`: 0. */
  readonly logOffset: number;
  /** Forecast floor as a fraction of the row's RV_m. */
  readonly floorFraction: number;
  /** Rows the model was fitted on. */
  readonly rows: number;
}

export interface FitHarOptions {
  /** Default `log`. */
  readonly transform?: HarTransform;
  /** Floor as a fraction of RV_m, in (0, 1]; default HAR_DEFAULT_FLOOR_FRACTION. */
  readonly floorFraction?: number;
  /** `log` only: ε as a fraction of the mean training target, in (0, 1]; default 0.01. */
  readonly logOffsetFraction?: number;
}

/** Fewest rows fitHar accepts: four coefficients need a margin of residual degrees of freedom. */
export const HAR_MIN_ROWS = 10;
/** Absolute variance floor (decimal²): σ = 1e-6, i.e. 0.0001 % a day, for series whose last month was flat. */
export const HAR_MIN_VARIANCE = 1e-12;
/** Default floor: 5 % of RV_m, i.e. a vol no lower than ≈ 22 % of the trailing month's. */
export const HAR_DEFAULT_FLOOR_FRACTION = 0.05;

function history(message: string, field: string, details?: Record<string, unknown>): CrossmarginError {
  return new CrossmarginError('HISTORY_INVALID', message, { field, ...(details === undefined ? {} : { details }) });
}

/**
 * OLS fit of the HAR regression on rows of `features` against `targets` (same length, decimal², e.g. the `target`
 * of buildHarDataset restricted to its labelled rows). HISTORY_INVALID for mismatched lengths, fewer than
 * HAR_MIN_ROWS rows, negative or non-finite values, or collinear features (e.g. a flat history);
 * MODEL_PARAMS_INVALID for bad options.
 */
export function fitHar(features: HarFeatures, targets: Float64Array, options: FitHarOptions = {}): HarModel {
  const transform = options.transform ?? 'log';
  if (transform !== 'level' && transform !== 'log') {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `transform: expected "level" or "log", got "${String(transform)}"`, { field: 'transform' });
  }
  const floorFraction = options.floorFraction ?? HAR_DEFAULT_FLOOR_FRACTION;
  checkRangeOption('floorFraction', floorFraction, 0, 1);
  const logOffsetFraction = options.logOffsetFraction ?? 0.01;
  checkRangeOption('logOffsetFraction', logOffsetFraction, 0, 1);
  const rows = targets.length;
  if (features.daily.length !== rows || features.weekly.length !== rows || features.monthly.length !== rows) {
    throw history(`features: ${features.daily.length}/${features.weekly.length}/${features.monthly.length} rows for ${rows} targets`, 'features');
  }
  if (rows < HAR_MIN_ROWS) throw history(`targets: a HAR fit needs at least ${HAR_MIN_ROWS} rows, got ${rows}`, 'targets', { needed: HAR_MIN_ROWS, available: rows });
  const columns: readonly [string, Float64Array][] = [
    ['features.daily', features.daily],
    ['features.weekly', features.weekly],
    ['features.monthly', features.monthly],
    ['targets', targets],
  ];
  for (const [name, values] of columns) {
    for (let i = 0; i < rows; i++) {
      const v = values[i] as number;
      if (!(v >= 0 && Number.isFinite(v))) throw history(`${name}.${i}: expected a finite variance ≥ 0, got ${v}`, `${name}.${i}`);
    }
  }
  let meanTarget = 0;
  for (let i = 0; i < rows; i++) meanTarget += targets[i] as number;
  meanTarget /= rows;
  if (!(meanTarget > 0)) throw history('targets: all zero (flat prices), so there is no variance to model', 'targets');

  const eps = transform === 'log' ? logOffsetFraction * meanTarget : 0;
  const f = transform === 'log' ? (v: number): number => Math.log(v + eps) : (v: number): number => v;
  const design = new Float64Array(rows * 4);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    design[i * 4] = 1;
    design[i * 4 + 1] = f(features.daily[i] as number);
    design[i * 4 + 2] = f(features.weekly[i] as number);
    design[i * 4 + 3] = f(features.monthly[i] as number);
    y[i] = f(targets[i] as number);
  }
  const beta = ordinaryLeastSquares(design, rows, 4, y, 'features');
  let smearing = 1;
  if (transform === 'log') {
    let s = 0;
    for (let i = 0; i < rows; i++) {
      let fitted = 0;
      for (let j = 0; j < 4; j++) fitted += (beta[j] as number) * (design[i * 4 + j] as number);
      s += Math.exp((y[i] as number) - fitted);
    }
    smearing = s / rows;
  }
  return {
    transform,
    intercept: beta[0] as number,
    daily: beta[1] as number,
    weekly: beta[2] as number,
    monthly: beta[3] as number,
    smearing,
    logOffset: eps,
    floorFraction,
    rows,
  };
}

/** Variance forecast (decimal²) for one feature row, floored (see the file comment). */
export function predictHarRow(model: HarModel, row: HarFeatureRow): number {
  let v: number;
  if (model.transform === 'level') {
    v = model.intercept + model.daily * row.daily + model.weekly * row.weekly + model.monthly * row.monthly;
  } else {
    const e = model.logOffset;
    const x = model.intercept + model.daily * Math.log(row.daily + e) + model.weekly * Math.log(row.weekly + e) + model.monthly * Math.log(row.monthly + e);
    v = Math.exp(x) * model.smearing - e;
  }
  const floor = Math.max(model.floorFraction * row.monthly, HAR_MIN_VARIANCE);
  // NaN-safe: a NaN forecast (it cannot arise from finite features) would fall to the floor rather than propagate.
  return v > floor ? v : floor;
}

/** Forecasts for every row of `features` (decimal², floored); allocation-free with `out` (length ≥ rows). */
export function predictHar(model: HarModel, features: HarFeatures, out?: Float64Array): Float64Array {
  const rows = features.daily.length;
  if (out !== undefined && out.length < rows) {
    throw new CrossmarginError('INTERNAL', `out: buffer holds ${out.length} values but ${rows} are needed`, { field: 'out' });
  }
  const result = out === undefined ? new Float64Array(rows) : out.subarray(0, rows);
  for (let i = 0; i < rows; i++) {
    result[i] = predictHarRow(model, { daily: features.daily[i] as number, weekly: features.weekly[i] as number, monthly: features.monthly[i] as number });
  }
  return result;
}
