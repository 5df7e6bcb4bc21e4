import { describe, expect, it } from 'vitest';
import { ScenarioGridParamsSchema } from '../../models/scenario-grid/scenario-grid-params.js';
import type { CascadeMarket } from './cascade-market.js';
import { populationBuilder } from './cascade-population.js';
import { testMarket } from './cascade-test-fixtures.js';
import { compileMaintenanceRates } from './maintenance-rates.js';
import { reliefRates } from './relief-rates.js';
import { runCascade, type CascadeSettings } from './run-cascade.js';

const oneMarket: CascadeMarket = {
  underlyings: ['X'],
  prices: Float64Array.from([100]),
  sigma: Float64Array.from([0.02]),
  adv: Float64Array.from([1e6]),
  correlation: Float64Array.from([1]),
  asOf: ['2025-01-01'],
};
const tenPercent = compileMaintenanceRates(['X'], ScenarioGridParamsSchema.parse({ priceRange: 0.1, extreme: false }));
const settings = (over: Partial<CascadeSettings> = {}): CascadeSettings => ({
  mode: 'cross',
  relief: undefined,
  shock: Float64Array.from([-0.1]),
  rounds: 3,
  insuranceFund: 10,
  penaltyRate: 0.01,
  impactY: 1,
  ...over,
});

describe('runCascade: a worked example (docs/cascades.md)', () => {
  // A: 1,000 USD, long 100 X at 100; B: 500 USD, short 10 X. Shock −10 % → 90: A's equity 0 < margin 100 × 9 = 900.
  // Closing 100 units against ADV 10,000 units: Δp/p = −0.02 × sqrt(100 / 10,000) = −0.2 %, so A closes at 89.82:
  // realised −1,018, equity −18, no penalty (nothing left), fund pays its 10, bad debt 8, socialised on B's +101.8.
  const b = populationBuilder(['X']);
  b.account(1000);
  b.position(0, 100);
  b.account(500);
  b.position(0, -10);
  const run = runCascade(b.build(), oneMarket, tenPercent, settings());

  it('liquidates, moves the price by square-root impact and settles the deficit', () => {
    const r1 = run.rounds[0]!;
    expect(r1.markPrices[0]).toBeCloseTo(90, 12);
    expect(r1.pricesAfter[0]).toBeCloseTo(89.82, 12);
    expect(r1.poolsLiquidated).toBe(1);
    expect(r1.netVolume[0]).toBe(-100);
    expect(r1.volume).toBeCloseTo(8982, 9);
    expect(r1.liquidatedPnl).toBeCloseTo(-1018, 9);
    expect(r1.traderLoss).toBeCloseTo(1000, 9);
    expect(r1.penalties).toBe(0);
    expect(r1.insuranceFundUse).toBeCloseTo(10, 12);
    expect(r1.insuranceFund).toBeCloseTo(0, 12);
    expect(r1.badDebt).toBeCloseTo(8, 9);
    expect(r1.socialisedLoss).toBeCloseTo(8, 9);
    expect(r1.unsocialisedLoss).toBeCloseTo(0, 9);
  });

  it('stops when nobody else is below maintenance, and account losses add up', () => {
    expect(run.rounds.slice(1).every((r) => r.poolsLiquidated === 0)).toBe(true);
    expect(run.rounds[2]!.pricesAfter[0]).toBeCloseTo(89.82, 12);
    expect(run.accountLoss[0]).toBeCloseTo(1000, 9);
    // B gained 10 × 10.18 = 101.8 and gave 8 of it up.
    expect(run.accountLoss[1]).toBeCloseTo(-101.8 + 8, 9);
    expect(run.conservation.error).toBeLessThan(1e-12);
  });

  it('charges the penalty to what the account has left', () => {
    const p = populationBuilder(['X']);
    p.account(2000);
    p.position(0, 100);
    const r = runCascade(p.build(), oneMarket, tenPercent, settings({ shock: Float64Array.from([-0.15]) })).rounds[0]!;
    // Marked at 85: equity 500 < 850. Closes at 85 × 0.998 = 84.83: equity 2000 − 1517 = 483, penalty 1 % × 8483.
    expect(r.pricesAfter[0]).toBeCloseTo(84.83, 12);
    expect(r.penalties).toBeCloseTo(84.83, 9);
    expect(r.traderLoss).toBeCloseTo(2000 - (483 - 84.83), 9);
    expect(r.badDebt).toBe(0);
    expect(r.insuranceFund).toBeCloseTo(10 + 84.83, 9);
  });
});

describe('cross against isolated', () => {
  const maintenance = compileMaintenanceRates(['BTC', 'ETH', 'SOL'], ScenarioGridParamsSchema.parse({ priceRange: 0.08 }));
  it('a perfectly hedged account is never liquidated under cross, its losing leg is under isolated', () => {
    const b = populationBuilder(['BTC', 'ETH', 'SOL']);
    b.account(20_000);
    b.position(0, 1, true);
    b.position(0, -1);
    const pop = b.build();
    const base = { relief: undefined, shock: Float64Array.from([-0.3, 0, 0]), rounds: 5, insuranceFund: 0, penaltyRate: 0.01, impactY: 1 };
    const cross = runCascade(pop, testMarket(), maintenance, { ...base, mode: 'cross' });
    const isolated = runCascade(pop, testMarket(), maintenance, { ...base, mode: 'isolated' });
    expect(cross.totals.poolsLiquidated).toBe(0);
    expect(cross.accountLoss[0]).toBe(0);
    expect(isolated.totals.poolsLiquidated).toBe(1);
    expect(isolated.totals.accountsLiquidated).toBe(1);
    // The long leg (10,000 USD allocated) lost 30,000 at the shock; the short leg's gain does not save it.
    expect(isolated.rounds[0]!.netVolume[0]).toBe(-1);
    expect(isolated.totals.traderLoss).toBeCloseTo(10_000, 6);
    expect(isolated.totals.badDebt).toBeGreaterThan(19_000);
    expect(cross.totals.badDebt).toBe(0);
  });

  it('relief lowers the margin of a long/short pair in correlated underlyings, so fewer are liquidated', () => {
    const b = populationBuilder(['BTC', 'ETH', 'SOL']);
    // Long 1 BTC (100,000), short 25 ETH (100,000); BTC −1 %, ETH +1 %: margins 7,920 + 8,080 = 16,000 without
    // relief; with it the spread uses 7,920 of each leg and earns 0.8 × 0.8 × 7,920 = 5,068.8 of credit.
    b.account(14_000);
    b.position(0, 1);
    b.position(1, -25);
    const pop = b.build();
    const base = { mode: 'cross' as const, shock: Float64Array.from([-0.01, 0.01, 0]), rounds: 1, insuranceFund: 0, penaltyRate: 0, impactY: 0 };
    const without = runCascade(pop, testMarket(), maintenance, { ...base, relief: undefined });
    const withRelief = runCascade(pop, testMarket(), maintenance, { ...base, relief: reliefRates(testMarket()) });
    // Equity 14,000 − 1,000 − 1,000 = 12,000: below 16,000 without relief, above 10,931.2 with it.
    expect(without.totals.poolsLiquidated).toBe(1);
    expect(withRelief.totals.poolsLiquidated).toBe(0);
  });
});
