import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ClusterInput } from '../../bus/cluster-input.js';
import type { JetStreamBus } from '../../bus/jetstream-bus.js';
import { PartitionLeases } from '../../bus/partition-leases.js';
import { ERROR_CATALOGUE, CrossmarginError, type ErrorCode } from '../../core/errors.js';
import { LIVE_ACCOUNT_STATES } from '../../engine/account/account-state.js';
import type { ReportedFigures } from '../../engine/live/live-engine.js';
import { MarketSnapshotSchema } from '../../market/market-snapshot-schema.js';
import type { Store } from '../../store/store.js';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { AccountIdParamsSchema, AccountSchema, CreateAccountBodySchema, MaxOrderQuerySchema, MaxOrderResultSchema, SetCollateralBodySchema, TradeBodySchema, WhatIfBodySchema, WhatIfResultSchema } from '../api-schemas.js';
import { allowRoles, ANY_ROLE, canSeeAccount } from '../authenticate.js';
import { currentMarketView, modelList } from '../dashboard-routes.js';
import { CurrentMarketSchema, ModelComparisonSchema, ModelListSchema, ProfileQuerySchema, ProfileSchema } from '../dashboard-schemas.js';
import { notFound } from '../margin-service.js';
import { actor, errors, principalOf, visibleAccount } from '../route-helpers.js';
import type { AppliedWrite, ClusterWriter } from './cluster-writer.js';
import { answerOf, type AccountHoldings, type EngineAnswer, type EngineRequest } from './engine-request.js';
import type { PublishedMargin } from './partition-worker.js';

/** Why a gateway's figures may be out of date (ClusterMarginSchema.staleReasons). */
export const STALE_REASONS = ['underlying', 'no-owner', 'behind-market'] as const;

/** An account's current margin as its partition's owner published it (ReportedFigures), with where it lives. */
export const ClusterMarginSchema = z.object({
  accountId: z.string(),
  partition: z.number(),
  initialMargin: z.number(),
  maintenanceMargin: z.number(),
  equity: z.number(),
  /** equity − initial margin. */
  excess: z.number(),
  /** The account currency the figures are in. */
  currency: z.string(),
  state: z.enum(LIVE_ACCOUNT_STATES),
  /** asOf of the market the figures were computed on. */
  asOf: z.string(),
  /**
   * True when the figures may be out of date (fail closed: they are the last ones published, held, never lowered, and
   * not to be read as current): `staleReasons` says why.
   */
  stale: z.boolean(),
  /**
   * `underlying`: a price of the account is stale on its owner's engine (`staleUnderlyings`); `no-owner`: no live
   * worker owns the account's partition (its lease ran out: a failover is under way, or every worker is down);
   * `behind-market`: a newer market has been published than the one the figures were computed on (the owner has not
   * re-margined the account yet).
   */
  staleReasons: z.array(z.enum(STALE_REASONS)),
  staleUnderlyings: z.array(z.string()).optional(),
});

/** A write the cluster applied: its partition and log position, whether it repeated an earlier one, the margin after. */
export const ClusterWriteSchema = z.object({
  accountId: z.string(),
  partition: z.number(),
  /** Log positions of the write's inputs (one per collateral currency), in order. */
  seqs: z.array(z.number()),
  /** True when every input repeated an idempotency key already applied (nothing applied again). */
  duplicate: z.boolean(),
  /** The account's margin once the write was applied (absent before the first market). */
  margin: ClusterMarginSchema.optional(),
});

export const ClusterHealthSchema = z.object({ status: z.literal('ok'), mode: z.literal('cluster'), store: z.string(), partitions: z.number(), marketAsOf: z.string().optional() });

export const ClusterStatusSchema = z.object({
  partitions: z.array(z.object({ partition: z.number(), owner: z.string(), expiresAt: z.number(), appliedSeq: z.number() })),
  /** Workers whose heartbeat is current. */
  workers: z.array(z.string()),
  marketAsOf: z.string().optional(),
});

export const ClusterMarketResultSchema = z.object({ asOf: z.string(), seq: z.number() });

export const ClusterMarginsQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(10_000).default(1_000) });

export interface GatewayRouteDeps {
  readonly bus: JetStreamBus;
  readonly writer: ClusterWriter;
  /** Keys, the audit log and the accounts' registrations (id, currency, owner): the gateways' shared database. */
  readonly store: Store;
}

/** `GET /healthz` of the gateway, public: registered in the face's public context (build-gateway.ts). */
export function registerGatewayHealthRoute(root: FastifyInstance, deps: Pick<GatewayRouteDeps, 'bus' | 'store'>): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { bus, store } = deps;
  app.get('/healthz', { schema: { tags: ['service'], security: [], response: { 200: ClusterHealthSchema } } }, async () => {
    const market = await bus.latestMarket<{ asOf: string }>();
    return { status: 'ok' as const, mode: 'cluster' as const, store: store.backend, partitions: bus.topology.partitions, ...(market === undefined ? {} : { marketAsOf: market.snapshot.asOf }) };
  });
}

/**
 * The routes of the cluster gateway (`crossmargin serve --nats`, docs/scale-out.md "Gateway"), in the face's
 * authenticated context: writes go to the owning partition's log and are answered once the owner has applied them
 * (ClusterWriter); margins come from the margins bucket; what needs the account's engine state (what-if, maximum
 * order, the book, profile, comparison) is asked of its partition's owner (engine-request.ts). Roles, declared on each
 * route, as on the single-process service: admin does everything, a risk officer reads everything and pushes market
 * data, an account holder reads and trades its own accounts. A write the owner refused answers the engine's coded
 * error; each applied write is audited in the store.
 */
export function registerGatewayRoutes(root: FastifyInstance, deps: GatewayRouteDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { bus, writer, store } = deps;

  app.get('/cluster', { config: allowRoles(['admin', 'risk-officer'], 'read the cluster status'), schema: { tags: ['cluster'], response: { 200: ClusterStatusSchema, ...errors } } }, async () => {
    const leases = new PartitionLeases(bus.leaseBucket, 'gateway', 1);
    const partitions = await Promise.all(
      Array.from({ length: bus.topology.partitions }, async (_, partition) => {
        const lease = await leases.read(partition);
        return { partition, owner: lease?.owner ?? '', expiresAt: lease?.expiresAt ?? 0, appliedSeq: await bus.appliedSeq(partition) };
      }),
    );
    const market = await bus.latestMarket<{ asOf: string }>();
    return { partitions, workers: await leases.liveOwners(), ...(market === undefined ? {} : { marketAsOf: market.snapshot.asOf }) };
  });

  app.post('/accounts', { config: allowRoles(['admin'], 'create accounts'), schema: { tags: ['accounts'], body: CreateAccountBodySchema, response: { 201: ClusterWriteSchema, ...errors } } }, async (request, reply) => {
    const p = principalOf(request);
    const { id, account, currency, mode, positions, collateral, ownerKeyId } = request.body;
    const accountId = id ?? account ?? '';
    if ((await store.getAccount(accountId)) !== undefined) {
      throw new CrossmarginError('CONFLICT', `account "${accountId}" exists already`, { field: 'id', details: { accountId } });
    }
    // Registered after the partition applied it; a retry after a failure in between finds the account in the
    // partition (its margin is published) and only registers it, never replaces what trades have changed since.
    const known = await bus.margin<ReportedFigures>(accountId);
    const applied = known === undefined ? [await applyOrRefuse(writer, { kind: 'account', accountId, document: { account: accountId, currency, mode, positions, collateral } }, `account.${accountId}`)] : [];
    await store.createAccount({ id: accountId, currency, mode, ownerKeyId }, (record) => ({ keyId: p.key.id, action: 'account.create', target: record.id, payload: { currency, mode, positions, collateral, ownerKeyId, partition: bus.partitionOf(accountId) }, at: new Date().toISOString() }));
    return reply.code(201).send(await written(bus, accountId, applied));
  });

  app.post(
    '/accounts/:id/trades',
    { config: allowRoles(['admin', 'account-holder'], 'trade'), schema: { tags: ['accounts'], params: AccountIdParamsSchema, body: TradeBodySchema, response: { 200: ClusterWriteSchema, ...errors } } },
    async (request) => {
      const p = visibleAccount(request, request.params.id);
      const { instrument, quantity, idempotencyKey } = request.body;
      // The partition's engine fills at its mark: an explicit price would need the fill-price band of the
      // single-process service, which the cluster does not carry yet.
      for (const field of ['price', 'priceOverride'] as const) {
        if (request.body[field] !== undefined) throw new CrossmarginError('SCHEMA_INVALID', `${field}: the cluster fills trades at the mark; leave it out`, { field });
      }
      await requireRegistered(store, request.params.id);
      const applied = await applyOrRefuse(writer, { kind: 'trade', accountId: request.params.id, instrument, quantity }, `trade.${request.params.id}.${idempotencyKey}`);
      if (!applied.duplicate) await store.appendAudit({ keyId: actor(p).keyId, action: 'trade', target: request.params.id, payload: { instrument, quantity, idempotencyKey, partition: applied.partition, seq: applied.seq }, at: new Date().toISOString() });
      return written(bus, request.params.id, [applied]);
    },
  );

  app.put(
    '/accounts/:id/collateral',
    { config: allowRoles(['admin'], 'set collateral'), schema: { tags: ['accounts'], params: AccountIdParamsSchema, body: SetCollateralBodySchema, response: { 200: ClusterWriteSchema, ...errors } } },
    async (request) => {
      const p = visibleAccount(request, request.params.id);
      await requireRegistered(store, request.params.id);
      const applied: AppliedWrite[] = [];
      // One input per currency, each under its own key derived from the request's: a retry applies none twice.
      for (const [currency, balance] of Object.entries(request.body.collateral).sort(([a], [b]) => a.localeCompare(b))) {
        applied.push(await applyOrRefuse(writer, { kind: 'collateral', accountId: request.params.id, currency, balance }, `collateral.${request.params.id}.${request.body.idempotencyKey}.${currency}`));
      }
      if (applied.some((a) => !a.duplicate)) {
        await store.appendAudit({ keyId: actor(p).keyId, action: 'collateral.set', target: request.params.id, payload: { collateral: request.body.collateral, idempotencyKey: request.body.idempotencyKey }, at: new Date().toISOString() });
      }
      return written(bus, request.params.id, applied);
    },
  );

  app.get('/accounts/:id/margin', { config: ANY_ROLE, schema: { tags: ['margin'], params: AccountIdParamsSchema, response: { 200: ClusterMarginSchema, ...errors } } }, async (request) => {
    visibleAccount(request, request.params.id);
    const margin = await marginOf(bus, request.params.id);
    if (margin === undefined) throw notFound(request.params.id);
    return margin;
  });

  app.get('/margins', { config: ANY_ROLE, schema: { tags: ['margin'], querystring: ClusterMarginsQuerySchema, response: { 200: z.array(ClusterMarginSchema), ...errors } } }, async (request) => {
    const p = principalOf(request);
    const [listed, freshness] = await Promise.all([bus.listMargins<PublishedMargin>(request.query.limit), Freshness.read(bus)]);
    return listed.filter((m) => canSeeAccount(p, m.accountId)).map((m) => wireMargin(bus, m.accountId, m.margin, freshness));
  });

  // Engine routes: asked of the account's owner (engine-request.ts), answered as on the single-process service.
  app.post(
    '/accounts/:id/what-if',
    { config: ANY_ROLE, schema: { tags: ['margin'], params: AccountIdParamsSchema, body: WhatIfBodySchema, response: { 200: WhatIfResultSchema, ...errors } } },
    async (request) => {
      visibleAccount(request, request.params.id);
      await requireRegistered(store, request.params.id);
      return askOwner<z.output<typeof WhatIfResultSchema>>(bus, { op: 'what-if', accountId: request.params.id, ...request.body });
    },
  );

  app.get(
    '/accounts/:id/max-order',
    { config: ANY_ROLE, schema: { tags: ['margin'], params: AccountIdParamsSchema, querystring: MaxOrderQuerySchema, response: { 200: MaxOrderResultSchema, ...errors } } },
    async (request) => {
      visibleAccount(request, request.params.id);
      await requireRegistered(store, request.params.id);
      return askOwner<z.output<typeof MaxOrderResultSchema>>(bus, { op: 'max-order', accountId: request.params.id, ...request.query });
    },
  );

  app.get('/accounts/:id', { config: ANY_ROLE, schema: { tags: ['accounts'], params: AccountIdParamsSchema, response: { 200: AccountSchema, ...errors } } }, async (request) => {
    visibleAccount(request, request.params.id);
    const record = await store.getAccount(request.params.id);
    if (record === undefined) throw notFound(request.params.id);
    // The registration from the gateways' database, the book from the partition's owner (its engine holds it).
    const holdings = await askOwner<AccountHoldings>(bus, { op: 'account', accountId: request.params.id });
    return { ...record, positions: holdings.positions, collateral: holdings.collateral };
  });

  app.get(
    '/accounts/:id/profile',
    { config: ANY_ROLE, schema: { tags: ['dashboard'], params: AccountIdParamsSchema, querystring: ProfileQuerySchema, response: { 200: ProfileSchema, ...errors } } },
    async (request) => {
      visibleAccount(request, request.params.id);
      await requireRegistered(store, request.params.id);
      const { underlyings, priceMoves, volMoves } = request.query;
      return askOwner<z.output<typeof ProfileSchema>>(bus, {
        op: 'profile',
        accountId: request.params.id,
        ...(underlyings === undefined ? {} : { underlyings }),
        ...(priceMoves === undefined ? {} : { priceMoves }),
        ...(volMoves === undefined ? {} : { volMoves }),
      });
    },
  );

  app.get(
    '/accounts/:id/compare',
    { config: ANY_ROLE, schema: { tags: ['dashboard'], params: AccountIdParamsSchema, response: { 200: ModelComparisonSchema, ...errors } } },
    async (request) => {
      visibleAccount(request, request.params.id);
      await requireRegistered(store, request.params.id);
      return askOwner<z.output<typeof ModelComparisonSchema>>(bus, { op: 'compare', accountId: request.params.id });
    },
  );

  app.get('/models', { config: ANY_ROLE, schema: { tags: ['dashboard'], response: { 200: ModelListSchema, ...errors } } }, async () => {
    return modelList();
  });

  app.get('/market', { config: ANY_ROLE, schema: { tags: ['market'], response: { 200: CurrentMarketSchema, ...errors } } }, async () => {
    // The latest snapshot published to the market stream (what every worker re-margins on next).
    const latest = await bus.latestMarket<unknown>();
    if (latest === undefined) throw new CrossmarginError('NOT_FOUND', 'no market data yet: push a market snapshot first', { field: 'market' });
    return currentMarketView(parseMarketSnapshot(latest.snapshot));
  });

  app.post('/market', { config: allowRoles(['admin', 'risk-officer'], 'push market data'), schema: { tags: ['market'], body: MarketSnapshotSchema, response: { 200: ClusterMarketResultSchema, ...errors } } }, async (request) => {
    const p = principalOf(request);
    const seq = await bus.publishMarket(request.body);
    await store.appendAudit({ keyId: p.key.id, action: 'market.push', target: request.body.asOf, payload: { seq }, at: new Date().toISOString() });
    return { asOf: request.body.asOf, seq };
  });
}

/** The write applied, or the owner's refusal as its coded error (a code outside the catalogue is an internal one). */
async function applyOrRefuse(writer: ClusterWriter, input: ClusterInput, key: string): Promise<AppliedWrite> {
  const applied = await writer.write(input, key);
  if (applied.ok) return applied;
  const code: ErrorCode = applied.code in ERROR_CATALOGUE ? (applied.code as ErrorCode) : 'INTERNAL';
  throw new CrossmarginError(code, applied.message, { ...(applied.field === undefined ? {} : { field: applied.field }), details: { partition: applied.partition, seq: applied.seq } });
}

/** How long a gateway waits for an owner's answer to an engine request, ms. */
export const ENGINE_REQUEST_TIMEOUT_MS = 5_000;

/**
 * Asks the owner of the request's account (its partition's lease holder) and returns its answer, or its coded error.
 * No live owner (a failover under way, every worker down) or no answer in time: UNAVAILABLE, 503, to retry — never an
 * answer computed without the account's state.
 */
async function askOwner<T>(bus: JetStreamBus, request: EngineRequest): Promise<T> {
  const partition = bus.partitionOf(request.accountId);
  const lease = await new PartitionLeases(bus.leaseBucket, 'gateway', 1).read(partition);
  if (lease === undefined || lease.owner === '' || lease.expiresAt <= Date.now()) {
    throw new CrossmarginError('UNAVAILABLE', `no live worker owns partition ${partition} of account "${request.accountId}" (a failover is under way, or every worker is down); retry`, { field: 'id', details: { partition } });
  }
  // The owner's answer is the single-process route's, checked against the route's response schema when sent.
  return answerOf(await bus.request<EngineAnswer>(lease.owner, request, ENGINE_REQUEST_TIMEOUT_MS, 'id')) as T;
}

/** An account the gateways' database does not know answers 404, like an unknown one on the single-process service. */
async function requireRegistered(store: Store, accountId: string): Promise<void> {
  if ((await store.getAccount(accountId)) === undefined) throw notFound(accountId);
}

/**
 * What a gateway knows of the cluster's freshness when it answers: the latest market published, and which partitions
 * have a live owner (a lease not run out), read once per request.
 */
class Freshness {
  private constructor(
    readonly marketAsOf: string | undefined,
    private readonly owned: ReadonlySet<number>,
  ) {}

  /** Read for `partitions` (all of them by default). */
  static async read(bus: JetStreamBus, partitions?: readonly number[]): Promise<Freshness> {
    const leases = new PartitionLeases(bus.leaseBucket, 'gateway', 1);
    const now = Date.now();
    const which = partitions ?? Array.from({ length: bus.topology.partitions }, (_, p) => p);
    const [marketAsOf, owned] = await Promise.all([
      bus.latestMarketAsOf(),
      Promise.all(
        which.map(async (p) => {
          const lease = await leases.read(p);
          return lease !== undefined && lease.owner !== '' && lease.expiresAt > now ? p : -1;
        }),
      ),
    ]);
    return new Freshness(marketAsOf, new Set(owned.filter((p) => p >= 0)));
  }

  /** Why figures of `partition` computed on the market of `asOf`, with these stale underlyings, may be out of date. */
  reasons(partition: number, asOf: string, staleUnderlyings: readonly string[] | undefined): (typeof STALE_REASONS)[number][] {
    const reasons: (typeof STALE_REASONS)[number][] = [];
    if (staleUnderlyings !== undefined && staleUnderlyings.length > 0) reasons.push('underlying');
    if (!this.owned.has(partition)) reasons.push('no-owner');
    if (this.marketAsOf !== undefined && Date.parse(asOf) < Date.parse(this.marketAsOf)) reasons.push('behind-market');
    return reasons;
  }
}

/** A published margin as the gateway answers it: its figures, where it lives, and whether it may be out of date. */
function wireMargin(bus: JetStreamBus, accountId: string, m: PublishedMargin, freshness: Freshness): z.output<typeof ClusterMarginSchema> {
  const partition = bus.partitionOf(accountId);
  const staleReasons = freshness.reasons(partition, m.asOf, m.staleUnderlyings);
  return {
    accountId,
    partition,
    initialMargin: m.initialMargin,
    maintenanceMargin: m.maintenanceMargin,
    equity: m.equity,
    excess: m.excess,
    currency: m.currency,
    state: m.state,
    asOf: m.asOf,
    stale: staleReasons.length > 0,
    staleReasons,
    ...(m.staleUnderlyings === undefined ? {} : { staleUnderlyings: [...m.staleUnderlyings] }),
  };
}

async function marginOf(bus: JetStreamBus, accountId: string): Promise<z.output<typeof ClusterMarginSchema> | undefined> {
  const [margin, freshness] = await Promise.all([bus.margin<PublishedMargin>(accountId), Freshness.read(bus, [bus.partitionOf(accountId)])]);
  return margin === undefined ? undefined : wireMargin(bus, accountId, margin, freshness);
}

async function written(bus: JetStreamBus, accountId: string, applied: readonly AppliedWrite[]): Promise<z.output<typeof ClusterWriteSchema>> {
  const margin = await marginOf(bus, accountId);
  return { accountId, partition: bus.partitionOf(accountId), seqs: applied.map((a) => a.seq), duplicate: applied.length > 0 && applied.every((a) => a.duplicate), ...(margin === undefined ? {} : { margin }) };
}
