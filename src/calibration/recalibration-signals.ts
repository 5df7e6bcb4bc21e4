import { logReturns } from '../market/log-returns.js';
import type { MarketHistory, VolumeUnit } from '../scenarios/history/market-history.js';
import { ewmaVariance } from '../numerics/volatility-filters.js';
import { openInterestAt, type OpenInterestTable } from './open-interest.js';
import type { CalibrationSettings, ParameterSet, Signal } from './parameter-set.js';

/*
 * Recalibration signals (docs/calibration.md "Signals"): reasons to think a parameter set no longer fits the market.
 * Each compares what the market shows now with the baseline the set was calibrated on:
 *
 *   vol-band              current EWMA vol ∉ [1/(1+band), 1+band] × calibrated vol (the lookback's realised vol,
 *                         the vol regime its scan ranges reflect); band default 0.25
 *   volume-change         |mean volume of the last `volumeWindow` days / the lookback's mean volume − 1| > threshold (0.5)
 *   open-interest-change  |latest open interest / the lookback's mean open interest − 1| > threshold (0.5)
 *   new-product           an underlying calibrated now that the previous set did not have
 *
 * Vols are annualised decimals; volumes are in the history file's unit and compared only when both sides share it.
 */

/** What the market shows now, per underlying. */
export interface CurrentMeasures {
  /** EWMA vol forecast σ_{T+1|T}, annualised decimal. */
  readonly ewmaVol: number;
  /** Mean daily volume over the last `volumeWindow` days; undefined without volume data. */
  readonly recentVolume: number | undefined;
  readonly volumeUnit: VolumeUnit;
  readonly openInterest: { readonly latest: number; readonly latestDate: string } | undefined;
}

/** What a parameter set was calibrated on, per underlying. */
export interface CalibrationBaseline {
  /** Annualised realised vol of the lookback (ewma.underlyings[u].lookbackAnnualisedVol). */
  readonly calibratedVol: number;
  readonly averageVolume: number | undefined;
  readonly volumeUnit: VolumeUnit;
  readonly openInterestAverage: number | undefined;
  /** Which set: "previous set v3 (as of 2024-06-14)" or "this calibration". */
  readonly label: string;
}

export interface SignalThresholds {
  readonly volBand: number;
  readonly volumeChangeThreshold: number;
  readonly openInterestChangeThreshold: number;
}

/** Mean of the finite values among the last `count` entries of `values` (up to index `last`); undefined if none. */
export function trailingMean(values: Float64Array, last: number, count: number): number | undefined {
  let sum = 0;
  let k = 0;
  for (let t = Math.max(0, last - count + 1); t <= last; t++) {
    const v = values[t] as number;
    if (Number.isFinite(v)) {
      sum += v;
      k++;
    }
  }
  return k === 0 ? undefined : sum / k;
}

/**
 * EWMA(λ) daily vol forecast σ_{T+1|T} (var-es.md §6, ewmaVariance's seeding) over the last `lookback` daily log
 * returns of `close`; with λ = 0.94 and 500 returns the seed weighs λ^500 ≈ 4e-14, so the cut changes nothing.
 */
export function ewmaDailyVol(close: Float64Array, lambda: number, lookback: number): number {
  const start = Math.max(0, close.length - 1 - lookback);
  const r = logReturns(close.subarray(start));
  return Math.sqrt(ewmaVariance(r, lambda)[r.length] as number);
}

/**
 * Current measures of every underlying of `history` (already cut at the as-of date): the EWMA(λ) forecast over the
 * last `lookback` daily returns (the seed's weight λ^lookback is negligible) annualised with `periodsPerYear`, the mean
 * volume of the last `volumeWindow` dates, and the latest open interest on or before the last date.
 */
export function currentMeasures(
  history: MarketHistory,
  settings: Pick<CalibrationSettings, 'lambda' | 'lookback' | 'volumeWindow'>,
  periodsPerYear: number,
  openInterest?: OpenInterestTable,
): Map<string, CurrentMeasures> {
  const last = history.dates.length - 1;
  const asOf = history.dates[last] as string;
  const out = new Map<string, CurrentMeasures>();
  history.underlyings.forEach((u, row) => {
    const oi = openInterestAt(openInterest?.get(u), asOf, asOf);
    out.set(u, {
      ewmaVol: ewmaDailyVol(history.close[row] as Float64Array, settings.lambda, settings.lookback) * Math.sqrt(periodsPerYear),
      recentVolume: trailingMean(history.volume[row] as Float64Array, last, settings.volumeWindow),
      volumeUnit: history.volumeUnit[row] ?? 'unknown',
      openInterest: oi === undefined ? undefined : { latest: oi.latest, latestDate: oi.latestDate },
    });
  });
  return out;
}

/** The baselines recorded in a parameter set, labelled `label` (default: "set v<version> (as of <asOf>)"). */
export function baselinesOf(set: ParameterSet, label = `set v${set.version} (as of ${set.asOf})`): Map<string, CalibrationBaseline> {
  const out = new Map<string, CalibrationBaseline>();
  for (const u of set.createdFrom.underlyings) {
    const e = set.ewma.underlyings[u];
    const a = set.activity[u];
    if (e === undefined) continue;
    out.set(u, {
      calibratedVol: e.lookbackAnnualisedVol,
      averageVolume: a?.averageVolume,
      volumeUnit: a?.volumeUnit ?? 'unknown',
      openInterestAverage: a?.openInterest?.average,
      label,
    });
  }
  return out;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${(Math.abs(x) * 100).toFixed(0)}%`;

/** Compact amount: 1.23M, 664k, 12.5. */
export function compactNumber(x: number): string {
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${(x / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${(x / 1e3).toPrecision(3)}k`;
  return x.toPrecision(3);
}

/**
 * The signals for `underlyings` (in order), comparing `current` with `baselines`. An underlying without a baseline
 * gives no comparison signal; one missing from `previousUnderlyings` (when given) is a new product. Pure.
 */
export function recalibrationSignals(input: {
  readonly underlyings: readonly string[];
  readonly current: ReadonlyMap<string, CurrentMeasures>;
  readonly baselines: ReadonlyMap<string, CalibrationBaseline>;
  readonly thresholds: SignalThresholds;
  /** Underlyings of the previous set, with its label; omit for a first calibration. */
  readonly previous?: { readonly underlyings: readonly string[]; readonly label: string } | undefined;
}): Signal[] {
  const { thresholds: th } = input;
  const signals: Signal[] = [];
  for (const u of input.underlyings) {
    if (input.previous !== undefined && !input.previous.underlyings.includes(u)) {
      signals.push({
        kind: 'new-product',
        underlying: u,
        message: `${u} is new: the previous ${input.previous.label} does not calibrate it (initial parameters, no track record)`,
        values: { previous: input.previous.label },
      });
    }
    const now = input.current.get(u);
    const base = input.baselines.get(u);
    if (now === undefined || base === undefined) continue;

    const lower = base.calibratedVol / (1 + th.volBand);
    const upper = base.calibratedVol * (1 + th.volBand);
    if (base.calibratedVol > 0 && (now.ewmaVol < lower || now.ewmaVol > upper)) {
      const direction = now.ewmaVol > upper ? 'above' : 'below';
      signals.push({
        kind: 'vol-band',
        underlying: u,
        message:
          `${u} EWMA vol ${pct(now.ewmaVol)} is ${direction} the band [${pct(lower)}, ${pct(upper)}] around the calibrated ${pct(base.calibratedVol)} ` +
          `of ${base.label} (band ${pct(th.volBand)}): scan ranges ${direction === 'above' ? 'may understate' : 'may overstate'} current risk`,
        values: { current: now.ewmaVol, calibrated: base.calibratedVol, lower, upper, ratio: now.ewmaVol / base.calibratedVol, band: th.volBand, reference: base.label },
      });
    }

    if (now.recentVolume !== undefined && base.averageVolume !== undefined && base.averageVolume > 0 && now.volumeUnit === base.volumeUnit) {
      const change = now.recentVolume / base.averageVolume - 1;
      if (Math.abs(change) > th.volumeChangeThreshold) {
        signals.push({
          kind: 'volume-change',
          underlying: u,
          message:
            `${u} average daily volume ${compactNumber(now.recentVolume)} (${now.volumeUnit} units) is ${signed(change)} vs the ${compactNumber(base.averageVolume)} ` +
            `of ${base.label} (threshold ±${pct(th.volumeChangeThreshold)}): liquidity and concentration assumptions may be stale`,
          values: { current: now.recentVolume, calibrated: base.averageVolume, change, threshold: th.volumeChangeThreshold, unit: now.volumeUnit, reference: base.label },
        });
      }
    }

    if (now.openInterest !== undefined && base.openInterestAverage !== undefined && base.openInterestAverage > 0) {
      const change = now.openInterest.latest / base.openInterestAverage - 1;
      if (Math.abs(change) > th.openInterestChangeThreshold) {
        signals.push({
          kind: 'open-interest-change',
          underlying: u,
          message:
            `${u} open interest ${compactNumber(now.openInterest.latest)} on ${now.openInterest.latestDate} is ${signed(change)} vs the average ` +
            `${compactNumber(base.openInterestAverage)} of ${base.label} (threshold ±${pct(th.openInterestChangeThreshold)})`,
          values: {
            current: now.openInterest.latest,
            date: now.openInterest.latestDate,
            calibrated: base.openInterestAverage,
            change,
            threshold: th.openInterestChangeThreshold,
            reference: base.label,
          },
        });
      }
    }
  }
  return signals;
}

/**
 * Monitoring a live set: the signals of `history` (cut at the monitoring date by the caller) against the set's own
 * baselines, with the set's λ, lookback, volume window, annualisation and thresholds.
 */
export function monitorParameterSet(history: MarketHistory, set: ParameterSet, openInterest?: OpenInterestTable): Signal[] {
  const underlyings = history.underlyings.filter((u) => set.createdFrom.underlyings.includes(u));
  return recalibrationSignals({
    underlyings,
    current: currentMeasures(history, set.settings, set.periodsPerYear, openInterest),
    baselines: baselinesOf(set),
    thresholds: set.settings,
  });
}
