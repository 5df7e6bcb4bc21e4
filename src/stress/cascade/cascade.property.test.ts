import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testConfig, testMarket } from './cascade-test-fixtures.js';
import { generatePopulation } from './generate-population.js';
import { compileMaintenanceRates } from './maintenance-rates.js';
import { reliefRates } from './relief-rates.js';
import { runCascade } from './run-cascade.js';
import { simulateCascades } from './simulate-cascades.js';

const market = testMarket();
const config = testConfig();
const maintenance = compileMaintenanceRates(market.underlyings, config.maintenance);
const rates = Float64Array.from([0.08, 0.08, 0.08]);
const shockArb = fc.float({ min: Math.fround(-0.6), max: Math.fround(0.6), noNaN: true });

describe('cascade invariants (property tests)', () => {
  it('conservation: loss on liquidated positions = trader losses − insurance-fund change + bad debt, every run', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.tuple(shockArb, shockArb, shockArb),
        fc.double({ min: 0, max: 5e6, noNaN: true }),
        fc.double({ min: 0, max: 0.05, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        fc.constantFrom('cross' as const, 'isolated' as const),
        fc.boolean(),
        (seed, shock, fund, penalty, y, mode, relief) => {
          const population = generatePopulation({ accounts: 300, seed, underlyings: market.underlyings, prices: market.prices, rates });
          const run = runCascade(population, market, maintenance, { mode, relief: relief ? reliefRates(market) : undefined, shock: Float64Array.from(shock), rounds: 8, insuranceFund: fund, penaltyRate: penalty, impactY: y });
          expect(run.conservation.error).toBeLessThan(1e-6);
          for (const r of run.rounds) {
            const fundChange = r.penalties - r.insuranceFundUse;
            expect(Math.abs(-r.liquidatedPnl - (r.traderLoss - fundChange + r.badDebt))).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(r.liquidatedPnl)));
            expect(r.socialisedLoss + r.unsocialisedLoss).toBeCloseTo(r.badDebt, 6);
            expect(r.insuranceFund).toBeGreaterThanOrEqual(0);
          }
        },
      ),
      { numRuns: 40, seed: 11 },
    );
  });

  it('monotonicity: a larger shock never liquidates fewer accounts in a population without hedges', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.constantFrom('long' as const, 'short' as const),
        fc.tuple(fc.double({ min: 0, max: 0.4, noNaN: true }), fc.double({ min: 0, max: 0.4, noNaN: true }), fc.double({ min: 0, max: 0.4, noNaN: true })),
        fc.double({ min: 1, max: 2, noNaN: true }),
        fc.double({ min: 0, max: 4, noNaN: true }),
        fc.constantFrom('cross' as const, 'isolated' as const),
        (seed, direction, size, k, y, mode) => {
          const population = generatePopulation({ accounts: 300, seed, underlyings: market.underlyings, prices: market.prices, rates, direction });
          // Longs lose when prices fall, shorts when they rise: shock each side against its positions.
          const sign = direction === 'long' ? -1 : 1;
          const small = Float64Array.from(size, (s) => sign * s);
          const large = Float64Array.from(size, (s) => sign * Math.min(0.9, s * k));
          const run = (shock: Float64Array) =>
            runCascade(population, market, maintenance, { mode, relief: reliefRates(market), shock, rounds: 8, insuranceFund: 1e5, penaltyRate: 0.01, impactY: y });
          const a = run(small);
          const b = run(large);
          expect(b.totals.accountsLiquidated).toBeGreaterThanOrEqual(a.totals.accountsLiquidated);
          expect(b.totals.poolsLiquidated).toBeGreaterThanOrEqual(a.totals.poolsLiquidated);
        },
      ),
      { numRuns: 60, seed: 5 },
    );
  });
});

describe('reproducibility by seed', () => {
  it('the same seed gives the same report; another seed gives another population and outcome', () => {
    const run = (seed: number) => simulateCascades(testConfig({ seed, accounts: 1500, compare: true }), { market });
    const a = run(42);
    expect(run(42)).toEqual(a);
    const b = run(43);
    expect(b.population.positions).not.toBe(a.population.positions);
    expect(b.runs[0]!.totals).not.toEqual(a.runs[0]!.totals);
  });
});
