import { realisedVolFromForecaster } from '../risk/vol-forecast/sigma-series-from-forecaster.js';
import { gbtForecaster, harForecaster } from '../risk/vol-forecast/vol-forecaster.js';
import { CrossmarginError } from '../core/errors.js';
import { varRank } from '../core/tail-count.js';
import type { MarketHistory } from '../scenarios/history/market-history.js';
import { realisedVolProxy } from '../scenarios/history/vol-move-shifts.js';
import type { IndexWindow } from '../scenarios/history/daily-returns-matrix.js';
import type { ApcBinding, CalibrationSettings, ScanWindow, UnderlyingScanRange } from './parameter-set.js';

/*
 * Scan ranges from history (docs/calibration.md "Scan ranges"): the price scan range of SPAN (methods/span.md §2,
 * PSR), the price range of TIMS (tims.md §2) and of the scenario grid are one number per underlying, the move a
 * position must survive over the margin period of risk h (var-es.md §8) with probability `coverage`:
 *
 *   r_t = ln(c_t / c_{t−h})                       overlapping h-day log returns, one per end date t of the window
 *   q   = k-th largest |r_t|, k = ⌈(1 − coverage)·N⌉   (the engine's quantile convention, var-es.md §1)
 *   up  = e^q − 1,  down = 1 − e^{−q},  range = max(up, down) = up
 *
 * The vol scan range is the same quantile of |v_t − v_{t−h}|, v the underlying's implied-vol index (VIX for SPX) or,
 * without one, an annualised realised-vol proxy (RiskMetrics EWMA of daily log returns × √periodsPerYear), in absolute
 * vol points. APC (var-es.md §10): (c) the 10-year quantile floors the current one, (b) the stressed window enters
 * with weight w: withApc = max(current, tenYear, (1 − w)·current + w·stressed), separately for price and vol.
 */

/** Days for an EWMA(λ) seed to weigh less than 1 %: ⌈ln 0.01 / ln λ⌉ (var-es.md §6: 74.43 → 75 days for 0.94). */
export function ewmaBurnIn(lambda: number): number {
  return Math.ceil(Math.log(0.01) / Math.log(lambda));
}

/**
 * The coverage quantile of |x|: the k-th largest absolute value, k = varRank(coverage, N) = ⌈(1 − coverage)·N⌉
 * without floating-point drift (N = 500, 0.99 → the 5th largest). HISTORY_INVALID for an empty sample.
 */
export function absQuantile(values: ArrayLike<number>, coverage: number): number {
  const n = values.length;
  if (n === 0) throw new CrossmarginError('HISTORY_INVALID', 'scan range: no observations in the window', { field: 'window' });
  const abs = new Float64Array(n);
  for (let i = 0; i < n; i++) abs[i] = Math.abs(values[i] as number);
  abs.sort();
  return abs[n - varRank(coverage, n)] as number;
}

/** Relative moves of a log-return quantile q: up e^q − 1, down 1 − e^{−q}, range the larger (always up for q ≥ 0). */
export function priceMoves(q: number): { readonly logQuantile: number; readonly up: number; readonly down: number; readonly range: number } {
  const up = Math.expm1(q);
  const down = -Math.expm1(-q);
  return { logQuantile: q, up, down, range: Math.max(up, down) };
}

/** The vol series a vol scan range is measured on, decimal annualised vol, aligned to `history.dates`. */
export interface VolSeries {
  readonly source: 'index' | 'realised';
  readonly values: Float64Array;
  /** First index whose value may be used (after the realised proxy's burn-in; 0 for an index). */
  readonly firstValid: number;
}

/** The underlying's implied-vol index when the history has one, else the annualised realised proxy (from its own closes). */
export function volSeriesFor(history: MarketHistory, row: number, lambda: number, periodsPerYear: number, forecaster: 'ewma' | 'har' | 'gbt' = 'ewma'): VolSeries {
  const index = history.volIndex.get(history.underlyings[row] as string);
  if (index !== undefined) return { source: 'index', values: index, firstValid: 0 };
  const close = history.close[row] as Float64Array;
  // A learned forecaster (walk-forward, refit monthly) replaces the EWMA proxy slot for slot, warm-up included.
  const daily =
    forecaster === 'ewma'
      ? realisedVolProxy(close, lambda)
      : realisedVolFromForecaster(close, forecaster === 'har' ? harForecaster() : gbtForecaster(), { trainWindow: Math.min(1000, Math.max(250, close.length - 50)), refitEvery: 21 });
  const factor = Math.sqrt(periodsPerYear);
  for (let t = 0; t < daily.length; t++) daily[t] = (daily[t] as number) * factor;
  return { source: 'realised', values: daily, firstValid: ewmaBurnIn(lambda) };
}

/**
 * Price and vol quantiles over one window of end dates (first ≥ mpor). The vol sample keeps end dates t with
 * t − h ≥ `vol.firstValid`; when that leaves none the vol quantile is 0 with 0 observations (the window lies in the
 * proxy's burn-in), which the APC max then ignores.
 */
export function scanWindowQuantiles(history: MarketHistory, row: number, window: IndexWindow, mpor: number, coverage: number, vol: VolSeries): ScanWindow {
  const close = history.close[row] as Float64Array;
  const count = window.last - window.first + 1;
  const moves = new Float64Array(count);
  const volMoves: number[] = [];
  for (let s = 0; s < count; s++) {
    const t = window.first + s;
    moves[s] = Math.log((close[t] as number) / (close[t - mpor] as number));
    const now = vol.values[t] as number;
    const before = vol.values[t - mpor] as number;
    if (t - mpor >= vol.firstValid && Number.isFinite(now) && Number.isFinite(before)) volMoves.push(now - before);
  }
  return {
    from: history.dates[window.first] as string,
    to: history.dates[window.last] as string,
    observations: count,
    price: priceMoves(absQuantile(moves, coverage)),
    volQuantile: volMoves.length === 0 ? 0 : absQuantile(volMoves, coverage),
    volObservations: volMoves.length,
  };
}

/** x rounded up to a multiple of `step` (prudent: never below the calibrated value), without 0.15000000000000002 tails. */
export function roundUpTo(x: number, step: number): number {
  const k = Math.ceil(x / step - 1e-9);
  return Number((k * step).toFixed(12));
}

/** Largest multiple of `step` strictly below `limit`. */
function largestBelow(limit: number, step: number): number {
  return Number((Math.ceil(limit / step - 1e-9) * step - step).toFixed(12));
}

/** The APC value and which window set it: max(current, tenYear, (1 − w)·current + w·stressed); ties go to current. */
function apc(current: number, tenYear: number, stressed: number, weight: number): { value: number; binding: ApcBinding } {
  const blended = (1 - weight) * current + weight * stressed;
  let value = current;
  let binding: ApcBinding = 'current';
  if (tenYear > value) {
    value = tenYear;
    binding = 'ten-year';
  }
  if (blended > value) {
    value = blended;
    binding = 'stressed';
  }
  return { value, binding };
}

const pct = (x: number, digits = 2): string => `${(x * 100).toFixed(digits)}%`;

export interface ScanRangeWindows {
  readonly current: IndexWindow;
  readonly tenYear: IndexWindow & { readonly truncated: boolean };
  readonly stressed: IndexWindow;
}

/**
 * Scan ranges of one underlying (see the file comment): the three windows' quantiles, the values without APC (the
 * current window) and with APC, and the pluggable values = withApc rounded up to `settings.rounding`. The pluggable
 * price range is capped at the largest rounding multiple below min(0.5, 1 / extremeMultiplier) so that it satisfies
 * the span and scenario-grid schemas (price × extreme multiplier < 1: a price cannot fall 100 %); `capped` says so.
 */
export function calibrateScanRange(
  history: MarketHistory,
  row: number,
  windows: ScanRangeWindows,
  settings: CalibrationSettings,
  periodsPerYear: number,
): UnderlyingScanRange {
  const h = settings.mpor;
  const vol = volSeriesFor(history, row, settings.lambda, periodsPerYear, settings.volForecaster);
  const current = scanWindowQuantiles(history, row, windows.current, h, settings.coverage, vol);
  const tenYear = scanWindowQuantiles(history, row, windows.tenYear, h, settings.coverage, vol);
  const stressed = scanWindowQuantiles(history, row, windows.stressed, h, settings.coverage, vol);
  const w = settings.stressedWeight;
  const price = apc(current.price.range, tenYear.price.range, stressed.price.range, w);
  const volApc = apc(current.volQuantile, tenYear.volQuantile, stressed.volQuantile, w);

  const limit = Math.min(0.5, 1 / settings.extremeMultiplier);
  const cap = largestBelow(limit, settings.rounding);
  const rounded = Math.max(roundUpTo(price.value, settings.rounding), settings.rounding);
  const capped = rounded > cap;
  const priceRange = capped ? cap : rounded;
  const volRange = roundUpTo(volApc.value, settings.rounding);

  const u = history.underlyings[row] as string;
  const volWhat = vol.source === 'index' ? `its implied-vol index` : `an annualised EWMA(λ = ${settings.lambda}) realised-vol proxy (first ${vol.firstValid} days burn-in)`;
  const method =
    `${u}: price scan range = ${pct(settings.coverage, 1)} quantile q of |${h}-day overlapping log return| (k-th largest, k = ⌈(1 − coverage)·N⌉), ` +
    `relative moves up e^q − 1, down 1 − e^−q, range the larger. Current ${current.from}..${current.to} (N = ${current.observations}): ` +
    `q = ${current.price.logQuantile.toFixed(4)}, up ${pct(current.price.up)}, down ${pct(current.price.down)}. ` +
    `APC (docs/calibration.md "Scan ranges"): ${settings.apcYears}-year floor ${tenYear.from}..${tenYear.to}${windows.tenYear.truncated ? ' (all history: shorter than the APC span)' : ''} ` +
    `(N = ${tenYear.observations}) ${pct(tenYear.price.range)}; stressed ${stressed.from}..${stressed.to} (N = ${stressed.observations}) ${pct(stressed.price.range)} ` +
    `weighted ${w}; withApc = max(current, ${settings.apcYears}-year, ${1 - w}·current + ${w}·stressed) = ${pct(price.value)} (${price.binding}), ` +
    `rounded up to ${settings.rounding}${capped ? `, capped at ${cap} (must stay below ${limit} for extreme multiplier ${settings.extremeMultiplier})` : ''}. ` +
    `Vol scan range = the same quantile of |${h}-day change| of ${volWhat}, absolute vol points: current ${current.volQuantile.toFixed(4)}, ` +
    `${settings.apcYears}-year ${tenYear.volQuantile.toFixed(4)}, stressed ${stressed.volQuantile.toFixed(4)} → ${volApc.value.toFixed(4)} (${volApc.binding}).`;

  return {
    span: { priceScanRange: priceRange, volScanRange: volRange },
    tims: { priceRange },
    scenarioGrid: { priceRange },
    withoutApc: { priceScanRange: current.price.range, volScanRange: current.volQuantile },
    withApc: { priceScanRange: price.value, volScanRange: volApc.value, priceBinding: price.binding, volBinding: volApc.binding },
    windows: { current, tenYear: { ...tenYear, truncated: windows.tenYear.truncated }, stressed },
    volSource: vol.source,
    capped,
    method,
  };
}
