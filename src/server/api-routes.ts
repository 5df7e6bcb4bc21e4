import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { paramsFromParameterSetFile, versionOfParameterSetFile, type ParameterSetFile } from '../calibration/parameter-set-file.js';
import { CrossmarginError } from '../core/errors.js';
import { parseWithSchema } from '../core/validate.js';
import { getModel } from '../models/model-registry.js';
import type { EventRecord } from '../store/store.js';
import {
  AccountIdParamsSchema,
  AccountSchema,
  CollateralListSchema,
  CreateAccountBodySchema,
  EventSchema,
  EventsQuerySchema,
  HealthSchema,
  LiquidationPlanViewSchema,
  LiveMarginSchema,
  MarketPushResultSchema,
  MarketUpdateBodySchema,
  MaxOrderQuerySchema,
  MaxOrderResultSchema,
  ParameterSetBodySchema,
  ParameterSetParamsSchema,
  ParameterSetQuerySchema,
  ParameterSetSchema,
  SetCollateralBodySchema,
  SetPositionsBodySchema,
  TradeBodySchema,
  TradeResultSchema,
  WhatIfBodySchema,
  WhatIfResultSchema,
} from './api-schemas.js';
import { allowRoles, ANY_ROLE, canSeeAccount } from './authenticate.js';
import { maxOrderAnswer, type MarginService } from './margin-service.js';
import { registerKeyRoutes } from './key-routes.js';
import { registerSimmRoutes } from './simm-routes.js';
import { registerSpanRoutes } from './span-routes.js';
import { actor, errors, principalOf, requireKnown, visibleAccount, wireMargin, wireWhatIf } from './route-helpers.js';

export interface ApiRouteDeps {
  readonly service: MarginService;
  readonly model: string | undefined;
}

/** `GET /healthz`, public: registered in the face's public context (build-server.ts). */
export function registerHealthRoute(root: FastifyInstance, deps: ApiRouteDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { service } = deps;
  app.get('/healthz', { schema: { tags: ['service'], security: [], response: { 200: HealthSchema } } }, async () => {
    const market = service.engine.currentMarket();
    return {
      status: 'ok' as const,
      store: service.store.backend,
      ...(deps.model === undefined ? {} : { model: deps.model }),
      accounts: service.engine.accountCount(),
      ...(market === undefined ? {} : { marketAsOf: market.asOf }),
    };
  });
}

/**
 * The authenticated API, registered in the face's authenticated context. Roles (docs/service.md "Auth and roles"),
 * declared on each route (`config`): admin may do everything; risk-officer reads everything and pushes market data;
 * account-holder reads, trades, asks what-if and maximum order size on its own accounts only (the handlers' per-account
 * rule, visibleAccount).
 */
export function registerApiRoutes(root: FastifyInstance, deps: ApiRouteDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { service } = deps;

  // ---- accounts ----------------------------------------------------------------------------------------------

  app.post('/accounts', { config: allowRoles(['admin'], 'create accounts'), schema: { tags: ['accounts'], body: CreateAccountBodySchema, response: { 201: AccountSchema, ...errors } } }, async (request, reply) => {
    const p = principalOf(request);
    // A portfolio file names the account `account`; the schema has checked that id and account agree.
    // openOrders can only be empty (schema), so nothing of it is dropped.
    const { id, account, currency, mode, positions, collateral, ownerKeyId } = request.body;
    const view = await service.createAccount({ id: id ?? account ?? '', currency, mode, positions, collateral, ownerKeyId }, actor(p));
    return reply.code(201).send(view);
  });

  app.get('/accounts', { config: ANY_ROLE, schema: { tags: ['accounts'], response: { 200: z.array(AccountSchema), ...errors } } }, async (request) => {
    const p = principalOf(request);
    const records = (await service.store.listAccounts()).filter((a) => canSeeAccount(p, a.id));
    return Promise.all(records.map((a) => service.getAccount(a.id)));
  });

  app.get('/accounts/:id', { config: ANY_ROLE, schema: { tags: ['accounts'], params: AccountIdParamsSchema, response: { 200: AccountSchema, ...errors } } }, async (request) => {
    visibleAccount(request, request.params.id);
    return service.getAccount(request.params.id);
  });

  app.put(
    '/accounts/:id/positions',
    { config: allowRoles(['admin'], 'set positions (trade instead)'), schema: { tags: ['accounts'], params: AccountIdParamsSchema, body: SetPositionsBodySchema, response: { 200: AccountSchema, ...errors } } },
    async (request) => {
      const p = visibleAccount(request, request.params.id);
      return service.setPositions(request.params.id, request.body.positions, actor(p));
    },
  );

  app.post(
    '/accounts/:id/trades',
    { config: allowRoles(['admin', 'account-holder'], 'trade'), schema: { tags: ['accounts'], params: AccountIdParamsSchema, body: TradeBodySchema, response: { 200: TradeResultSchema, ...errors } } },
    async (request) => {
      const p = visibleAccount(request, request.params.id);
      return service.applyTrade(request.params.id, request.body, actor(p));
    },
  );

  app.put(
    '/accounts/:id/collateral',
    { config: allowRoles(['admin'], 'set collateral'), schema: { tags: ['accounts'], params: AccountIdParamsSchema, body: SetCollateralBodySchema, response: { 200: CollateralListSchema, ...errors } } },
    async (request) => {
      const p = visibleAccount(request, request.params.id);
      return service.setCollateral(request.params.id, request.body.collateral, request.body.idempotencyKey, actor(p));
    },
  );

  // ---- margins -----------------------------------------------------------------------------------------------

  app.get('/accounts/:id/margin', { config: ANY_ROLE, schema: { tags: ['margin'], params: AccountIdParamsSchema, response: { 200: LiveMarginSchema, ...errors } } }, async (request) => {
    visibleAccount(request, request.params.id);
    await requireKnown(service, request.params.id);
    return wireMargin(service.margin(request.params.id));
  });

  app.post(
    '/accounts/:id/what-if',
    { config: ANY_ROLE, schema: { tags: ['margin'], params: AccountIdParamsSchema, body: WhatIfBodySchema, response: { 200: WhatIfResultSchema, ...errors } } },
    // Synchronous when the engine holds the account (every request of a running service): fastify sends a returned
    // value at once, where an async handler costs a promise and a turn of the microtask queue per request.
    (request) => {
      visibleAccount(request, request.params.id);
      const answer = () => {
        const { before, after } = service.whatIfWithBefore(request.params.id, request.body.trades);
        return wireWhatIf(after, before, request.body.explain === true);
      };
      return service.engine.hasAccount(request.params.id) ? answer() : requireKnown(service, request.params.id).then(answer);
    },
  );

  app.get(
    '/accounts/:id/max-order',
    { config: ANY_ROLE, schema: { tags: ['margin'], params: AccountIdParamsSchema, querystring: MaxOrderQuerySchema, response: { 200: MaxOrderResultSchema, ...errors } } },
    async (request) => {
      visibleAccount(request, request.params.id);
      await requireKnown(service, request.params.id);
      return maxOrderAnswer(service.engine, request.params.id, request.query.instrument, request.query.side);
    },
  );

  // ---- liquidation -------------------------------------------------------------------------------------------

  app.get(
    '/accounts/:id/liquidation-plan',
    { config: ANY_ROLE, schema: { tags: ['margin'], params: AccountIdParamsSchema, response: { 200: LiquidationPlanViewSchema, ...errors } } },
    async (request) => {
      visibleAccount(request, request.params.id);
      await service.getAccount(request.params.id);
      const record = await service.store.latestLiquidationPlan(request.params.id);
      if (record === undefined) {
        throw new CrossmarginError('NOT_FOUND', `account "${request.params.id}" has no liquidation plan`, { field: 'id', details: { accountId: request.params.id } });
      }
      const fills = await service.store.listLiquidationFills(record.id);
      return {
        status: record.status,
        createdAt: record.createdAt,
        ...(record.completedAt === undefined ? {} : { completedAt: record.completedAt }),
        plan: record.json as z.infer<typeof LiquidationPlanViewSchema>['plan'],
        fills: fills.map((f) => ({ slice: f.slice, instrument: f.instrument, quantity: f.quantity, price: f.price, cashDelta: f.cashDelta, cashCurrency: f.cashCurrency, fundReceived: f.fundReceived, position: f.position, balance: f.balance, at: f.at })),
        ...(record.outcome === undefined ? {} : { outcome: record.outcome as z.infer<typeof LiquidationPlanViewSchema>['outcome'] }),
      };
    },
  );

  // ---- market ------------------------------------------------------------------------------------------------

  app.post('/market', { config: allowRoles(['admin', 'risk-officer'], 'push market data'), schema: { tags: ['market'], body: MarketUpdateBodySchema, response: { 200: MarketPushResultSchema, ...errors } } }, async (request) => {
    const p = principalOf(request);
    return service.pushMarket(request.body, actor(p));
  });

  // ---- parameter sets ----------------------------------------------------------------------------------------

  app.post(
    '/parameter-sets',
    {
      config: allowRoles(['admin'], 'upload parameter sets'),
      schema: { tags: ['parameter-sets'], querystring: ParameterSetQuerySchema, body: ParameterSetBodySchema, response: { 201: ParameterSetSchema, ...errors } },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const { model, version, params } = parameterSetUpload(request.body, request.query.model, deps.model);
      checkModelParams(model, params);
      return reply.code(201).send(await service.uploadParameterSet(model, version, params, actor(p)));
    },
  );

  app.get(
    '/parameter-sets',
    { config: ANY_ROLE, schema: { tags: ['parameter-sets'], querystring: z.strictObject({ model: z.string().min(1).optional() }), response: { 200: z.array(ParameterSetSchema), ...errors } } },
    async (request) => {
      return service.store.listParameterSets(request.query.model);
    },
  );

  app.post(
    '/parameter-sets/:model/:version/activate',
    { config: allowRoles(['admin'], 'activate parameter sets'), schema: { tags: ['parameter-sets'], params: ParameterSetParamsSchema, response: { 200: ParameterSetSchema, ...errors } } },
    async (request) => {
      const p = principalOf(request);
      return service.activateParameterSet(request.params.model, request.params.version, actor(p));
    },
  );

  // ---- events and audit --------------------------------------------------------------------------------------

  app.get('/events', { config: ANY_ROLE, schema: { tags: ['events'], querystring: EventsQuerySchema, response: { 200: z.array(EventSchema), ...errors } } }, async (request) => {
    const p = principalOf(request);
    const q = request.query;
    if (q.accountId !== undefined) {
      visibleAccount(request, q.accountId);
      return service.store.listEvents(q);
    }
    if (p.key.role !== 'account-holder') return service.store.listEvents(q);
    // An account holder without a filter gets the events of its own accounts, merged in append order.
    const lists = await Promise.all(p.key.accountIds.map((accountId) => service.store.listEvents({ ...q, accountId })));
    return lists
      .flat()
      .sort((a: EventRecord, b: EventRecord) => a.id - b.id)
      .slice(0, q.limit);
  });

  registerSimmRoutes(root, { service });
  registerSpanRoutes(root, { service });
  registerKeyRoutes(root, { store: service.store, createKey: (input, by) => service.createKey(input, by), revokeKey: (id, by) => service.revokeKey(id, by) });
}

/**
 * What a POST /parameter-sets body stores: `{model, version, params}` as it is, or a calibrated set's scan ranges as
 * the params of `?model=` (default the service's model), versioned with the set's version.
 */
function parameterSetUpload(body: z.output<typeof ParameterSetBodySchema>, queryModel: string | undefined, serviceModel: string | undefined): { model: string; version: string; params: unknown } {
  const file: ParameterSetFile = 'format' in body ? { kind: 'calibrated', set: body } : { kind: 'model', set: body };
  if (file.kind === 'model') {
    if (queryModel !== undefined && queryModel !== file.set.model) {
      throw new CrossmarginError('SCHEMA_INVALID', `model: ?model=${queryModel} differs from the body's model ${file.set.model}`, { field: 'model' });
    }
    return file.set;
  }
  const model = queryModel ?? serviceModel;
  if (model === undefined) throw new CrossmarginError('SCHEMA_INVALID', 'model: a calibrated parameter set names no model: give ?model=span, tims or scenario-grid', { field: 'model' });
  return { model, version: versionOfParameterSetFile(file), params: paramsFromParameterSetFile(file, model, 'model') };
}

/** A parameter set must be valid for its model before it is stored (MODEL_UNKNOWN / MODEL_PARAMS_INVALID). */
function checkModelParams(model: string, params: unknown): void {
  parseWithSchema(getModel(model).paramsSchema, params, 'params', 'MODEL_PARAMS_INVALID');
}
