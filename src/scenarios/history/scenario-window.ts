import { isIsoDate } from '../../core/dates.js';
import { CrossmarginError } from '../../core/errors.js';
import { checkMpor, type MporMethod } from './horizon-returns.js';
import { lastDateIndexOnOrBefore, type MarketHistory } from './market-history.js';

/** Where historical vol moves come from (see writeVolShifts). */
export type VolMoves = 'index' | 'realised' | 'none';

/** Options shared by historical (var-es.md §2) and filtered historical (§3) scenario sets. */
export interface HistoricalScenarioOptions {
  /** Underlyings moved by the set, in the ScenarioSet's order; each must be in the history. */
  readonly underlyings: readonly string[];
  /** Number of scenarios: the most recent end dates up to `endDate` (ignored when `window` is given). */
  readonly lookback: number;
  /** Margin period of risk, days (aligned dates, i.e. trading days of the common calendar), var-es.md §8. */
  readonly mpor: number;
  readonly mporMethod: MporMethod;
  /** Last date used (`YYYY-MM-DD`); the last aligned date on or before it. Default: the last common date. */
  readonly endDate?: string | undefined;
  /**
   * Stressed period: exactly the scenarios whose end date falls in [from, to] (inclusive), instead of the lookback
   * (var-es.md §10(b) stressed observations). Must end on or before `endDate`.
   */
  readonly window?: { readonly from: string; readonly to: string } | undefined;
  readonly volMoves: VolMoves;
}

/** Resolved scenario end dates: indices into `history.dates`. */
export interface ScenarioWindow {
  /** Index of the last date used (today, for FHS: the filter's T). */
  readonly endIndex: number;
  /** First and last scenario end-date index (inclusive); count = last − first + 1. */
  readonly first: number;
  readonly last: number;
  /** Underlying → its row in `history.close`, in the options' order. */
  readonly rows: readonly number[];
}

function param(field: string, message: string, value: unknown): CrossmarginError {
  return new CrossmarginError('MODEL_PARAMS_INVALID', `${field}: ${message}`, { field, details: { value } });
}

function describeRanges(history: MarketHistory): string {
  const aligned = history.dates.length === 0 ? 'none' : `${history.dates[0]}..${history.dates[history.dates.length - 1]} (${history.dates.length} dates)`;
  const own = history.ranges.map((r) => `${r.name} ${r.first}..${r.last} (${r.rows} rows)`).join(', ');
  return `aligned ${history.underlyings.join('+')}${history.volIndex.size > 0 ? ' with vol indices' : ''}: ${aligned}; series: ${own}`;
}

/**
 * Validates the options and finds the scenario end dates. A scenario ending at index t uses closes t − h..t and,
 * for vol moves, the realised-vol proxy at t − h, which needs one return before it; so the first end date needs
 * h + 1 earlier dates, and a lookback of L needs L + h + 1 aligned dates up to the end date (the same for both MPOR
 * methods, so the scenario dates never depend on the method).
 *
 * MODEL_PARAMS_INVALID for a bad lookback / mpor / date / window; HISTORY_INVALID for an underlying missing from the
 * history, an end date outside it, or too little history (needed vs available, with every series' date range).
 */
export function resolveScenarioWindow(history: MarketHistory, options: HistoricalScenarioOptions): ScenarioWindow {
  checkMpor(options.mpor);
  const h = options.mpor;
  if (options.underlyings.length === 0) throw param('underlyings', 'expected at least one underlying', options.underlyings);
  const rows = options.underlyings.map((u, i) => {
    if (options.underlyings.indexOf(u) !== i) throw param(`underlyings.${i}`, `${u} is listed twice`, u);
    const row = history.underlyings.indexOf(u);
    if (row < 0) {
      throw new CrossmarginError('HISTORY_INVALID', `${u}: not in the loaded history (loaded: ${history.underlyings.join(', ')})`, {
        field: u,
        details: { underlying: u, loaded: history.underlyings },
      });
    }
    return row;
  });
  const n = history.dates.length;
  const firstDate = history.dates[0] as string;
  const lastDate = history.dates[n - 1] as string;

  let endIndex = n - 1;
  if (options.endDate !== undefined) {
    if (!isIsoDate(options.endDate)) throw param('endDate', `expected YYYY-MM-DD, got "${options.endDate}"`, options.endDate);
    if (options.endDate > lastDate || options.endDate < firstDate) {
      throw new CrossmarginError('HISTORY_INVALID', `endDate ${options.endDate} is outside the aligned history; ${describeRanges(history)}`, {
        field: 'endDate',
        details: { endDate: options.endDate, first: firstDate, last: lastDate },
      });
    }
    endIndex = lastDateIndexOnOrBefore(history.dates, options.endDate);
  }
  const endDate = history.dates[endIndex] as string;
  const earliestEnd = h + 1;

  if (options.window !== undefined) {
    const { from, to } = options.window;
    if (!isIsoDate(from)) throw param('window.from', `expected YYYY-MM-DD, got "${from}"`, from);
    if (!isIsoDate(to)) throw param('window.to', `expected YYYY-MM-DD, got "${to}"`, to);
    if (from > to) throw param('window', `from ${from} is after to ${to}`, options.window);
    if (to > endDate) throw param('window.to', `${to} is after the end date ${endDate}; the stressed window must lie in the history used`, to);
    const last = lastDateIndexOnOrBefore(history.dates, to);
    // First aligned date on or after `from`.
    const before = lastDateIndexOnOrBefore(history.dates, from);
    const first = before >= 0 && history.dates[before] === from ? before : before + 1;
    if (last < first) {
      throw new CrossmarginError('HISTORY_INVALID', `window ${from}..${to} holds no aligned date; ${describeRanges(history)}`, {
        field: 'window',
        details: { from, to },
      });
    }
    if (first < earliestEnd) {
      throw new CrossmarginError(
        'HISTORY_INVALID',
        `history too short for window ${from}..${to} with MPOR ${h}: its first scenario needs ${h + 1} aligned dates before it, ` +
          `but only ${first} precede ${history.dates[first]}; ${describeRanges(history)}`,
        { field: 'window', details: { needed: h + 1, available: first, underlyings: options.underlyings } },
      );
    }
    return { endIndex, first, last, rows };
  }

  const L = options.lookback;
  if (!(Number.isInteger(L) && L >= 1)) throw param('lookback', `expected a whole number of scenarios ≥ 1, got ${L}`, L);
  const needed = L + h + 1;
  const available = endIndex + 1;
  if (available < needed) {
    throw new CrossmarginError(
      'HISTORY_INVALID',
      `history too short for ${options.underlyings.join(', ')}: lookback ${L} + MPOR ${h} + 1 needs ${needed} aligned dates up to ${endDate}, ` +
        `only ${available} available; ${describeRanges(history)}`,
      { field: 'lookback', details: { needed, available, endDate, underlyings: options.underlyings, ranges: history.ranges } },
    );
  }
  return { endIndex, first: endIndex - L + 1, last: endIndex, rows };
}
