import type { MarketHistory } from '../scenarios/history/market-history.js';
import { summariseBacktest, type BacktestSummary } from './statistics/backtest-summary.js';
import { ewmaDailyVol, periodsPerYear } from './history-market.js';
import type { ModelWalk } from './walk-forward.js';

/** One model's backtest: its walk and the statistics of backtesting.md. */
export interface ModelBacktest {
  readonly model: string;
  readonly summary: BacktestSummary;
  readonly walk: ModelWalk;
}

/** The whole report (what `--json` prints and the HTML page draws). */
export interface BacktestReport {
  readonly portfolio: string;
  readonly from: string;
  readonly to: string;
  readonly horizon: number;
  readonly coverage: number;
  readonly models: readonly ModelBacktest[];
  /** Rolling 30-day realised vol and the EWMA vol forecast per underlying, annualised, on the decision dates. */
  readonly volatility: readonly { readonly underlying: string; readonly realised30d: Float64Array; readonly ewma: Float64Array; readonly implied?: Float64Array }[];
  /** Models ranked: adequate coverage first (green zone and conditional coverage not rejected), then by average margin. */
  readonly ranking: readonly { readonly model: string; readonly adequate: boolean; readonly averageMargin: number; readonly peakToTrough: number | undefined }[];
  readonly verdict: string;
}

/**
 * Statistics per model: exceptions are days whose realised loss exceeded the initial margin set before them
 * (the collateral actually posted), tested at `coverage`; ES models also get Acerbi–Szekely on their ES and VaR.
 * The coverage tests count every decision day; with a horizon h > 1 Christoffersen's independence and conditional
 * coverage run on non-overlapping h-day windows (every h-th decision day), and the verdict says so.
 */
export function buildBacktestReport(walks: readonly ModelWalk[], history: MarketHistory, options: { portfolio: string; horizon: number; coverage: number }): BacktestReport {
  const models = walks.map((walk) => {
    const esLevel = walk.confidence;
    const hasEs = walk.es.some((v) => Number.isFinite(v)) && walk.var.every((v) => Number.isFinite(v)) && esLevel !== undefined;
    const summary = summariseBacktest({
      pnl: walk.pnl,
      var: walk.initialMargin,
      margin: walk.initialMargin,
      coverage: options.coverage,
      // h-day P&L measured every day overlaps: the Christoffersen tests take every h-th day (non-overlapping-indicators.ts).
      horizon: options.horizon,
      ...(hasEs ? { es: walk.es, esVar: walk.var, esAlpha: 1 - esLevel } : {}),
    });
    return { model: walk.model, summary, walk };
  });
  const dates = walks[0]?.dates ?? [];
  const first = history.dates.indexOf(dates[0] ?? '');
  const volatility = history.underlyings.map((u, k) => {
    const close = history.close[k]!;
    const realised30d = new Float64Array(dates.length);
    const ewma = new Float64Array(dates.length);
    for (let j = 0; j < dates.length; j++) {
      const i = first + j;
      const perYear = periodsPerYear(history.dates, i);
      let s2 = 0;
      let n = 0;
      for (let t = Math.max(1, i - 29); t <= i; t++, n++) s2 += Math.log(close[t]! / close[t - 1]!) ** 2;
      realised30d[j] = Math.sqrt((s2 / Math.max(1, n)) * perYear);
      ewma[j] = ewmaDailyVol(close, i) * Math.sqrt(perYear);
    }
    const index = history.volIndex.get(u);
    return { underlying: u, realised30d, ewma, ...(index === undefined ? {} : { implied: Float64Array.from(dates, (_, j) => index[first + j]!) }) };
  });
  const ranking = models
    .map((m) => ({
      model: m.model,
      adequate: m.summary.trafficLight.zone === 'green' && m.summary.conditionalCoverage.p >= 0.05,
      averageMargin: m.summary.averageMargin,
      peakToTrough: m.summary.procyclicality.peakToTrough,
    }))
    .sort((a, b) => Number(b.adequate) - Number(a.adequate) || a.averageMargin - b.averageMargin || (a.peakToTrough ?? Infinity) - (b.peakToTrough ?? Infinity));
  const best = ranking.find((r) => r.adequate);
  const windowing = models[0]?.summary.independenceWindowing;
  // The lab and the pages show the verdict: it names the windowing whenever the tested series is not every day.
  const tested = windowing === undefined || windowing.kind === 'daily' ? '' : ` Independence and conditional coverage tested on ${windowing.description}.`;
  const verdict =
    (best === undefined
      ? `No model passed (green zone and conditional coverage at 5 %) over ${dates[0]}..${dates.at(-1)}; the least exceeded is ${[...models].sort((a, b) => a.summary.exceptions - b.summary.exceptions)[0]?.model ?? '-'}.`
      : `${best.model} covered the risk with the least collateral among the adequate models (average margin ${best.averageMargin.toFixed(2)}, peak-to-trough ${best.peakToTrough?.toFixed(2) ?? '-'}).`) + tested;
  return { portfolio: options.portfolio, from: dates[0] ?? '', to: dates.at(-1) ?? '', horizon: options.horizon, coverage: options.coverage, models, volatility, ranking, verdict };
}
