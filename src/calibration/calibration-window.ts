import { isIsoDate } from '../core/dates.js';
import { CrossmarginError } from '../core/errors.js';
import type { IndexWindow } from '../scenarios/history/daily-returns-matrix.js';
import { lastDateIndexOnOrBefore, type MarketHistory } from '../scenarios/history/market-history.js';

/*
 * Which dates calibration uses. Indices are into `history.dates` (aligned calendar: a weekend in a crypto + equity
 * history is one step). A daily return "ending at t" is ln(c_t / c_{t−1}); an h-day move ending at t is
 * ln(c_t / c_{t−h}) and needs t ≥ h.
 */

const MS_PER_DAY = 86_400_000;

/**
 * The lookback: the last `lookback` daily returns, i.e. end dates T − lookback + 1 … T. The scan range's current
 * window uses the same end dates for its h-day moves, so it needs lookback + h dates. HISTORY_INVALID naming the
 * numbers when the history is shorter.
 */
export function lookbackWindow(history: MarketHistory, lookback: number, mpor: number): IndexWindow {
  const n = history.dates.length;
  const needed = lookback + mpor;
  if (n < needed) {
    throw new CrossmarginError(
      'HISTORY_INVALID',
      `calibration needs ${needed} aligned dates up to ${history.dates[n - 1] ?? '(none)'} (lookback ${lookback} + MPOR ${mpor}) but the aligned history of ` +
        `${history.underlyings.join(', ')} has ${n} (${history.dates[0] ?? '-'}..${history.dates[n - 1] ?? '-'}); shorten the lookback or give a longer history`,
      { field: 'lookback', details: { needed, available: n, first: history.dates[0], last: history.dates[n - 1] } },
    );
  }
  return { first: n - lookback, last: n - 1 };
}

/** Calendar days from one ISO date to another. */
export function daysBetween(from: string, to: string): number {
  return (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / MS_PER_DAY;
}

/**
 * Aligned observations per year, for annualising: returns in the window × 365 / calendar days it spans, rounded
 * (a daily crypto calendar gives 365, an exchange calendar ≈ 252, the intersection of both the exchange's).
 */
export function periodsPerYear(history: MarketHistory, window: IndexWindow): number {
  const returns = window.last - window.first + 1;
  const span = daysBetween(history.dates[window.first - 1] as string, history.dates[window.last] as string);
  return Math.max(1, Math.round((returns * 365) / span));
}

/**
 * The APC long window (var-es.md §10(c)): h-day moves ending in (asOf − years, asOf], i.e. end dates after the same
 * calendar day `years` earlier, or from the first possible end date (index h) when the history is shorter
 * (`truncated`).
 */
export function tenYearWindow(history: MarketHistory, years: number, mpor: number): IndexWindow & { readonly truncated: boolean } {
  const last = history.dates.length - 1;
  const end = history.dates[last] as string;
  const start = `${String(Number(end.slice(0, 4)) - years).padStart(4, '0')}${end.slice(4)}`;
  // First date strictly after `start` (a 29 February start compares correctly as a string too).
  const firstAfter = lastDateIndexOnOrBefore(history.dates, start) + 1;
  const first = Math.max(firstAfter, mpor);
  return { first, last, truncated: firstAfter < mpor };
}

/** The stressed window as resolved: end-date indices and how it was chosen. */
export interface StressedWindow extends IndexWindow {
  readonly selection: 'given' | 'auto';
}

function stressInvalid(message: string, details: Record<string, unknown>): CrossmarginError {
  return new CrossmarginError('MODEL_PARAMS_INVALID', `stressedWindow: ${message}`, { field: 'stressedWindow', details });
}

/**
 * The stressed window (var-es.md §7 step 1, §10(b)): end dates in [from, to] when given. It must lie in the history
 * up to asOf (a later window would be look-ahead), leave h earlier dates for its first h-day move, and hold at least
 * mpor + 2 dates so that a correlation and a quantile mean something. MODEL_PARAMS_INVALID otherwise.
 *
 * When not given it is chosen: the `days` consecutive end dates inside the APC long window (the last `apcYears`,
 * `searchFirst`) with the highest stress score Σ_u mean(r²_u over the window) / mean(r²_u over the search range), i.e.
 * each underlying's variance relative to its own normal, summed, so a quiet asset and a wild one count alike. Ties
 * go to the earliest window. Prefix sums make it O(dates × underlyings).
 */
export function resolveStressedWindow(
  history: MarketHistory,
  given: { readonly from: string; readonly to: string } | undefined,
  mpor: number,
  days: number,
  searchFirst: number,
): StressedWindow {
  const n = history.dates.length;
  const lastDate = history.dates[n - 1] as string;
  if (given !== undefined) {
    const { from, to } = given;
    if (!isIsoDate(from) || !isIsoDate(to)) throw stressInvalid(`expected two calendar dates FROM:TO, got "${from}:${to}"`, { from, to });
    if (from > to) throw stressInvalid(`from ${from} is after to ${to}`, { from, to });
    if (to > lastDate) {
      throw stressInvalid(`${from}..${to} ends after the last date used, ${lastDate} (the as-of date cuts history there; a later window would be look-ahead)`, {
        from,
        to,
        last: lastDate,
      });
    }
    const last = lastDateIndexOnOrBefore(history.dates, to);
    const before = lastDateIndexOnOrBefore(history.dates, from);
    const first = Math.max(before >= 0 && history.dates[before] === from ? before : before + 1, mpor);
    const count = last - first + 1;
    if (count < mpor + 2) {
      throw stressInvalid(
        `${from}..${to} holds ${Math.max(count, 0)} usable end dates of the aligned history (${history.dates[0]}..${lastDate}); at least ${mpor + 2} are needed`,
        { from, to, available: Math.max(count, 0), needed: mpor + 2 },
      );
    }
    return { first, last, selection: 'given' };
  }
  const lo = Math.max(searchFirst, 1);
  const span = n - lo;
  // Window starts (offsets from lo) must leave h earlier dates for the first h-day move.
  const startOffset = Math.max(lo, mpor) - lo;
  const width = Math.min(days, span - startOffset);
  if (width < mpor + 2) {
    throw stressInvalid(`the history has too few dates to choose a stressed window (${span - startOffset}; at least ${mpor + 2})`, { available: span - startOffset });
  }
  // score(w) = Σ_u Σ_{t∈w} r²_{u,t} / mean_u, with prefix sums of r²/mean_u summed over u.
  const prefix = new Float64Array(span + 1);
  for (const close of history.close) {
    let total = 0;
    for (let t = lo; t < n; t++) total += Math.log((close[t] as number) / (close[t - 1] as number)) ** 2;
    const mean = total / span;
    if (!(mean > 0)) continue;
    for (let t = lo; t < n; t++) prefix[t - lo + 1]! += Math.log((close[t] as number) / (close[t - 1] as number)) ** 2 / mean;
  }
  for (let k = 1; k <= span; k++) prefix[k]! += prefix[k - 1]!;
  let best = startOffset;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let s = startOffset; s + width <= span; s++) {
    const score = prefix[s + width]! - prefix[s]!;
    if (score > bestScore) {
      bestScore = score;
      best = s;
    }
  }
  return { first: lo + best, last: lo + best + width - 1, selection: 'auto' };
}
