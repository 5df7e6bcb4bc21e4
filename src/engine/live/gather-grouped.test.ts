import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { compileModelRun, prepareModelRun } from '../../models/compute-margin.js';
import { groupAccountBook, positionRates } from '../../models/grouped-book.js';
import type { BookOutput, GroupedBatch } from '../../models/margin-model.js';
import type { PortfolioFile } from '../../portfolio/portfolio-schema.js';
import { gatherGrouped, groupedGatherBuffers } from './gather-grouped.js';
import { LiveBook } from './live-book.js';

const market = parseMarketSnapshot({
  asOf: '2025-09-23T12:00:00Z',
  underlyings: { BTC: { index: 112_000, vol: { atm: 0.45 } }, ETH: { index: 4_160, vol: { atm: 0.65 } }, SOL: { index: 210, vol: { atm: 0.8 } } },
  fx: { USDC: 1, EUR: 1.17, BTC: 112_000 },
});
const UNIVERSE = ['BTC_USDC-PERPETUAL', 'ETH_USDC-PERPETUAL', 'SOL_USDC-PERPETUAL', 'BTC_USDC-26DEC25-110000-C', 'BTC_USDC-26DEC25-100000-P', 'ETH_USDC-26DEC25-4000-C', 'BTC-PERPETUAL'];

const accountArb = fc.record({
  currency: fc.constantFrom('USD', 'USDC', 'EUR', 'BTC'),
  isolated: fc.boolean(),
  positions: fc.array(fc.record({ instrument: fc.constantFrom(...UNIVERSE), quantity: fc.integer({ min: -20, max: 20 }).filter((q) => q !== 0) }), { minLength: 0, maxLength: 6 }),
});

/** Distinct instruments per account (a document names an instrument once). */
function document(i: number, a: { currency: string; isolated: boolean; positions: { instrument: string; quantity: number }[] }): PortfolioFile {
  const seen = new Set<string>();
  const positions = a.positions.filter((p) => (seen.has(p.instrument) ? false : (seen.add(p.instrument), true)));
  return { account: `a${i}`, currency: a.currency, mode: a.isolated ? 'isolated' : 'cross', positions, collateral: { USDC: 1_000 } } as PortfolioFile;
}

describe('gatherGrouped', () => {
  it('makes the rows groupAccountBook makes of the gathered book, and the same margins bit for bit', () => {
    fc.assert(
      fc.property(
        fc.array(accountArb, { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.constantFrom([], [['BTC', 'ETH']]),
        fc.boolean(),
        (accounts, picks, groups, dropOne) => {
          const book = new LiveBook({ collateralAsPositions: false });
          // An account holding what nobody else holds, then gone: a compile table that is not the identity.
          if (dropOne) {
            book.put({ account: 'gone', currency: 'USD', mode: 'cross', positions: [{ instrument: 'ETH_USDC-26DEC25-4000-C', quantity: 1 }], collateral: {} } as PortfolioFile);
          }
          accounts.forEach((a, i) => book.put(document(i, a)));
          if (dropOne) book.remove('gone');
          const live = [...book.slots()];
          // Any order, repeats allowed: the caller's selection.
          const slots = Int32Array.from(picks.length === 0 ? live : picks.map((p) => live[p % live.length]!));
          const map = book.compileTable();
          const run = prepareModelRun('scenario-grid', { params: { groups } });
          const compiled = compileModelRun(run, map.table, market, (i) => `instruments.${i}`, {});
          const grouping = compiled.groupedBatch as GroupedBatch;
          const gathered = book.gather(slots, slots.length, map).book;
          const crossGroups = grouping.instrumentGroup.reduce((m, g) => Math.max(m, g + 1), 0);
          const expected = groupAccountBook(gathered, positionRates({ instruments: map.table, market }, gathered), (a, e) =>
            gathered.isolated[a] === 1 ? crossGroups + (e - gathered.rowStart[a]!) : grouping.instrumentGroup[gathered.instrument[e]!]!,
          );
          const got = gatherGrouped(book, slots, slots.length, map, grouping, groupedGatherBuffers());
          expect(Array.from(got.accountRowStart)).toEqual(Array.from(expected.accountRowStart));
          expect(Array.from(got.rows.rowStart)).toEqual(Array.from(expected.book.rowStart));
          expect(Array.from(got.rows.instrument)).toEqual(Array.from(expected.book.instrument));
          expect(Array.from(got.rows.weight)).toEqual(Array.from(expected.book.weight));
          const viaRows: BookOutput = { initialMargin: new Float64Array(slots.length), maintenanceMargin: new Float64Array(slots.length) };
          const viaBook: BookOutput = { initialMargin: new Float64Array(slots.length), maintenanceMargin: new Float64Array(slots.length) };
          grouping.evaluateRows(got.rows, got.accountRowStart, slots.length, viaRows, { threads: 1 });
          compiled.evaluateBook?.(gathered, viaBook, { threads: 1 });
          expect(Array.from(viaRows.initialMargin)).toEqual(Array.from(viaBook.initialMargin));
          expect(Array.from(viaRows.maintenanceMargin)).toEqual(Array.from(viaBook.maintenanceMargin));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reuses its buffers between calls and grows them on demand', () => {
    const book = new LiveBook({ collateralAsPositions: false });
    for (let i = 0; i < 40; i++) book.put(document(i, { currency: 'USD', isolated: i % 5 === 0, positions: [{ instrument: UNIVERSE[i % 3]!, quantity: 1 + i }, { instrument: UNIVERSE[3]!, quantity: -1 }] }));
    const map = book.compileTable();
    const compiled = compileModelRun(prepareModelRun('scenario-grid', {}), map.table, market, (i) => `instruments.${i}`, {});
    const buffers = groupedGatherBuffers();
    const few = gatherGrouped(book, Int32Array.from([0, 1]), 2, map, compiled.groupedBatch as GroupedBatch, buffers);
    // Account 0 is isolated: a row per position; account 1 holds ETH and BTC: a row per underlying.
    expect(Array.from(few.accountRowStart)).toEqual([0, 2, 4]);
    const weights = buffers.weight;
    const all = gatherGrouped(book, Int32Array.from([...book.slots()]), 40, map, compiled.groupedBatch as GroupedBatch, buffers);
    expect(buffers.weight).not.toBe(weights);
    expect(all.rows.instrument.length).toBe(80);
    const again = gatherGrouped(book, Int32Array.from([0, 1]), 2, map, compiled.groupedBatch as GroupedBatch, buffers);
    expect(buffers.weight.buffer).toBe(all.rows.weight.buffer);
    expect(Array.from(again.rows.weight)).toEqual(Array.from(few.rows.weight));
  });
});
