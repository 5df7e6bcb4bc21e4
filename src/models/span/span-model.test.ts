import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../../core/errors.js';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { black76Price } from '../../pricing/black76-price.js';
import { computeMargin } from '../compute-margin.js';
import { MarginResultSchema } from '../margin-result.js';

const mcmillan = JSON.parse(readFileSync('docs/examples/span/mcmillan.span.json', 'utf8')) as {
  combinedCommodities: { riskExponent?: number; contracts: { ra: { a: number[] } }[] }[];
};
const emptyMarket = parseMarketSnapshot({ asOf: '1989-10-02T00:00:00Z', underlyings: {} });
const book = (...positions: [string, number][]) => ({ document: { account: 'm', positions: positions.map(([instrument, quantity]) => ({ instrument, quantity })) } });
const spanFile = (file: unknown = mcmillan) => ({ riskParameters: file, riskParametersSource: 'mcmillan.span.json' });

describe('span with a risk-parameter file: McMillan ch. 34 (span.md §6)', () => {
  it('long 1 Dec 410 call: scan risk 3,990 at scenario 14; time 75, vol 305, price 3,610', () => {
    const r = computeMargin(book(['SPZ9 410 C', 1]), emptyMarket, 'span', spanFile());
    expect(r.maintenanceMargin).toBe(3990);
    expect(r.worstScenario).toEqual({ id: '14', label: 'price −3/3, vol down', pnl: -3990 });
    const tier = (r.details?.combinedCommodities as { tiers: { timeRisk: number; volRisk: number; priceRisk: number }[] }[])[0]!.tiers[0]!;
    // time = (−460 + 610)/2 = 75; vol = |3,990 − 3,380|/2 = 305; price = (3,990 + 3,380)/2 − 75 = 3,610.
    expect(tier).toMatchObject({ timeRisk: 75, volRisk: 305, priceRisk: 3610 });
    expect(MarginResultSchema.safeParse(r).success).toBe(true);
  });

  it('covered write (+1 future, −1 call): 6,620 at scenario 13, the DESIGN.md example result', () => {
    const r = computeMargin(book(['SPZ9', 1], ['SPZ9 410 C', -1]), emptyMarket, 'span', spanFile());
    expect(r.initialMargin).toBe(6620);
    expect(r.worstScenario).toEqual({ id: '13', label: 'price −3/3, vol up', pnl: -6620 });
    expect(r.components.find((c) => c.name === 'scanRisk')).toMatchObject({ group: 'SP', value: 6620 });
    // Contributions: the future loses 10,000 in scenario 13 and the short call gains 3,380: 10,000 − 3,380 = 6,620.
    expect(r.positions.map((p) => p.contribution)).toEqual([10000, -3380]);
  });

  it('converts loss-positive arrays once, raising them by 10^riskExponent', () => {
    const scaled = structuredClone(mcmillan);
    scaled.combinedCommodities[0]!.riskExponent = 1;
    const r = computeMargin(book(['SPZ9 410 C', 1]), emptyMarket, 'span', spanFile(scaled));
    expect(r.maintenanceMargin).toBe(39900);
  });

  it('scaling arrays by k scales scan risk by k (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: -5, max: 5 }), fc.integer({ min: -5, max: 5 }), (k, fut, call) => {
        const scaled = structuredClone(mcmillan);
        for (const c of scaled.combinedCommodities[0]!.contracts) c.ra.a = c.ra.a.map((a) => a * k);
        const base = computeMargin(book(['SPZ9', fut], ['SPZ9 410 C', call]), emptyMarket, 'span', spanFile());
        const big = computeMargin(book(['SPZ9', fut], ['SPZ9 410 C', call]), emptyMarket, 'span', spanFile(scaled));
        expect(big.maintenanceMargin).toBeCloseTo(k * base.maintenanceMargin, 6);
      }),
      { numRuns: 40 },
    );
  });

  it('position order never changes the result (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('SPZ9', 'SPZ9 410 C'), fc.integer({ min: -9, max: 9 })), { minLength: 1, maxLength: 6 }), (positions) => {
        const a = computeMargin(book(...positions), emptyMarket, 'span', spanFile());
        const b = computeMargin(book(...[...positions].reverse()), emptyMarket, 'span', spanFile());
        expect(a.initialMargin).toBeCloseTo(b.initialMargin, 9);
      }),
      { numRuns: 40 },
    );
  });

  it('an instrument the file does not define is INSTRUMENT_UNKNOWN naming the position', () => {
    const run = () => computeMargin(book(['SPZ9', 1], ['BTC-PERPETUAL', 1]), emptyMarket, 'span', spanFile());
    expect(run).toThrow(CrossmarginError);
    expect(run).toThrow(/positions\.1\.instrument: BTC-PERPETUAL is not a contract of the SPAN file/);
  });

  it('file errors name the field', () => {
    const bad = structuredClone(mcmillan) as unknown as { combinedCommodities: { contracts: { ra: { a: number[] } }[] }[] };
    bad.combinedCommodities[0]!.contracts[1]!.ra.a = [1, 2, 3];
    expect(() => computeMargin(book(['SPZ9', 1]), emptyMarket, 'span', spanFile(bad))).toThrow(/mcmillan\.span\.json: combinedCommodities\.0\.contracts\.1\.ra\.a/);
    const leg = { ...structuredClone(mcmillan), interSpreads: [{ priority: 1, creditRate: 0.5, legs: [{ cc: 'SP', ratio: 1, side: 'A' }, { cc: 'NQ', ratio: 1, side: 'B' }] }] };
    expect(() => computeMargin(book(['SPZ9', 1]), emptyMarket, 'span', spanFile(leg))).toThrow(/interSpreads\.0\.legs\.1\.cc: unknown combined commodity "NQ"/);
  });
});

describe('span with arrays computed by our pricer', () => {
  const market = parseMarketSnapshot({ asOf: '2024-06-17T08:00:00Z', underlyings: { SPX: { index: 5400, rate: 0.05, vol: { atm: 0.2 } }, BTC: { index: 66000 } } });
  const es = { symbol: 'ESU4', kind: 'future', underlying: 'SPX', expiry: '2024-09-20', multiplier: 50 };
  const call = { symbol: 'SPXC5600', kind: 'option', underlying: 'SPX', expiry: '2024-09-20', strike: 5600, right: 'call', multiplier: 100 };
  const scan = { priceScanRange: 0.06, volScanRange: 0.04, extremeMultiplier: 2, extremeCoveredFraction: 0.35 };
  const F = market.underlying('SPX').forward(Date.parse('2024-09-20T08:00:00Z'));

  it('a future: scan risk = multiplier × F × range; the extreme counts 35 % of 2 × range', () => {
    const r = computeMargin({ document: { account: 'x', positions: [{ instrument: es, quantity: -2 }] } }, market, 'span', { params: { scan } });
    expect(r.maintenanceMargin).toBeCloseTo(2 * 50 * F * 0.06, 6); // 0.06 > 0.35 × 0.12 = 0.042
    expect(r.worstScenario?.id).toBe('11'); // short future: price +3/3 (vol up and down tie; 11 comes first)
    expect(r.initialMargin).toBeCloseTo(1.1 * r.maintenanceMargin, 6); // speculator ratio
  });

  it('an option array entry is the full Black-76 repricing at the shifted price, vol and look-ahead', () => {
    const r = computeMargin({ document: { account: 'x', positions: [{ instrument: call, quantity: -1 }] } }, market, 'span', { params: { scan, lookAheadDays: 1 } });
    const tau = (Date.parse('2024-09-20T08:00:00Z') - market.asOfMs) / (365 * 86400e3);
    const df = (t: number) => Math.exp(-0.05 * t);
    const v0 = black76Price(true, F, 5600, tau, 0.2, df(tau));
    const t1 = tau - 1 / 365;
    const worstLoss = 100 * (black76Price(true, F * 1.06, 5600, t1, 0.24, df(t1)) - v0); // scenario 11: +3/3, vol up
    const scanRisk = r.components.find((c) => c.name === 'scanRisk');
    expect(scanRisk?.value).toBeCloseTo(worstLoss, 6);
    const nov = r.components.find((c) => c.name === 'netOptionValue');
    expect(nov?.value).toBeCloseTo(-100 * v0, 6); // short option: NOV negative, adds to the requirement
    expect(r.maintenanceMargin).toBeCloseTo(worstLoss + 100 * v0, 6);
  });

  it('one parameter file can describe underlyings a book does not hold', () => {
    const params = {
      scan,
      combinedCommodities: [{ cc: 'NDX', wfprMethod: 'SCANRANGE' }],
      interSpreads: [{ priority: 1, creditRate: 0.5, legs: [{ cc: 'SPX', ratio: 50, side: 'A' }, { cc: 'NDX', ratio: 20, side: 'B' }] }],
    };
    const r = computeMargin({ document: { account: 'x', positions: [{ instrument: es, quantity: 1 }] } }, market, 'span', { params });
    expect(r.maintenanceMargin).toBeCloseTo(50 * F * 0.06, 6);
    expect(r.spreads).toEqual([]);
  });

  it('two underlyings are two combined commodities; a delta-based inter spread grants a credit', () => {
    const btcLinear = 'BTC_USDC-PERPETUAL';
    const positions = [{ instrument: es, quantity: 1 }, { instrument: btcLinear, quantity: -4 }];
    const fx = { USDC: 1 };
    const m = parseMarketSnapshot({ ...market.toJSON(), fx });
    const base = computeMargin({ document: { account: 'x', positions } }, m, 'span', { params: { scan } });
    const spread = {
      scan,
      combinedCommodities: [{ cc: 'BTC', currency: 'USDC', wfprMethod: 'SCANRANGE' }],
      interSpreads: [{ priority: 1, creditRate: 0.5, legs: [{ cc: 'SPX', ratio: 50, side: 'A' }, { cc: 'BTC', ratio: 1, side: 'B' }] }],
    };
    const credited = computeMargin({ document: { account: 'x', positions } }, m, 'span', { params: spread });
    expect(credited.spreads?.some((s) => s.type === 'inter')).toBe(true);
    expect(credited.maintenanceMargin).toBeLessThan(base.maintenanceMargin);
    expect(credited.maintenanceMargin).toBeGreaterThanOrEqual(0);
  });
});
