import { CrossmarginError } from '../core/errors.js';
import type { MarketHistory } from '../scenarios/history/market-history.js';
import { correlationFromCovariance, ewmaCovariance, minEigenvalue, nearestCorrelation, sampleCovariance } from '../numerics/covariance.js';
import type { StressedWindow } from './calibration-window.js';
import { dailyReturnsMatrix, type IndexWindow } from '../scenarios/history/daily-returns-matrix.js';
import { ledoitWolf } from '../numerics/ledoit-wolf.js';
import type { CalibrationSettings, CorrelationEstimate, ParameterSet } from './parameter-set.js';

/*
 * Correlations of daily log returns (var-es.md §6 EWMA, §7 Ledoit–Wolf, Higham, stressed correlation). Every estimate
 * is checked for positive semi-definiteness and, if it fails, replaced by its Higham (2002) nearest correlation, with
 * the Frobenius distance reported, so a consumer can always take a Cholesky factor (var-es.md §5).
 */

/** An estimate counts as PSD when its smallest eigenvalue is at least −PSD_TOLERANCE (rounding, not a defect). */
export const PSD_TOLERANCE = 1e-10;

/** n × n row-major → nested arrays (the JSON form). */
export function toRows(a: Float64Array, n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)));
}

/**
 * PSD check and, when it fails, Higham repair (var-es.md §7: "after any elementwise override run Higham and assert
 * min eigenvalue ≥ 0"). The distance is ‖estimate − repaired‖_F.
 */
export function checkedCorrelation(estimate: Float64Array, n: number, field: string): CorrelationEstimate {
  const lowest = minEigenvalue(estimate, n);
  if (lowest >= -PSD_TOLERANCE) {
    return { matrix: toRows(estimate, n), minEigenvalue: lowest, repaired: false, repairDistance: 0, repairIterations: 0 };
  }
  const near = nearestCorrelation(estimate, n, { field });
  if (!near.converged) {
    throw new CrossmarginError('INTERNAL', `${field}: the Higham repair did not converge in ${near.iterations} iterations`, { field });
  }
  let distance = 0;
  for (let k = 0; k < n * n; k++) distance += (estimate[k]! - near.matrix[k]!) ** 2;
  return { matrix: toRows(near.matrix, n), minEigenvalue: lowest, repaired: true, repairDistance: Math.sqrt(distance), repairIterations: near.iterations };
}

/** Sets ρ_ab = ρ_ba = value for each override; MODEL_PARAMS_INVALID for an unknown underlying or a diagonal entry. */
export function applyCorrelationOverrides(matrix: Float64Array, underlyings: readonly string[], overrides: CalibrationSettings['correlationOverrides']): Float64Array {
  const n = underlyings.length;
  const out = new Float64Array(matrix);
  overrides.forEach((o, k) => {
    const i = underlyings.indexOf(o.a);
    const j = underlyings.indexOf(o.b);
    const bad = i < 0 ? o.a : j < 0 ? o.b : undefined;
    if (bad !== undefined) {
      throw new CrossmarginError('MODEL_PARAMS_INVALID', `correlationOverrides.${k}: ${bad} is not among the calibrated underlyings (${underlyings.join(', ')})`, {
        field: `correlationOverrides.${k}`,
      });
    }
    if (i === j) throw new CrossmarginError('MODEL_PARAMS_INVALID', `correlationOverrides.${k}: a correlation of ${o.a} with itself is 1`, { field: `correlationOverrides.${k}` });
    out[i * n + j] = o.value;
    out[j * n + i] = o.value;
  });
  return out;
}

function sampleCorrelation(history: MarketHistory, window: IndexWindow, field: string): Float64Array {
  const { returns, days, assets } = dailyReturnsMatrix(history, window);
  return correlationFromCovariance(sampleCovariance(returns, days, assets, { field }), assets, field);
}

/**
 * Ledoit–Wolf on returns standardised by their own (1/n) standard deviation, so S is the sample correlation, μ = 1 and
 * the target μI is the identity correlation. On raw returns μ would be the average variance, dominated by the
 * wildest asset (a BTC variance is ~10× an index's), and the shrunk matrix would not be a correlation.
 */
function ledoitWolfCorrelation(history: MarketHistory, window: IndexWindow): { matrix: Float64Array; shrinkage: number } {
  const { returns, days, assets } = dailyReturnsMatrix(history, window);
  for (let i = 0; i < assets; i++) {
    let mean = 0;
    for (let t = 0; t < days; t++) mean += returns[t * assets + i]!;
    mean /= days;
    let ss = 0;
    for (let t = 0; t < days; t++) ss += (returns[t * assets + i]! - mean) ** 2;
    const sd = Math.sqrt(ss / days);
    if (!(sd > 0)) {
      throw new CrossmarginError('HISTORY_INVALID', `${history.underlyings[i]}: prices do not move over the lookback, so correlations are undefined`, {
        field: history.underlyings[i] as string,
      });
    }
    for (let t = 0; t < days; t++) returns[t * assets + i] = (returns[t * assets + i]! - mean) / sd;
  }
  const lw = ledoitWolf(returns, days, assets, { assumeCentred: true });
  const m = lw.matrix;
  // Exact unit diagonal and symmetry (the arithmetic above leaves 1 ± 1e-16).
  for (let i = 0; i < assets; i++) {
    m[i * assets + i] = 1;
    for (let j = 0; j < i; j++) {
      const v = 0.5 * (m[i * assets + j]! + m[j * assets + i]!);
      m[i * assets + j] = v;
      m[j * assets + i] = v;
    }
  }
  return { matrix: m, shrinkage: lw.shrinkage };
}

/** The `correlations` block of a parameter set: sample, EWMA, Ledoit–Wolf over the lookback, and stressed. */
export function estimateCorrelations(
  history: MarketHistory,
  lookback: IndexWindow,
  stressed: StressedWindow,
  settings: CalibrationSettings,
): ParameterSet['correlations'] {
  const n = history.underlyings.length;
  const sample = sampleCorrelation(history, lookback, 'correlations.sample');
  const { returns, days, assets } = dailyReturnsMatrix(history, lookback);
  const ewma = correlationFromCovariance(ewmaCovariance(returns, days, assets, settings.lambda, 'correlations.ewma'), assets, 'correlations.ewma');
  const lw = ledoitWolfCorrelation(history, lookback);
  const stressedRaw = applyCorrelationOverrides(sampleCorrelation(history, stressed, 'correlations.stressed'), history.underlyings, settings.correlationOverrides);
  return {
    underlyings: [...history.underlyings],
    sample: checkedCorrelation(sample, n, 'correlations.sample'),
    ewma: checkedCorrelation(ewma, n, 'correlations.ewma'),
    ledoitWolf: {
      ...checkedCorrelation(lw.matrix, n, 'correlations.ledoitWolf'),
      shrinkage: lw.shrinkage,
      target: 'identity correlation (Ledoit–Wolf μI on standardised returns)',
    },
    stressed: {
      ...checkedCorrelation(stressedRaw, n, 'correlations.stressed'),
      window: {
        from: history.dates[stressed.first] as string,
        to: history.dates[stressed.last] as string,
        returns: stressed.last - stressed.first + 1,
        selection: stressed.selection,
      },
      overrides: [...settings.correlationOverrides],
    },
  };
}
