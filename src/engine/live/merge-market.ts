import { parseMarketSnapshot, type MarketSnapshot } from '../../market/market-snapshot.js';
import type { MarketSnapshotFile } from '../../market/market-snapshot-schema.js';
import { mergeMarketUpdate, type MarketUpdateFile } from '../../market/market-update.js';
import type { Admission } from './admit-market.js';

/** The market after a tick's merge, and which keys (underlyings, currencies) changed value. */
export interface MergedMarket {
  /** The engine's market after the update: the same object when nothing was accepted. */
  readonly market: MarketSnapshot | undefined;
  readonly file: MarketSnapshotFile | undefined;
  /** Underlyings whose data changed in value, and currencies whose fx rate changed. */
  readonly changed: ReadonlySet<string>;
}

/**
 * Stage 2 of a tick: merges the accepted underlyings and fx rates into the engine's market field by field
 * (mergeMarketUpdate: what the update does not name keeps its value) and finds what changed by comparing values,
 * number by number (a re-sent identical value is no change). Nothing accepted and no fx: the market, and its asOf,
 * stay as they were.
 */
export function mergeMarket(current: MarketSnapshot | undefined, update: MarketUpdateFile, admission: Admission): MergedMarket {
  const currentFile = current?.toJSON();
  if (admission.accepted.length === 0 && admission.fxChanged.length === 0) return { market: current, file: currentFile, changed: new Set() };
  const file = mergeMarketUpdate(currentFile, update, new Set(admission.accepted));
  const changed = new Set<string>(admission.fxChanged);
  // Every underlying: a new asOf can drop expired forwards and smiles of one the update did not name.
  for (const name of Object.keys(file.underlyings)) {
    if (!sameValue(currentFile?.underlyings[name], file.underlyings[name])) changed.add(name);
  }
  return { market: parseMarketSnapshot(file, 'live market'), file, changed };
}

/** Deep equality of parsed JSON values (numbers by value, arrays in order, objects by key set). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k) || !sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
