import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CrossmarginError } from '../core/errors.js';
import { isoDate } from '../core/dates.js';
import { buildBacktestReport } from '../backtest/backtest-report.js';
import { walkForward } from '../backtest/walk-forward.js';
import { calibrate } from '../calibration/calibrate.js';
import { restrictHistory } from '../calibration/calibration-window.js';
import { InstrumentTable } from '../instruments/instrument-table.js';
import { getModel } from '../models/model-registry.js';
import { resolvePortfolio } from '../portfolio/resolve-portfolio.js';
import { loadMarketHistory } from '../scenarios/history/load-market-history.js';
import { buildStressSet } from '../stress/build-stress-set.js';
import { defaultFundCover } from '../stress/default-fund-cover.js';
import { DEFAULT_STRESS_LIBRARY } from '../stress/default-library.js';
import { evaluateStress } from '../stress/evaluate-stress.js';
import { stressHistory } from '../stress/stress-history.js';
import { preparePopulation } from '../stress/stress-population.js';
import { canSeeAccount } from './authenticate.js';
import { BacktestQuerySchema, CalibrationQuerySchema, LabBacktestSchema, LabCalibrationSchema, LabStressSchema, type LabBacktest, type LabCalibration } from './lab-schemas.js';
import type { MarginService } from './margin-service.js';
import { errors, principalOf, requireKnown, visibleAccount } from './route-helpers.js';

const STABLE = new Set(['USD', 'USDC', 'USDT']);
/** Results kept per route (a small LRU: lab views are re-opened, the market moves on). */
const CACHE_SIZE = 32;

function lru<T>(): { get(key: string, make: () => T): T } {
  const map = new Map<string, T>();
  return {
    get(key, make) {
      const hit = map.get(key);
      if (hit !== undefined) {
        map.delete(key);
        map.set(key, hit);
        return hit;
      }
      const value = make();
      map.set(key, value);
      if (map.size > CACHE_SIZE) map.delete(map.keys().next().value as string);
      return value;
    },
  };
}

/** The last history date the lab may use: the engine's market date (no look-ahead in a replay), else the history's end. */
function labEndDate(service: MarginService, dates: readonly string[]): string {
  const market = service.engine.currentMarket();
  const last = dates[dates.length - 1] as string;
  if (market === undefined) return last;
  const marketDate = isoDate(market.asOfMs);
  return marketDate < last ? marketDate : last;
}

function dateIndexOnOrBefore(dates: readonly string[], date: string): number {
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

/**
 * The model lab's data (docs/dashboard.md "Model lab"): walk-forward backtests of an account's book and calibrations
 * over time, both on the bundled history up to the engine's market date. They run in the request (seconds for long
 * windows or VaR models) and are cached; a risk officer's lab, not a hot path.
 */
export function registerLabRoutes(root: FastifyInstance, deps: { readonly service: MarginService }): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { service } = deps;
  const backtests = lru<LabBacktest>();
  const calibrations = lru<LabCalibration>();

  app.get('/lab/backtest', { schema: { tags: ['lab'], querystring: BacktestQuerySchema, response: { 200: LabBacktestSchema, ...errors } } }, async (request) => {
    const q = request.query;
    visibleAccount(request, q.account);
    await requireKnown(service, q.account);
    q.models.forEach((m) => getModel(m));
    const portfolio = service.engine.account(q.account);
    const table = new InstrumentTable();
    resolvePortfolio(portfolio, table, 'account', undefined, { collateralAsPositions: true });
    const underlyings = table.underlyingNames().filter((u) => !STABLE.has(u));
    if (underlyings.length === 0) throw new CrossmarginError('USAGE_INVALID', `account "${q.account}" holds nothing with a price history to backtest`, { field: 'account' });
    const history = loadMarketHistory(underlyings);
    const endIndex = dateIndexOnOrBefore(history.dates, labEndDate(service, history.dates)) - q.horizon;
    const startIndex = endIndex - q.days + 1;
    if (startIndex < 1) {
      throw new CrossmarginError('HISTORY_INVALID', `days: only ${Math.max(0, endIndex)} decision days of history before the market date`, { field: 'days' });
    }
    const from = history.dates[startIndex] as string;
    const to = history.dates[endIndex] as string;
    const key = JSON.stringify([portfolio.positions, portfolio.collateral, q.models, from, to, q.horizon, q.coverage]);
    return backtests.get(key, () => {
      const walks = walkForward({ portfolio, models: q.models, history, from, to, horizon: q.horizon });
      const report = buildBacktestReport(walks, history, { portfolio: q.account, horizon: q.horizon, coverage: q.coverage });
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
    });
  });

  const history = stressHistory();
  app.get('/lab/stress', { schema: { tags: ['lab'], response: { 200: LabStressSchema, ...errors } } }, async (request) => {
    const p = principalOf(request);
    const engine = service.engine;
    const market = engine.currentMarket();
    if (market === undefined) throw new CrossmarginError('NOT_FOUND', 'no market data yet: push a market snapshot first', { field: 'market' });
    const ids = engine.accountIds().filter((id) => canSeeAccount(p, id)).sort();
    if (ids.length === 0) throw new CrossmarginError('NOT_FOUND', 'no accounts to stress', { field: 'accounts' });
    const population = preparePopulation(ids.map((id) => ({ document: engine.account(id), source: id })), market);
    const stressSet = buildStressSet(DEFAULT_STRESS_LIBRARY, population.underlyings, history.historyFor);
    const settings = engine.settings();
    const report = evaluateStress(population, stressSet, settings.model, {
      ...(settings.params === undefined ? {} : { params: settings.params }),
      historyLoader: history.loader,
    });
    const cover = defaultFundCover(report);
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
  });

  app.get('/lab/calibration', { schema: { tags: ['lab'], querystring: CalibrationQuerySchema, response: { 200: LabCalibrationSchema, ...errors } } }, async (request) => {
    principalOf(request);
    const q = request.query;
    const history = loadMarketHistory(q.underlyings);
    const end = dateIndexOnOrBefore(history.dates, labEndDate(service, history.dates));
    const asOfs: string[] = [];
    for (let k = q.points - 1; k >= 0; k--) {
      const i = end - k * q.step;
      if (i >= 0) asOfs.push(history.dates[i] as string);
    }
    const key = JSON.stringify([q.underlyings, asOfs, q.lookback]);
    return calibrations.get(key, () => {
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
          ewmaAnnualisedVol: sets.map((s) => s.ewma.underlyings[u]?.annualisedVol ?? Number.NaN),
          lookbackAnnualisedVol: sets.map((s) => s.ewma.underlyings[u]?.lookbackAnnualisedVol ?? Number.NaN),
          priceScanRange: sets.map((s) => s.scanRanges.underlyings[u]?.withoutApc.priceScanRange ?? Number.NaN),
          priceScanRangeApc: sets.map((s) => s.scanRanges.underlyings[u]?.withApc.priceScanRange ?? Number.NaN),
          volScanRange: sets.map((s) => s.scanRanges.underlyings[u]?.withApc.volScanRange ?? Number.NaN),
        })),
        signals: sets.flatMap((s) => s.signals.map((g) => ({ asOf: s.asOf, ...g }))).map((g) => JSON.parse(JSON.stringify(g)) as Record<string, unknown>),
      };
    });
  });
}
