import { CrossmarginError } from '../../core/errors.js';
import { calibrateCascadeMarket, type CascadeMarket } from './cascade-market.js';
import type { CascadeConfig } from './cascade-config.js';
import { isHedged, type CascadePopulation } from './cascade-population.js';
import { generatePopulation } from './generate-population.js';
import { lossDistribution, type LossDistribution } from './loss-distribution.js';
import { compileMaintenanceRates } from './maintenance-rates.js';
import type { PortfolioInput } from '../../models/compute-margin.js';
import { populationFromPortfolios, portfolioSetOf, readPortfolioSet } from './population-from-portfolios.js';
import { reliefRates } from './relief-rates.js';
import { runCascade, type CascadeRun } from './run-cascade.js';

/** What `crossmargin cascade --json` prints (docs/cascades.md "Output"). Amounts USD. */
export interface CascadeReport {
  readonly seed: number;
  readonly population: { readonly source: string; readonly accounts: number; readonly positions: number; readonly hedgedAccounts: number };
  readonly shock: Readonly<Record<string, number>>;
  readonly rounds: number;
  readonly insuranceFund: number;
  readonly penaltyRate: number;
  readonly impactY: number;
  readonly market: { readonly underlying: string; readonly price: number; readonly asOf: string; readonly sigmaDaily: number; readonly adv: number; readonly maintenanceRate: number }[];
  readonly reliefRates: { readonly long: string; readonly short: string; readonly rate: number }[];
  readonly runs: (Omit<CascadeRun, 'accountLoss'> & { readonly label: string; readonly lossDistribution: LossDistribution })[];
}

export interface SimulateOptions {
  /** Portfolio file or directory; default a generated population. */
  readonly populationPath?: string;
  /** Portfolio documents (e.g. the service's accounts, `--db`); used when no population or path is given. */
  readonly portfolios?: readonly PortfolioInput[];
  /** What `portfolios` are, for the report (e.g. `service accounts (crossmargin.db)`). */
  readonly portfoliosSource?: string;
  /** Ready population and market (tests, benchmarks); skips files and calibration. */
  readonly population?: CascadePopulation;
  readonly market?: CascadeMarket;
  readonly onProgress?: (done: number, total: number) => void;
}

export function simulateCascades(config: CascadeConfig, options: SimulateOptions = {}): CascadeReport {
  const set =
    options.population !== undefined
      ? undefined
      : options.populationPath !== undefined
        ? readPortfolioSet(options.populationPath)
        : options.portfolios !== undefined
          ? portfolioSetOf(options.portfolios)
          : undefined;
  const underlyings = options.population?.underlyings ?? options.market?.underlyings ?? set?.underlyings ?? config.underlyings;
  const market = options.market ?? calibrateCascadeMarket(underlyings, { windows: config.windows, advOverride: config.adv });
  const U = underlyings.length;
  const shock = new Float64Array(U);
  for (const [name, move] of Object.entries(config.shock)) {
    const u = underlyings.indexOf(name);
    if (u < 0) throw new CrossmarginError('USAGE_INVALID', `shock.${name}: "${name}" is not an underlying of the population (${underlyings.join(', ')})`, { field: `shock.${name}` });
    shock[u] = move;
  }
  const maintenance = compileMaintenanceRates(underlyings, config.maintenance);
  const longLoss = new Float64Array(U);
  const shortLoss = new Float64Array(U);
  maintenance.compute(market.prices, longLoss, shortLoss);
  const rates = new Float64Array(U);
  for (let u = 0; u < U; u++) rates[u] = Math.max(longLoss[u]!, shortLoss[u]!) / market.prices[u]!;
  const population =
    options.population ??
    (set !== undefined
      ? populationFromPortfolios(set, underlyings, market.prices)
      : generatePopulation({ accounts: config.accounts, seed: config.seed, underlyings, prices: market.prices, rates, ...(config.weights === undefined ? {} : { weights: config.weights }) }));
  const relief = reliefRates(market, config.relief);
  const variants: { mode: 'cross' | 'isolated'; relief: boolean }[] = config.compare
    ? [{ mode: 'cross', relief: true }, { mode: 'cross', relief: false }, { mode: 'isolated', relief: true }, { mode: 'isolated', relief: false }]
    : [{ mode: config.mode, relief: config.withRelief }];
  const total = variants.length * config.rounds;
  const runs = variants.map((v, i) => {
    const run = runCascade(
      population,
      market,
      maintenance,
      { mode: v.mode, relief: v.relief ? relief : undefined, shock, rounds: config.rounds, insuranceFund: config.insuranceFund, penaltyRate: config.penaltyRate, impactY: config.impactY },
      (r) => options.onProgress?.(i * config.rounds + r, total),
    );
    const { accountLoss, ...rest } = run;
    return { label: `${v.mode}, relief ${v.relief ? 'on' : 'off'}`, ...rest, lossDistribution: lossDistribution(accountLoss) };
  });
  let hedged = 0;
  for (let a = 0; a < population.accountCount; a++) if (isHedged(population, a)) hedged++;
  const pairs: CascadeReport['reliefRates'] = [];
  for (let u = 0; u < U; u++) for (let v = 0; v < U; v++) if (relief[u * U + v]! > 0) pairs.push({ long: underlyings[u]!, short: underlyings[v]!, rate: relief[u * U + v]! });
  return {
    seed: config.seed,
    population: { source: options.population !== undefined ? 'given' : (options.populationPath ?? options.portfoliosSource ?? (options.portfolios !== undefined ? 'portfolios' : `generated (seed ${config.seed})`)), accounts: population.accountCount, positions: population.positionQuantity.length, hedgedAccounts: hedged },
    shock: Object.fromEntries(underlyings.map((u, i) => [u, shock[i]!])),
    rounds: config.rounds,
    insuranceFund: config.insuranceFund,
    penaltyRate: config.penaltyRate,
    impactY: config.impactY,
    market: underlyings.map((u, i) => ({ underlying: u, price: market.prices[i]!, asOf: market.asOf[i]!, sigmaDaily: market.sigma[i]!, adv: market.adv[i]!, maintenanceRate: rates[i]! })),
    reliefRates: pairs,
    runs,
  };
}
