import { CrossmarginError } from '../core/errors.js';
import { backtestUnderlyings, runBacktest } from '../backtest/run-backtest.js';
import { calibrate } from '../calibration/calibrate.js';
import { restrictHistory } from '../scenarios/history/restrict-history.js';
import { parseMarketSnapshot } from '../market/market-snapshot.js';
import type { MarketSnapshotFile } from '../market/market-snapshot-schema.js';
import type { PortfolioFile } from '../portfolio/portfolio-schema.js';
import { loadMarketHistory } from '../scenarios/history/load-market-history.js';
import { DEFAULT_STRESS_LIBRARY } from '../stress/default-library.js';
import { runStress } from '../stress/run-stress.js';
import { stressHistory } from '../stress/stress-history.js';
import { reverseStressAccounts, type ReverseMove } from '../stress/reverse-stress-accounts.js';
import { preparePopulation } from '../stress/stress-population.js';
import type { LabBacktest, LabCalibration, LabStress, ReverseStress } from './lab-schemas.js';

/**
 * The model lab's computations (docs/dashboard.md "Model lab") as plain functions of plain, structured-cloneable
 * inputs, so they can run in a worker thread (lab-worker.ts) as well as in-process. Each reads the bundled history
 * itself and never looks past `endDate` (the engine's market date: a replay never sees its future).
 */

export interface BacktestTaskInput {
  readonly account: string;
  readonly portfolio: PortfolioFile;
  readonly models: readonly string[];
  /** Decision days, ending `horizon` days before `endDate`. */
  readonly days: number;
  readonly horizon: number;
  readonly coverage: number;
  /** Last history date the lab may use (YYYY-MM-DD); undefined: the history's end. */
  readonly endDate: string | undefined;
}

export interface CalibrationTaskInput {
  readonly underlyings: readonly string[];
  readonly points: number;
  readonly step: number;
  readonly lookback: number;
  readonly endDate: string | undefined;
}

export interface StressTaskInput {
  readonly market: MarketSnapshotFile;
  readonly accounts: readonly { readonly id: string; readonly document: PortfolioFile }[];
  readonly model: string;
  readonly params: unknown;
}

export interface ReverseTaskInput {
  readonly market: MarketSnapshotFile;
  readonly account: { readonly id: string; readonly document: PortfolioFile };
  /** Last history date the covariance may use (the engine's market date). */
  readonly endDate: string | undefined;
}

export type LabTask =
  | { readonly kind: 'backtest'; readonly input: BacktestTaskInput }
  | { readonly kind: 'calibration'; readonly input: CalibrationTaskInput }
  | { readonly kind: 'stress'; readonly input: StressTaskInput }
  | { readonly kind: 'reverse'; readonly input: ReverseTaskInput };

export interface LabResults {
  backtest: LabBacktest;
  calibration: LabCalibration;
  stress: LabStress;
  reverse: ReverseStress;
}

/** Index of the last date ≤ `date` in ascending ISO dates, −1 when none. */
function dateIndexOnOrBefore(dates: readonly string[], date: string | undefined): number {
  if (date === undefined) return dates.length - 1;
  let lo = 0;
  let hi = dates.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((dates[mid] as string) <= date) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

export function labBacktest(q: BacktestTaskInput): LabBacktest {
  const underlyings = backtestUnderlyings(q.portfolio, 'account');
  if (underlyings.length === 0) throw new CrossmarginError('USAGE_INVALID', `account "${q.account}" holds nothing with a price history to backtest`, { field: 'account' });
  const history = loadMarketHistory(underlyings);
  const endIndex = dateIndexOnOrBefore(history.dates, q.endDate) - q.horizon;
  const startIndex = endIndex - q.days + 1;
  if (startIndex < 1) {
    throw new CrossmarginError('HISTORY_INVALID', `days: only ${Math.max(0, endIndex)} decision days of history before the market date`, { field: 'days' });
  }
  const from = history.dates[startIndex] as string;
  const to = history.dates[endIndex] as string;
  const { report } = runBacktest({ portfolio: q.portfolio, source: q.account, models: q.models, history, from, to, horizon: q.horizon, coverage: q.coverage, modelErrors: 'throw' });
  return {
    account: q.account,
    from: report.from,
    to: report.to,
    horizon: report.horizon,
    coverage: report.coverage,
    verdict: report.verdict,
    models: report.models.map((m) => {
      const margin = Array.from(m.walk.initialMargin);
      const pnl = Array.from(m.walk.pnl);
      return {
        model: m.model,
        dates: [...m.walk.dates],
        initialMargin: margin,
        pnl,
        // An exception: the realised loss over the horizon exceeded the initial margin set before it.
        exceptions: pnl.map((p, i) => -p > (margin[i] as number)),
        summary: JSON.parse(JSON.stringify(m.summary)) as Record<string, unknown>,
      };
    }),
    ranking: report.ranking.map((r) => ({ ...r, peakToTrough: r.peakToTrough ?? undefined })),
  };
}

export function labCalibration(q: CalibrationTaskInput): LabCalibration {
  const history = loadMarketHistory(q.underlyings);
  const end = dateIndexOnOrBefore(history.dates, q.endDate);
  const asOfs: string[] = [];
  for (let k = q.points - 1; k >= 0; k--) {
    const i = end - k * q.step;
    if (i >= 0) asOfs.push(history.dates[i] as string);
  }
  const sets = asOfs.flatMap((asOf) => {
    try {
      return [calibrate(restrictHistory(history, asOf), { asOf, lookback: q.lookback })];
    } catch (error) {
      // Too little history before an early as-of date: that point is left out, the others stand.
      if (error instanceof CrossmarginError && error.code === 'HISTORY_INVALID') return [];
      throw error;
    }
  });
  if (sets.length === 0) throw new CrossmarginError('HISTORY_INVALID', `no as-of date has ${q.lookback} days of history before it`, { field: 'lookback' });
  return {
    dates: sets.map((s) => s.asOf),
    lookback: q.lookback,
    underlyings: q.underlyings.map((u) => ({
      underlying: u,
      ewmaAnnualisedVol: sets.map((s) => s.ewma.underlyings[u]!.annualisedVol),
      lookbackAnnualisedVol: sets.map((s) => s.ewma.underlyings[u]!.lookbackAnnualisedVol),
      priceScanRange: sets.map((s) => s.scanRanges.underlyings[u]!.withoutApc.priceScanRange),
      priceScanRangeApc: sets.map((s) => s.scanRanges.underlyings[u]!.withApc.priceScanRange),
      volScanRange: sets.map((s) => s.scanRanges.underlyings[u]!.withApc.volScanRange),
    })),
    signals: sets.flatMap((s) => s.signals.map((g) => JSON.parse(JSON.stringify({ asOf: s.asOf, ...g })) as Record<string, unknown>)),
  };
}

export function labStress(q: StressTaskInput): LabStress {
  const market = parseMarketSnapshot(q.market, 'market');
  // The same workflow as the CLI's stress (runStress): history cut at the market date, so a replay never looks ahead.
  const run = runStress({
    market,
    accounts: q.accounts.map((a) => ({ document: a.document, source: a.id })),
    scenarios: DEFAULT_STRESS_LIBRARY,
    model: q.model,
    margin: q.params === undefined ? {} : { params: q.params },
    cover: true,
  });
  const report = run.report;
  const cover = run.cover!; // asked for above
  return {
    asOf: market.asOf,
    model: report.model,
    scenarios: report.scenarios.map((sc) => ({ id: sc.id, label: sc.label, kind: sc.kind })),
    accounts: report.accounts.map((a) => ({
      accountId: a.account,
      equity: a.equity,
      margin: a.initialMargin,
      losses: a.outcomes.map((o) => o.loss),
      deficits: a.outcomes.map((o) => o.deficit),
    })),
    cover: {
      cover1: cover.cover1.amount,
      cover2: cover.cover2.amount,
      ...(cover.cover2.scenario === undefined ? {} : { scenario: cover.cover2.scenario }),
      members: cover.cover2.members.map((m) => m.account),
    },
  };
}

const wireMove = (m: ReverseMove) => ({ reachable: m.reachable, moves: { ...m.moves }, pnl: m.pnl, ...(m.mahalanobis === undefined ? {} : { mahalanobis: m.mahalanobis }) });

/**
 * Reverse stress of one account (docs/stress-testing.md "Reverse stress"): the move along the adverse first-order
 * direction that exhausts its equity, and the most likely such move under the covariance of 10-day log returns of
 * the last 750 days up to `endDate` (no look-ahead in a replay).
 */
export function labReverse(q: ReverseTaskInput): ReverseStress {
  const market = parseMarketSnapshot(q.market, 'market');
  const population = preparePopulation([{ document: q.account.document, source: q.account.id }], market);
  const history = stressHistory([], undefined, q.endDate);
  const r = reverseStressAccounts(population, { historyLoader: history.loader })[0]!;
  return {
    accountId: q.account.id,
    currency: r.currency,
    equity: r.equity,
    underlyings: [...r.underlyings],
    direction: { ...r.direction },
    directional: wireMove(r.directional),
    ...(r.mostLikely === undefined ? {} : { mostLikely: { ...wireMove(r.mostLikely), converged: r.mostLikely.converged } }),
    ...(r.covariance === undefined ? {} : { covariance: { horizonDays: r.covariance.horizonDays, from: r.covariance.from, to: r.covariance.to, days: r.covariance.days } }),
    ...(r.mostLikelyError === undefined ? {} : { mostLikelyError: { ...r.mostLikelyError } }),
  };
}

/** Runs one lab task on this thread. */
export function runLabTask(task: LabTask): LabResults[LabTask['kind']] {
  switch (task.kind) {
    case 'backtest':
      return labBacktest(task.input);
    case 'calibration':
      return labCalibration(task.input);
    case 'stress':
      return labStress(task.input);
    case 'reverse':
      return labReverse(task.input);
  }
}
