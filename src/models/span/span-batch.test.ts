import { expectBatchEqualsPerAccount } from '../batch-test-helpers.js';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import type { ComputeMarginsOptions, PortfolioInput } from '../compute-margin.js';
import type { MarginResult } from '../margin-result.js';

/**
 * The SPAN batch path (span-book.ts) against the per-account path, on what the shared random test
 * (compute-book-margins.test.ts) never builds: risk-parameter files with tiers, intra spreads (tier and series),
 * delivery months, SOM, premium- and futures-style options, delta (WFPR and flat), optional-leg and scanning inter
 * spreads, CCs in two currencies; accounts in several currencies, isolated accounts, and a book of hundreds.
 * The batch path is built to give the same bits; the issue-14 bar is 1e-12 relative, both are asserted.
 */

/** A deterministic PRNG (mulberry32), so the file and the big book are the same on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** CME loss-positive array of one long future whose ±3/3 move loses `psr` (extremes 2 × 35 % = 0.7 × psr). */
const futureLosses = (psr: number): number[] => [0, 0, -1, -1, 1, 1, -2, -2, 2, 2, -3, -3, 3, 3, -2.1, 2.1].map((t) => (t * psr) / 3);

/** An option-like loss array: random but fixed, with non-round values so sums exercise float order. */
function optionLosses(rand: () => number, scale: number): number[] {
  return Array.from({ length: 16 }, () => Math.round((rand() - 0.45) * scale * 1000) / 1000);
}

const future = (symbol: string, period: string, psr: number, d = 1) => ({ symbol, kind: 'future', period, price: 100, cvf: 50, ra: { a: futureLosses(psr), d } });
const option = (rand: () => number, symbol: string, period: string, right: 'call' | 'put', d: number, style: 'premium' | 'futures' = 'premium') => ({
  symbol,
  kind: 'option',
  right,
  strike: 100,
  period,
  price: Math.round(rand() * 9000) / 100,
  cvf: 50,
  optionStyle: style,
  ra: { a: optionLosses(rand, 9000), d },
});

const tiers = (...t: [number, string, string][]) => t.map(([tier, startPeriod, endPeriod]) => ({ tier, startPeriod, endPeriod }));

/**
 * ES (USD): two aligned tiers, series and tier intra spreads, spot month 202406 with delivery rates, SOM.
 * NQ (USD): SCANRANGE_CAP. ZC (USD): scan tiers ≠ inter tiers (CC-level WFPR), SOM 'max'. ZW (USD): scanning partner
 * of ZC. FDAX (EUR): SCANRANGE, with a futures-style option. Inter spreads: ES/NQ both ways and ZC/ZW (WFPR), ZC/ZW
 * scanning, ES/ZC flat, NQ/FDAX with an optional ES leg.
 */
function richSpanFile(): unknown {
  const rand = prng(14);
  return {
    fileFormat: 'crossmargin-span-1',
    exchangeComplex: 'BATCH-TEST',
    businessDate: '2024-06-17',
    combinedCommodities: [
      {
        cc: 'ES',
        currency: 'USD',
        wfprMethod: 'NORMAL',
        scanTiers: tiers([1, '202406', '202412'], [2, '202501', '202512']),
        intraTiers: tiers([1, '202406', '202412'], [2, '202501', '202512']),
        interTiers: tiers([1, '202406', '202412'], [2, '202501', '202512']),
        intraSpreads: [
          { priority: 1, chargeRate: 251.3, legs: [{ tier: 1, ratio: 1, side: 'A' }, { tier: 2, ratio: 1, side: 'B' }] },
          { priority: 1, chargeRate: 147.9, legs: [{ period: '202406', ratio: 1, side: 'A' }, { period: '202409', ratio: 1, side: 'B' }] },
          { priority: 2, chargeRate: 99.7, legs: [{ period: '202409', ratio: 2, side: 'B' }, { period: '202412', ratio: 1, side: 'A' }] },
          { priority: 3, chargeRate: 311.1, legs: [{ tier: 2, ratio: 1, side: 'A' }, { tier: 1, ratio: 1.5, side: 'B' }] },
        ],
        deliveryRates: [{ period: '202406', spreadCharge: 103.3, outrightCharge: 407.1 }],
        somRate: 517.3,
        somMethod: 'sum',
        initialToMaintenance: { member: 1, hedger: 1.05, speculator: 1.1 },
        contracts: [
          future('ESM4', '202406', 18103.7),
          future('ESU4', '202409', 18311.3),
          future('ESZ4', '202412', 18502.9),
          future('ESH5', '202503', 18611.1),
          future('ESM5', '202506', 18799.3),
          option(rand, 'ESU4 C', '202409', 'call', 0.37),
          option(rand, 'ESU4 P', '202409', 'put', -0.41),
          option(rand, 'ESH5 C', '202503', 'call', 0.53, 'futures'),
        ],
      },
      {
        cc: 'NQ',
        currency: 'USD',
        wfprMethod: 'SCANRANGE_CAP',
        priceScanRange: 30123.7,
        capAnov: true,
        contracts: [future('NQU4', '202409', 31507.3), future('NQZ4', '202412', 32101.9), option(rand, 'NQU4 C', '202409', 'call', 0.29)],
      },
      {
        cc: 'ZC',
        currency: 'USD',
        wfprMethod: 'NORMAL',
        scanTiers: tiers([1, '202406', '202412'], [2, '202501', '202512']),
        interTiers: tiers([1, '202406', '202512']),
        somRate: 91.7,
        somMethod: 'max',
        contracts: [future('ZCU4', '202409', 1513.3), future('ZCZ4', '202412', 1611.7), future('ZCH5', '202503', 1707.1), option(rand, 'ZCZ4 P', '202412', 'put', -0.47)],
      },
      {
        cc: 'ZW',
        currency: 'USD',
        contracts: [future('ZWU4', '202409', 2011.3), future('ZWZ4', '202412', 2103.7)],
      },
      {
        cc: 'FDAX',
        currency: 'EUR',
        wfprMethod: 'SCANRANGE',
        priceScanRange: 20017.3,
        initialToMaintenance: { member: 1, hedger: 1.2, speculator: 1.25 },
        somRate: 41.3,
        contracts: [future('FDXU4', '202409', 20511.7), future('FDXZ4', '202412', 20703.1), option(rand, 'FDXU4 C', '202409', 'call', 0.61, 'futures')],
      },
    ],
    interSpreads: [
      { priority: 1, creditRate: 0.7, legs: [{ cc: 'ES', tier: 1, ratio: 3, side: 'B' }, { cc: 'NQ', tier: 1, ratio: 2, side: 'A' }] },
      { priority: 1, creditRate: 0.65, legs: [{ cc: 'ES', tier: 1, ratio: 3, side: 'A' }, { cc: 'NQ', tier: 1, ratio: 2, side: 'B' }] },
      // Takes ZC/ZW delta first (CC-level WFPR of ZC): a tier it used cannot join the scanning spread after it.
      { priority: 1, creditRate: 0.35, legs: [{ cc: 'ZC', tier: 1, ratio: 1, side: 'A' }, { cc: 'ZW', tier: 1, ratio: 1, side: 'B' }] },
      { priority: 2, method: 'scanning', creditRate: 0.5, targetCc: 'ZC', legs: [{ cc: 'ZC', tier: 1, ratio: 1, side: 'A' }, { cc: 'ZW', tier: 1, ratio: 1, side: 'B' }] },
      { priority: 3, creditRate: 0, creditMethod: 'flat', flatAmount: 313.7, legs: [{ cc: 'ES', tier: 2, ratio: 1, side: 'A' }, { cc: 'ZC', tier: 1, ratio: 2, side: 'B' }] },
      // A super spread (SPAN 09-01 WFPR cap), after the others so the books above keep their spreads.
      { priority: 5, superSpread: true, creditRate: 0.45, legs: [{ cc: 'NQ', tier: 1, ratio: 1, side: 'A' }, { cc: 'ZC', tier: 1, ratio: 2, side: 'B' }] },
      {
        priority: 4,
        creditRate: 0.4,
        legs: [
          { cc: 'NQ', tier: 1, ratio: 1, side: 'A' },
          { cc: 'FDAX', tier: 1, ratio: 1, side: 'B' },
          { cc: 'ES', tier: 2, ratio: 1, side: 'A', required: false },
        ],
      },
      // A tier named twice joins once (the second mention is skipped), so this forms only with ZW's tier 1 unused.
      {
        priority: 5,
        method: 'scanning',
        creditRate: 0.3,
        targetCc: 'ZC',
        legs: [
          { cc: 'ZC', tier: 2, ratio: 1, side: 'A' },
          { cc: 'ZC', tier: 2, ratio: 1, side: 'B', required: false },
          { cc: 'ZW', tier: 1, ratio: 1, side: 'B', required: false },
        ],
      },
    ],
  };
}

const SYMBOLS = ['ESM4', 'ESU4', 'ESZ4', 'ESH5', 'ESM5', 'ESU4 C', 'ESU4 P', 'ESH5 C', 'NQU4', 'NQZ4', 'NQU4 C', 'ZCU4', 'ZCZ4', 'ZCH5', 'ZCZ4 P', 'ZWU4', 'ZWZ4', 'FDXU4', 'FDXZ4', 'FDXU4 C'];
const market = parseMarketSnapshot({ asOf: '2024-06-17T20:00:00Z', underlyings: {}, fx: { EUR: 1.0731, GBP: 1.2689, CHF: 1.1213 } });
const richFile = richSpanFile();
const fileOptions = (accountType: 'member' | 'hedger' | 'speculator' = 'speculator'): ComputeMarginsOptions => ({
  riskParameters: richFile,
  riskParametersSource: 'batch-test.span.json',
  params: { accountType },
});

/** Both paths on the same documents: equal to 1e-12 relative (and in fact bit for bit), batch path, `perAccount` left. */
function expectSame(docs: PortfolioInput[], options: ComputeMarginsOptions, threads = 1): MarginResult[] {
  const { alone, identical } = expectBatchEqualsPerAccount(docs, market, 'span', options, { path: 'batch', perAccountCount: 0, threads });
  expect(identical).toBe(docs.length);
  return alone;
}

const doc = (account: string, positions: [string, number][], extra: Record<string, unknown> = {}): PortfolioInput => ({
  document: { account, positions: positions.map(([instrument, quantity]) => ({ instrument, quantity })), ...extra },
});

/** A random account over the rich file: 0–14 positions, repeated and cancelling contracts, fractional sizes. */
function randomAccount(rand: () => number, i: number): PortfolioInput {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  // Families keep books spread-shaped: calendar spreads in ES, ES against NQ, ZC against ZW, NQ against FDAX.
  const family = pick([SYMBOLS, SYMBOLS.slice(0, 8), SYMBOLS.slice(0, 11), SYMBOLS.slice(11, 17), ['ZCU4', 'ZCH5', 'ZWU4', 'ZWZ4', 'NQU4'], ['NQU4', 'NQZ4', 'FDXU4', 'FDXZ4', 'ESH5', 'ESM5']]);
  const positions: [string, number][] = [];
  const count = Math.floor(rand() * 15);
  for (let k = 0; k < count; k++) positions.push([pick(family), Math.round((rand() - 0.5) * 40) / pick([1, 1, 4, 8, 10])]);
  if (count > 2 && rand() < 0.2) positions.push([positions[0]![0], -positions[0]![1]]); // nets a contract to zero
  return doc(`acct-${i}`, positions, {
    currency: pick(['USD', 'USD', 'EUR', 'GBP', 'CHF']),
    mode: pick(['cross', 'cross', 'isolated']),
    ...(rand() < 0.3 ? { collateral: { USD: 1000, EUR: 50 } } : {}),
  });
}

describe('span batch path = per-account path', () => {
  it('published worked examples: McMillan ch. 34 and the ES/NQ delivery-month book', () => {
    const mcmillan = JSON.parse(readFileSync('docs/examples/span/mcmillan.span.json', 'utf8')) as unknown;
    const mc = { riskParameters: mcmillan, riskParametersSource: 'mcmillan.span.json' };
    const alone = expectSame([doc('call', [['SPZ9 410 C', 1]]), doc('covered', [['SPZ9', 1], ['SPZ9 410 C', -1]]), doc('empty', [])], mc);
    expect(alone.map((r) => r.maintenanceMargin)).toEqual([3990, 6620, 0]);

    const esNq = { riskParameters: JSON.parse(readFileSync('docs/examples/span/es-nq.span.json', 'utf8')) as unknown, riskParametersSource: 'es-nq.span.json' };
    const books = ['es-nq', 'es-nq-delivery', 'covered-write', 'long-call']
      .map((name) => JSON.parse(readFileSync(`docs/examples/span/${name}.portfolio.json`, 'utf8')) as { positions: { instrument: string }[] })
      .filter((p) => p.positions.every((x) => x.instrument.startsWith('ES') || x.instrument.startsWith('NQ')))
      .map((document) => ({ document }));
    expect(books.length).toBeGreaterThanOrEqual(2);
    const results = expectSame(books, esNq);
    // The file's spreads do form in these books (else this case would test nothing beyond scan risk).
    expect(results.some((r) => (r.spreads ?? []).some((s) => s.type === 'inter'))).toBe(true);
  });

  it('intra-commodity spreads (tier and series), delivery month, SOM: one CC', () => {
    const books = [
      doc('calendar', [['ESU4', 2], ['ESH5', -2]]),
      doc('series', [['ESM4', 3], ['ESU4', -3]]),
      doc('ratio', [['ESU4', -4], ['ESZ4', 2], ['ESM4', 1]]),
      doc('spot-outright', [['ESM4', -2.5]]),
      doc('short-options', [['ESU4 C', -3], ['ESU4 P', -2], ['ESU4', 1]]),
      doc('netted-away', [['ESU4', 1], ['ESH5', -1], ['ESU4', -1]]),
      doc('zero-only', [['ESU4', 0]]),
    ];
    const results = expectSame(books, fileOptions());
    const component = (r: MarginResult, name: string): number => r.components.filter((c) => c.name === name).reduce((s, c) => s + c.value, 0);
    expect(component(results[0]!, 'intraSpreadCharge')).toBeGreaterThan(0);
    expect(component(results[1]!, 'intraSpreadCharge')).toBeGreaterThan(0);
    expect(component(results[2]!, 'intraSpreadCharge')).toBeGreaterThan(0);
    expect(component(results[3]!, 'deliveryCharge')).toBeGreaterThan(0);
    expect(component(results[4]!, 'shortOptionMinimum')).toBeGreaterThan(0);
  });

  it('inter-commodity spreads: WFPR both ways, scanning, flat, an optional leg, CCs in two currencies', () => {
    const books = [
      doc('es-nq', [['ESU4', -3], ['NQU4', 2]]),
      doc('nq-es', [['ESZ4', 3], ['NQZ4', -2]]),
      doc('zc-zw-delta', [['ZCU4', 5], ['ZWU4', -4]]),
      // Both legs long: no delta spread forms in either direction (span.md §3 step 3), so the tiers reach the scanning one.
      doc('zc-zw-scanning', [['ZCU4', 5], ['ZWU4', 4], ['ZCZ4', -1.5]]),
      doc('zc-zw-delta-reversed', [['ZCU4', -5], ['ZWU4', 4]]),
      doc('es-zc-flat', [['ESH5', 2], ['ZCZ4', -4]]),
      doc('nq-fdax-es', [['NQU4', 2], ['FDXU4', -2], ['ESM5', 1]]),
      doc('nq-fdax-eur', [['NQZ4', 1.5], ['FDXZ4', -1.25], ['FDXU4 C', 3]], { currency: 'EUR' }),
      doc('misaligned-zc', [['ZCU4', 2], ['ZCH5', -1], ['ZCZ4 P', -3], ['ZWZ4', -2]]),
    ];
    for (const accountType of ['member', 'hedger', 'speculator'] as const) {
      const results = expectSame(books, fileOptions(accountType));
      const formed = results.flatMap((r) => (r.spreads ?? []).map((s) => `${s.type} ${s.group}`));
      for (const spread of ['inter ES/NQ', 'inter ZC/ZW', 'scanning ZC/ZW→ZC', 'inter ES/ZC', 'inter NQ/FDAX/ES']) expect(formed, spread).toContain(spread);
    }
  });

  it('long option value cap, capped available NOV (NQ has capAnov) and a super spread', () => {
    const books = [
      doc('es-long-options-only', [['ESU4 C', 3], ['ESU4 P', 2]]),
      doc('es-long-options-and-a-future', [['ESU4 C', 3], ['ESU4', -1]]),
      doc('nq-long-call-capped-anov', [['NQU4 C', 4], ['ESU4', 1], ['ESZ4', -2]]),
      doc('nq-short-call', [['NQU4 C', -2], ['ESU4 C', 1]]),
      doc('futures-style-long-only', [['ESH5 C', 2]]),
      doc('nq-zc-super', [['NQU4 C', 6], ['ZCU4', -3]]),
      doc('nq-zc-super-reversed', [['NQU4', -1], ['ZCZ4', 2.5], ['ZCZ4 P', 1]]),
    ];
    for (const accountType of ['member', 'speculator'] as const) {
      const results = expectSame(books, fileOptions(accountType));
      expect(results.flatMap((r) => (r.spreads ?? []).map((x) => x.group))).toContain('NQ/ZC');
    }
  });

  it('several account currencies and isolated accounts: all on the batch path, none left to evaluate', () => {
    const positions: [string, number][] = [['ESU4', -3], ['NQU4', 2], ['FDXU4', -1], ['ESU4 C', 2]];
    const books = ['USD', 'EUR', 'GBP', 'CHF'].flatMap((currency) => [
      doc(`cross-${currency}`, positions, { currency }),
      doc(`isolated-${currency}`, positions, { currency, mode: 'isolated', collateral: { USD: 5000 } }),
    ]);
    const results = expectSame(books, fileOptions(), 3);
    // SPAN has no isolated mode: the same book margins the same in both modes (per currency).
    for (let k = 0; k < results.length; k += 2) expect(results[k + 1]!.maintenanceMargin).toBe(results[k]!.maintenanceMargin);
    expect(new Set(results.map((r) => r.maintenanceMargin)).size).toBe(4);
  });

  it('a book of 400 accounts (every feature of the file, 1 and 4 threads)', () => {
    const rand = prng(2024);
    const docs = Array.from({ length: 400 }, (_, i) => randomAccount(rand, i));
    const results = expectSame(docs, fileOptions('hedger'), 1);
    expectSame(docs, fileOptions('hedger'), 4);
    // What the book exercised, so a silent change of the generator cannot hollow the test out.
    const spreads = results.flatMap((r) => r.spreads ?? []);
    for (const type of ['intra', 'inter', 'scanning']) expect(spreads.filter((s) => s.type === type).length, type).toBeGreaterThan(5);
    const positive = (name: string): number => results.filter((r) => r.components.some((c) => c.name === name && c.value > 0)).length;
    expect(positive('deliveryCharge')).toBeGreaterThan(5);
    expect(positive('shortOptionMinimum')).toBeGreaterThan(5);
    expect(new Set(results.map((r) => r.currency)).size).toBe(4);
  });

  it('random books over the rich file (property)', () => {
    const account = fc.record({
      positions: fc.array(fc.tuple(fc.constantFrom(...SYMBOLS), fc.integer({ min: -40, max: 40 }).map((q) => q / 8)), { maxLength: 12 }),
      currency: fc.constantFrom('USD', 'EUR', 'GBP'),
      mode: fc.constantFrom('cross', 'isolated'),
    });
    fc.assert(
      fc.property(fc.array(account, { minLength: 1, maxLength: 8 }), fc.constantFrom<'member' | 'hedger' | 'speculator'>('member', 'hedger', 'speculator'), (accounts, type) => {
        expectSame(
          accounts.map((x, i) => doc(`a${i}`, x.positions, { currency: x.currency, mode: x.mode })),
          fileOptions(type),
        );
      }),
      { numRuns: 60 },
    );
  });

  it('arrays computed by our pricer, with tiers and intra and inter spreads from params', () => {
    const m = parseMarketSnapshot({
      asOf: '2024-06-17T08:00:00Z',
      underlyings: { SPX: { index: 5400, rate: 0.05, vol: { atm: 0.2 } }, NDX: { index: 19500, rate: 0.05, vol: { atm: 0.24 } } },
      fx: { EUR: 1.07 },
    });
    const spx = (symbol: string, expiry: string) => ({ symbol, kind: 'future', underlying: 'SPX', expiry, multiplier: 50 });
    const ndx = { symbol: 'NQU4', kind: 'future', underlying: 'NDX', expiry: '2024-09-20', multiplier: 20 };
    const call = { symbol: 'SPXC5600', kind: 'option', underlying: 'SPX', expiry: '2024-09-20', strike: 5600, right: 'call', multiplier: 100 };
    const params = {
      combinedCommodities: [
        {
          cc: 'SPX',
          intraTiers: tiers([1, '202406', '202412'], [2, '202501', '202512']),
          intraSpreads: [{ priority: 1, chargeRate: 120.5, legs: [{ tier: 1, ratio: 1, side: 'A' }, { tier: 2, ratio: 1, side: 'B' }] }],
          somRate: 75,
        },
        { cc: 'NDX', wfprMethod: 'SCANRANGE_CAP' },
      ],
      interSpreads: [{ priority: 1, creditRate: 0.5, legs: [{ cc: 'SPX', ratio: 1, side: 'A' }, { cc: 'NDX', ratio: 1, side: 'B' }] }],
    };
    const docs = [
      { document: { account: 'cal', positions: [{ instrument: spx('ESU4', '2024-09-20'), quantity: 2 }, { instrument: spx('ESH5', '2025-03-21'), quantity: -2 }, { instrument: call, quantity: -1 }] } },
      { document: { account: 'inter', currency: 'EUR', positions: [{ instrument: spx('ESU4', '2024-09-20'), quantity: 1 }, { instrument: ndx, quantity: -1 }, { instrument: call, quantity: 1 }] } },
      { document: { account: 'iso', mode: 'isolated', positions: [{ instrument: ndx, quantity: 3 }, { instrument: call, quantity: 1 }] } },
    ];
    const { alone, identical } = expectBatchEqualsPerAccount(docs, m, 'span', { params }, { path: 'batch', perAccountCount: 0, threads: 2 });
    expect(identical).toBe(docs.length);
    expect(alone.flatMap((r) => (r.spreads ?? []).map((s) => s.type)).sort()).toEqual(['inter', 'intra']);
  });
});
