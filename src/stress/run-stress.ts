import { isoDate } from '../core/dates.js';
import type { MarketSnapshot } from '../market/market-snapshot.js';
import type { ComputeMarginsOptions, PortfolioInput } from '../models/compute-margin.js';
import { buildStressSet, type StressSet } from './build-stress-set.js';
import { defaultFundCover, type DefaultFundCover } from './default-fund-cover.js';
import { DEFAULT_STRESS_MODEL, evaluateStress, type StressReport } from './evaluate-stress.js';
import { checkDirection, reverseStressAccounts, type AccountReverseStress } from './reverse-stress-accounts.js';
import type { StressScenario } from './scenario-library.js';
import { stressHistory } from './stress-history.js';
import { preparePopulation, type StressPopulation } from './stress-population.js';

/** One stress run as the faces ask for it (docs/stress-testing.md): the CLI's `stress` and the service's model lab. */
export interface StressRequest {
  readonly market: MarketSnapshot;
  /** The accounts: portfolio documents with their source (file path or account id) for messages. */
  readonly accounts: readonly PortfolioInput[];
  readonly scenarios: readonly StressScenario[];
  /** Margin model of the margin column. */
  readonly model?: string;
  /** The model's params (`params`, `paramsSource`); the history loader is supplied here. */
  readonly margin?: Omit<ComputeMarginsOptions, 'historyLoader'>;
  /** History specs (loadMarketHistory syntax) overriding the bundled catalogue per underlying. */
  readonly history?: readonly string[];
  /** Reverse stress of every account: absent, none; `{}` along −∇P&L with the default covariance. */
  readonly reverse?: {
    readonly direction?: Readonly<Record<string, number>>;
    readonly horizonDays?: number;
    readonly lookback?: number;
    /** Called with (0, total) first, then after each account. */
    readonly onProgress?: (done: number, total: number) => void;
  };
  /** Default-fund Cover-1 / Cover-2 over the scenarios (members = accounts). */
  readonly cover?: boolean;
}

export interface StressRun {
  readonly population: StressPopulation;
  readonly stressSet: StressSet;
  readonly report: StressReport;
  readonly reverse?: AccountReverseStress[];
  readonly cover?: DefaultFundCover;
  /** What the reader should know: underlyings a scenario could not move, mixed currencies summed by cover. */
  readonly notes: readonly string[];
  /** Account currencies, in first-seen order. */
  readonly currencies: readonly string[];
}

/**
 * The stress workflow, once for every face: population on the market, scenario set, losses against margin and
 * equity, then optionally reverse stress and default-fund cover. Estimates (the reverse-stress covariance, a
 * history-based margin model) use only history up to the market's date, so a replayed market never sees its future
 * and the CLI and the lab agree on the same market. Bad input fails before the long computations (an unknown model,
 * a direction naming an underlying no book holds).
 */
export function runStress(request: StressRequest): StressRun {
  const model = request.model ?? DEFAULT_STRESS_MODEL;
  const population = preparePopulation(request.accounts, request.market);
  const direction = request.reverse?.direction;
  if (direction !== undefined) checkDirection(population, direction);
  const history = stressHistory(request.history ?? [], undefined, isoDate(request.market.asOfMs));
  const stressSet = buildStressSet(request.scenarios, population.underlyings, history.historyFor);
  const report = evaluateStress(population, stressSet, model, { ...request.margin, historyLoader: history.loader });

  const notes: string[] = [];
  for (const s of stressSet.scenarios) {
    for (const d of s.noData) notes.push(`${s.id}: ${d.underlying} not moved — ${d.reason}; the scenario still applies to the other underlyings`);
  }
  const currencies = [...new Set(population.portfolios.map((p) => p.currency))];
  if (request.cover === true && currencies.length > 1) notes.push(`accounts use several currencies (${currencies.join(', ')}); cover sums them as stated`);

  // Progress starts at 0 of all accounts, so a face can show the total before the first (slow) account is done.
  request.reverse?.onProgress?.(0, population.portfolios.length);
  const reverse =
    request.reverse === undefined
      ? undefined
      : reverseStressAccounts(population, {
          ...(direction === undefined ? {} : { direction }),
          historyLoader: history.loader,
          ...(request.reverse.horizonDays === undefined ? {} : { horizonDays: request.reverse.horizonDays }),
          ...(request.reverse.lookback === undefined ? {} : { lookback: request.reverse.lookback }),
          ...(request.reverse.onProgress === undefined ? {} : { onProgress: request.reverse.onProgress }),
        });
  const cover = request.cover === true ? defaultFundCover(report) : undefined;
  return { population, stressSet, report, ...(reverse === undefined ? {} : { reverse }), ...(cover === undefined ? {} : { cover }), notes, currencies };
}
