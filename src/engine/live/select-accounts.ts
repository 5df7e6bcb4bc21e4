import { CrossmarginError } from '../../core/errors.js';
import type { MarketSnapshot } from '../../market/market-snapshot.js';
import type { PortfolioFile } from '../../portfolio/portfolio-schema.js';
import { NO_VIEW, PRESENT, UNMARGINABLE } from './account-figures.js';
import type { StoredEntry } from './derive-states.js';
import { exposed, keyFilter, type LiveBook } from './live-book.js';
import { settleExpired, type ExpirySettlement } from './settle-expired.js';

/** What the selection reads: the book's exposure rows and expiries, and per slot the figure and entry flags. */
export interface SelectInput {
  readonly book: LiveBook;
  /** AccountFigures.has: NO_VIEW for an account never margined. */
  readonly has: Uint8Array;
  /** Per slot: PRESENT, UNMARGINABLE (account-figures.ts). */
  readonly entryFlags: Uint8Array;
  readonly entryOf: (slot: number) => StoredEntry;
  /** 1 per key id whose data changed in value. */
  readonly changedKeys: Uint8Array;
  /** 1 per key id of an accepted underlying. */
  readonly acceptedKeys: Uint8Array;
  /** 1 per key id that was stale before the update. */
  readonly staleBefore: Uint8Array;
  /** The merged market when the update made a new one (settlement, retries), else undefined. */
  readonly newMarket: MarketSnapshot | undefined;
}

/** The accounts a tick re-margins (by slot, ascending), with the expiry settlements it makes. */
export interface Selection {
  readonly slots: Int32Array;
  readonly settled: { readonly accountId: string; readonly doc: PortfolioFile; readonly settlements: readonly ExpirySettlement[] }[];
  /** Documents after settlement, by account id. */
  readonly docs: Map<string, PortfolioFile>;
  /** Accounts whose expired positions cannot settle (INSTRUMENT_EXPIRED naming the position). */
  readonly blocked: Map<string, CrossmarginError>;
}

/**
 * Stage 3 of a tick (docs/architecture.md "The live engine"): the accounts exposed to a changed key; those exposed
 * to an accepted underlying that were stale before (fresh again), never margined or failing; on a new market every
 * account never margined or unmarginable (an empty account is exposed to its currency only), and every account with
 * a position expired at the new asOf, settled (docs/service.md "Expiry"). A pass over the exposure rows by key flags:
 * no per-account set, no map lookup.
 */
export function selectAccounts(input: SelectInput): Selection {
  const { book, has, entryFlags: flags, newMarket } = input;
  const changedKeys = keyFilter(input.changedKeys);
  const acceptedKeys = keyFilter(input.acceptedKeys);
  const staleBefore = keyFilter(input.staleBefore);
  const settled: Selection['settled'] = [];
  const docs = new Map<string, PortfolioFile>();
  const blocked = new Map<string, CrossmarginError>();
  const slotCount = book.slotCount;
  const chosen = new Int32Array(slotCount);
  let count = 0;
  const exposure = book.exposureRows();
  const expiry = book.expiries();
  const settleBefore = newMarket === undefined ? Number.NEGATIVE_INFINITY : newMarket.asOfMs;
  for (let slot = 0; slot < slotCount; slot++) {
    const f = flags[slot]!;
    if ((f & PRESENT) === 0) continue;
    const failing = has[slot] === NO_VIEW || (f & UNMARGINABLE) !== 0;
    let target = exposed(exposure, slot, changedKeys);
    if (!target && exposed(exposure, slot, acceptedKeys)) target = failing || exposed(exposure, slot, staleBefore);
    if (!target && newMarket !== undefined && failing) target = true;
    if (newMarket !== undefined && expiry[slot]! <= settleBefore) {
      const entry = input.entryOf(slot);
      const outcome = settleExpired(entry.doc, newMarket);
      if (outcome !== undefined) {
        const id = entry.doc.account;
        target = true;
        if (outcome.kind === 'blocked') blocked.set(id, new CrossmarginError('INSTRUMENT_EXPIRED', outcome.reason, { field: outcome.field }));
        else {
          settled.push({ accountId: id, doc: outcome.doc, settlements: outcome.settlements });
          docs.set(id, outcome.doc);
        }
      }
    }
    if (target) chosen[count++] = slot;
  }
  return { slots: chosen.subarray(0, count), settled, docs, blocked };
}
