import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CrossmarginError } from '../core/errors.js';
import { isoDate } from '../core/dates.js';
import { getModel } from '../models/model-registry.js';
import { ANY_ROLE, canSeeAccount } from './authenticate.js';
import type { LabRunner } from './lab-runner.js';
import { AccountIdParamsSchema } from './api-schemas.js';
import { BacktestQuerySchema, CalibrationQuerySchema, LabBacktestSchema, LabCalibrationSchema, LabStressSchema, ReverseStressSchema } from './lab-schemas.js';
import type { MarginService } from './margin-service.js';
import { errors, principalOf, requireKnown, visibleAccount } from './route-helpers.js';

/**
 * The model lab's routes (docs/dashboard.md "Model lab"; the face's authenticated context, any role): walk-forward
 * backtests of an account's book, calibrations over time and the stress library over the visible accounts, on the
 * bundled history up to the engine's market date. The work runs in the lab runner (a worker thread when compiled),
 * cached per task.
 */
export function registerLabRoutes(root: FastifyInstance, deps: { readonly service: MarginService; readonly runner: LabRunner }): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { service, runner } = deps;
  /** The engine's market date: the lab never uses history after it (a replay never sees its future). */
  const endDate = (): string | undefined => {
    const market = service.engine.currentMarket();
    return market === undefined ? undefined : isoDate(market.asOfMs);
  };

  app.get('/lab/backtest', { config: ANY_ROLE, schema: { tags: ['lab'], querystring: BacktestQuerySchema, response: { 200: LabBacktestSchema, ...errors } } }, async (request) => {
    const q = request.query;
    visibleAccount(request, q.account);
    await requireKnown(service, q.account);
    q.models.forEach((m) => getModel(m));
    const portfolio = service.engine.account(q.account);
    return runner.run({ kind: 'backtest', input: { account: q.account, portfolio, models: q.models, days: q.days, horizon: q.horizon, coverage: q.coverage, endDate: endDate() } });
  });

  app.get('/lab/calibration', { config: ANY_ROLE, schema: { tags: ['lab'], querystring: CalibrationQuerySchema, response: { 200: LabCalibrationSchema, ...errors } } }, async (request) => {
    const q = request.query;
    return runner.run({ kind: 'calibration', input: { underlyings: q.underlyings, points: q.points, step: q.step, lookback: q.lookback, endDate: endDate() } });
  });

  app.get(
    '/accounts/:id/reverse-stress',
    { config: ANY_ROLE, schema: { tags: ['lab'], params: AccountIdParamsSchema, response: { 200: ReverseStressSchema, ...errors } } },
    async (request) => {
      const id = request.params.id;
      visibleAccount(request, id);
      await requireKnown(service, id);
      const market = service.engine.currentMarket();
      if (market === undefined) throw new CrossmarginError('NOT_FOUND', 'no market data yet: push a market snapshot first', { field: 'market' });
      return runner.run({ kind: 'reverse', input: { market: market.toJSON(), account: { id, document: service.engine.account(id) }, endDate: endDate() } });
    },
  );

  app.get('/lab/stress', { config: ANY_ROLE, schema: { tags: ['lab'], response: { 200: LabStressSchema, ...errors } } }, async (request) => {
    const p = principalOf(request);
    const engine = service.engine;
    const market = engine.currentMarket();
    if (market === undefined) throw new CrossmarginError('NOT_FOUND', 'no market data yet: push a market snapshot first', { field: 'market' });
    const ids = engine.accountIds().filter((id) => canSeeAccount(p, id)).sort();
    if (ids.length === 0) throw new CrossmarginError('NOT_FOUND', 'no accounts to stress', { field: 'accounts' });
    const settings = engine.settings();
    return runner.run({
      kind: 'stress',
      input: { market: market.toJSON(), accounts: ids.map((id) => ({ id, document: engine.account(id) })), model: settings.model, params: settings.params },
    });
  });
}
