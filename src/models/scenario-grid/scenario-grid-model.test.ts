import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { black76Price } from '../../pricing/black76-price.js';
import { InstrumentTable } from '../../instruments/instrument-table.js';
import { resolvePortfolio } from '../../portfolio/resolve-portfolio.js';
import { computeMargin } from '../compute-margin.js';
import { scenarioGridModel } from './scenario-grid-model.js';
import { ScenarioGridParamsSchema } from './scenario-grid-params.js';
import { MarginResultSchema } from '../margin-result.js';
import { TEST_INSTRUMENTS, testMarket } from '../model-test-fixtures.js';

const noExtreme = { extreme: false, volShifts: [0] };

describe('scenario-grid golden values', () => {
  it('inverse perpetual: Deribit TV-D1 P&L at −16 % (crypto-venues.md §1.2)', () => {
    // TV-D1: BTC-PERPETUAL mark 65,910.57, coin-equivalent position 0.314538364 BTC → −16 % P&L −0.05991206933 BTC.
    const mark = 65910.57;
    const contracts = (0.314538364 * mark) / 10; // 10 USD face per contract
    const market = parseMarketSnapshot({ asOf: '2024-06-17T10:22:20Z', underlyings: { BTC: { index: mark } } });
    const r = computeMargin(
      { document: { account: 'tv-d1', currency: 'BTC', positions: [{ instrument: 'BTC-PERPETUAL', quantity: contracts }] } },
      market,
      'scenario-grid',
      { params: { ...noExtreme, priceRange: 0.16, priceSteps: 4 } },
    );
    expect(r.maintenanceMargin).toBeCloseTo(0.05991206933, 10);
    expect(r.worstScenario?.label).toBe('BTC: price −4/4, vol unchanged');
    expect(r.worstScenario?.pnl).toBeCloseTo(-0.05991206933, 10);
  });

  it('linear future: worst loss is multiplier × F × range, and the extreme move counts 35 %', () => {
    const market = testMarket();
    const es = { symbol: 'ESU4', kind: 'future', underlying: 'SPX', expiry: '2024-09-20', multiplier: 50 };
    const doc = { account: 'es', currency: 'USD', positions: [{ instrument: es, quantity: 3 }] };
    const F = market.underlying('SPX').forward(Date.parse('2024-09-20T08:00:00Z'));
    const plain = computeMargin({ document: doc }, market, 'scenario-grid', { params: { ...noExtreme, priceRange: 0.06 } });
    expect(plain.initialMargin).toBeCloseTo(3 * 50 * F * 0.06, 8);
    // With a 3× extreme at 35 %: 0.35 × 3 × 6 % = 6.3 % > 6 %, so the extreme scenario sets the margin.
    const extreme = computeMargin({ document: doc }, market, 'scenario-grid', {
      params: { priceRange: 0.06, volShifts: [0], extreme: { multiplier: 3, coveredFraction: 0.35 } },
    });
    expect(extreme.initialMargin).toBeCloseTo(3 * 50 * F * 0.06 * 3 * 0.35, 8);
    expect(extreme.worstScenario?.label).toContain('extreme price −3× range');
  });

  it('short call: worst loss is the full Black-76 repricing at price +range and vol up', () => {
    const market = testMarket();
    const expiry = '2024-09-20';
    const opt = { symbol: 'C5600', kind: 'option', underlying: 'SPX', expiry, strike: 5600, right: 'call', multiplier: 100 };
    const r = computeMargin({ document: { account: 'c', positions: [{ instrument: opt, quantity: -2 }] } }, market, 'scenario-grid', {
      params: { priceRange: 0.1, volShifts: [0.3, -0.3], extreme: false },
    });
    const tau = (Date.parse(`${expiry}T08:00:00Z`) - market.asOfMs) / (365 * 86400e3);
    const F = market.underlying('SPX').forward(Date.parse(`${expiry}T08:00:00Z`));
    const df = Math.exp(-0.05 * tau);
    const expected = 2 * 100 * (black76Price(true, F * 1.1, 5600, tau, 0.14 * 1.3, df) - black76Price(true, F, 5600, tau, 0.14, df));
    expect(r.initialMargin).toBeCloseTo(expected, 6);
    expect(r.worstScenario?.label).toBe('SPX: price +3/3, vol +30%');
  });

  it('never offsets gains on one underlying against losses on another', () => {
    const market = testMarket();
    const es = { symbol: 'ESU4', kind: 'future', underlying: 'SPX', expiry: '2024-09-20', multiplier: 50 };
    const positions = [
      { instrument: es, quantity: 1 },
      { instrument: 'BTC_USDC-PERPETUAL', quantity: -4 },
    ];
    const both = computeMargin({ document: { account: 'x', positions } }, market, 'scenario-grid');
    const spx = computeMargin({ document: { account: 'x', positions: positions.slice(0, 1) } }, market, 'scenario-grid');
    const btc = computeMargin({ document: { account: 'x', positions: positions.slice(1) } }, market, 'scenario-grid');
    expect(both.initialMargin).toBeCloseTo(spx.initialMargin + btc.initialMargin, 6);
    expect(both.components.map((c) => c.group).sort()).toEqual(['BTC', 'SPX']);
  });

  it('contributions of a cross account add up to the margin of each underlying', () => {
    const r = computeMargin(
      { document: { account: 'x', positions: [{ instrument: 'BTC-27DEC24-60000-C', quantity: -3 }, { instrument: 'BTC-PERPETUAL', quantity: 5000 }] } },
      testMarket(),
      'scenario-grid',
    );
    const sum = r.positions.reduce((a, p) => a + p.contribution, 0);
    expect(sum).toBeCloseTo(r.maintenanceMargin, 6);
    expect(MarginResultSchema.safeParse(r).success).toBe(true);
  });

  it('initial = maintenance × initialRatio', () => {
    const doc = { document: { account: 'x', positions: [{ instrument: 'BTC-PERPETUAL', quantity: 100 }] } };
    const r = computeMargin(doc, testMarket(), 'scenario-grid', { params: { initialRatio: 1.1 } });
    expect(r.initialMargin).toBeCloseTo(1.1 * r.maintenanceMargin, 10);
  });

  it('rejects parameters that would push a price below zero, naming the field', () => {
    const doc = { document: { account: 'x', positions: [{ instrument: 'BTC-PERPETUAL', quantity: 1 }] } };
    expect(() => computeMargin(doc, testMarket(), 'scenario-grid', { params: { priceRange: 0.6 } })).toThrow(/priceRange/);
    expect(() => computeMargin(doc, testMarket(), 'scenario-grid', { params: { underlyings: { BTC: { volShifts: [0.1] } } } })).toThrow(
      /underlyings\.BTC\.volShifts/,
    );
  });
});

describe('scenario-grid groups', () => {
  // Test inputs (not market data): quoted forwards make the reference prices round numbers.
  const market = parseMarketSnapshot(
    {
      asOf: '2024-06-17T08:00:00Z',
      underlyings: {
        SPX: { index: 5400, rate: 0.05, forwards: { '2024-09-20': 5450 }, vol: { atm: 0.14 } },
        NDX: { index: 19000, rate: 0.05, forwards: { '2024-09-20': 19100 }, vol: { atm: 0.18 } },
      },
    },
    'groups-market',
  );
  const es = { symbol: 'ESU4', kind: 'future', underlying: 'SPX', expiry: '2024-09-20', multiplier: 50 };
  const nq = { symbol: 'NQU4', kind: 'future', underlying: 'NDX', expiry: '2024-09-20', multiplier: 20 };
  const doc = (mode: 'cross' | 'isolated' = 'cross') => ({
    document: { account: 'g', mode, positions: [{ instrument: es, quantity: 1 }, { instrument: nq, quantity: -1 }] },
  });

  it('a long SPX future and a short NDX future in one group are margined on their combined P&L', () => {
    const grouped = computeMargin(doc(), market, 'scenario-grid', { params: { groups: [['SPX', 'NDX']] } });
    const ungrouped = computeMargin(doc(), market, 'scenario-grid');
    // Every scenario moves both by the same fraction m of the 15 % range: P&L = m × (50 × 5450 − 20 × 19100)
    // = m × (272,500 − 382,000) = −109,500 m, worst at m = +0.15 (the 2× extreme at 35 % is 0.105 < 0.15).
    expect(grouped.maintenanceMargin).toBeCloseTo(109_500 * 0.15, 6);
    expect(grouped.components).toHaveLength(1);
    expect(grouped.components[0]).toMatchObject({ name: 'gridRisk', group: 'SPX+NDX' });
    expect(grouped.worstScenario?.label).toBe('SPX+NDX: price +3/3, vol +25%');
    expect(grouped.worstScenario?.pnl).toBeCloseTo(-109_500 * 0.15, 6);
    // Ungrouped: each leg charged alone, 272,500 × 0.15 + 382,000 × 0.15.
    expect(ungrouped.maintenanceMargin).toBeCloseTo((272_500 + 382_000) * 0.15, 6);
    expect(grouped.maintenanceMargin).toBeLessThanOrEqual(ungrouped.maintenanceMargin);
    // Contributions in the group's worst scenario still add up to its charge.
    expect(grouped.positions.reduce((a, p) => a + p.contribution, 0)).toBeCloseTo(grouped.maintenanceMargin, 6);
    expect(MarginResultSchema.safeParse(grouped).success).toBe(true);
  });

  it('the group name lists the underlyings as written, whatever the portfolio holds; other underlyings keep their own group', () => {
    const r = computeMargin(doc(), market, 'scenario-grid', { params: { groups: [['NDX', 'RUT']] } });
    expect(r.components.map((c) => c.group)).toEqual(['SPX', 'NDX+RUT']);
    const alone = computeMargin(doc(), market, 'scenario-grid');
    expect(r.maintenanceMargin).toBeCloseTo(alone.maintenanceMargin, 8);
  });

  it('groups are ignored in isolated mode (every position is its own group)', () => {
    const r = computeMargin(doc('isolated'), market, 'scenario-grid', { params: { groups: [['SPX', 'NDX']] } });
    expect(r.components.map((c) => c.group)).toEqual(['ESU4', 'NQU4']);
  });

  it('refuses an underlying in two groups (or twice in one), naming the second place', () => {
    const run = (groups: unknown) => () => computeMargin(doc(), market, 'scenario-grid', { params: { groups } });
    expect(run([['SPX', 'NDX'], ['RUT', 'SPX']])).toThrow(/groups\.1\.1: underlying "SPX" is already in group 0 \(SPX\+NDX\)/);
    expect(run([['SPX', 'SPX']])).toThrow(/groups\.0\.1: underlying "SPX" is twice in this group/);
    expect(run([[]])).toThrow(/groups\.0/);
    expect(run([['SPX', 'NDX'], ['RUT', 'SPX']])).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'groups.1.1' }));
  });
});

describe('scenario-grid groups: offsets never raise margin', () => {
  const positionsArb = fc.array(
    fc.record({ instrument: fc.integer({ min: 0, max: TEST_INSTRUMENTS.length - 1 }), quantity: fc.integer({ min: -50_000, max: 50_000 }) }),
    { minLength: 1, maxLength: 8 },
  );
  it('grouping BTC with SPX never gives more than margining them apart', () => {
    fc.assert(
      fc.property(positionsArb, (positions) => {
        const doc = { document: { account: 'p', positions: positions.map((p) => ({ instrument: TEST_INSTRUMENTS[p.instrument], quantity: p.quantity / 1000 })) } };
        const apart = computeMargin(doc, testMarket(), 'scenario-grid');
        const together = computeMargin(doc, testMarket(), 'scenario-grid', { params: { groups: [['BTC', 'SPX']] } });
        expect(together.maintenanceMargin).toBeLessThanOrEqual(apart.maintenanceMargin * (1 + 1e-9) + 1e-9);
        expect(together.components.length).toBe(1);
      }),
      { numRuns: 60 },
    );
  });
});

describe('scenario-grid marginal contributions (worst-case explanation)', () => {
  it('equal the margin minus the margin without the position; a hedge is negative', () => {
    const positions = [
      { instrument: 'BTC_USDC-PERPETUAL', quantity: 2 },
      { instrument: 'BTC_USDC-27DEC24-80000-C', quantity: -3 },
      { instrument: 'BTC_USDC-27DEC24-60000-P', quantity: 1 },
    ];
    const full = computeMargin({ document: { account: 'm', positions } }, testMarket(), 'scenario-grid');
    const marginal = full.details?.marginalContributions as { instrument: string; marginal: number }[];
    positions.forEach((_, i) => {
      const rest = positions.filter((__, j) => j !== i);
      const reduced = computeMargin({ document: { account: 'm', positions: rest } }, testMarket(), 'scenario-grid');
      expect(marginal[i]!.marginal).toBeCloseTo(full.maintenanceMargin - reduced.maintenanceMargin, 6);
    });
    expect(marginal[2]!.marginal).toBeLessThan(0); // the long put hedges the long perpetual's downside
  });
});

describe('scenario-grid figures (what-ifs without the explanation)', () => {
  it('equal evaluate, cross and isolated, with and without groups', () => {
    const positionsArb = fc.array(
      fc.record({ instrument: fc.integer({ min: 0, max: TEST_INSTRUMENTS.length - 1 }), quantity: fc.integer({ min: -50_000, max: 50_000 }) }),
      { minLength: 1, maxLength: 8 },
    );
    fc.assert(
      fc.property(positionsArb, fc.constantFrom('cross' as const, 'isolated' as const), fc.boolean(), (positions, mode, grouped) => {
        const table = new InstrumentTable();
        const portfolio = resolvePortfolio(
          { account: 'f', mode, positions: positions.map((p) => ({ instrument: TEST_INSTRUMENTS[p.instrument], quantity: p.quantity / 1000 })) },
          table,
        );
        const params = ScenarioGridParamsSchema.parse(grouped ? { groups: [['BTC', 'SPX']] } : {});
        const compiled = scenarioGridModel.compile(params, { instruments: table, market: testMarket() });
        const full = compiled.evaluate(portfolio);
        const figures = compiled.figures?.(portfolio);
        expect(figures?.maintenanceMargin).toBe(full.maintenanceMargin);
        expect(figures?.initialMargin).toBe(full.initialMargin);
      }),
      { numRuns: 80 },
    );
  });
});
