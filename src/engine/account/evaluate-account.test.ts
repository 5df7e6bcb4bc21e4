import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { computeMargin } from '../../models/compute-margin.js';
import { InstrumentTable } from '../../instruments/instrument-table.js';
import { resolvePortfolio } from '../../portfolio/resolve-portfolio.js';
import { accountEquity } from './account-equity.js';
import { parseAccountParams } from './account-params.js';
import { evaluateAccount } from './evaluate-account.js';
import { scaleUnderlying } from './scale-underlying.js';
import { accountTestMarket } from './account-test-fixtures.js';

const market = accountTestMarket();
const S0 = 66000;

function relativeError(actual: number | undefined, expected: number): number {
  return Math.abs((actual as number) / expected - 1);
}

describe('evaluateAccount: margin, equity, state', () => {
  it('puts the model margin, the equity and the state together', () => {
    const doc = { account: 'a', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2 }], collateral: { USDC: 20000 } };
    const r = evaluateAccount(doc, market, 'isolated-simple');
    // isolated-simple defaults: perpetual 10 % initial, 5 % maintenance of 132,000 notional.
    expect(r.initialMargin).toBeCloseTo(13_200, 9);
    expect(r.maintenanceMargin).toBeCloseTo(6_600, 9);
    expect(r.equity.equity).toBe(20_000);
    expect(r.marginRatio).toBeCloseTo(0.33, 12);
    expect(r.excess).toBeCloseTo(6_800, 9);
    expect(r.state).toBe('healthy');
    expect(r.reduceOnly).toBe(false);
    expect(r.margin.model).toBe('isolated-simple');
    expect(r).toMatchObject({ account: 'a', currency: 'USD', mode: 'cross', model: 'isolated-simple', asOf: market.asOf });
  });

  it('applies the margin-call hysteresis through previousState', () => {
    // Equity 14,000 ≥ initial 13,200, but below 13,200 × 1.1 = 14,520.
    const doc = { account: 'a', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2 }], collateral: { USDC: 14000 } };
    const accountParams = { marginCallBuffer: 0.1 };
    expect(evaluateAccount(doc, market, 'isolated-simple', { accountParams }).state).toBe('healthy');
    const r = evaluateAccount(doc, market, 'isolated-simple', { accountParams, previousState: 'margin-call' });
    expect(r.state).toBe('margin-call');
    expect(r.reduceOnly).toBe(true);
  });

  it('refuses a bad previousState or bad account parameters naming the field', () => {
    const doc = { account: 'a', positions: [] };
    expect(() => evaluateAccount(doc, market, 'isolated-simple', { previousState: 'sick' as never })).toThrow(
      expect.objectContaining({ code: 'SCHEMA_INVALID', field: 'previousState' }),
    );
    expect(() => evaluateAccount(doc, market, 'isolated-simple', { accountParams: { haircuts: { BTC: 2 } } })).toThrow(
      expect.objectContaining({ code: 'SCHEMA_INVALID', field: 'haircuts.BTC' }),
    );
    expect(() => evaluateAccount(doc, market, 'isolated-simple', { params: { initialRate: { perpetual: -1 } } })).toThrow(
      expect.objectContaining({ code: 'MODEL_PARAMS_INVALID' }),
    );
    // Other computeMargin options pass through: isolated-simple reads no risk-parameter file.
    expect(() => evaluateAccount(doc, market, 'isolated-simple', { marginOptions: { riskParameters: {} } })).toThrow(
      expect.objectContaining({ code: 'USAGE_INVALID' }),
    );
    expect(() => evaluateAccount({ account: 'a' }, market, 'isolated-simple', { source: 'p.json' })).toThrow(
      expect.objectContaining({ code: 'SCHEMA_INVALID', field: 'positions' }),
    );
  });

  it('is JSON-friendly: an account under water has no (infinite) margin ratio and round-trips through JSON', () => {
    const doc = { account: 'a', positions: [{ instrument: 'BTC-27DEC24-66000-C', quantity: -10 }] };
    const r = evaluateAccount(doc, market, 'scenario-grid');
    expect(r.equity.equity).toBeLessThan(0);
    expect(r.state).toBe('liquidation');
    expect(r.reduceOnly).toBe(true);
    expect('marginRatio' in r).toBe(false);
    expect(JSON.parse(JSON.stringify(r))).toStrictEqual(r);
  });
});

describe('evaluateAccount: liquidation price', () => {
  it('long linear perpetual, USDC collateral: S* = (q S0 − C) / (q (1 − m)) (closed form, 1e-6)', () => {
    for (const [q, C, m] of [
      [2, 20000, 0.05],
      [0.5, 3000, 0.03],
      [10, 500000, 0.1],
    ] as const) {
      const doc = { account: 'a', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: q }], collateral: { USDC: C } };
      const params = { initialRate: { perpetual: Math.max(m, 0.1) }, maintenanceRate: { perpetual: m } };
      const r = evaluateAccount(doc, market, 'isolated-simple', { params });
      const expected = (q * S0 - C) / (q * (1 - m));
      expect(r.liquidation.underlying).toBe('BTC');
      expect(relativeError(r.liquidation.price, expected)).toBeLessThan(1e-6);
      expect(r.liquidation.below).toBe(r.liquidation.price);
      expect(r.liquidation.above).toBeUndefined();
    }
  });

  it('short linear perpetual: liquidation above, S* = (C + q S0) / (q (1 + m))', () => {
    const doc = { account: 'a', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: -2 }], collateral: { USDC: 20000 } };
    const r = evaluateAccount(doc, market, 'isolated-simple');
    expect(relativeError(r.liquidation.above, (20000 + 2 * S0) / (2 * 1.05))).toBeLessThan(1e-6);
    expect(r.liquidation.price).toBe(r.liquidation.above);
    expect(r.liquidation.below).toBeUndefined();
  });

  it('a liquidation buffer moves the liquidation price towards today (more conservative)', () => {
    const doc = { account: 'a', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2 }], collateral: { USDC: 20000 } };
    const plain = evaluateAccount(doc, market, 'isolated-simple').liquidation.price as number;
    const buffered = evaluateAccount(doc, market, 'isolated-simple', { accountParams: { liquidationBuffer: 0.2 } }).liquidation.price as number;
    // Equity = 1.2 × maintenance: C + q(S − S0) = 1.2 m q S.
    expect(relativeError(buffered, (2 * S0 - 20000) / (2 * (1 - 1.2 * 0.05)))).toBeLessThan(1e-6);
    expect(buffered).toBeGreaterThan(plain);
  });

  it('inverse perpetual with BTC collateral: both sides stressed, a long liquidates below the index', () => {
    // N contracts of 10 USD, c BTC collateral with haircut h, maintenance m of the face value:
    // equity(k) = c k S0 (1 − h) + 10 N (k − 1) and maintenance = 10 N m  →  k* = 10 N (1 + m) / (c S0 (1 − h) + 10 N).
    const N = 100000;
    const c = 2;
    const h = 0.05;
    const m = 0.05;
    const doc = { account: 'a', positions: [{ instrument: 'BTC-PERPETUAL', quantity: N }], collateral: { BTC: c } };
    const r = evaluateAccount(doc, market, 'isolated-simple');
    const k = (10 * N * (1 + m)) / (c * S0 * (1 - h) + 10 * N);
    expect(r.liquidation.price).toBeLessThan(S0);
    expect(relativeError(r.liquidation.price, k * S0)).toBeLessThan(1e-6);
    // Without stressing the coin collateral (the same USD value held in USDC) the long would survive a deeper fall.
    const usdc = evaluateAccount({ ...doc, collateral: { USDC: c * S0 * (1 - h) } }, market, 'isolated-simple');
    expect(usdc.liquidation.price).toBeLessThan(r.liquidation.price as number);
  });

  it('inverse perpetual short hedging BTC collateral: only the haircut can liquidate it, far above', () => {
    // 10 N = c S0: equity(k) = c S0 (k (1 − h) − (k − 1)) and maintenance 10 N m  →  k* = (1 − m) / h = 19.
    const c = 2;
    const doc = { account: 'a', positions: [{ instrument: 'BTC-PERPETUAL', quantity: -(c * S0) / 10 }], collateral: { BTC: c } };
    const r = evaluateAccount(doc, market, 'isolated-simple');
    expect(r.liquidation.below).toBeUndefined();
    expect(relativeError(r.liquidation.above, 19 * S0)).toBeLessThan(1e-6);
    const noHaircut = evaluateAccount(doc, market, 'isolated-simple', { accountParams: { haircuts: { BTC: 0 } } });
    expect(noHaircut.liquidation.price).toBeUndefined();
    expect(noHaircut.liquidation.reason).toMatch(/whole searched range/);
  });

  it('short straddle under scenario-grid: liquidation on both sides, each where equity meets maintenance', () => {
    const doc = {
      account: 'b',
      positions: [
        { instrument: 'BTC-27DEC24-66000-C', quantity: -5 },
        { instrument: 'BTC-27DEC24-66000-P', quantity: -5 },
      ],
      collateral: { USDC: 100000, BTC: 1 },
    };
    const r = evaluateAccount(doc, market, 'scenario-grid');
    const { below, above, price } = r.liquidation;
    expect(below).toBeLessThan(S0);
    expect(above).toBeGreaterThan(S0);
    expect(price).toBe(Math.abs(Math.log((below as number) / S0)) <= Math.abs(Math.log((above as number) / S0)) ? below : above);
    const params = parseAccountParams({});
    for (const level of [below, above] as number[]) {
      const shifted = parseMarketSnapshot(scaleUnderlying(market.toJSON(), 'BTC', level / S0));
      const table = new InstrumentTable();
      const equity = accountEquity(resolvePortfolio(doc, table), table, shifted, params, { base: market }).equity;
      const maintenance = computeMargin({ document: doc }, shifted, 'scenario-grid').maintenanceMargin;
      expect(Math.abs(equity - maintenance) / maintenance).toBeLessThan(1e-6);
    }
  });

  it('gives no price, with a reason, for several underlyings, none, or an account already under water', () => {
    const es = { symbol: 'ESU4', kind: 'future', underlying: 'SPX', expiry: '2024-09-20', multiplier: 50 };
    const zeroBtc = evaluateAccount({ account: 'a', positions: [{ instrument: es, quantity: 1 }], collateral: { USDC: 30000, BTC: 0 } }, market, 'isolated-simple');
    expect(zeroBtc.liquidation.underlying).toBe('SPX'); // a zero BTC balance exposes nothing
    const spxWithBtcCollateral = evaluateAccount(
      { account: 'a', positions: [{ instrument: es, quantity: 1 }], collateral: { BTC: 1 } },
      market,
      'isolated-simple',
    );
    expect(spxWithBtcCollateral.liquidation).toEqual({ reason: expect.stringMatching(/2 underlyings \(SPX, BTC\)/) });
    const cash = evaluateAccount({ account: 'a', positions: [{ instrument: 'USDT', quantity: 10 }], collateral: { USDC: 1000 } }, market, 'isolated-simple');
    expect(cash.liquidation).toEqual({ reason: expect.stringMatching(/no exposure/) });
    const underWater = evaluateAccount({ account: 'a', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2 }], collateral: { USDC: 5000 } }, market, 'isolated-simple');
    expect(underWater.state).toBe('liquidation');
    expect(underWater.liquidation.price).toBeUndefined();
    expect(underWater.liquidation.reason).toMatch(/already below/);
    // It would recover if BTC rose to (C − q S0)/(q (m − 1)) ... i.e. where 5,000 + 2 (S − S0) = 0.05 × 2 S.
    expect(relativeError(underWater.liquidation.above, (2 * S0 - 5000) / (2 * 0.95))).toBeLessThan(1e-6);
  });

  it('a coin-denominated account is exposed to its own coin through stablecoin collateral', () => {
    const r = evaluateAccount(
      { account: 'a', currency: 'BTC', positions: [{ instrument: 'BTC-PERPETUAL', quantity: -10000 }], collateral: { USDC: 20000 } },
      market,
      'isolated-simple',
    );
    expect(r.currency).toBe('BTC');
    expect(r.liquidation.underlying).toBe('BTC');
    expect(r.liquidation.above).toBeGreaterThan(S0);
  });
});

describe('evaluateAccount: isolated mode', () => {
  const doc = {
    account: 'iso',
    mode: 'isolated',
    positions: [
      { instrument: 'BTC_USDC-PERPETUAL', quantity: 2 },
      { instrument: { symbol: 'ESU4', kind: 'future', underlying: 'SPX', expiry: '2024-09-20', multiplier: 50 }, quantity: -1 },
    ],
    collateral: { USDC: 50000 },
  };
  const r = evaluateAccount(doc, market, 'isolated-simple');
  const positions = r.positions ?? [];

  it('margins every position alone and splits collateral pro rata to initial margin', () => {
    expect(r.mode).toBe('isolated');
    expect(positions.map((p) => p.instrument)).toEqual(['BTC_USDC-PERPETUAL', 'ESU4']);
    const totalInitial = positions.reduce((s, p) => s + p.initialMargin, 0);
    expect(totalInitial).toBeCloseTo(r.initialMargin, 6);
    expect(positions.reduce((s, p) => s + p.collateralShare, 0)).toBeCloseTo(1, 12);
    expect(positions.reduce((s, p) => s + p.equity, 0)).toBeCloseTo(r.equity.equity, 6);
    expect(positions[0]?.collateralShare).toBeCloseTo(13200 / totalInitial, 12);
    expect(r.liquidation.reason).toMatch(/isolated mode/);
  });

  it('gives each position its own liquidation price against its share of collateral', () => {
    const btc = positions[0];
    const C = 50000 * (btc?.collateralShare ?? 0);
    expect(relativeError(btc?.liquidation.price, (2 * S0 - C) / (2 * 0.95))).toBeLessThan(1e-6);
    const es = positions[1];
    expect(es?.liquidation.underlying).toBe('SPX');
    expect(es?.liquidation.above).toBeGreaterThan(5400);
    expect(es?.state).toBe('healthy');
  });
});

describe('evaluateAccount: the worked example of docs/accounts.md', () => {
  const docsMarket = parseMarketSnapshot(
    JSON.parse(readFileSync(new URL('../../../docs/examples/market-2024-06-17.json', import.meta.url), 'utf8')),
    'market-2024-06-17.json',
  );
  const collateral = { BTC: 1.2, USDC: 50000 };

  it('A: long inverse perpetual with BTC and USDC collateral (isolated-simple)', () => {
    const doc = { account: 'acct-1', positions: [{ instrument: 'BTC-PERPETUAL', quantity: 50000 }], collateral };
    const r = evaluateAccount(doc, docsMarket, 'isolated-simple');
    expect(r.equity).toMatchObject({ collateralValue: 129_200, haircutAmount: expect.closeTo(3_960, 9), equity: expect.closeTo(125_240, 9) });
    expect([r.initialMargin, r.maintenanceMargin, r.state]).toEqual([expect.closeTo(50_000, 6), expect.closeTo(25_000, 6), 'healthy']);
    expect(relativeError(r.liquidation.price, (475_000 / 575_240) * S0)).toBeLessThan(1e-9);
    const buffered = evaluateAccount(doc, docsMarket, 'isolated-simple', { accountParams: { liquidationBuffer: 0.1 } });
    expect(relativeError(buffered.liquidation.price, (477_500 / 575_240) * S0)).toBeLessThan(1e-9);
  });

  it('B: short calls and long perpetual (scenario-grid), cross and isolated', () => {
    const positions = [
      { instrument: 'BTC-27DEC24-60000-C', quantity: -5 },
      { instrument: 'BTC-PERPETUAL', quantity: 20000 },
    ];
    const cross = evaluateAccount({ account: 'acct-2', positions, collateral }, docsMarket, 'scenario-grid');
    expect(cross.equity.equity).toBeCloseTo(54_292.29, 2);
    expect(cross.maintenanceMargin).toBeCloseTo(24_586.18, 2);
    expect(cross.state).toBe('healthy');
    expect(cross.liquidation.below).toBeCloseTo(49_939.93, 2);
    expect(cross.liquidation.above).toBeCloseTo(154_757.11, 2);
    const isolated = evaluateAccount({ account: 'acct-2', mode: 'isolated', positions, collateral }, docsMarket, 'scenario-grid');
    expect(isolated.positions?.map((p) => [p.state, p.equity])).toEqual([
      ['liquidation', expect.closeTo(-10_770.58, 2)],
      ['healthy', expect.closeTo(65_062.87, 2)],
    ]);
    expect(isolated.positions?.[1]?.liquidation.price).toBeCloseTo(57_782.35, 2);
  });
});
