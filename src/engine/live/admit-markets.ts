import { toCrossmarginError, type CrossmarginError } from '../../core/errors.js';
import type { MarketSnapshot } from '../../market/market-snapshot.js';
import type { MarketSnapshotFile } from '../../market/market-snapshot-schema.js';
import type { MarketUpdateFile } from '../../market/market-update.js';
import { admitMarket, type AdmitContext } from './admit-market.js';
import type { EventDraft } from './engine-event.js';
import { mergeMarket } from './merge-market.js';
import type { SpikeState } from './spike-guard.js';

/** A market update and when it was published (epoch ms; undefined: the engine clock's now). */
export interface TimedMarketUpdate {
  readonly update: MarketUpdateFile;
  readonly at?: number | undefined;
}

/** Stages 1 and 2 of a tick over several updates in order: what they change together. */
export interface AdmittedMarkets {
  /** Updates admitted (the others are in `refused`). */
  readonly admitted: number;
  /** Updates refused (older than the market, outside the bounds), by index: each changes nothing. */
  readonly refused: readonly { readonly index: number; readonly error: CrossmarginError }[];
  /** The market after them all: the same object when nothing was accepted. */
  readonly market: MarketSnapshot | undefined;
  readonly file: MarketSnapshotFile | undefined;
  /** Underlyings or currencies whose data changed in value over the updates. */
  readonly changed: ReadonlySet<string>;
  /** Underlyings accepted by any of them. */
  readonly accepted: string[];
  /** Underlyings whose index the guard holds after them. */
  readonly held: string[];
  readonly guard: Map<string, SpikeState>;
  readonly lastUpdate: Map<string, number>;
  readonly events: EventDraft[];
  /** The time of the tick: the last admitted update's `at` (the engine clock's now without one), epoch ms. */
  readonly now: number;
}

/**
 * Admits and merges market updates in order (docs/live-engine.md "Market updates"), each through the bounds and the
 * spike guard as if it came alone: the guard's state after them is the one a tick per update would leave, so a
 * worker that falls behind and takes several snapshots in one tick (issue 17) holds the same spikes as one that took
 * them one by one. Each update is stamped with its own `at` (its publication time), so every reader of the same
 * updates judges staleness alike. An update refused is skipped and reported; it changes nothing.
 */
export function admitMarkets(updates: readonly TimedMarketUpdate[], context: Omit<AdmitContext, 'now'> & { readonly clockNow: number }): AdmittedMarkets {
  let market = context.market;
  let file = market?.toJSON();
  let guard = new Map(context.guard);
  let lastUpdate = new Map(context.lastUpdate);
  let now = context.clockNow;
  let admitted = 0;
  const refused: { index: number; error: CrossmarginError }[] = [];
  const changed = new Set<string>();
  const accepted = new Set<string>();
  const held = new Set<string>();
  const events: EventDraft[] = [];
  updates.forEach(({ update, at }, index) => {
    const time = at ?? context.clockNow;
    let admission;
    try {
      admission = admitMarket(update, { ...context, market, guard, lastUpdate, now: time });
    } catch (error) {
      refused.push({ index, error: toCrossmarginError(error) });
      return;
    }
    const merged = mergeMarket(market, update, admission);
    for (const key of merged.changed) changed.add(key);
    for (const name of admission.accepted) accepted.add(name);
    for (const name of admission.held) held.add(name);
    events.push(...admission.events);
    market = merged.market;
    file = merged.file;
    guard = admission.guard;
    lastUpdate = admission.lastUpdate;
    now = time;
    admitted++;
  });
  return { admitted, refused, market, file, changed, accepted: [...accepted], held: [...held].filter((name) => guard.get(name)?.held !== undefined), guard, lastUpdate, events, now };
}

