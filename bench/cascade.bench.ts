/**
 * Liquidation cascade (docs/cascades.md): 100,000 generated accounts over BTC, ETH, SOL, SPX (calibrated from the
 * bundled history; seed 20261121) shocked BTC −20 %, ETH −25 %, SOL −30 %, through 20 rounds. One timed pass = one
 * whole cascade in cross mode with intermarket relief (the scenario-grid maintenance rates through the shared
 * pipeline each round, mark and margin of every live account, square-root impact, settlement, socialisation). The
 * unit of work is one account-round. Also reports the population build and the four-variant comparison.
 */
import { CascadeConfigSchema } from '../src/stress/cascade/cascade-config.js';
import { calibrateCascadeMarket } from '../src/stress/cascade/cascade-market.js';
import { generatePopulation } from '../src/stress/cascade/generate-population.js';
import { compileMaintenanceRates } from '../src/stress/cascade/maintenance-rates.js';
import { reliefRates } from '../src/stress/cascade/relief-rates.js';
import { runCascade } from '../src/stress/cascade/run-cascade.js';
import { simulateCascades } from '../src/stress/cascade/simulate-cascades.js';
import type { BenchResult } from './bench-result.js';

export async function benchCascade(options: { accounts?: number; rounds?: number; passes?: number } = {}): Promise<BenchResult> {
  const accounts = options.accounts ?? 100_000;
  const rounds = options.rounds ?? 20;
  const passes = options.passes ?? 3;
  const config = CascadeConfigSchema.parse({ accounts, rounds, seed: 20261121, shock: { BTC: -0.2, ETH: -0.25, SOL: -0.3 }, insuranceFund: 5e6 });
  const market = calibrateCascadeMarket(config.underlyings, { windows: config.windows });
  const maintenance = compileMaintenanceRates(config.underlyings, config.maintenance);
  const longLoss = new Float64Array(config.underlyings.length);
  const shortLoss = new Float64Array(config.underlyings.length);
  maintenance.compute(market.prices, longLoss, shortLoss);
  const rates = Float64Array.from(longLoss, (l, u) => Math.max(l, shortLoss[u]!) / market.prices[u]!);
  let started = performance.now();
  const population = generatePopulation({ accounts, seed: config.seed, underlyings: config.underlyings, prices: market.prices, rates });
  const generateMs = performance.now() - started;
  const shock = Float64Array.from(config.underlyings, (u) => config.shock[u] ?? 0);
  const relief = reliefRates(market, config.relief);
  const times: number[] = [];
  let liquidated = 0;
  let conservation = 0;
  for (let p = 0; p < passes; p++) {
    started = performance.now();
    const run = runCascade(population, market, maintenance, { mode: 'cross', relief, shock, rounds, insuranceFund: config.insuranceFund, penaltyRate: config.penaltyRate, impactY: config.impactY });
    times.push(performance.now() - started);
    liquidated = run.totals.accountsLiquidated;
    conservation = Math.max(conservation, run.conservation.error);
  }
  started = performance.now();
  simulateCascades({ ...config, compare: true }, { population, market });
  const compareMs = performance.now() - started;
  const meanMs = times.reduce((a, b) => a + b, 0) / times.length;
  await new Promise<void>((resolve) => setImmediate(resolve));
  return {
    name: 'cascade-100k-accounts-20-rounds',
    workload: `${accounts} generated accounts (${population.positionQuantity.length} positions) over ${config.underlyings.join(', ')}, shock BTC −20 %, ETH −25 %, SOL −30 %, ${rounds} rounds, cross with relief; unit = one account-round; mean of ${passes} passes`,
    opsPerSecond: (accounts * rounds) / (meanMs / 1000),
    meanMs,
    extra: { bestMs: Math.min(...times), generateMs, compareFourVariantsMs: compareMs, accountsLiquidated: liquidated, conservationError: conservation },
  };
}
