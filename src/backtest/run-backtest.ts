import { CrossmarginError, toCrossmarginError } from '../core/errors.js';
import { InstrumentTable } from '../instruments/instrument-table.js';
import { resolvePortfolio } from '../portfolio/resolve-portfolio.js';
import type { MarketHistory } from '../scenarios/history/market-history.js';
import { buildBacktestReport, type BacktestReport } from './backtest-report.js';
import { walkForward, type ModelWalk } from './walk-forward.js';

/** Currencies a book holds as collateral at a fixed value: they have no price history to backtest. */
const STABLE = new Set(['USD', 'USDC', 'USDT']);

/** A model that could not margin the book: its row carries the coded error (as in `compare`). */
export interface FailedModel {
  readonly model: string;
  readonly error: { readonly code: string; readonly message: string };
}

/**
 * The underlyings whose history a backtest of `portfolio` needs: everything its book moves with, collateral coins
 * included, except the stable currencies. `source` names the portfolio in messages.
 */
export function backtestUnderlyings(portfolio: unknown, source: string): string[] {
  const table = new InstrumentTable();
  resolvePortfolio(portfolio, table, source, undefined, { collateralAsPositions: true });
  return table.underlyingNames().filter((u) => !STABLE.has(u));
}

export interface BacktestRequest {
  /** Portfolio document (DESIGN.md portfolio file) and its name in the report and messages. */
  readonly portfolio: unknown;
  readonly source: string;
  readonly models: readonly string[];
  /** Parameters per model id (defaults apply to anything omitted). */
  readonly params?: Readonly<Record<string, unknown>>;
  /** History of backtestUnderlyings(portfolio), aligned, reaching `horizon` days past `to`. */
  readonly history: MarketHistory;
  readonly from: string;
  readonly to: string;
  readonly horizon: number;
  readonly coverage: number;
  /**
   * 'collect': each model walks on its own and one that cannot margin the book is reported in `failed` (the run fails
   * only when every model does); 'throw': all models walk together (one realised-P&L pass) and the first error ends it.
   */
  readonly modelErrors: 'collect' | 'throw';
  /** (done, total) decision-day margins over all models, for progress bars. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface BacktestRun {
  readonly report: BacktestReport;
  readonly failed: readonly FailedModel[];
}

/** The walk-forward backtest workflow (docs/backtesting.md), once for every face: the CLI's `backtest` and the lab. */
export function runBacktest(request: BacktestRequest): BacktestRun {
  const { models, history, horizon } = request;
  const walkOf = (selected: readonly string[], onProgress?: (done: number, total: number) => void): ModelWalk[] =>
    walkForward({
      portfolio: request.portfolio,
      models: selected,
      ...(request.params === undefined ? {} : { params: request.params }),
      history,
      from: request.from,
      to: request.to,
      horizon,
      ...(onProgress === undefined ? {} : { onProgress }),
    });
  const walks: ModelWalk[] = [];
  const failed: FailedModel[] = [];
  if (request.modelErrors === 'throw') {
    walks.push(...walkOf(models, request.onProgress));
  } else {
    // One walk per model so that a model which cannot take this book (a venue model and a foreign contract)
    // shows its coded error in its row, as `compare` does, instead of throwing away the other models' work.
    let firstError: CrossmarginError | undefined;
    models.forEach((model, m) => {
      try {
        walks.push(...walkOf([model], request.onProgress === undefined ? undefined : (done, total) => request.onProgress!(m * total + done, total * models.length)));
      } catch (error) {
        const e = toCrossmarginError(error);
        firstError ??= e;
        failed.push({ model, error: { code: e.code, message: e.message } });
      }
    });
    if (walks.length === 0 && firstError !== undefined) throw firstError;
  }
  return { report: buildBacktestReport(walks, history, { portfolio: request.source, horizon, coverage: request.coverage }), failed };
}
