import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../core/errors.js';
import { InstrumentTable } from '../instruments/instrument-table.js';
import { compileAccountBook, type AccountBookInput } from './account-book.js';
import { resolvePortfolio } from './resolve-portfolio.js';

const SYMBOLS = ['BTC-PERPETUAL', 'ETH-PERPETUAL', 'BTC-27DEC24-60000-C', 'BTC_USDC-PERPETUAL', 'ETH-27DEC24'];

/** The reference: each document through resolvePortfolio, as the per-account path does. */
function viaResolve(inputs: readonly AccountBookInput[], collateralAsPositions: boolean) {
  const table = new InstrumentTable();
  const resolved = inputs.map((x) => resolvePortfolio(x.document, table, x.source, undefined, { collateralAsPositions }));
  return { table, resolved };
}

function outcome(run: () => unknown): { code: string; field: string | undefined; message: string } | 'ok' {
  try {
    run();
    return 'ok';
  } catch (e) {
    if (!(e instanceof CrossmarginError)) throw e;
    return { code: e.code, field: e.field, message: e.message };
  }
}

const position = fc.record({ instrument: fc.constantFrom(...SYMBOLS), quantity: fc.integer({ min: -1000, max: 1000 }).map((q) => q / 10) });
const document = fc.record(
  {
    account: fc.constantFrom('a', 'b-1', 'desk/7'),
    currency: fc.constantFrom('USD', 'BTC', 'USDC'),
    mode: fc.constantFrom('cross', 'isolated'),
    positions: fc.array(position, { maxLength: 6 }),
    collateral: fc.dictionary(fc.constantFrom('BTC', 'ETH', 'USDC', 'USD'), fc.constantFrom(0, 1.5, 2500)),
  },
  { requiredKeys: ['account', 'positions'] },
);

/** Ways a document can be wrong (or unusual but valid), applied to a good one. */
const mutation = fc.constantFrom(
  (d: Record<string, unknown>) => ({ ...d, extra: 1 }),
  (d: Record<string, unknown>) => ({ ...d, account: '' }),
  (d: Record<string, unknown>) => ({ ...d, mode: 'hedged' }),
  (d: Record<string, unknown>) => ({ ...d, currency: 7 }),
  (d: Record<string, unknown>) => ({ ...d, positions: [{ instrument: 'BTC-PERPETUAL', quantity: Number.NaN }] }),
  (d: Record<string, unknown>) => ({ ...d, positions: [{ instrument: 'BTC-PERPETUAL', quantity: '3' }] }),
  (d: Record<string, unknown>) => ({ ...d, positions: [{ instrument: 'NOT-A-NAME', quantity: 1 }] }),
  (d: Record<string, unknown>) => ({ ...d, positions: [{ instrument: '', quantity: 1 }] }),
  (d: Record<string, unknown>) => ({ ...d, positions: [{ instrument: 'BTC-PERPETUAL', quantity: 1, side: 'buy' }] }),
  (d: Record<string, unknown>) => ({ ...d, positions: [{ instrument: 'BTC-PERPETUAL', quantity: 1, entryPrice: 60000 }] }),
  (d: Record<string, unknown>) => ({ ...d, positions: [{ instrument: 'BTC-27DEC24-60000-C', quantity: 1, entryPrice: 100 }] }),
  (d: Record<string, unknown>) => ({ ...d, positions: [{ instrument: { symbol: 'ESU4', kind: 'future', underlying: 'SPX', expiry: '2024-09-20', multiplier: 50 }, quantity: 2 }] }),
  (d: Record<string, unknown>) => ({ ...d, collateral: { BTC: -1 } }),
  (d: Record<string, unknown>) => ({ ...d, collateral: { XYZ: 1 } }),
  (d: Record<string, unknown>) => ({ ...d, openOrders: [{ instrument: 'BTC-PERPETUAL', quantity: 2 }] }),
  (d: Record<string, unknown>) => ({ ...d, positions: 'none' }),
  () => null,
  () => [],
);

describe('compileAccountBook: documents parsed once into one CSR', () => {
  it('holds exactly the positions resolvePortfolio gives, in its order, with the same instrument ids (property)', () => {
    fc.assert(
      fc.property(fc.array(document, { minLength: 1, maxLength: 6 }), fc.boolean(), (docs, collateralAsPositions) => {
        const inputs = docs.map((document, i) => ({ document, source: `p${i}.json` }));
        const { table, resolved } = viaResolve(inputs, collateralAsPositions);
        const book = compileAccountBook(inputs, new InstrumentTable(), { collateralAsPositions });
        expect(book.accountCount).toBe(docs.length);
        resolved.forEach((r, a) => {
          expect(book.accounts[a]).toBe(r.account);
          expect(book.currencyNames[book.currency[a]!]).toBe(r.currency);
          expect(book.isolated[a]).toBe(r.mode === 'isolated' ? 1 : 0);
          const from = book.rowStart[a]!;
          expect(book.rowStart[a + 1]! - from).toBe(r.positions.length);
          r.positions.forEach((p, k) => {
            expect(table.spec(p.instrument).symbol).toBe(table.spec(book.instrument[from + k]!).symbol);
            expect(book.quantity[from + k]).toBe(p.quantity);
            expect(book.collateral[from + k]).toBe(p.field.startsWith('collateral.') ? 1 : 0);
          });
          expect(book.portfolio(a)).toEqual({ ...r });
        });
      }),
      { numRuns: 120 },
    );
  });

  it('accepts and refuses exactly what resolvePortfolio does, with the same code, field and message (property)', () => {
    fc.assert(
      fc.property(fc.array(document, { minLength: 1, maxLength: 4 }), fc.nat(3), mutation, (docs, at, mutate) => {
        const i = at % docs.length;
        const inputs = docs.map((d, k) => ({ document: k === i ? mutate(d as Record<string, unknown>) : d, source: `p${k}.json` }));
        const expected = outcome(() => viaResolve(inputs, true));
        const got = outcome(() => compileAccountBook(inputs, new InstrumentTable(), { collateralAsPositions: true }));
        expect(got).toEqual(expected);
        if (got === 'ok') {
          const book = compileAccountBook(inputs, new InstrumentTable(), { collateralAsPositions: true });
          const r = viaResolve(inputs, true).resolved[i]!;
          expect(book.extras[i]).toBe(r.openOrders !== undefined || r.positions.some((p) => p.entryPrice !== undefined) ? 1 : 0);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps its position arrays in shared memory (worker threads read them without a copy)', () => {
    const book = compileAccountBook([{ document: { account: 'a', positions: Array.from({ length: 40 }, () => ({ instrument: 'BTC-PERPETUAL', quantity: 1 })) } }], new InstrumentTable());
    expect(book.instrument.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(book.quantity.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(book.rowStart.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(book.quantity.length).toBe(40);
  });

  it('names the first field that used an instrument, with its document', () => {
    const table = new InstrumentTable();
    const book = compileAccountBook(
      [
        { document: { account: 'a', positions: [{ instrument: 'BTC-PERPETUAL', quantity: 1 }] }, source: 'a.json' },
        { document: { account: 'b', positions: [{ instrument: 'BTC-PERPETUAL', quantity: 1 }, { instrument: 'ETH-PERPETUAL', quantity: 1 }] }, source: 'b.json' },
      ],
      table,
    );
    expect(book.fieldOf(0)).toBe('a.json: positions.0.instrument');
    expect(book.fieldOf(1)).toBe('b.json: positions.1.instrument');
    expect(() => book.portfolio(2)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });
});
