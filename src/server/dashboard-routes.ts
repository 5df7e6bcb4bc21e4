import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CrossmarginError, toCrossmarginError } from '../core/errors.js';
import { evaluateAccount } from '../engine/account/evaluate-account.js';
import { pnlProfile } from '../engine/account/pnl-profile.js';
import type { LiveEngine } from '../engine/live/live-engine.js';
import type { MarketSnapshot } from '../market/market-snapshot.js';
import { computeMargin } from '../models/compute-margin.js';
import { modelFidelity, resultFidelity } from '../models/model-fidelity.js';
import { MODELS } from '../models/model-registry.js';
import { loadMarketHistory } from '../scenarios/history/load-market-history.js';
import type { MarketHistory } from '../scenarios/history/market-history.js';
import { AccountIdParamsSchema } from './api-schemas.js';
import { ANY_ROLE, canSeeAccount } from './authenticate.js';
import { CurrentMarketSchema, MarginSummarySchema, ModelComparisonSchema, ModelListSchema, ProfileQuerySchema, ProfileSchema, type MarginSummary } from './dashboard-schemas.js';
import type { MarginService } from './margin-service.js';
import { errors, principalOf, requireKnown, visibleAccount } from './route-helpers.js';

/** The overview row of one account: its live margin, or why it has none. */
export function marginSummary(engine: LiveEngine, accountId: string): MarginSummary {
  try {
    const m = engine.margin(accountId);
    const ratio = m.status.marginRatio;
    return {
      accountId,
      currency: m.currency,
      mode: engine.accountMode(accountId),
      equity: m.equity,
      initialMargin: m.initialMargin,
      maintenanceMargin: m.maintenanceMargin,
      ...(m.equity > 0 ? { utilisation: m.initialMargin / m.equity } : {}),
      ...(Number.isFinite(ratio) ? { marginRatio: ratio } : {}),
      excess: m.status.excess,
      state: m.state,
      ...(m.unmarginable === undefined ? {} : { reason: m.unmarginable.reason }),
      stale: m.stale,
      asOf: m.asOf,
      ...(m.parameterVersion === undefined ? {} : { parameterVersion: m.parameterVersion }),
    };
  } catch (error) {
    const e = toCrossmarginError(error);
    // Never margined and unmarginable (no market yet, or refused on restore): red, with the reason, never healthy.
    if (e.code === 'ACCOUNT_UNMARGINABLE') return { accountId, state: 'unmarginable', reason: String(e.details?.['reason'] ?? e.message), error: e.message };
    return { accountId, error: e.message };
  }
}

function requireMarket(engine: LiveEngine): MarketSnapshot {
  const market = engine.currentMarket();
  if (market === undefined) throw new CrossmarginError('NOT_FOUND', 'no market data yet: push a market snapshot first', { field: 'market' });
  return market;
}

/** `GET /market`: the market's date and each underlying's index and ATM vol. */
export function currentMarketView(market: MarketSnapshot): z.output<typeof CurrentMarketSchema> {
  const json = market.toJSON();
  return {
    asOf: json.asOf,
    underlyings: Object.entries(json.underlyings).map(([name, u]) => ({ name, index: u.index, ...(u.vol?.atm === undefined ? {} : { atmVol: u.vol.atm }) })),
  };
}

/** `GET /models`: every registered model with its fidelity. */
export function modelList(): z.output<typeof ModelListSchema> {
  return MODELS.map((m) => ({ id: m.id, description: m.description, fidelity: modelFidelity(m.id) }));
}

/**
 * `GET /accounts/:id/profile` of a known account on `engine` (the single-process service's, or a partition owner's
 * for a cluster gateway): the scenario P&L grid on the engine's market, the model's worst scenario and the
 * liquidation price. 404 before any market.
 */
export function profileOf(engine: LiveEngine, accountId: string, q: ProfileQuery): z.output<typeof ProfileSchema> {
  const market = requireMarket(engine);
  const doc = engine.account(accountId);
  const settings = engine.settings();
  const profile = pnlProfile(doc, market, {
    accountParams: settings.accountParams,
    ...(q.underlyings === undefined ? {} : { underlyings: q.underlyings }),
    ...(q.priceMoves === undefined ? {} : { priceMoves: q.priceMoves }),
    ...(q.volMoves === undefined ? {} : { volMoves: q.volMoves }),
  });
  const report = evaluateAccount(doc, market, settings.model, {
    accountParams: settings.accountParams,
    ...(settings.params === undefined ? {} : { params: settings.params }),
    ...(settings.historyLoader === undefined ? {} : { marginOptions: { historyLoader: settings.historyLoader } }),
  });
  return {
    accountId,
    model: settings.model,
    ...profile,
    underlyings: [...profile.underlyings],
    priceMoves: [...profile.priceMoves],
    volMoves: [...profile.volMoves],
    pnl: profile.pnl.map((row) => [...row]),
    ...(report.margin.worstScenario === undefined ? {} : { modelWorst: report.margin.worstScenario }),
    liquidation: report.liquidation,
  };
}

/** The profile's query once parsed (ProfileQuerySchema's output). */
export interface ProfileQuery {
  readonly underlyings?: readonly string[] | undefined;
  readonly priceMoves?: readonly number[] | undefined;
  readonly volMoves?: readonly number[] | undefined;
}

/**
 * `GET /accounts/:id/compare` of a known account on `engine`: its book under every registered model on the engine's
 * market (the live model with the live parameters), a model that cannot margin it answering its coded error.
 */
export function compareOf(engine: LiveEngine, accountId: string, history: (underlyings: readonly string[]) => MarketHistory): z.output<typeof ModelComparisonSchema> {
  const market = requireMarket(engine);
  const doc = engine.account(accountId);
  const live = engine.settings();
  const models = MODELS.map((model) => {
    try {
      const result = computeMargin({ document: doc }, market, model.id, {
        historyLoader: history,
        ...(model.id === live.model && live.params !== undefined ? { params: live.params } : {}),
      });
      // A non-finite figure is this model's coded error, never a response that fails to serialise (a 500).
      for (const [field, value] of [['initialMargin', result.initialMargin], ['maintenanceMargin', result.maintenanceMargin], ...result.components.map((c, i) => [`components.${i}.value`, c.value] as const)] as const) {
        if (!Number.isFinite(value)) throw new CrossmarginError('ACCOUNT_UNMARGINABLE', `${field}: the model produced a non-finite figure (${String(value)})`, { field });
      }
      return {
        model: model.id,
        description: model.description,
        currency: result.currency,
        initialMargin: result.initialMargin,
        maintenanceMargin: result.maintenanceMargin,
        components: result.components,
        fidelity: resultFidelity(model.id, result),
      };
    } catch (error) {
      const e = toCrossmarginError(error);
      return { model: model.id, description: model.description, fidelity: resultFidelity(model.id), error: { code: e.code, message: e.message } };
    }
  });
  return { accountId, asOf: market.asOf, liveModel: live.model, models };
}

/**
 * History for the VaR family in comparisons: the bundled catalogue (data/history-catalogue.json), loaded once per set
 * of underlyings. The models cut it at the market date themselves (no look-ahead).
 */
export function catalogueLoader(): (underlyings: readonly string[]) => MarketHistory {
  const cache = new Map<string, MarketHistory>();
  return (underlyings) => {
    const key = [...underlyings].sort().join(',');
    let history = cache.get(key);
    if (history === undefined) {
      history = loadMarketHistory(underlyings);
      cache.set(key, history);
    }
    return history;
  };
}

/**
 * Read-only views for the dashboard (docs/dashboard.md): `GET /margins`, `GET /market`, `GET /models`,
 * `GET /accounts/:id/profile`, `GET /accounts/:id/compare`, in the face's authenticated context, any role. Visibility
 * rules are those of the API: an account holder sees its own accounts only.
 */
export function registerDashboardRoutes(root: FastifyInstance, deps: { readonly service: MarginService }): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { service } = deps;
  const history = catalogueLoader();
  app.get('/margins', { config: ANY_ROLE, schema: { tags: ['dashboard'], response: { 200: z.array(MarginSummarySchema), ...errors } } }, async (request) => {
    const p = principalOf(request);
    const engine = service.engine;
    return engine
      .accountIds()
      .filter((id) => canSeeAccount(p, id))
      .sort()
      .map((id) => marginSummary(engine, id));
  });

  app.get('/market', { config: ANY_ROLE, schema: { tags: ['market'], response: { 200: CurrentMarketSchema, ...errors } } }, async () => {
    return currentMarketView(requireMarket(service.engine));
  });

  app.get('/models', { config: ANY_ROLE, schema: { tags: ['dashboard'], response: { 200: ModelListSchema, ...errors } } }, async () => {
    return modelList();
  });

  app.get(
    '/accounts/:id/profile',
    { config: ANY_ROLE, schema: { tags: ['dashboard'], params: AccountIdParamsSchema, querystring: ProfileQuerySchema, response: { 200: ProfileSchema, ...errors } } },
    async (request) => {
      visibleAccount(request, request.params.id);
      await requireKnown(service, request.params.id);
      return profileOf(service.engine, request.params.id, request.query);
    },
  );

  app.get(
    '/accounts/:id/compare',
    { config: ANY_ROLE, schema: { tags: ['dashboard'], params: AccountIdParamsSchema, response: { 200: ModelComparisonSchema, ...errors } } },
    async (request) => {
      visibleAccount(request, request.params.id);
      await requireKnown(service, request.params.id);
      return compareOf(service.engine, request.params.id, history);
    },
  );
}
