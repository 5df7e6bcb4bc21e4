import { CrossmarginError } from '../core/errors.js';
import type { MarketSnapshot } from '../market/market-snapshot.js';
import { computeMargin } from '../models/compute-margin.js';
import { getModel } from '../models/model-registry.js';
import { lastDateIndexOnOrBefore, type MarketHistory } from '../scenarios/history/market-history.js';
import { marketFromHistory, truncateHistory } from './history-market.js';
import { realisedPnl } from './realised-pnl.js';
import { readDetails } from '../models/define-model.js';
import { TailMeasureDetailsSchema } from '../models/var/var-details.js';

export interface WalkForwardOptions {
  /** Portfolio document (DESIGN.md portfolio file). */
  readonly portfolio: unknown;
  readonly models: readonly string[];
  /** Parameters per model id (defaults apply to anything omitted). */
  readonly params?: Readonly<Record<string, unknown>>;
  /** History of every underlying the portfolio holds (aligned). */
  readonly history: MarketHistory;
  /** First and last decision date (YYYY-MM-DD, inclusive). */
  readonly from: string;
  readonly to: string;
  /** Days over which the realised P&L is measured (the MPOR). */
  readonly horizon: number;
  /** Called after each decision day with (done, total) for progress bars. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Market of day i; default: built from history alone (marketFromHistory). */
  readonly marketAt?: (history: MarketHistory, i: number) => MarketSnapshot;
}

/** One model's walk: margins set at each decision close and the P&L that followed over the horizon. */
export interface ModelWalk {
  readonly model: string;
  readonly dates: readonly string[];
  readonly initialMargin: Float64Array;
  readonly maintenanceMargin: Float64Array;
  /** The model's VaR and ES at its confidence where it reports them (VaR family), else NaN. */
  readonly var: Float64Array;
  readonly es: Float64Array;
  /** Realised P&L over (date, date + horizon], gain positive. */
  readonly pnl: Float64Array;
  readonly confidence: number | undefined;
}

/**
 * Walk-forward backtest with no look-ahead: for each decision day d in [from, to], every model margins the portfolio
 * at the close of d using a market built from day d's data and history truncated at d (so parameters for the
 * period after d use data up to d only), and the margin is compared with the P&L realised from the close of d to
 * the close of d + horizon. The first realised day is therefore d + 1: "margin for day t uses data up to t − 1".
 */
export function walkForward(options: WalkForwardOptions): ModelWalk[] {
  const { history, horizon } = options;
  const first = lastDateIndexOnOrBefore(history.dates, options.from);
  const start = first >= 0 && history.dates[first] === options.from ? first : first + 1;
  const end = Math.min(lastDateIndexOnOrBefore(history.dates, options.to), history.dates.length - 1 - horizon);
  if (start < 1 || end < start) {
    throw new CrossmarginError(
      'HISTORY_INVALID',
      `no decision days between ${options.from} and ${options.to} with ${horizon} days of realised P&L after them (history ${history.dates[0]}..${history.dates[history.dates.length - 1]})`,
      { field: 'from' },
    );
  }
  const markets = new Map<number, MarketSnapshot>();
  const marketAt = (i: number): MarketSnapshot => {
    let m = markets.get(i);
    if (m === undefined) {
      m = (options.marketAt ?? marketFromHistory)(history, i);
      markets.set(i, m);
    }
    return m;
  };
  const days = end - start + 1;
  const dates = history.dates.slice(start, end + 1);
  const pnl = Float64Array.from({ length: days }, (_, k) => realisedPnl(options.portfolio, history, marketAt, start + k, horizon));
  const walks = options.models.map((model) => {
    getModel(model);
    return {
      model,
      dates,
      initialMargin: new Float64Array(days),
      maintenanceMargin: new Float64Array(days),
      var: new Float64Array(days).fill(Number.NaN),
      es: new Float64Array(days).fill(Number.NaN),
      pnl,
      confidence: undefined as number | undefined,
    };
  });
  const total = days * walks.length;
  let done = 0;
  for (const walk of walks) {
    const needsHistory = getModel(walk.model).needsHistory === true;
    const params = (options.params?.[walk.model] ?? {}) as Record<string, unknown>;
    for (let k = 0; k < days; k++) {
      const i = start + k;
      const known = truncateHistory(history, i);
      const result = computeMargin({ document: options.portfolio }, marketAt(i), walk.model, {
        params: needsHistory ? { ...params, endDate: history.dates[i] } : params,
        historyLoader: () => known,
      });
      walk.initialMargin[k] = result.initialMargin;
      walk.maintenanceMargin[k] = result.maintenanceMargin;
      // The VaR family's tail measures (models/var/var-details.ts); other models' results carry none.
      const d = readDetails(TailMeasureDetailsSchema, result);
      if (d?.var !== undefined) walk.var[k] = d.var;
      if (d?.es !== undefined) walk.es[k] = d.es;
      if (d?.confidence !== undefined) walk.confidence = d.confidence;
      options.onProgress?.(++done, total);
    }
  }
  return walks;
}
