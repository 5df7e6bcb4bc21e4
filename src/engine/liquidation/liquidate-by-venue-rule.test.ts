import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { liquidatePortfolio, type LiquidationResult } from './liquidate-by-venue-rule.js';
import { liquidationRuleFor } from './liquidation-params.js';

const market = parseMarketSnapshot(
  {
    asOf: '2024-06-17T08:00:00Z',
    underlyings: { BTC: { index: 66000, rate: 0, vol: { atm: 0.55 } }, ETH: { index: 3500, rate: 0, vol: { atm: 0.6 } } },
    fx: { USDC: 1 },
  },
  'liquidation-test',
);

/** The invariants every run keeps (crypto-venues.md §8 and the module's contract). */
function expectConserved(r: LiquidationResult): void {
  const scale = Math.max(1, Math.abs(r.start.equity), r.penalties);
  const tol = 1e-9 * scale;
  // Book value changes only by realised P&L (price concessions) and penalties.
  expect(Math.abs(r.end.equity - r.start.equity - (r.realisedPnl - r.penalties))).toBeLessThanOrEqual(tol);
  expect(Math.abs(r.steps.reduce((s, x) => s + x.realisedPnl, 0) - r.realisedPnl)).toBeLessThanOrEqual(tol);
  expect(Math.abs(r.steps.reduce((s, x) => s + x.penalty, 0) - r.penalties)).toBeLessThanOrEqual(tol);
  for (const s of r.steps) {
    expect(s.realisedPnl).toBeLessThanOrEqual(tol);
    expect(s.penalty).toBeGreaterThanOrEqual(0);
  }
  // Equity never ends below where it started except by the concessions and penalties.
  expect(r.end.equity).toBeGreaterThanOrEqual(r.start.equity + r.realisedPnl - r.penalties - tol);
  expect(r.badDebt).toBeGreaterThanOrEqual(0);
  expect(r.insuranceFund.after).toBeGreaterThanOrEqual(0);
  expect(Math.abs(r.insuranceFund.after - (r.insuranceFund.before + r.penalties - r.insuranceFund.covered))).toBeLessThanOrEqual(tol);
  expect(Math.abs(r.insuranceFund.covered + r.badDebt - Math.max(0, -r.end.equity))).toBeLessThanOrEqual(tol);
  if (!r.start.liquidatable) expect(r.steps).toHaveLength(0);
  if (r.stoppedBy === 'healthy') expect(r.end.venueEquity).toBeGreaterThanOrEqual(r.end.stopLevel);
  // It stops as soon as the account is healthy: no step is taken from a healthy state.
  r.steps.slice(0, -1).forEach((s) => {
    if (r.rule.target === 'maintenance') expect(s.venueEquityAfter).toBeLessThan(s.maintenanceMarginAfter * (1 + r.rule.exitBuffer));
  });
}

describe('liquidateByVenueRule: dYdX v4 (fillable price, fee capped at equity, §5)', () => {
  // Long 1 BTC (BTC_USDC-PERPETUAL) at 66,000; large-cap IMF 5 % × MF 60 % → MMF 3 %, MMR = 1,980 USDC.
  const doc = (usdc: number) => ({ account: 'x', currency: 'USDC', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], collateral: { USDC: usdc } });

  it('closes the whole position at the fillable price and charges 0.5 % (hand-computed)', () => {
    // TNC 1,000 < TMMR 1,980: ABR = 1 × (1 − 1,000/1,980) = 0.494949…; concession = ABR × SMMR 0.1 × MMF 0.03 of
    // 66,000 = 198 × 0.494949… = 98 USDC; fee 0.5 % × 66,000 = 330. Equity 1,000 − 98 − 330 = 572 ≥ MM 0.
    const r = liquidatePortfolio(doc(1000), market, 'dydx-v4');
    expect(r.start).toMatchObject({ equity: 1000, maintenanceMargin: expect.closeTo(1980, 9), liquidatable: true });
    expect(r.steps).toHaveLength(1);
    expect(r.steps[0]).toMatchObject({ instrument: 'BTC_USDC-PERPETUAL', quantityClosed: 1, price: expect.closeTo(65902, 6), realisedPnl: expect.closeTo(-98, 6), penalty: expect.closeTo(330, 9) });
    expect(r.end.equity).toBeCloseTo(572, 6);
    expect(r.stoppedBy).toBe('healthy');
    expect(r.badDebt).toBe(0);
    expect(r.insuranceFund.change).toBeCloseTo(330, 9);
    expectConserved(r);
  });

  it('a bankrupt account: no fee below zero, the fund covers what it can, the rest is bad debt', () => {
    // TNC 100: ABR = 1 − 100/1,980 = 0.949494…; concession 198 × 0.949494… = 188 → equity −88; fee capped at 0.
    const r = liquidatePortfolio(doc(100), market, 'dydx-v4', { insuranceFund: 50 });
    expect(r.steps[0]!.realisedPnl).toBeCloseTo(-188, 6);
    expect(r.penalties).toBe(0);
    expect(r.end.equity).toBeCloseTo(-88, 6);
    expect(r.stoppedBy).toBe('book-empty');
    expect(r.insuranceFund).toMatchObject({ before: 50, covered: 50, after: 0 });
    expect(r.badDebt).toBeCloseTo(38, 6);
    expect(r.equityAfterInsurance).toBeCloseTo(-38, 6);
    expectConserved(r);
  });

  it('a healthy account is not touched', () => {
    const r = liquidatePortfolio(doc(5000), market, 'dydx-v4', { insuranceFund: 10 });
    expect(r.stoppedBy).toBe('not-liquidatable');
    expect(r.steps).toHaveLength(0);
    expect(r.insuranceFund.after).toBe(10);
  });
});

describe('liquidateByVenueRule: Deribit (slices of 200 futures, fee 0.75 % BTC, futures first, §1 and §8)', () => {
  it('deribit-sm: 200-contract slices until equity ≥ MM (hand-checked bound)', () => {
    // 10 BTC long (66,000 × 10 USD at 66,000): MM = n (1 % + 0.005 % × n) BTC for n coins; collateral 0.09 BTC. Each
    // slice of 200 contracts (0.0303 BTC) costs 0.75 % of it. Healthy once 0.09 − 0.0075 (10 − n) ≥ n (0.01 +
    // 0.00005 n), i.e. n² + 50 n − 300 ≤ 0, n ≤ 5.4138 BTC: at least 4.5862 BTC closed, 152 slices.
    const r = liquidatePortfolio({ account: 'd', currency: 'BTC', positions: [{ instrument: 'BTC-PERPETUAL', quantity: 66000 }], collateral: { BTC: 0.09 } }, market, 'deribit-sm');
    expect(r.stoppedBy).toBe('healthy');
    expect(r.steps.every((s) => s.quantityClosed === 200)).toBe(true);
    const closedCoins = (r.steps.length * 200 * 10) / 66000;
    expect(closedCoins).toBeGreaterThan(10 - 5.4139);
    expect(closedCoins).toBeLessThan(10 - 5.4138 + 0.0304);
    expect(r.penalties).toBeCloseTo(0.0075 * closedCoins, 12);
    expectConserved(r);
  });

  it('deribit-pm: futures go before options', () => {
    const r = liquidatePortfolio(
      {
        account: 'd',
        currency: 'BTC',
        positions: [
          { instrument: 'BTC-27DEC24-80000-C', quantity: -5 },
          { instrument: 'BTC-PERPETUAL', quantity: 6600 },
        ],
        collateral: { BTC: 0.2 },
      },
      market,
      'deribit-pm',
      { rule: { incrementContracts: { deltaOne: 1650, option: 1 } } },
    );
    expect(r.start.liquidatable).toBe(true);
    const firstOption = r.steps.findIndex((s) => s.kind === 'option');
    const lastFuture = r.steps.map((s) => s.kind).lastIndexOf('perpetual');
    if (firstOption >= 0) expect(lastFuture).toBeLessThan(firstOption);
    expect(r.steps[0]!.kind).toBe('perpetual');
    expectConserved(r);
  });
});

describe('liquidateByVenueRule: Mango stops at LiquidationEnd health, Drift reads its weighted collateral', () => {
  it('mango-health: runs while Maint health < 0 and stops once LiquidationEnd health ≥ 0', () => {
    const r = liquidatePortfolio({ account: 'm', currency: 'USDC', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2 }], collateral: { USDC: 12000 } }, market, 'mango-health');
    expect(r.start.liquidatable).toBe(true);
    expect(r.stoppedBy).toBe('healthy');
    expect(r.rule.target).toBe('liquidation-end');
    // LiquidationEnd uses the (stricter) init weights: its stop level sits above maintenance.
    expect(r.end.stopLevel).toBeGreaterThan(r.end.maintenanceMargin);
    expectConserved(r);
  });

  it('drift: equity = totalCollateralMaintenance', () => {
    const r = liquidatePortfolio({ account: 'f', currency: 'USDC', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 3 }], collateral: { USDC: 5000 } }, market, 'drift');
    expect(r.rule.equityComponent).toBe('totalCollateralMaintenance');
    expect(r.start.liquidatable).toBe(true);
    expectConserved(r);
  });
});

describe('liquidation rules: dated configuration', () => {
  it('venue values from crypto-venues.md and overrides validated with the field named', () => {
    expect(liquidationRuleFor('deribit-pm').penaltyRateByCurrency).toEqual({ BTC: 0.0075, ETH: 0.009 });
    expect(liquidationRuleFor('dydx-v4')).toMatchObject({ price: 'dydx-fillable', penaltyRate: 0.005, spreadToMaintenanceMarginRatio: 0.1, bankruptcyAdjustment: 1 });
    expect(liquidationRuleFor('okx-pm')).toMatchObject({ incrementFraction: 0.1, penaltyRate: 0, asOf: 'undated' });
    expect(liquidationRuleFor('dydx-v4', { penaltyRate: 0.015 }).penaltyRate).toBe(0.015);
    expect(() => liquidationRuleFor('dydx-v4', { penaltyRate: 2 })).toThrow(/penaltyRate/);
    expect(() => liquidationRuleFor('dydx-v4', { nope: 1 })).toThrow(/nope/);
  });
});

describe('liquidateByVenueRule: properties', () => {
  const books = {
    'dydx-v4': { currency: 'USDC', instruments: ['BTC_USDC-PERPETUAL', 'ETH_USDC-PERPETUAL'], scale: [0.5, 5], collateral: 'USDC', cash: 20000 },
    'deribit-sm': { currency: 'BTC', instruments: ['BTC-PERPETUAL', 'BTC-27DEC24', 'BTC-27DEC24-70000-C'], scale: [3000, 3000, 2], collateral: 'BTC', cash: 0.5 },
    'deribit-pm': { currency: 'BTC', instruments: ['BTC-PERPETUAL', 'BTC-27DEC24-70000-C', 'BTC-27DEC24-60000-P'], scale: [3000, 2, 2], collateral: 'BTC', cash: 0.5 },
  } as const;
  const arb = fc.record({
    model: fc.constantFrom(...(Object.keys(books) as (keyof typeof books)[])),
    legs: fc.array(fc.record({ i: fc.integer({ min: 0, max: 2 }), q: fc.integer({ min: -5, max: 5 }).filter((q) => q !== 0) }), { minLength: 1, maxLength: 3 }),
    cash: fc.double({ min: 0, max: 1, noNaN: true }),
    slippage: fc.double({ min: 0, max: 0.02, noNaN: true }),
    penaltyRate: fc.double({ min: 0, max: 0.02, noNaN: true }),
    fraction: fc.constantFrom(0.25, 0.5, 1),
    fund: fc.double({ min: 0, max: 1, noNaN: true }),
  });

  it('conserves value, stops when healthy, never leaves the fund negative (fast-check)', () => {
    const seen = { liquidated: 0, healthy: 0, badDebt: 0 };
    fc.assert(
      fc.property(arb, (a) => {
        const b = books[a.model];
        const positions = a.legs.map((l) => {
          const k = l.i % b.instruments.length;
          return { instrument: b.instruments[k]!, quantity: l.q * b.scale[k]! };
        });
        const rule = { slippage: a.slippage, penaltyRate: a.penaltyRate, penaltyRateByCurrency: {}, incrementFraction: a.fraction, incrementContracts: {}, maxSteps: 200, ...(a.model === 'dydx-v4' ? {} : { order: 'largest-contribution' }) };
        const r = liquidatePortfolio({ account: 'p', currency: b.currency, positions, collateral: { [b.collateral]: a.cash * b.cash } }, market, a.model, { rule, insuranceFund: a.fund * b.cash });
        expectConserved(r);
        if (a.model !== 'dydx-v4' && a.slippage === 0) expect(r.realisedPnl).toBeCloseTo(0, 12);
        if (r.steps.length > 0) seen.liquidated++;
        if (r.stoppedBy === 'healthy') seen.healthy++;
        if (r.badDebt > 0) seen.badDebt++;
      }),
      { numRuns: 60 },
    );
    // The generator reaches the interesting cases: liquidations that end healthy and ones that end in bad debt.
    expect(seen.liquidated).toBeGreaterThan(10);
    expect(seen.healthy).toBeGreaterThan(0);
  });
});
