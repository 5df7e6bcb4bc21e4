import { computeMargins, type ComputeMarginsOptions } from '../models/compute-margin.js';
import { aggregatePortfolio, buildScenarioMatrix } from '../models/scenario-pipeline.js';
import type { StressSet, StressScenarioInfo } from './build-stress-set.js';
import type { StressPopulation } from './stress-population.js';

/** Default margin model of the margin column (docs/stress-testing.md). */
export const DEFAULT_STRESS_MODEL = 'scenario-grid';

/** One account under one scenario; amounts in the account currency. */
export interface ScenarioOutcome {
  readonly scenario: string;
  /** Scenario P&L of positions and collateral, gain positive. */
  readonly pnl: number;
  /** −pnl: positive is a loss. */
  readonly loss: number;
  /** max(0, loss − initial margin): what the margin does not cover (the default fund's share if the member fails). */
  readonly lossBeyondMargin: number;
  /** max(0, loss − equity): what the account would owe after its equity is gone. */
  readonly deficit: number;
}

export interface AccountStress {
  readonly account: string;
  readonly currency: string;
  readonly source: string | undefined;
  /** Equity today (collateral + option premiums + spot holdings, no haircuts). */
  readonly equity: number;
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  readonly outcomes: readonly ScenarioOutcome[];
  /** The scenario with the largest loss. */
  readonly worst: ScenarioOutcome;
}

export interface StressReport {
  readonly model: string;
  readonly scenarios: readonly StressScenarioInfo[];
  readonly accounts: readonly AccountStress[];
  /** Per scenario: the accounts left in deficit (loss > equity), largest deficit first. */
  readonly deficits: readonly { readonly scenario: string; readonly accounts: readonly { readonly account: string; readonly deficit: number }[] }[];
}

/**
 * Stresses every account under every scenario (docs/stress-testing.md "Stress evaluation"): the instruments are
 * revalued once through the shared pipeline (buildScenarioMatrix), each book (collateral included) is aggregated
 * into one row, and the row is compared with the account's margin under `modelId` and its equity. Scenario moves are
 * instant; P&L converts to the account currency at today's fx (inverse P&L at today's coin price, as every
 * scenario model does).
 */
export function evaluateStress(population: StressPopulation, stress: StressSet, modelId: string = DEFAULT_STRESS_MODEL, marginOptions: ComputeMarginsOptions = {}): StressReport {
  const margins = computeMargins(population.inputs, population.context.market, modelId, marginOptions);
  const matrix = buildScenarioMatrix(population.context, stress.set);
  const n = stress.set.count;
  const accounts = population.portfolios.map((p, a): AccountStress => {
    const { rowPnl } = aggregatePortfolio(matrix, population.context, p, 1, () => 0);
    const equity = population.equity[a] as number;
    const margin = margins[a]!;
    const outcomes = Array.from({ length: n }, (_, s): ScenarioOutcome => {
      const pnl = (rowPnl[s] as number) + 0;
      const loss = -pnl + 0;
      return {
        scenario: stress.set.ids[s] as string,
        pnl,
        loss,
        lossBeyondMargin: Math.max(0, loss - margin.initialMargin),
        deficit: Math.max(0, loss - equity),
      };
    });
    const worst = outcomes.reduce((w, o) => (o.loss > w.loss ? o : w), outcomes[0]!);
    return { account: p.account, currency: p.currency, source: p.source, equity, initialMargin: margin.initialMargin, maintenanceMargin: margin.maintenanceMargin, outcomes, worst };
  });
  const deficits = stress.set.ids.map((scenario, s) => ({
    scenario,
    accounts: accounts
      .filter((a) => a.outcomes[s]!.deficit > 0)
      .map((a) => ({ account: a.account, deficit: a.outcomes[s]!.deficit }))
      .sort((x, y) => y.deficit - x.deficit),
  }));
  return { model: modelId, scenarios: stress.scenarios, accounts, deficits };
}
