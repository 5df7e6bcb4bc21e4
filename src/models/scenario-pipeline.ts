import { CrossmarginError } from '../core/errors.js';
import type { Book, BookEntry } from '../portfolio/book.js';
import { buildBook } from '../portfolio/book.js';
import { aggregateKernelBlocked } from '../portfolio/aggregate-kernel-blocked.js';
import type { ResolvedPortfolio } from '../portfolio/resolve-portfolio.js';
import { compileRevaluation } from '../revaluation/compile-revaluation.js';
import { revalueParallel } from '../risk/kernel-pool.js';
import type { ScenarioSet } from '../scenarios/scenario-set.js';
import type { ModelContext } from './margin-model.js';

/**
 * The shared scenario pipeline (DESIGN.md "The flow of data"): every scenario-based model revalues the
 * instruments once into an instrument × scenario P&L matrix, then aggregates books against it. Models differ
 * only in the scenario set, the grouping of positions into rows, and the risk measure.
 */
export interface ScenarioMatrix {
  readonly set: ScenarioSet;
  /** P&L of one long contract, settlement currency, `[instrument * set.count + s]`. */
  readonly pnl: Float64Array;
  readonly instrumentCount: number;
}

/**
 * Underlyings whose prices scenarios move: those the market snapshot prices. A currency held only through an fx
 * rate (USDC, EUR collateral) stays at today's rate in every scenario, so it needs no history.
 */
export function riskUnderlyings(context: Pick<ModelContext, 'instruments' | 'market'>): string[] {
  return context.instruments.underlyingNames().filter((u) => context.market.has(u));
}

/**
 * Revalues every instrument of the context under the set: one shared matrix for all accounts. Large plans are split
 * over the kernel pool's threads (risk/kernel-pool.ts; CROSSMARGIN_THREADS, default the cores available); the matrix
 * is the same bits for any thread count.
 */
export function buildScenarioMatrix(context: ModelContext, set: ScenarioSet): ScenarioMatrix {
  const specs = context.instruments.specs();
  const plan = compileRevaluation(specs, context.market, set, context.fieldOf);
  const { out: pnl } = revalueParallel(plan, set);
  return { set, pnl, instrumentCount: specs.length };
}

/**
 * Assigns each of `count` positions to a row by key, rows numbered in first-seen order: the grouping step every
 * scenario model does before aggregation (by underlying, combined commodity and tier, class, ...).
 * Returns each position's row and, per row, its key and the display name given by the first position in it.
 */
export function groupRows(count: number, keyOf: (i: number) => { key: string; name: string }): { rows: number[]; keys: string[]; names: string[]; index: Map<string, number> } {
  const keys: string[] = [];
  const names: string[] = [];
  const index = new Map<string, number>();
  const rows = Array.from({ length: count }, (_, i) => {
    const { key, name } = keyOf(i);
    let row = index.get(key);
    if (row === undefined) {
      row = keys.length;
      index.set(key, row);
      keys.push(key);
      names.push(name);
    }
    return row;
  });
  return { rows, keys, names, index };
}

/** Rows of a portfolio's book: each position goes to row `rowOf(position index)`; weights in account currency. */
export interface GroupedBook {
  readonly book: Book;
  /** Account P&L per row and scenario, `[row * set.count + s]`. */
  readonly rowPnl: Float64Array;
  /** Settlement → account currency rate per position. */
  readonly fx: Float64Array;
}

/**
 * Groups a portfolio's positions into rows and aggregates them against the matrix. Weights are quantity × the
 * rate converting the instrument's settlement currency into the account currency at today's prices (coin P&L of
 * inverse contracts converts at today's coin index).
 */
export function aggregatePortfolio(
  matrix: ScenarioMatrix,
  context: ModelContext,
  portfolio: ResolvedPortfolio,
  rowCount: number,
  rowOf: (positionIndex: number) => number,
  /** Currency conversion per position; default: settlement → account currency at today's rate. */
  rateOf?: (positionIndex: number) => number,
): GroupedBook {
  const fx = new Float64Array(portfolio.positions.length);
  const entries: BookEntry[] = portfolio.positions.map((p, i) => {
    if (p.instrument >= matrix.instrumentCount) {
      throw new CrossmarginError('INTERNAL', `instrument ${p.instrument} was resolved after the model was compiled`, { field: p.field });
    }
    const spec = context.instruments.spec(p.instrument);
    fx[i] = rateOf === undefined ? context.market.fxRate(spec.currency, portfolio.currency) : rateOf(i);
    return { row: rowOf(i), instrument: p.instrument, weight: p.quantity * fx[i]! };
  });
  const book = buildBook(rowCount, entries);
  const rowPnl = new Float64Array(rowCount * matrix.set.count);
  aggregateKernelBlocked(book, matrix.pnl, matrix.set.count, rowPnl);
  return { book, rowPnl, fx };
}
