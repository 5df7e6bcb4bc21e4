import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isIsoDate } from '../core/dates.js';
import { parseWithSchema } from '../core/validate.js';

/*
 * The versioned parameter set that calibration writes (methods/README.md "Parameters are configuration": every
 * parameter is a dated snapshot with its source, never a compiled-in constant). One JSON document per calibration run:
 * what it was computed from (files and their SHA-256, dates, settings), the fitted volatility models (var-es.md §6),
 * correlations (§7), scan ranges with and without anti-procyclicality (span.md §2, tims.md §2, var-es.md §8, §10),
 * recalibration signals and the change log against the previous version. docs/calibration.md describes every field.
 *
 * Units: volatilities are decimals (0.55 = 55 %), daily unless the field says annualised; price scan ranges are
 * relative moves (0.12 = ±12 %); vol scan ranges are absolute vol points as decimals (0.05 = 5 vol points).
 */

/** `format` of every parameter set this code writes and reads. */
export const PARAMETER_SET_FORMAT = 'crossmargin-params-1';

const IsoDate = z.string().refine(isIsoDate, { message: 'expected a calendar date YYYY-MM-DD' });
const Num = z.number().finite();
const NonNeg = Num.min(0);
const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits (SHA-256)');
const DateRangeSchema = z.strictObject({ from: IsoDate, to: IsoDate });

/** Elementwise override of the stressed correlation (var-es.md §7 "stressed correlation" step 2). */
const CorrelationOverrideSchema = z.strictObject({ a: z.string().min(1), b: z.string().min(1), value: Num.min(-1).max(1) });

/**
 * Calibration settings ("method settings"). Every field has a default, so `{}` is a complete setting; the parameter
 * set stores the resolved settings (asOf filled in) and they enter the input hash.
 */
export const CalibrationSettingsSchema = z.strictObject({
  /** Last date calibration may use (`YYYY-MM-DD`); history after it is cut off (no look-ahead). Default: last date. */
  asOf: IsoDate.optional(),
  /** Daily returns in the calibration window (aligned dates, i.e. trading days of the common calendar). */
  lookback: z.number().int().min(100).max(100_000).default(500),
  /** Scan-range coverage: quantile level of |h-day log return| (var-es.md §8: EMIR Art 24 ≥ 0.99 for non-OTC). */
  coverage: Num.gt(0.5).lt(1).default(0.99),
  /** Margin period of risk h, days (var-es.md §8: EMIR Art 26 ≥ 2 business days for non-OTC). */
  mpor: z.number().int().min(1).max(250).default(2),
  /** EWMA decay (var-es.md §6: RiskMetrics daily 0.94). */
  lambda: Num.gt(0).lt(1).default(0.94),
  /**
   * Realised-vol forecaster behind vol scan ranges of underlyings without an implied-vol index: EWMA(λ), or a
   * learned forecaster walked forward over the history (HAR, boosted trees; docs/vol-forecasts.md).
   */
  volForecaster: z.enum(['ewma', 'har', 'gbt']).default('ewma'),
  /** Stressed window (inclusive end dates); undefined = chosen automatically (docs/calibration.md "Stressed window"). */
  stressedWindow: DateRangeSchema.optional(),
  /** Length of an automatically chosen stressed window, aligned days. */
  stressedWindowDays: z.number().int().min(10).max(5000).default(60),
  /** APC (var-es.md §10(b)): weight of the stressed quantile in the blend (1−w)·current + w·stressed. */
  stressedWeight: Num.min(0).max(1).default(0.25),
  /** APC (var-es.md §10(c)): scan ranges are floored by the quantile over this many calendar years. */
  apcYears: z.number().int().min(1).max(100).default(10),
  /** Pluggable scan ranges are rounded up to a multiple of this (0.001 = 0.1 % or 0.1 vol point). */
  rounding: Num.positive().max(0.05).default(0.001),
  /** SPAN / scenario-grid extreme multiplier the pluggable price range must respect (range × multiplier < 1). */
  extremeMultiplier: Num.min(1).max(10).default(2),
  /** Days averaged for the current volume (recalibration signal). */
  volumeWindow: z.number().int().min(1).max(1000).default(30),
  /** Vol band: a signal when current EWMA vol leaves [1/(1+band), 1+band] × calibrated vol. */
  volBand: Num.positive().max(10).default(0.25),
  /** Volume signal when |current / calibrated − 1| exceeds this. */
  volumeChangeThreshold: Num.positive().default(0.5),
  /** Open-interest signal when |current / calibrated − 1| exceeds this. */
  openInterestChangeThreshold: Num.positive().default(0.5),
  /** Change log: correlation moves larger than this (absolute) are logged. */
  correlationChangeThreshold: Num.positive().max(2).default(0.1),
  /** Change log: GARCH persistence moves larger than this (absolute) are logged. */
  persistenceChangeThreshold: Num.positive().max(1).default(0.01),
  /** GARCH standard errors: relative step of the central-difference Hessian (docs/calibration.md "GARCH"). */
  hessianStep: Num.gt(0).max(0.01).default(1e-4),
  /** Elementwise overrides applied to the stressed correlation before the PSD check. */
  correlationOverrides: z.array(CorrelationOverrideSchema).default([]),
});

export type CalibrationSettingsInput = z.input<typeof CalibrationSettingsSchema>;
export type CalibrationSettings = z.output<typeof CalibrationSettingsSchema>;

const SourceSchema = z.strictObject({ file: z.string().min(1), sha256: Hex64 });
export type SourceFile = z.output<typeof SourceSchema>;

const WindowSchema = z.strictObject({ from: IsoDate, to: IsoDate, returns: z.number().int().min(0) });

const EwmaUnderlyingSchema = z.strictObject({
  /** σ_{T+1|T}: tomorrow's EWMA vol forecast, daily decimal. */
  dailyVol: NonNeg,
  annualisedVol: NonNeg,
  /** Root mean square of the lookback's daily log returns (the vol regime the scan range reflects): "calibrated vol". */
  lookbackDailyVol: NonNeg,
  lookbackAnnualisedVol: NonNeg,
});

const GarchUnderlyingSchema = z.strictObject({
  omega: Num.positive(),
  alpha: NonNeg,
  beta: NonNeg,
  persistence: NonNeg,
  /** ln ½ / ln(α + β), days; absent when α + β ≥ 1. */
  halfLifeDays: NonNeg.optional(),
  /** √V_L, V_L = ω / (1 − α − β); absent when α + β ≥ 1 (no long-run level). */
  longRunDailyVol: NonNeg.optional(),
  longRunAnnualisedVol: NonNeg.optional(),
  logLikelihood: Num,
  /** √diag((−H)⁻¹), H the Hessian of ℓ; a field is absent when −H is not positive definite (boundary optimum). */
  standardErrors: z.strictObject({ omega: NonNeg.optional(), alpha: NonNeg.optional(), beta: NonNeg.optional() }),
  converged: z.boolean(),
  evaluations: z.number().int().min(0),
});

const MatrixSchema = z.array(z.array(Num));

const CorrelationEstimateSchema = z.strictObject({
  /** The correlation to use: the estimate, or its Higham repair when the estimate was not PSD. */
  matrix: MatrixSchema,
  /** Smallest eigenvalue of the estimate before any repair. */
  minEigenvalue: Num,
  repaired: z.boolean(),
  /** ‖estimate − repaired‖_F (0 when not repaired). */
  repairDistance: NonNeg,
  repairIterations: z.number().int().min(0),
});

const PriceQuantileSchema = z.strictObject({
  /** q: the coverage quantile of |h-day log return|. */
  logQuantile: NonNeg,
  /** e^q − 1: the relative up move. */
  up: NonNeg,
  /** 1 − e^{−q}: the relative down move. */
  down: NonNeg,
  /** max(up, down) = up. */
  range: NonNeg,
});

const ScanWindowSchema = z.strictObject({
  /** First and last end date of the h-day moves in the window. */
  from: IsoDate,
  to: IsoDate,
  observations: z.number().int().min(1),
  price: PriceQuantileSchema,
  /** Coverage quantile of |h-day change| of the vol series, absolute vol points (decimal). */
  volQuantile: NonNeg,
  /** Vol observations (fewer than `observations` when the realised proxy's burn-in cuts the window). */
  volObservations: z.number().int().min(0),
});

const ApcBindingSchema = z.enum(['current', 'ten-year', 'stressed']);

const ScanRangeSchema = z.strictObject({
  /** Pluggable into span params `underlyings[u]` (methods/span.md §2: PSR relative, VSR vol points). */
  span: z.strictObject({ priceScanRange: Num.positive().lt(0.5), volScanRange: NonNeg }),
  /** Pluggable into tims params `classGroups[u]`. */
  tims: z.strictObject({ priceRange: Num.positive().lt(1) }),
  /** Pluggable into scenario-grid params `underlyings[u]`. */
  scenarioGrid: z.strictObject({ priceRange: Num.positive().lt(1) }),
  withoutApc: z.strictObject({ priceScanRange: NonNeg, volScanRange: NonNeg }),
  withApc: z.strictObject({ priceScanRange: NonNeg, volScanRange: NonNeg, priceBinding: ApcBindingSchema, volBinding: ApcBindingSchema }),
  windows: z.strictObject({
    current: ScanWindowSchema,
    tenYear: ScanWindowSchema.extend({ truncated: z.boolean() }),
    stressed: ScanWindowSchema,
  }),
  volSource: z.enum(['index', 'realised']),
  /** True when the APC price range had to be cut to stay pluggable (below 1 / extremeMultiplier and SPAN's 0.5). */
  capped: z.boolean(),
  method: z.string(),
});

const ActivitySchema = z.strictObject({
  volumeUnit: z.enum(['base', 'quote', 'unknown']),
  /** Mean daily volume over the lookback window ("the calibration's" volume); absent without volume data. */
  averageVolume: NonNeg.optional(),
  /** Mean daily volume over the last `volumeWindow` days. */
  recentVolume: NonNeg.optional(),
  openInterest: z.strictObject({ latest: NonNeg, latestDate: IsoDate, average: NonNeg, observations: z.number().int().min(1) }).optional(),
});

export const SignalKindSchema = z.enum(['vol-band', 'volume-change', 'open-interest-change', 'new-product']);
export type SignalKind = z.output<typeof SignalKindSchema>;

export const SignalSchema = z.strictObject({
  kind: SignalKindSchema,
  underlying: z.string().min(1),
  message: z.string(),
  values: z.record(z.string(), z.union([Num, z.string()])),
});
export type Signal = z.output<typeof SignalSchema>;

export const ChangeLogEntrySchema = z.strictObject({
  /** Dotted path of the changed field (`scanRanges.BTC.priceScanRange`, `correlations.sample.BTC/ETH`). */
  field: z.string().min(1),
  underlying: z.string().optional(),
  from: z.union([Num, z.string()]).optional(),
  to: z.union([Num, z.string()]).optional(),
  reason: z.string(),
  /** The entry as one readable sentence. */
  sentence: z.string(),
});
export type ChangeLogEntry = z.output<typeof ChangeLogEntrySchema>;

export const ParameterSetSchema = z.strictObject({
  format: z.literal(PARAMETER_SET_FORMAT),
  /** 1 for a first calibration, previous + 1 otherwise. */
  version: z.number().int().min(1),
  asOf: IsoDate,
  /** The set this one replaces. */
  supersedes: z.strictObject({ version: z.number().int().min(1), asOf: IsoDate, inputHash: Hex64 }).optional(),
  createdFrom: z.strictObject({
    underlyings: z.array(z.string().min(1)).min(1),
    /** Earliest and latest history date any estimate used. */
    dateRange: DateRangeSchema,
    sources: z.array(SourceSchema),
    /** SHA-256 of the canonical JSON of {sorted source hashes, resolved settings} (computeInputHash). */
    inputHash: Hex64,
  }),
  settings: CalibrationSettingsSchema.extend({ asOf: IsoDate }),
  /** Aligned observations per year, for annualising (≈ 365 for crypto-only histories, ≈ 252 with an exchange). */
  periodsPerYear: z.number().int().min(1),
  /** The daily returns every estimate except the scan-range APC windows uses. */
  lookbackWindow: WindowSchema,
  ewma: z.strictObject({ lambda: Num, underlyings: z.record(z.string(), EwmaUnderlyingSchema) }),
  garch: z.strictObject({
    mean: z.literal('zero'),
    hessian: z.string(),
    underlyings: z.record(z.string(), GarchUnderlyingSchema),
  }),
  correlations: z.strictObject({
    /** Row/column order of every matrix. */
    underlyings: z.array(z.string().min(1)),
    sample: CorrelationEstimateSchema,
    ewma: CorrelationEstimateSchema,
    ledoitWolf: CorrelationEstimateSchema.extend({ shrinkage: Num.min(0).max(1), target: z.string() }),
    stressed: CorrelationEstimateSchema.extend({
      window: WindowSchema.extend({ selection: z.enum(['given', 'auto']) }),
      overrides: z.array(CorrelationOverrideSchema),
    }),
  }),
  scanRanges: z.strictObject({
    coverage: Num,
    mpor: z.number().int().min(1),
    lookback: z.number().int().min(1),
    apc: z.strictObject({ years: z.number().int().min(1), stressedWeight: Num, stressedWindow: DateRangeSchema }),
    rounding: Num.positive(),
    underlyings: z.record(z.string(), ScanRangeSchema),
  }),
  activity: z.record(z.string(), ActivitySchema),
  signals: z.array(SignalSchema),
  changeLog: z.array(ChangeLogEntrySchema),
  notes: z.array(z.string()),
});

export type ParameterSet = z.output<typeof ParameterSetSchema>;
export type UnderlyingScanRange = z.output<typeof ScanRangeSchema>;
export type ScanWindow = z.output<typeof ScanWindowSchema>;
export type CorrelationEstimate = z.output<typeof CorrelationEstimateSchema>;
export type GarchEstimate = z.output<typeof GarchUnderlyingSchema>;
export type EwmaEstimate = z.output<typeof EwmaUnderlyingSchema>;
export type Activity = z.output<typeof ActivitySchema>;
export type ApcBinding = z.output<typeof ApcBindingSchema>;

/** Validates a parameter-set document (a `--previous` file); SCHEMA_INVALID naming `source` and the field. */
export function parseParameterSet(value: unknown, source?: string): ParameterSet {
  return parseWithSchema(ParameterSetSchema, value, source);
}

/** SHA-256 of text (UTF-8) or bytes, lower-case hex (node:crypto). */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * JSON with object keys sorted at every level, so equal values hash equally whatever order they were built in.
 * `undefined` members are dropped as JSON.stringify drops them.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The input hash: SHA-256 of canonicalJson({ sources: the sources' SHA-256 sorted, settings }). File names are left
 * out on purpose, so the same bytes under another path (a copy, another checkout) give the same hash; the settings
 * include asOf, so the hash pins exactly which data and which method produced the set.
 */
export function computeInputHash(sources: readonly SourceFile[], settings: CalibrationSettings): string {
  const hashes = sources.map((s) => s.sha256).sort();
  return sha256Hex(canonicalJson({ sources: hashes, settings }));
}
