import { CrossmarginError } from '../../core/errors.js';
import { parseIsoInstant } from '../../core/dates.js';
import type { MarketSnapshot } from '../../market/market-snapshot.js';
import { checkMarketBounds, type MarketBounds, type MarketUpdateFile } from '../../market/market-update.js';
import type { EventDraft } from './engine-event.js';
import { judgeIndexUpdate, relativeMove, type SpikeState } from './spike-guard.js';

/** What the admission stage needs of the engine (read only). */
export interface AdmitContext {
  readonly market: MarketSnapshot | undefined;
  readonly guard: ReadonlyMap<string, SpikeState>;
  readonly lastUpdate: ReadonlyMap<string, number>;
  readonly bounds: MarketBounds;
  /** Oracle-spike band, relative. */
  readonly spikeBand: number;
  /** Engine clock, epoch ms. */
  readonly now: number;
}

/** What admission decided: the guard and last-update times after the update (new maps), and its events. */
export interface Admission {
  /** Underlyings applied (including confirmed spikes). */
  readonly accepted: string[];
  /** Underlyings whose index is held by the spike guard. */
  readonly held: string[];
  /** Currencies whose fx rate the update changes. */
  readonly fxChanged: string[];
  readonly guard: Map<string, SpikeState>;
  readonly lastUpdate: Map<string, number>;
  readonly events: EventDraft[];
}

/**
 * Stage 1 of a tick (docs/architecture.md "The tick pipeline"): refuses an update older than the engine's market or
 * outside the market bounds (MARKET_DATA_INVALID naming the field; nothing changes), passes each underlying's index
 * through the oracle-spike guard, and stamps accepted underlyings with the engine clock (their staleness restarts).
 */
export function admitMarket(update: MarketUpdateFile, context: AdmitContext): Admission {
  const updateMs = parseIsoInstant(update.asOf, 'asOf');
  const market = context.market;
  if (market !== undefined && updateMs < market.asOfMs) {
    throw new CrossmarginError('MARKET_DATA_INVALID', `asOf: market update at ${update.asOf} is older than the engine's market (${market.asOf})`, { field: 'asOf' });
  }
  checkMarketBounds(update, context.bounds);
  const asOf = market?.asOf;
  const now = context.now;
  const guard = new Map(context.guard);
  const lastUpdate = new Map(context.lastUpdate);
  const accepted: string[] = [];
  const held: string[] = [];
  const events: EventDraft[] = [];
  for (const [name, u] of Object.entries(update.underlyings)) {
    const state = guard.get(name) ?? { lastAccepted: undefined, held: undefined };
    // An update without an index (vol or forwards only) has nothing for the guard to judge.
    const verdict = u.index === undefined ? 'accept' : judgeIndexUpdate(state, u.index, context.spikeBand);
    if (verdict === 'hold') {
      const last = state.lastAccepted as number; // 'hold' needs a last accepted value
      const index = u.index as number;
      guard.set(name, { lastAccepted: last, held: index });
      events.push({ type: 'spike-held', at: now, asOf, underlying: name, lastAccepted: last, held: index, move: relativeMove(index, last) });
      held.push(name);
      continue;
    }
    if (verdict === 'confirm' || verdict === 'drop') {
      events.push({ type: verdict === 'confirm' ? 'spike-confirmed' : 'spike-dropped', at: now, asOf, underlying: name, held: state.held as number, accepted: u.index as number });
    }
    if (u.index !== undefined) guard.set(name, { lastAccepted: u.index, held: undefined });
    lastUpdate.set(name, now);
    accepted.push(name);
  }
  const currentFx = market?.toJSON().fx;
  const fxChanged = Object.entries(update.fx ?? {})
    .filter(([ccy, rate]) => currentFx?.[ccy] !== rate)
    .map(([ccy]) => ccy);
  return { accepted, held, fxChanged, guard, lastUpdate, events };
}
