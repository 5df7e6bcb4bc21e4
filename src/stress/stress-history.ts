import { restrictHistory } from '../scenarios/history/restrict-history.js';
import { loadHistoryCatalogue } from '../scenarios/history/history-catalogue.js';
import { loadMarketHistory, parseHistorySpec } from '../scenarios/history/load-market-history.js';
import type { MarketHistory } from '../scenarios/history/market-history.js';
import type { HistoryFor } from './build-stress-set.js';

/** Where stress reads history: the bundled catalogue, overridden per underlying by history specs (the CLI's `--history`). */
export interface StressHistory {
  /** One underlying on its own calendar (historical scenarios); undefined when neither a spec nor the catalogue has it. */
  readonly historyFor: HistoryFor;
  /** Several underlyings aligned on their common dates (the reverse-stress covariance), cut at the end date. */
  readonly loader: (underlyings: readonly string[]) => MarketHistory;
}

/**
 * The history as it was known at `endDate` (YYYY-MM-DD, the market's date): dates after it are dropped, so a stress
 * or reverse-stress covariance on an older market never sees its future. Undefined or a later date: unchanged.
 * HISTORY_INVALID when the whole history starts after `endDate`.
 */
export function historyUpTo(history: MarketHistory, endDate: string | undefined): MarketHistory {
  if (endDate === undefined || history.dates.length === 0 || (history.dates[history.dates.length - 1] as string) <= endDate) return history;
  return restrictHistory(history, endDate);
}

/**
 * History access for stress runs. `specs` are history specs (loadMarketHistory syntax; the CLI's `--history`); each
 * load passes only the specs naming the underlyings it asks for, so a spec for one underlying does not fail the load
 * of another.
 * Malformed specs and files still fail with their coded errors (USAGE_INVALID, FILE_NOT_FOUND, CSV_MALFORMED).
 * `endDate` (the market's date, YYYY-MM-DD) cuts the aligned loads there (historyUpTo): the reverse-stress covariance
 * and the history-based margin models estimate only from what was known on the market date, so the CLI and the
 * service's lab give the same answer on the same market. Historical scenarios (`historyFor`) are not cut.
 */
export function stressHistory(specs: readonly string[] = [], root?: string, endDate?: string): StressHistory {
  const parsed = specs.map((s) => ({ spec: s, underlying: parseHistorySpec(s).underlying }));
  const specsFor = (underlyings: readonly string[]): string[] => parsed.filter((p) => underlyings.includes(p.underlying)).map((p) => p.spec);
  let catalogued: ReadonlySet<string> | undefined;
  return {
    historyFor: (u) => {
      catalogued ??= new Set(loadHistoryCatalogue(...(root === undefined ? [] : [root])).entries.keys());
      const own = specsFor([u]);
      if (own.length === 0 && !catalogued.has(u)) return undefined;
      // Not cut: a historical scenario replays a fixed past window as a hypothetical on today's book; it estimates nothing.
      return loadMarketHistory([u], own, root);
    },
    loader: (underlyings) => historyUpTo(loadMarketHistory(underlyings, specsFor(underlyings), root), endDate),
  };
}
