import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { DEFAULT_MARKET_BOUNDS } from '../../market/market-update.js';
import { parseAccountParams } from '../account/account-params.js';
import { AccountFigures, COMPUTED, NO_VIEW, PRESENT, stateCode, UNMARGINABLE } from './account-figures.js';
import { admitMarket } from './admit-market.js';
import { deriveTick, type StoredEntry } from './derive-states.js';
import { LiveBook } from './live-book.js';
import { mergeMarket, sameValue } from './merge-market.js';
import { remarginOutput } from './remargin-accounts.js';
import { selectAccounts } from './select-accounts.js';
import { Slab } from './slab.js';

/** Each stage of the tick on its own (docs/architecture.md "The live engine"). */

const market = parseMarketSnapshot({ asOf: '2024-06-17T08:00:00Z', underlyings: { BTC: { index: 66_000, vol: { atm: 0.55 } }, ETH: { index: 3_500, vol: { atm: 0.65 } } }, fx: { USDC: 1 } });
const context = { market, guard: new Map(), lastUpdate: new Map(), bounds: DEFAULT_MARKET_BOUNDS, spikeBand: 0.25, now: 1_000 };

describe('admitMarket', () => {
  it('refuses an older update, holds a spike, accepts the rest and stamps them', () => {
    expect(() => admitMarket({ asOf: '2024-06-17T07:00:00Z', underlyings: {} }, context)).toThrow(expect.objectContaining({ code: 'MARKET_DATA_INVALID', field: 'asOf' }));
    const guarded = { ...context, guard: new Map([['BTC', { lastAccepted: 66_000, held: undefined }]]) };
    const a = admitMarket({ asOf: '2024-06-17T08:00:01Z', underlyings: { BTC: { index: 99_000 }, ETH: { index: 3_510 } }, fx: { USDC: 1, EUR: 1.1 } }, guarded);
    expect(a.held).toEqual(['BTC']);
    expect(a.accepted).toEqual(['ETH']);
    expect(a.fxChanged).toEqual(['EUR']);
    expect(a.lastUpdate.get('ETH')).toBe(1_000);
    expect(a.lastUpdate.has('BTC')).toBe(false);
    expect(a.events.map((e) => e.type)).toEqual(['spike-held']);
    // The input maps are not touched (the engine applies them after persisting).
    expect(guarded.guard.get('BTC')?.held).toBeUndefined();
  });
});

describe('mergeMarket', () => {
  it('finds changes by value: a re-sent identical index is no change, a vol change is one', () => {
    const same = admitMarket({ asOf: '2024-06-17T08:00:00Z', underlyings: { BTC: { index: 66_000 } } }, context);
    expect([...mergeMarket(market, { asOf: '2024-06-17T08:00:00Z', underlyings: { BTC: { index: 66_000 } } }, same).changed]).toEqual([]);
    const vol = admitMarket({ asOf: '2024-06-17T08:00:00Z', underlyings: { ETH: { vol: { atm: 0.7 } } } }, context);
    const merged = mergeMarket(market, { asOf: '2024-06-17T08:00:00Z', underlyings: { ETH: { vol: { atm: 0.7 } } } }, vol);
    expect([...merged.changed]).toEqual(['ETH']);
    expect(merged.market?.underlying('BTC').index).toBe(66_000);
  });

  it('sameValue compares numbers, arrays in order and objects by keys', () => {
    expect(sameValue({ a: [1, 2], b: { c: 3 } }, { b: { c: 3 }, a: [1, 2] })).toBe(true);
    expect(sameValue({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(sameValue({ a: 1 }, { a: 1, b: undefined })).toBe(false);
  });
});

describe('Slab', () => {
  it('keeps every live row through replacements and compaction', () => {
    const slab = new Slab({ v: 'f64' }, 16);
    const want = new Map<number, number[]>();
    for (let round = 0; round < 40; round++) {
      const slot = round % 7;
      const row = Array.from({ length: 1 + (round % 5) }, (_, i) => round * 10 + i);
      const at = slab.place(slot, row.length);
      slab.column<Float64Array>('v').set(row, at);
      want.set(slot, row);
    }
    slab.clear(3);
    want.delete(3);
    for (const [slot, row] of want) {
      const v = slab.column<Float64Array>('v');
      expect(Array.from(v.subarray(slab.start(slot), slab.start(slot) + slab.length(slot)))).toEqual(row);
    }
    expect(slab.stats().live).toBe([...want.values()].reduce((n, r) => n + r.length, 0));
  });
});

describe('LiveBook', () => {
  it('gathers the rows of chosen accounts over the live instruments, and forgets an instrument nobody holds', () => {
    const book = new LiveBook({ collateralAsPositions: false });
    book.put({ account: 'a', currency: 'USD', mode: 'cross', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2 }], collateral: { USDC: 10 } });
    book.put({ account: 'b', currency: 'USD', mode: 'cross', positions: [{ instrument: 'ETH_USDC-PERPETUAL', quantity: -3 }, { instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], collateral: {} });
    const g = book.gather(Int32Array.from([1, 0]), 2, book.compileTable());
    expect(g.book.accounts).toEqual(['b', 'a']);
    expect(Array.from(g.book.rowStart)).toEqual([0, 2, 3]);
    expect(Array.from(g.book.quantity)).toEqual([-3, 1, 2]);
    expect(g.book.instrument[1]).toBe(g.book.instrument[2]);
    // b sells its ETH: ETH has no holder left, the compile table drops it.
    book.put({ account: 'b', currency: 'USD', mode: 'cross', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], collateral: {} });
    expect(book.compileTable().table.symbolNames()).toEqual(['BTC_USDC-PERPETUAL']);
  });
});

describe('selectAccounts and deriveTick', () => {
  const book = new LiveBook({ collateralAsPositions: false });
  for (const [id, instrument] of [['btc', 'BTC_USDC-PERPETUAL'], ['eth', 'ETH_USDC-PERPETUAL'], ['new', 'ETH_USDC-PERPETUAL']] as const) {
    book.put({ account: id, currency: 'USD', mode: 'cross', positions: [{ instrument, quantity: 1 }], collateral: { USDC: 1_000 } });
  }
  const figures = new AccountFigures();
  figures.ensure(3);
  figures.has.set([COMPUTED, COMPUTED, NO_VIEW]);
  const flags = Uint8Array.from([PRESENT, PRESENT, PRESENT]);
  const key = (name: string): Uint8Array => {
    const f = new Uint8Array(book.keys.names.length);
    f[book.keys.lookup(name) as number] = 1;
    return f;
  };
  const none = new Uint8Array(book.keys.names.length);
  const entries: StoredEntry[] = ['btc', 'eth', 'new'].map((id) => ({ doc: book.document(book.slot(id) as number), error: undefined }));

  it('selects the accounts exposed to a changed key, and the never-margined ones on a new market', () => {
    const entryOf = (slot: number) => entries[slot]!;
    const base = { book, has: figures.has, entryFlags: flags, entryOf, acceptedKeys: none, staleBefore: none };
    expect(Array.from(selectAccounts({ ...base, changedKeys: key('BTC'), newMarket: undefined }).slots)).toEqual([0]);
    expect(Array.from(selectAccounts({ ...base, changedKeys: key('BTC'), newMarket: market }).slots)).toEqual([0, 2]);
    expect(Array.from(selectAccounts({ ...base, changedKeys: none, entryFlags: Uint8Array.from([PRESENT, PRESENT | UNMARGINABLE, PRESENT]), newMarket: market }).slots)).toEqual([1, 2]);
  });

  it('floors a stale account at its reported margins and raises an event only on a change of state', () => {
    figures.initialMargin[0] = 500;
    figures.maintenanceMargin[0] = 250;
    figures.floorInitialMargin.fill(Number.NaN);
    figures.state[0] = stateCode('healthy');
    figures.currency[0] = 'USD';
    figures.setStamp(0, figures.newStamp(market.asOf, 1_000, undefined));
    const raw = remarginOutput(1);
    raw.initialMargin[0] = 300;
    raw.maintenanceMargin[0] = 150;
    raw.equity[0] = 1_000;
    const input = { slots: Int32Array.from([0]), raw, entryOf: (slot: number) => entries[slot]!, entryFlags: flags, figures, settledDocs: new Map(), asOf: market.asOf, now: 2_000, params: parseAccountParams({}) };
    const events: never[] = [];
    const stale = deriveTick({ ...input, stale: Uint8Array.from([1]) }, events);
    expect([stale.initialMargin[0], stale.maintenanceMargin[0], stale.floorInitialMargin[0]]).toEqual([500, 250, 500]);
    expect(stale.rows.map((r) => r.initialMargin)).toEqual([500]);
    const fresh = deriveTick({ ...input, stale: Uint8Array.from([0]) }, events);
    expect([fresh.initialMargin[0], fresh.rows.length, events.length]).toEqual([300, 0, 0]);
    raw.equity[0] = 100; // below maintenance: liquidation
    const falling: { type: string }[] = [];
    const down = deriveTick({ ...input, stale: Uint8Array.from([0]) }, falling as never[]);
    expect(down.state[0]).toBe(stateCode('liquidation'));
    expect(falling.map((e) => e.type)).toEqual(['state-transition', 'liquidation']);
    expect(down.rows.map((r) => r.state)).toEqual(['liquidation']);
  });
});

describe('exposure masks', () => {
  it('find the accounts exposed to a key, past the 31 keys that have a bit of their own', () => {
    const book = new LiveBook({ collateralAsPositions: false });
    for (let i = 0; i < 40; i++) book.put({ account: `c${i}`, currency: 'USD', mode: 'cross', positions: [], collateral: { [`C${i}`]: 1 } });
    for (const name of ['C3', 'C35', 'USD']) {
      const flags = new Uint8Array(book.keys.names.length);
      flags[book.keys.lookup(name) as number] = 1;
      const hits = [...book.slots()].filter((slot) => book.exposedTo(slot, flags)).map((slot) => book.id(slot));
      expect(hits).toEqual(name === 'USD' ? [...book.slots()].map((slot) => book.id(slot)) : [`c${name.slice(1)}`]);
    }
  });
});

describe('AccountFigures stamps', () => {
  it('are shared by the accounts a tick margined and recycled when the last one moves on', () => {
    const figures = new AccountFigures();
    figures.ensure(3);
    const first = figures.newStamp('2024-06-17T08:00:00Z', 1, undefined);
    for (const slot of [0, 1, 2]) figures.setStamp(slot, first);
    const second = figures.newStamp('2024-06-17T08:00:01Z', 2, undefined);
    figures.setStamp(0, second);
    figures.setStamp(1, second);
    // Slot 2 still holds the first stamp: it is not recycled yet.
    expect(figures.newStamp('x', 3, undefined)).not.toBe(first);
    figures.setStamp(2, second);
    // Now nobody holds it: the next stamp takes its place.
    expect(figures.newStamp('y', 4, undefined)).toBe(first);
  });
});
