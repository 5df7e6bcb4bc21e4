import { parseWithSchema } from '../core/validate.js';
import type { MarketHistory } from '../scenarios/history/market-history.js';
import { fitGarch11, garchHalfLife, garchLongRunVariance } from '../numerics/volatility-filters.js';
import { lookbackWindow, periodsPerYear, resolveStressedWindow, tenYearWindow } from './calibration-window.js';
import { dailyReturnsMatrix, type IndexWindow } from '../scenarios/history/daily-returns-matrix.js';
import { restrictHistory } from '../scenarios/history/restrict-history.js';
import { buildChangeLog, type ParameterSetDraft } from './change-log.js';
import { estimateCorrelations } from './correlation-estimates.js';
import { garchStandardErrors } from '../numerics/garch-standard-errors.js';
import { openInterestAt, type OpenInterestTable } from './open-interest.js';
import {
  CalibrationSettingsSchema,
  PARAMETER_SET_FORMAT,
  ParameterSetSchema,
  canonicalJson,
  computeInputHash,
  sha256Hex,
  type Activity,
  type CalibrationSettingsInput,
  type GarchEstimate,
  type ParameterSet,
  type SourceFile,
  type UnderlyingScanRange,
} from './parameter-set.js';
import { baselinesOf, currentMeasures, ewmaDailyVol, recalibrationSignals, trailingMean, type CalibrationBaseline } from './recalibration-signals.js';
import { calibrateScanRange } from './scan-range-calibration.js';

/** One step of a calibration, for progress bars (the GARCH fits are the slow part). */
export interface CalibrationProgress {
  readonly step: 'garch' | 'scan-ranges' | 'correlations';
  readonly underlying?: string;
  readonly done: number;
  readonly total: number;
}

/** Everything calibration needs besides the history and settings; all optional. */
export interface CalibrationContext {
  /**
   * The input files and their SHA-256 (hashed by the caller: calibrate does no I/O). Without them the source is the
   * history itself: one entry `(in-memory history)` hashing the canonical JSON of its dates and closes up to as-of.
   */
  readonly sources?: readonly SourceFile[];
  /** Open interest by underlying (parseOpenInterestCsv) for the open-interest signal and the activity record. */
  readonly openInterest?: OpenInterestTable;
  readonly onProgress?: (progress: CalibrationProgress) => void;
}

/** Hash of the history actually used, when no file hashes are given. */
function historySource(history: MarketHistory): SourceFile {
  const data = { dates: history.dates, underlyings: history.underlyings, close: history.close.map((c) => Array.from(c)) };
  return { file: '(in-memory history)', sha256: sha256Hex(canonicalJson(data)) };
}

/** Root mean square of the daily log returns ending in `window` (zero mean, like EWMA and the zero-mean GARCH). */
function rmsDailyReturn(close: Float64Array, window: IndexWindow): number {
  let ss = 0;
  for (let t = window.first; t <= window.last; t++) ss += Math.log((close[t] as number) / (close[t - 1] as number)) ** 2;
  return Math.sqrt(ss / (window.last - window.first + 1));
}

function garchEstimate(returns: Float64Array, relativeStep: number, periods: number): GarchEstimate {
  const fit = fitGarch11(returns, { mean: 'zero' });
  const se = garchStandardErrors(returns, fit.params, { relativeStep });
  const vl = garchLongRunVariance(fit.params);
  const p = fit.persistence;
  return {
    omega: fit.params.omega,
    alpha: fit.params.alpha,
    beta: fit.params.beta,
    persistence: p,
    ...(p > 0 && p < 1 ? { halfLifeDays: garchHalfLife(fit.params) } : {}),
    ...(Number.isFinite(vl) ? { longRunDailyVol: Math.sqrt(vl), longRunAnnualisedVol: Math.sqrt(vl * periods) } : {}),
    logLikelihood: fit.logLikelihood,
    standardErrors: {
      ...(se.omega === undefined ? {} : { omega: se.omega }),
      ...(se.alpha === undefined ? {} : { alpha: se.alpha }),
      ...(se.beta === undefined ? {} : { beta: se.beta }),
    },
    converged: fit.converged,
    evaluations: fit.evaluations,
  };
}

/**
 * Calibrates a parameter set (docs/calibration.md) from `history` as of `settings.asOf` (default: its last date):
 *
 * 1. history is cut at asOf (no look-ahead); the lookback is the last `lookback` daily returns;
 * 2. per underlying: EWMA(λ) vol forecast and the lookback's realised vol (var-es.md §6), a zero-mean Gaussian
 *    GARCH(1,1) fit with Hessian standard errors, and scan ranges with and without APC (scan-range-calibration.ts);
 * 3. sample, EWMA, Ledoit–Wolf and stressed correlations, each Higham-repaired if not PSD (var-es.md §7);
 * 4. activity (volumes, open interest), recalibration signals against `previous` (or, for a first calibration and
 *    for new underlyings, against this calibration's own lookback), the change log against `previous`;
 * 5. version = previous.version + 1 (1 without a previous set), input hash over the source hashes and settings.
 *
 * Pure apart from `context.onProgress`: file hashes come in through `context.sources`. Errors: MODEL_PARAMS_INVALID
 * for bad settings (naming the field), HISTORY_INVALID for too little history, and those of the estimators.
 */
export function calibrate(history: MarketHistory, settingsInput: CalibrationSettingsInput = {}, previous?: ParameterSet, context: CalibrationContext = {}): ParameterSet {
  const settings = parseWithSchema(CalibrationSettingsSchema, settingsInput, 'settings', 'MODEL_PARAMS_INVALID');
  // No look-ahead: nothing after asOf is seen by any estimate below.
  const h = settings.asOf === undefined ? history : restrictHistory(history, settings.asOf);
  const asOf = settings.asOf ?? (h.dates[h.dates.length - 1] as string);
  const mpor = settings.mpor;
  const lookback = lookbackWindow(h, settings.lookback, mpor);
  const periods = periodsPerYear(h, lookback);
  const longWindow = tenYearWindow(h, settings.apcYears, mpor);
  const stressed = resolveStressedWindow(h, settings.stressedWindow, mpor, settings.stressedWindowDays, longWindow.first);
  const resolved = { ...settings, asOf };
  const notes: string[] = [];
  const underlyings = h.underlyings;
  const progress = context.onProgress;

  const ewma: ParameterSet['ewma']['underlyings'] = {};
  const garch: ParameterSet['garch']['underlyings'] = {};
  const scanRanges: Record<string, UnderlyingScanRange> = {};
  const activity: Record<string, Activity> = {};
  const { returns: lookbackReturns, days } = dailyReturnsMatrix(h, lookback);
  const lookbackFrom = h.dates[lookback.first] as string;

  underlyings.forEach((u, row) => {
    const close = h.close[row] as Float64Array;
    const daily = ewmaDailyVol(close, settings.lambda, settings.lookback);
    const realised = rmsDailyReturn(close, lookback);
    ewma[u] = { dailyVol: daily, annualisedVol: daily * Math.sqrt(periods), lookbackDailyVol: realised, lookbackAnnualisedVol: realised * Math.sqrt(periods) };

    progress?.({ step: 'garch', underlying: u, done: row, total: underlyings.length });
    const own = new Float64Array(days);
    for (let t = 0; t < days; t++) own[t] = lookbackReturns[t * underlyings.length + row] as number;
    const g = garchEstimate(own, settings.hessianStep, periods);
    garch[u] = g;
    if (!g.converged) notes.push(`${u}: the GARCH optimiser stopped before meeting its tolerances (${g.evaluations} evaluations); treat the fit with care`);
    if (g.standardErrors.omega === undefined || g.standardErrors.alpha === undefined || g.standardErrors.beta === undefined) {
      notes.push(`${u}: GARCH standard errors undefined for some parameters (the observed information is not positive definite: optimum on a boundary?)`);
    }

    progress?.({ step: 'scan-ranges', underlying: u, done: row, total: underlyings.length });
    const s = calibrateScanRange(h, row, { current: lookback, tenYear: longWindow, stressed }, settings, periods);
    scanRanges[u] = s;
    if (s.capped) notes.push(`${u}: the APC price scan range ${(s.withApc.priceScanRange * 100).toFixed(1)}% was capped at ${(s.span.priceScanRange * 100).toFixed(1)}% to stay pluggable`);
    const ownRange = h.ranges.find((r) => r.name === u);
    // Alignment with a younger underlying can shorten an older one's APC window: say so, it changes the floor.
    if (s.windows.tenYear.truncated && ownRange !== undefined && ownRange.first < (h.dates[0] as string)) {
      notes.push(`${u}: its own history starts ${ownRange.first} but the aligned history of ${underlyings.join(', ')} starts ${h.dates[0]}; every window uses aligned dates (calibrate ${u} alone for its full history)`);
    }
    if (s.windows.tenYear.truncated) notes.push(`${u}: history shorter than ${settings.apcYears} years; the APC floor uses all of it (${s.windows.tenYear.from}..${s.windows.tenYear.to})`);

    const volume = h.volume[row] as Float64Array;
    const averageVolume = trailingMean(volume, lookback.last, lookback.last - lookback.first + 1);
    const recentVolume = trailingMean(volume, lookback.last, settings.volumeWindow);
    const oi = openInterestAt(context.openInterest?.get(u), lookbackFrom, h.dates[lookback.last] as string);
    activity[u] = {
      volumeUnit: h.volumeUnit[row] ?? 'unknown',
      ...(averageVolume === undefined ? {} : { averageVolume }),
      ...(recentVolume === undefined ? {} : { recentVolume }),
      ...(oi === undefined ? {} : { openInterest: oi }),
    };
  });
  progress?.({ step: 'correlations', done: underlyings.length, total: underlyings.length });
  const correlations = estimateCorrelations(h, lookback, stressed, settings);
  if (correlations.stressed.repaired) {
    notes.push(`stressed correlation was not PSD (min eigenvalue ${correlations.stressed.minEigenvalue.toPrecision(4)}); Higham repair moved it by ${correlations.stressed.repairDistance.toPrecision(4)} (Frobenius)`);
  }

  const sources = context.sources === undefined ? [historySource(h)] : [...context.sources];
  if (context.sources === undefined) notes.push('no file hashes given: the source hash is over the in-memory history (dates and closes up to as-of)');
  const usesRealised = Object.values(scanRanges).some((s) => s.volSource === 'realised');
  const earliest = usesRealised ? 0 : Math.min(lookback.first - 1, longWindow.first - mpor, stressed.first - mpor);
  if (previous !== undefined && previous.asOf > asOf) notes.push(`the previous set (v${previous.version}) is dated ${previous.asOf}, after this one (${asOf})`);

  // Signals: against the previous set's baselines, or this calibration's own for a first run and new underlyings.
  const ownLabel = 'this calibration';
  const own = new Map<string, CalibrationBaseline>();
  for (const u of underlyings) {
    const e = ewma[u];
    const a = activity[u];
    if (e === undefined || a === undefined) continue;
    own.set(u, { calibratedVol: e.lookbackAnnualisedVol, averageVolume: a.averageVolume, volumeUnit: a.volumeUnit, openInterestAverage: a.openInterest?.average, label: ownLabel });
  }
  const previousLabel = previous === undefined ? undefined : `set v${previous.version} (as of ${previous.asOf})`;
  const baselines = previous === undefined ? own : new Map([...own, ...baselinesOf(previous, previousLabel)].filter(([u]) => underlyings.includes(u)));
  const signals = recalibrationSignals({
    underlyings,
    current: currentMeasures(h, settings, periods, context.openInterest),
    baselines,
    thresholds: settings,
    previous: previous === undefined ? undefined : { underlyings: previous.createdFrom.underlyings, label: previousLabel as string },
  });

  const draft: ParameterSetDraft = {
    format: PARAMETER_SET_FORMAT,
    version: previous === undefined ? 1 : previous.version + 1,
    asOf,
    ...(previous === undefined ? {} : { supersedes: { version: previous.version, asOf: previous.asOf, inputHash: previous.createdFrom.inputHash } }),
    createdFrom: {
      underlyings: [...underlyings],
      dateRange: { from: h.dates[Math.max(0, earliest)] as string, to: h.dates[h.dates.length - 1] as string },
      sources,
      inputHash: computeInputHash(sources, resolved),
    },
    settings: resolved,
    periodsPerYear: periods,
    lookbackWindow: { from: lookbackFrom, to: h.dates[lookback.last] as string, returns: days },
    ewma: { lambda: settings.lambda, underlyings: ewma },
    garch: {
      mean: 'zero',
      hessian: `central differences of the log-likelihood in (ω, α, β), relative step ${settings.hessianStep}, on returns scaled to unit RMS; SE = √diag((−H)⁻¹)`,
      underlyings: garch,
    },
    correlations,
    scanRanges: {
      coverage: settings.coverage,
      mpor,
      lookback: settings.lookback,
      apc: {
        years: settings.apcYears,
        stressedWeight: settings.stressedWeight,
        stressedWindow: { from: h.dates[stressed.first] as string, to: h.dates[stressed.last] as string },
      },
      rounding: settings.rounding,
      underlyings: scanRanges,
    },
    activity,
    signals,
    notes,
  };
  const set = { ...draft, changeLog: buildChangeLog(draft, previous) };
  // The document must load back (the CLI writes it, `--previous` reads it); a failure here is a bug, not bad input.
  return parseWithSchema(ParameterSetSchema, set, 'parameter set', 'INTERNAL');
}
