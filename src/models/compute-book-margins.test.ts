import { codeOf, expectBatchEqualsPerAccount } from './batch-test-helpers.js';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../core/seeded-random.js';
import { resolveInstrument } from '../instruments/resolve-instrument.js';
import { parseMarketSnapshot } from '../market/market-snapshot.js';
import { loadMarketHistory } from '../scenarios/history/load-market-history.js';
import { computeBookMargins, marginBook } from './compute-book-margins.js';
import { InstrumentTable } from '../instruments/instrument-table.js';
import { compileAccountBook } from '../portfolio/account-book.js';
import type { CompiledModel } from './margin-model.js';
import { computeMargins, type ComputeMarginsOptions, type PortfolioInput } from './compute-margin.js';
import { MODELS } from './model-registry.js';
import { TEST_INSTRUMENTS, testMarket } from './model-test-fixtures.js';
import type { MarketSnapshot } from '../market/market-snapshot.js';

/** Every account's batch figures equal its per-account figures, and result(a) is the per-account result. */
function expectBatchOrSameRefusal(docs: PortfolioInput[], market: MarketSnapshot, model: string, options: ComputeMarginsOptions, threads: number): void {
  const refusal = codeOf(() => computeMargins(docs, market, model, options));
  if (refusal !== undefined) {
    expect(codeOf(() => computeBookMargins(docs, market, model, { ...options, threads }))).toBe(refusal);
    return;
  }
  const { book, alone } = expectBatchEqualsPerAccount(docs, market, model, options, { threads });
  // The explained result on demand is the per-account path's (spot-check one account).
  const a = docs.length - 1;
  expect(book.result(a)).toEqual(alone[a]);
}

const mode = fc.constantFrom<'cross' | 'isolated'>('cross', 'cross', 'isolated');
const currency = fc.constantFrom('USD', 'USD', 'BTC', 'USDC');

function books(instruments: readonly unknown[]) {
  const position = fc.record({ instrument: fc.constantFrom(...instruments), quantity: fc.integer({ min: -50_000, max: 50_000 }).map((q) => q / 1000) });
  const account = fc.record({
    positions: fc.array(position, { minLength: 0, maxLength: 8 }),
    mode,
    currency,
    btc: fc.constantFrom(0, 0, 1.25),
    usdc: fc.constantFrom(0, 5000),
  });
  return fc.array(account, { minLength: 1, maxLength: 6 }).map((accounts) =>
    accounts.map(
      (x, i): PortfolioInput => ({
        document: { account: `acct-${i}`, currency: x.currency, mode: x.mode, positions: x.positions, collateral: { ...(x.btc > 0 ? { BTC: x.btc } : {}), ...(x.usdc > 0 ? { USDC: x.usdc } : {}) } },
      }),
    ),
  );
}

describe.each(MODELS.filter((m) => m.needsHistory !== true).map((m) => m.id))('model %s: batch path = per-account path', (model) => {
  const market = testMarket();
  const accepts = MODELS.find((m) => m.id === model)?.accepts;
  const allowed = TEST_INSTRUMENTS.filter((x) => accepts === undefined || accepts(resolveInstrument(x, 'test')));
  it('random books, cross and isolated, several account currencies (1 and 3 threads)', () => {
    fc.assert(
      fc.property(books(allowed), fc.constantFrom(1, 3), (docs, threads) => expectBatchOrSameRefusal(docs, market, model, {}, threads)),
      { numRuns: 25 },
    );
  });
});

describe('history models: batch path = per-account path', () => {
  const market = parseMarketSnapshot({
    asOf: '2020-04-17T20:00:00Z',
    underlyings: { BTC: { index: 7096.18, rate: 0.01, vol: { atm: 0.8 } }, SPX: { index: 2874.56, rate: 0.001, vol: { atm: 0.38 } } },
    fx: { USDC: 1 },
  });
  const historyLoader = (u: readonly string[]) => loadMarketHistory(u);
  const instruments = [
    'BTC-PERPETUAL',
    'BTC_USDC-PERPETUAL',
    'BTC-26JUN20',
    'BTC-26JUN20-7000-C',
    'BTC-26JUN20-6000-P',
    { symbol: 'ESM0', kind: 'future', underlying: 'SPX', expiry: '2020-06-19', multiplier: 50 },
    { symbol: 'SPX-JUN20-2800-P', kind: 'option', underlying: 'SPX', expiry: '2020-06-19', strike: 2800, right: 'put', multiplier: 100 },
  ];
  const variants: { model: string; params: Record<string, unknown> }[] = [
    { model: 'hs-var', params: { lookback: 250 } },
    { model: 'hs-var', params: { lookback: 250, measure: 'es', apc: 'buffer' } },
    { model: 'hs-var', params: { lookback: 250, apc: 'floor-10y' } },
    { model: 'hs-var', params: { lookback: 250, apc: 'stressed-weight', stressedWindow: { from: '2018-01-01', to: '2018-12-31' } } },
    { model: 'hs-var', params: { lookback: 250, liquidity: {}, concentration: {} } },
    { model: 'hs-var', params: { lookback: 250, relief: { classes: { BTC: 'crypto', SPX: 'equity' }, bootstrap: 50 } } },
    { model: 'fhs-es', params: { lookback: 300 } },
    { model: 'mc-es', params: { paths: 500 } },
    { model: 'parametric-var', params: {} },
  ];
  it.each(variants)('$model $params', ({ model, params }) => {
    fc.assert(
      fc.property(books(instruments), fc.constantFrom(1, 2), (docs, threads) => expectBatchOrSameRefusal(docs, market, model, { params, historyLoader }, threads)),
      { numRuns: 6 },
    );
  });
});

describe('computeBookMargins', () => {
  const market = testMarket();
  const doc = (account: string, positions: unknown[]) => ({ document: { account, positions } });

  it('reports the path, the threads and the accounts the batch path left to the per-account path', () => {
    const docs = [doc('a', [{ instrument: 'BTC-PERPETUAL', quantity: 1 }]), { document: { account: 'b', mode: 'isolated', positions: [{ instrument: 'BTC-PERPETUAL', quantity: -1 }] } }];
    const grid = computeBookMargins(docs, market, 'scenario-grid', { threads: 1 });
    expect(grid.path).toBe('batch');
    expect(grid.accounts).toEqual(['a', 'b']);
    expect(grid.perAccountCount).toBe(0);
    const simple = computeBookMargins(docs, market, 'isolated-simple', { threads: 1 });
    expect(simple.path).toBe('per-account');
    expect(simple.perAccountCount).toBe(2);
  });

  it('fails closed: a batch path that leaves an account without a valid margin refuses the whole book, naming it', () => {
    const docs = [doc('a', [{ instrument: 'BTC-PERPETUAL', quantity: 1 }]), doc('b', [{ instrument: 'BTC-PERPETUAL', quantity: 2 }])];
    const book = compileAccountBook(docs, new InstrumentTable());
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -1]) {
      const compiled: CompiledModel = {
        evaluate: () => {
          throw new Error('not used');
        },
        evaluateBook: (_book, out) => {
          out.initialMargin.set([10, bad]);
          out.maintenanceMargin.set([8, 5]);
          return { leftOver: [], threads: 1 };
        },
      };
      expect(() => marginBook(compiled, book, 1)).toThrow(expect.objectContaining({ code: 'ACCOUNT_UNMARGINABLE', field: 'portfolios.1' }));
    }
  });

  it('refuses a bad thread count naming the option', () => {
    for (const threads of [0, 1.5, -2, 1000]) {
      expect(() => computeBookMargins([doc('a', [])], market, 'scenario-grid', { threads })).toThrow(expect.objectContaining({ code: 'USAGE_INVALID', field: 'threads' }));
    }
  });

  it('names the document and field of a bad position, as computeMargins does', () => {
    const docs = [doc('a', [{ instrument: 'BTC-PERPETUAL', quantity: 1 }]), { document: { account: 'b', positions: [{ instrument: 'NOPE-1', quantity: 1 }] }, source: 'b.json' }];
    const expected = codeOf(() => computeMargins(docs, market, 'scenario-grid'));
    expect(expected).toBe('INSTRUMENT_NAME_INVALID');
    expect(() => computeBookMargins(docs, market, 'scenario-grid')).toThrow(expect.objectContaining({ code: expected, field: 'b.json: positions.0.instrument' }));
  });
});

describe('large books partitioned over worker threads (SPAN, TIMS, Deribit PM, OKX PM)', () => {
  // The compiled build (npm test compiles to dist/ first) has the `.js` workers: run real worker threads there.
  const here = fileURLToPath(new URL('.', import.meta.url));
  const dist = here.replace(/\/src\/models\/$/, '/dist/src/models/');
  const modules = ['compute-book-margins', 'book-partition', 'book-worker', 'grouped-book'];
  const fresh = dist !== here && modules.every((m) => existsSync(`${dist}${m}.js`) && statSync(`${dist}${m}.js`).mtimeMs >= statSync(`${here}${m}.ts`).mtimeMs);
  const market = testMarket();
  const allowed = TEST_INSTRUMENTS.filter((x) => typeof x === 'string');
  const next = mulberry32(20261207);
  // 2,500 accounts: above the partitioning threshold; cross, isolated and resting-order accounts in three currencies.
  const docs: PortfolioInput[] = Array.from({ length: 2500 }, (_, a) => ({
    document: {
      account: `p${a}`,
      currency: ['USD', 'BTC', 'USDC'][a % 3],
      mode: a % 7 === 0 ? 'isolated' : 'cross',
      positions: Array.from({ length: 1 + (a % 6) }, () => ({ instrument: allowed[Math.floor(next() * allowed.length)], quantity: Math.round((next() - 0.5) * 40) / 4 || 1 })),
      collateral: { BTC: 1 + (a % 3) },
      ...(a % 97 === 0 ? { openOrders: [{ instrument: 'BTC-PERPETUAL', quantity: 3 }] } : {}),
    },
  }));
  it.skipIf(!fresh).each(['span', 'tims', 'deribit-pm', 'okx-pm'])('%s: 1, 2 and 3 threads give the same bits, equal to the per-account path', async (model) => {
    const compiled = (await import(pathToFileURL(`${dist}compute-book-margins.js`).href)) as typeof import('./compute-book-margins.js');
    const one = compiled.computeBookMargins(docs, market, model, { threads: 1 });
    for (const threads of [2, 3]) {
      const many = compiled.computeBookMargins(docs, market, model, { threads });
      expect(many.threads).toBe(threads);
      expect(many.perAccountCount).toBe(one.perAccountCount);
      for (let a = 0; a < docs.length; a++) {
        expect(Object.is(many.initialMargin[a], one.initialMargin[a]) && Object.is(many.maintenanceMargin[a], one.maintenanceMargin[a]), `${model} account ${a}, ${threads} threads`).toBe(true);
      }
    }
    const sample = docs.slice(0, 60);
    computeMargins(sample, market, model).forEach((r, a) => {
      expect(Math.abs(r.initialMargin - one.initialMargin[a]!) <= 1e-12 * Math.max(1, r.initialMargin)).toBe(true);
    });
  });
});
