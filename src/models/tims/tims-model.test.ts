import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { black76Price } from '../../pricing/black76-price.js';
import { priceInstrument } from '../../pricing/instrument-pricer.js';
import { computeMargin } from '../compute-margin.js';
import { MarginResultSchema, type MarginResult } from '../margin-result.js';
import { testMarket } from '../model-test-fixtures.js';
import { TimsParamsSchema } from './tims-params.js';

/**
 * The methods/tims.md §2 worked example, built from real instruments. Two underlyings A (index 100) and B (index 50),
 * rate 0, two valuation points (N = 2 over ±25 %: moves −0.25 and +0.25).
 *
 * Class A: long 3000 inverse perpetuals of 1 USD face. Coin P&L per contract (1/S)·m/(1+m), converted at today's
 * index S, so the class P&L in USD is 3000 · m/(1+m):
 *   m = −0.25: 3000 × (−0.25/0.75) = −1000;   m = +0.25: 3000 × (0.25/1.25) = +600.
 * Class B: short 2250 inverse perpetuals (1 USD face) and short 4 linear perpetuals (1 unit, index 50):
 *   m = −0.25: −2250 × (−1/3) − 4 × 50 × (−0.25) = 750 + 50 = +800;
 *   m = +0.25: −2250 × 0.2 − 4 × 50 × 0.25 = −450 − 50 = −500.
 * Product group offset 0.90: agg = [−1000 + 0.9 × 800, 0.9 × 600 − 500] = [−280, +40] → risk 280.
 * Without the product group each class is charged its own worst loss: 1000 + 500 = 1500.
 */
const exampleMarket = parseMarketSnapshot({ asOf: '2024-06-17T08:00:00Z', underlyings: { A: { index: 100 }, B: { index: 50 } } }, 'example');
const examplePositions = [
  { instrument: { symbol: 'A-PERP', kind: 'perpetual', underlying: 'A', multiplier: 1, settlement: 'inverse' }, quantity: 3000 },
  { instrument: { symbol: 'B-PERP', kind: 'perpetual', underlying: 'B', multiplier: 1, settlement: 'inverse' }, quantity: -2250 },
  { instrument: { symbol: 'B-LIN', kind: 'perpetual', underlying: 'B', multiplier: 1, settlement: 'linear', currency: 'USD' }, quantity: -4 },
];
const twoPoints = { defaults: { other: { priceRange: 0.25, points: 2 } } };
const exampleDoc = { document: { account: 'ex', currency: 'USD', positions: examplePositions } };

interface ClassDetail {
  class: string;
  worstLoss: number;
  points: number;
  priceRange: number;
  assetClass: string;
  minimum: number;
  scenario: { id: string; label: string };
}
const classDetails = (r: MarginResult): ClassDetail[] => r.details?.['classes'] as ClassDetail[];
const component = (r: MarginResult, name: string, group: string) => r.components.find((c) => c.name === name && c.group === group);
const contributionSum = (r: MarginResult): number => r.positions.reduce((a, p) => a + p.contribution, 0);

describe('tims: methods/tims.md worked example', () => {
  it('product group with offset 0.90 gives risk margin 280', () => {
    const r = computeMargin(exampleDoc, exampleMarket, 'tims', {
      params: { ...twoPoints, productGroups: [{ name: 'AB', classes: ['A', 'B'], offset: 0.9 }] },
    });
    expect(r.initialMargin).toBeCloseTo(280, 9);
    expect(r.maintenanceMargin).toBeCloseTo(280, 9);
    // The class P&Ls of the table come out of the model: each class's own worst loss and where it happens.
    const [a, b] = classDetails(r);
    expect(a?.worstLoss).toBeCloseTo(1000, 9);
    expect(a?.scenario.label).toBe('point 1/2: A −25%, vol unchanged');
    expect(b?.worstLoss).toBeCloseTo(500, 9);
    expect(b?.scenario.label).toBe('point 2/2: B +25%, vol unchanged');
    expect(r.details?.['classRiskSum']).toBeCloseTo(1500, 9);

    expect(component(r, 'premiumMargin', 'account')?.value).toBe(0);
    const risk = component(r, 'riskMargin', 'AB');
    expect(risk?.value).toBeCloseTo(280, 9);
    expect(risk?.scenario).toEqual({ id: '1', label: 'point 1/2: A −25%, B −25%, vol unchanged' });
    expect(r.worstScenario?.label).toBe('AB: point 1/2: A −25%, B −25%, vol unchanged');
    expect(r.worstScenario?.pnl).toBeCloseTo(-280, 9);
    expect(r.components.map((c) => c.name)).toEqual(['premiumMargin', 'riskMargin']);

    // Contributions at point 1: A loses 1000 in full; B gains (750 + 50), counted at 90 %: −675 and −45.
    const [ca, cb, cl] = r.positions.map((p) => p.contribution);
    expect(ca).toBeCloseTo(1000, 9);
    expect(cb).toBeCloseTo(-675, 9);
    expect(cl).toBeCloseTo(-45, 9);
    expect(contributionSum(r)).toBeCloseTo(280, 9);
    expect(MarginResultSchema.safeParse(r).success).toBe(true);
  });

  it('without the product group each class is charged its own worst loss: 1500', () => {
    const r = computeMargin(exampleDoc, exampleMarket, 'tims', { params: twoPoints });
    expect(r.initialMargin).toBeCloseTo(1500, 9);
    expect(component(r, 'riskMargin', 'A')?.value).toBeCloseTo(1000, 9);
    expect(component(r, 'riskMargin', 'B')?.value).toBeCloseTo(500, 9);
    expect(r.worstScenario?.label).toBe('A: point 1/2: A −25%, vol unchanged');
    expect(contributionSum(r)).toBeCloseTo(1500, 9);
  });

  it('offset 1 nets the classes fully, offset 0 only adds losses at the same point', () => {
    const run = (offset: number) =>
      computeMargin(exampleDoc, exampleMarket, 'tims', { params: { ...twoPoints, productGroups: [{ name: 'AB', classes: ['A', 'B'], offset }] } });
    // offset 1: agg = [−1000 + 800, 600 − 500] = [−200, +100] → 200.
    expect(run(1).initialMargin).toBeCloseTo(200, 9);
    // offset 0: agg = [−1000, −500] → 1000 (the classes are still valued at the same joint point).
    expect(run(0).initialMargin).toBeCloseTo(1000, 9);
  });
});

describe('tims: valuation points and defaults', () => {
  const es = { symbol: 'ESU4', kind: 'future', underlying: 'SPX', expiry: '2024-09-20', multiplier: 50 };

  it('uses 10 points over ±15 % for equity and 20 points over ±20 % for other classes by default', () => {
    const r = computeMargin(
      { document: { account: 'd', positions: [{ instrument: es, quantity: 1 }, { instrument: 'BTC-PERPETUAL', quantity: 100 }] } },
      testMarket(),
      'tims',
      { params: { assetClasses: { SPX: 'equity' } } },
    );
    const [spx, btc] = classDetails(r);
    expect(spx).toMatchObject({ class: 'SPX', assetClass: 'equity', points: 10, priceRange: 0.15 });
    expect(btc).toMatchObject({ class: 'BTC', assetClass: 'other', points: 20, priceRange: 0.2 });
    expect(spx?.scenario.label).toBe('point 1/10: SPX −15%, vol unchanged');
    expect(btc?.scenario.label).toBe('point 1/20: BTC −20%, vol unchanged');

    const defaults = TimsParamsSchema.parse({});
    expect(defaults.defaults.equity).toEqual({ priceRange: 0.15, points: 10, volShifts: [], minimumPerContract: 0 });
    expect(defaults.defaults.other).toEqual({ priceRange: 0.2, points: 20, volShifts: [], minimumPerContract: 0 });
    // A partial asset-class default keeps the other defaults of that class.
    expect(TimsParamsSchema.parse({ defaults: { equity: { priceRange: 0.12 } } }).defaults.equity).toEqual({
      priceRange: 0.12,
      points: 10,
      volShifts: [],
      minimumPerContract: 0,
    });
  });

  it('a linear future loses quantity × multiplier × F × range at the end point', () => {
    const market = testMarket();
    const F = market.underlying('SPX').forward(Date.parse('2024-09-20T08:00:00Z'));
    const doc = { document: { account: 'es', positions: [{ instrument: es, quantity: 3 }] } };
    const r = computeMargin(doc, market, 'tims', { params: { assetClasses: { SPX: 'equity' }, classGroups: { SPX: { priceRange: 0.06 } } } });
    expect(r.initialMargin).toBeCloseTo(3 * 50 * F * 0.06, 8);
    expect(component(r, 'riskMargin', 'SPX')?.scenario).toEqual({ id: '1', label: 'point 1/10: SPX −6%, vol unchanged' });
    // Short: the worst point is the last one, +range.
    const short = computeMargin({ document: { account: 'es', positions: [{ instrument: es, quantity: -3 }] } }, market, 'tims', {
      params: { classGroups: { SPX: { assetClass: 'equity', priceRange: 0.06 } } },
    });
    expect(short.initialMargin).toBeCloseTo(3 * 50 * F * 0.06, 8);
    expect(short.worstScenario?.label).toBe('SPX: point 10/10: SPX +6%, vol unchanged');
  });
});

describe('tims: premium margin', () => {
  const market = testMarket();
  const expiry = '2024-09-20';
  const call = { symbol: 'SPX-C5600', kind: 'option', underlying: 'SPX', expiry, strike: 5600, right: 'call', multiplier: 100 };
  const spec = { symbol: 'SPX-C5600', kind: 'option', underlying: 'SPX', expiry, strike: 5600, right: 'call', multiplier: 100, settlement: 'linear', currency: 'USD' } as const;
  const value = priceInstrument(spec, market).value;
  const tau = (Date.parse(`${expiry}T08:00:00Z`) - market.asOfMs) / (365 * 86400e3);
  const F = market.underlying('SPX').forward(Date.parse(`${expiry}T08:00:00Z`));
  const df = Math.exp(-0.05 * tau);
  const params = { assetClasses: { SPX: 'equity' }, defaults: { equity: { volShifts: [0.1, -0.1] } } };

  it('a short option is charged its value plus its worst loss, i.e. its value at the worst point', () => {
    const r = computeMargin({ document: { account: 's', positions: [{ instrument: call, quantity: -2 }] } }, market, 'tims', { params });
    expect(component(r, 'premiumMargin', 'account')?.value).toBeCloseTo(2 * value, 8);
    const worstValue = 100 * black76Price(true, F * 1.15, 5600, tau, 0.14 * 1.1, df);
    expect(component(r, 'riskMargin', 'SPX')?.value).toBeCloseTo(2 * (worstValue - value), 6);
    expect(r.initialMargin).toBeCloseTo(2 * worstValue, 6);
    expect(r.worstScenario?.label).toBe('SPX: point 10/10: SPX +15%, vol +10%');
    // Slot s = k · 3 + v with k = 9 (point 10) and v = 1 (vol +10 %): s = 28, id "29".
    expect(r.worstScenario?.id).toBe('29');
    expect(r.positions[0]?.contribution).toBeCloseTo(2 * worstValue, 6);
  });

  it('a long option is credited its value, so alone it needs no margin', () => {
    const r = computeMargin({ document: { account: 'l', positions: [{ instrument: call, quantity: 2 }] } }, market, 'tims', { params });
    expect(component(r, 'premiumMargin', 'account')?.value).toBeCloseTo(-2 * value, 8);
    // Worst loss of a long call: price −15 %, vol −10 %; less than the premium paid.
    const worstValue = 100 * black76Price(true, F * 0.85, 5600, tau, 0.14 * 0.9, df);
    expect(component(r, 'riskMargin', 'SPX')?.value).toBeCloseTo(2 * (value - worstValue), 6);
    expect(r.details?.['marginBeforeFloor']).toBeCloseTo(-2 * worstValue, 6);
    expect(r.initialMargin).toBe(0);
  });

  it('premium of a long option offsets the premium of a short one in the account', () => {
    const put = { symbol: 'SPX-P5000', kind: 'option', underlying: 'SPX', expiry, strike: 5000, right: 'put', multiplier: 100 };
    const putValue = priceInstrument({ ...put, settlement: 'linear', currency: 'USD' } as never, market).value;
    const r = computeMargin(
      { document: { account: 'm', positions: [{ instrument: call, quantity: -2 }, { instrument: put, quantity: 3 }] } },
      market,
      'tims',
      { params },
    );
    expect(component(r, 'premiumMargin', 'account')?.value).toBeCloseTo(2 * value - 3 * putValue, 8);
    expect(contributionSum(r)).toBeCloseTo(r.details?.['marginBeforeFloor'] as number, 8);
  });
});

describe('tims: per-contract minimum', () => {
  const market = testMarket();
  const farPut = { symbol: 'SPX-P3000', kind: 'option', underlying: 'SPX', expiry: '2024-09-20', strike: 3000, right: 'put', multiplier: 100 };
  const call = { symbol: 'SPX-C5600', kind: 'option', underlying: 'SPX', expiry: '2024-09-20', strike: 5600, right: 'call', multiplier: 100 };
  const params = { assetClasses: { SPX: 'equity' }, classGroups: { SPX: { minimumPerContract: 37.5 } } };

  it('binds for far out-of-the-money short options and is reported as the top-up over the risk margin', () => {
    // Net short puts: −3 + 1 = −2 → minimum 2 × 37.5 = 75; the 3000 put barely moves at −15 %.
    const r = computeMargin(
      { document: { account: 'm', positions: [{ instrument: farPut, quantity: -3 }, { instrument: farPut, quantity: 1 }] } },
      market,
      'tims',
      { params },
    );
    const premium = component(r, 'premiumMargin', 'account')!.value;
    const risk = component(r, 'riskMargin', 'SPX')!.value;
    expect(risk).toBeLessThan(75);
    expect(component(r, 'minimumCharge', 'SPX')?.value).toBeCloseTo(75 - risk, 9);
    expect(r.initialMargin).toBeCloseTo(premium + 75, 9);
    expect(classDetails(r)[0]?.minimum).toBe(75);
    // The minimum is shared by the short position only; the long position keeps its premium credit.
    expect(contributionSum(r)).toBeCloseTo(r.initialMargin, 9);
  });

  it('counts calls, puts and futures apart, and does not bind when the risk margin is larger', () => {
    const es = { symbol: 'ESU4', kind: 'future', underlying: 'SPX', expiry: '2024-09-20', multiplier: 50 };
    const r = computeMargin(
      {
        document: {
          account: 'm',
          positions: [
            { instrument: call, quantity: -1 },
            { instrument: farPut, quantity: 1 },
            { instrument: es, quantity: -2 },
          ],
        },
      },
      market,
      'tims',
      { params },
    );
    // Net short: 1 call + 0 puts + 2 futures = 3 contracts → 112.5, far below the futures' risk.
    expect(classDetails(r)[0]?.minimum).toBe(112.5);
    expect(component(r, 'minimumCharge', 'SPX')).toBeUndefined();
  });

  it('a product group is charged the larger of its risk margin and the sum of its classes’ minimums', () => {
    const btcPut = { symbol: 'BTC-P20000', kind: 'option', underlying: 'BTC', expiry: '2024-09-20', strike: 20000, right: 'put', multiplier: 1 };
    const doc = { document: { account: 'g', positions: [{ instrument: farPut, quantity: -1 }, { instrument: btcPut, quantity: -2 }] } };
    const r = computeMargin(doc, market, 'tims', {
      params: {
        defaults: { other: { points: 10, minimumPerContract: 10 } },
        productGroups: [{ name: 'G', classes: ['SPX', 'BTC'], offset: 0.5 }],
      },
    });
    const premium = component(r, 'premiumMargin', 'account')!.value;
    const risk = component(r, 'riskMargin', 'G')!.value;
    expect(risk).toBeLessThan(30);
    expect(component(r, 'minimumCharge', 'G')?.value).toBeCloseTo(30 - risk, 9);
    expect(r.initialMargin).toBeCloseTo(premium + 30, 9);
  });
});

describe('tims: modes and mixed layouts', () => {
  const market = testMarket();
  const positions = [
    { instrument: 'BTC-PERPETUAL', quantity: 1000 },
    { instrument: 'BTC-27DEC24', quantity: -1000 },
    { instrument: { symbol: 'ESU4', kind: 'future', underlying: 'SPX', expiry: '2024-09-20', multiplier: 50 }, quantity: 1 },
  ];

  it('isolated mode margins every position on its own, ignoring product groups', () => {
    const params = { productGroups: [{ name: 'G', classes: ['BTC', 'SPX'], offset: 0.9 }] };
    const isolated = computeMargin({ document: { account: 'i', mode: 'isolated', positions } }, market, 'tims', { params });
    const alone = positions.map((p) => computeMargin({ document: { account: 'i', positions: [p] } }, market, 'tims').initialMargin);
    expect(isolated.initialMargin).toBeCloseTo(alone.reduce((a, b) => a + b, 0), 8);
    expect(isolated.components.filter((c) => c.name === 'riskMargin').map((c) => c.group)).toEqual(['BTC-PERPETUAL', 'BTC-27DEC24', 'ESU4']);
    const cross = computeMargin({ document: { account: 'c', positions } }, market, 'tims', { params });
    expect(cross.initialMargin).toBeLessThanOrEqual(isolated.initialMargin);
  });

  it('classes with different point counts in separate groups each read only their own points', () => {
    // SPX equity: 10 points; BTC other: 20 points. The set has 20 slots; SPX slots 11..20 are padding.
    const r = computeMargin({ document: { account: 'x', positions } }, market, 'tims', { params: { assetClasses: { SPX: 'equity' } } });
    const spx = computeMargin({ document: { account: 'x', positions: positions.slice(2) } }, market, 'tims', { params: { assetClasses: { SPX: 'equity' } } });
    const btc = computeMargin({ document: { account: 'x', positions: positions.slice(0, 2) } }, market, 'tims');
    expect(r.initialMargin).toBeCloseTo(spx.initialMargin + btc.initialMargin, 8);
    expect(component(r, 'riskMargin', 'SPX')?.scenario?.label).toBe('point 1/10: SPX −15%, vol unchanged');
  });

  it('an empty portfolio needs no margin and has no worst scenario', () => {
    const r = computeMargin({ document: { account: 'e', positions: [] } }, market, 'tims');
    expect(r.initialMargin).toBe(0);
    expect(r.worstScenario).toBeUndefined();
    expect(r.components).toEqual([{ name: 'premiumMargin', group: 'account', value: 0 }]);
  });
});
