import { CrossmarginError } from '../../core/errors.js';
import { tailMass } from '../../core/tail-count.js';
import { acerbiSzekely } from './acerbi-szekely.js';
import { checkIndicators, checkInteger, checkProbability, checkSeries } from './check-arguments.js';
import { christoffersen, type TransitionCounts } from './christoffersen.js';
import { kupiecPof } from './kupiec-pof.js';
import { firstFailureDay, kupiecTuff } from './kupiec-tuff.js';
import { independenceWindowing, nonOverlappingIndicators, type IndependenceWindowing } from './non-overlapping-indicators.js';
import { procyclicality } from './procyclicality.js';
import { minimumTrafficLightWindow, trafficLight, trafficLightThresholds, type TrafficLightZone } from './traffic-light.js';
import { z2CriticalValue, type Z2NullDistribution } from './z2-critical-value.js';

/**
 * One JSON-friendly summary of a VaR (and optionally ES and margin) backtest, the shape `crossmargin validate
 * --json` prints. Every statistic is the pure function of its own file; this only wires them together.
 *
 * An exception is a day whose loss exceeds its VaR: L_t = −pnl_t > var_t (backtesting.md notation, engine sign:
 * P&L gain positive, VaR positive). The exception probability is p = 1 − coverage.
 *
 * Fields that cannot be computed are left out (JSON has no `undefined`): `tuff.v/stat/p` with no exception,
 * `acerbiSzekely` without ES, `acerbiSzekely.z1` with no ES exceedance, `coverageRatio` with no loss day, a
 * procyclicality ratio whose base margin is 0 or a path shorter than the horizon.
 */
export interface ExceptionSummary {
  /** Days in the backtest. */
  readonly T: number;
  readonly coverage: number;
  readonly exceptions: number;
  readonly exceptionRate: number;
  /** T·p. */
  readonly expected: number;
  /** Kupiec POF, χ²(1). */
  readonly pof: { readonly stat: number; readonly p: number };
  /** Kupiec TUFF, χ²(1); v is the first exception day (1-based). */
  readonly tuff: { readonly v: number | undefined; readonly stat: number | undefined; readonly p: number | undefined };
  /**
   * Christoffersen LR_ind, χ²(1), and the transition counts, on the series `independenceWindowing` names: every day
   * for a 1-day horizon, every h-th day (non-overlapping h-day windows) for h > 1.
   */
  readonly independence: { readonly stat: number; readonly p: number; readonly counts: TransitionCounts };
  /**
   * Christoffersen LR_cc = LR_pof + LR_ind, χ²(2), both on the `independenceWindowing` series (a joint test on one
   * sample). For h > 1 its POF part is therefore not `pof`, which stays on all T days.
   */
  readonly conditionalCoverage: { readonly stat: number; readonly p: number };
  /** Which series the two Christoffersen tests ran on (non-overlapping-indicators.ts). */
  readonly independenceWindowing: IndependenceWindowing;
  /**
   * Basel traffic light on the last `window` days: by default min(T, 250) (the Basel sample is the most recent 250
   * days), or the window the caller chose (`window` option, 'full' = all T days). `exceptions` counts exceptions in
   * that window; `yellowFrom` / `redFrom` are the zone thresholds computed for it (5 / 10 at 250 days and 99 %).
   */
  readonly trafficLight: {
    readonly zone: TrafficLightZone;
    readonly window: number;
    readonly yellowFrom: number;
    readonly redFrom: number;
    readonly exceptions: number;
    readonly cumulativeProbability: number;
    readonly plus: number;
    readonly multiplier: number;
    /** FRTB m_c = 1.5 + plus (MAR99 Table 2). */
    readonly frtbMultiplier: number;
  };
}

export interface Z2TestOptions {
  /** Test level q; the critical value is the (1 − q) quantile of Z2 under H0. */
  readonly level: number;
  readonly distribution: Z2NullDistribution;
  readonly simulations: number;
  readonly seed: number;
  /** Progress of the simulation (not part of the summary). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface AcerbiSzekelySummary {
  /** ES tail probability α. */
  readonly alpha: number;
  /** Days with pnl + VaR_α < 0 (VaR at the ES level). */
  readonly exceedances: number;
  readonly z1: number | undefined;
  readonly z2: number;
  readonly critical:
    | {
        readonly level: number;
        readonly value: number;
        readonly distribution: Z2NullDistribution;
        readonly simulations: number;
        readonly seed: number;
        /** z2 < value. */
        readonly rejected: boolean;
      }
    | undefined;
}

export interface BacktestSummary extends ExceptionSummary {
  readonly acerbiSzekely: AcerbiSzekelySummary | undefined;
  /**
   * Σ margin_t / Σ L_t over the loss days (L_t = −pnl_t > 0): how many times the margin held on a losing day
   * covered the average realised loss. Undefined with no loss day (or a ratio that overflows).
   */
  readonly coverageRatio: number | undefined;
  /** Mean margin over all T days. */
  readonly averageMargin: number;
  readonly procyclicality: {
    readonly peakToTrough: number | undefined;
    readonly max1Day: number | undefined;
    readonly max30Day: number | undefined;
  };
  /** Why something was not computed (e.g. Z1/Z2 without VaR at the ES level). */
  readonly notes: readonly string[];
}

/** How the exception tests window the series (both optional: a daily backtest on the last 250 days). */
export interface ExceptionOptions {
  /**
   * Days of P&L each observation covers (the margin period of risk h); default 1. For h > 1 consecutive observations
   * overlap by h − 1 days and the Christoffersen tests run on every h-th day (non-overlapping-indicators.ts); the
   * coverage tests (Kupiec POF and TUFF, traffic light) still use every day.
   */
  readonly horizon?: number;
  /**
   * Traffic-light window: the last N days (an integer from minimumTrafficLightWindow(p) to T), or 'full' for all T
   * days; default min(T, 250), the Basel sample.
   */
  readonly window?: number | 'full';
}

export interface BacktestInput extends ExceptionOptions {
  /** Daily P&L, gain positive. */
  readonly pnl: Float64Array;
  /** VaR at `coverage`, positive, forecast before the day. */
  readonly var: Float64Array;
  /** ES at tail probability `esAlpha`, > 0 (enables Acerbi–Szekely Z1/Z2). */
  readonly es?: Float64Array;
  /**
   * VaR at the ES level 1 − esAlpha, for the Z1/Z2 exceedance indicator. Optional when coverage = 1 − esAlpha
   * (then `var` is it); otherwise Z1/Z2 need it and are skipped with a note when it is missing.
   */
  readonly esVar?: Float64Array;
  /** VaR confidence, e.g. 0.99. */
  readonly coverage: number;
  /** ES tail probability α; default 0.025 (97.5 % ES). */
  readonly esAlpha?: number;
  /** Margin held each day; defaults to `var` (the margin a VaR model calls). */
  readonly margin?: Float64Array;
  /** Also simulate the Z2 critical value under this null. */
  readonly z2Test?: Z2TestOptions;
}

/** Basel backtests use the most recent 250 business days (MAR99). */
const TRAFFIC_LIGHT_WINDOW = 250;
/** Coverage and α are decimals with few digits; this tolerance only absorbs 1 − 0.975 ≠ 0.025 in doubles. */
const LEVEL_TOLERANCE = 1e-12;

/**
 * The traffic-light window length for T days: the default min(T, 250) (shorter samples use the whole sample, as
 * before), or the caller's choice, which must lie in [minimumTrafficLightWindow(p), T] ('full' = T).
 */
function trafficLightWindowLength(T: number, window: number | 'full' | undefined, p: number): number {
  if (window === undefined) return Math.min(T, TRAFFIC_LIGHT_WINDOW);
  const min = minimumTrafficLightWindow(p);
  const why = `the shortest window whose binomial zones have a green zone at p = ${p}`;
  if (window === 'full') {
    if (T < min) throw new CrossmarginError('USAGE_INVALID', `window: the full sample has ${T} days, fewer than ${min} (${why})`, { field: 'window' });
    return T;
  }
  if (!(Number.isSafeInteger(window) && window >= min)) {
    throw new CrossmarginError('USAGE_INVALID', `window: must be a whole number of days ≥ ${min} (${why}), got ${window}`, { field: 'window' });
  }
  if (window > T) throw new CrossmarginError('USAGE_INVALID', `window: ${window} days is more than the ${T} days available`, { field: 'window' });
  return window;
}

/**
 * POF, TUFF, Christoffersen and traffic light of a 0/1 exception series at VaR confidence `coverage`; `options` sets
 * the horizon of each observation (for the Christoffersen windowing) and the traffic-light window.
 */
export function summariseExceptions(indicators: Uint8Array, coverage: number, options: ExceptionOptions = {}): ExceptionSummary {
  checkIndicators('indicators', indicators);
  checkProbability('coverage', coverage);
  const horizon = options.horizon ?? 1;
  checkInteger('horizon', horizon, 1);
  const T = indicators.length;
  // Drift-free 1 − coverage (core/tail-count): 1 − 0.99 is 0.010000000000000009 in doubles, which would make the
  // traffic light and T·p differ from the Basel table's p = 0.01 in the last bits.
  // tailMass works in 1e-9 units, so a level with more decimals keeps the plain difference.
  const snapped = tailMass(coverage, 1);
  const p = Math.abs(snapped - (1 - coverage)) < 1e-12 ? snapped : 1 - coverage;
  let exceptions = 0;
  for (let t = 0; t < T; t++) exceptions += indicators[t]!;
  const pof = kupiecPof(T, exceptions, p);
  const tuff = kupiecTuff(firstFailureDay(indicators), p);
  // Christoffersen on non-overlapping windows (the series itself when h = 1); POF, TUFF and the traffic light on
  // every day, as before.
  const tested = nonOverlappingIndicators(indicators, horizon);
  const cc = christoffersen(tested, p);
  let testedExceptions = 0;
  for (let k = 0; k < tested.length; k++) testedExceptions += tested[k]!;
  const window = trafficLightWindowLength(T, options.window, p);
  let windowExceptions = 0;
  for (let t = T - window; t < T; t++) windowExceptions += indicators[t]!;
  const light = trafficLight(windowExceptions, window, p);
  const thresholds = trafficLightThresholds(window, p);
  return {
    T,
    coverage,
    exceptions,
    exceptionRate: exceptions / T,
    expected: T * p,
    pof: { stat: pof.statistic, p: pof.pValue },
    tuff: { v: tuff.firstFailure, stat: tuff.statistic, p: tuff.pValue },
    independence: { stat: cc.independence.statistic, p: cc.independence.pValue, counts: cc.counts },
    conditionalCoverage: { stat: cc.conditionalCoverage.statistic, p: cc.conditionalCoverage.pValue },
    independenceWindowing: independenceWindowing(T, horizon, testedExceptions),
    trafficLight: {
      zone: light.zone,
      window,
      yellowFrom: thresholds.yellowFrom,
      redFrom: thresholds.redFrom,
      exceptions: windowExceptions,
      cumulativeProbability: light.cumulativeProbability,
      plus: light.plusFactor,
      multiplier: light.multiplier,
      frtbMultiplier: light.frtbMultiplier,
    },
  };
}

/** Exception indicators 1{−pnl_t > var_t}. */
export function exceptionIndicators(pnl: Float64Array, valueAtRisk: Float64Array): Uint8Array {
  const T = pnl.length;
  checkSeries('pnl', pnl, T);
  checkSeries('var', valueAtRisk, T, 'nonNegative');
  const out = new Uint8Array(T);
  for (let t = 0; t < T; t++) out[t] = -pnl[t]! > valueAtRisk[t]! ? 1 : 0;
  return out;
}

/** Every statistic of a P&L / VaR (/ ES / margin) backtest; see the interfaces for each field. */
export function summariseBacktest(input: BacktestInput): BacktestSummary {
  const T = input.pnl.length;
  if (T === 0) throw new CrossmarginError('USAGE_INVALID', 'pnl: needs at least one day', { field: 'pnl' });
  const base = summariseExceptions(exceptionIndicators(input.pnl, input.var), input.coverage, {
    ...(input.horizon === undefined ? {} : { horizon: input.horizon }),
    ...(input.window === undefined ? {} : { window: input.window }),
  });
  const esAlpha = input.esAlpha ?? 0.025;
  checkProbability('esAlpha', esAlpha);
  const notes: string[] = [];

  let as: AcerbiSzekelySummary | undefined;
  if (input.es !== undefined) {
    const sameLevel = Math.abs(1 - input.coverage - esAlpha) <= LEVEL_TOLERANCE;
    const esVar = input.esVar ?? (sameLevel ? input.var : undefined);
    if (esVar === undefined) {
      notes.push(
        `Acerbi–Szekely Z1/Z2 not computed: they need VaR at the ES level ${formatLevel(1 - esAlpha)} (an es_var series), ` +
          `and the VaR given is at ${formatLevel(input.coverage)}`,
      );
    } else {
      checkSeries('esVar', esVar, T, 'nonNegative');
      const r = acerbiSzekely({ pnl: input.pnl, var: esVar, es: input.es, alpha: esAlpha });
      const test = input.z2Test;
      const critical =
        test === undefined
          ? undefined
          : (() => {
              const value = z2CriticalValue({ T, alpha: esAlpha, ...test });
              const { level, distribution, simulations, seed } = test;
              return { level, value, distribution, simulations, seed, rejected: r.z2 < value };
            })();
      as = { alpha: esAlpha, exceedances: r.exceedances, z1: r.z1, z2: r.z2, critical };
    }
  } else {
    if (input.esVar !== undefined) notes.push('es_var given without es: Acerbi–Szekely Z1/Z2 need ES');
    if (input.z2Test !== undefined) notes.push('Z2 critical value not computed: Acerbi–Szekely needs an ES series');
  }

  const margin = input.margin ?? input.var;
  checkSeries('margin', margin, T, 'nonNegative');
  let marginSum = 0;
  let lossMargin = 0;
  let lossSum = 0;
  for (let t = 0; t < T; t++) {
    const m = margin[t]!;
    marginSum += m;
    const loss = -input.pnl[t]!;
    if (loss > 0) {
      lossMargin += m;
      lossSum += loss;
    }
  }
  const coverageRatio = lossMargin / lossSum;
  return {
    ...base,
    acerbiSzekely: as,
    // Undefined with no loss day (0/0), or when subnormal losses overflow the ratio.
    coverageRatio: lossSum > 0 && Number.isFinite(coverageRatio) ? coverageRatio : undefined,
    averageMargin: marginSum / T,
    procyclicality: procyclicality(margin),
    notes,
  };
}

function formatLevel(level: number): string {
  return `${Number((level * 100).toPrecision(10))} %`;
}
