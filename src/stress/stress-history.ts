import { loadHistoryCatalogue } from '../scenarios/history/history-catalogue.js';
import { loadMarketHistory, parseHistorySpec } from '../scenarios/history/load-market-history.js';
import type { MarketHistory } from '../scenarios/history/market-history.js';
import type { HistoryFor } from './build-stress-set.js';

/** Where stress reads history: the bundled catalogue, overridden per underlying by `--history` specs. */
export interface StressHistory {
  /** One underlying on its own calendar (historical scenarios); undefined when neither a spec nor the catalogue has it. */
  readonly historyFor: HistoryFor;
  /** Several underlyings aligned on their common dates (the reverse-stress covariance). */
  readonly loader: (underlyings: readonly string[]) => MarketHistory;
}

/**
 * History access for stress runs. `specs` are `--history` entries (loadMarketHistory syntax); each load passes only
 * the specs naming the underlyings it asks for, so a spec for one underlying does not fail the load of another.
 * Malformed specs and files still fail with their coded errors (USAGE_INVALID, FILE_NOT_FOUND, CSV_MALFORMED).
 */
export function stressHistory(specs: readonly string[] = [], root?: string): StressHistory {
  const parsed = specs.map((s) => ({ spec: s, underlying: parseHistorySpec(s).underlying }));
  const specsFor = (underlyings: readonly string[]): string[] => parsed.filter((p) => underlyings.includes(p.underlying)).map((p) => p.spec);
  let catalogued: ReadonlySet<string> | undefined;
  return {
    historyFor: (u) => {
      catalogued ??= new Set(loadHistoryCatalogue(...(root === undefined ? [] : [root])).entries.keys());
      const own = specsFor([u]);
      if (own.length === 0 && !catalogued.has(u)) return undefined;
      return loadMarketHistory([u], own, root);
    },
    loader: (underlyings) => loadMarketHistory(underlyings, specsFor(underlyings), root),
  };
}
