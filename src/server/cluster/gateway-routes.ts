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
import { AccountIdParamsSchema, CreateAccountBodySchema, SetCollateralBodySchema, TradeBodySchema } from '../api-schemas.js';
import { canSeeAccount, requireRole } from '../authenticate.js';
import { notFound } from '../margin-service.js';
import { actor, errors, principalOf, visibleAccount } from '../route-helpers.js';
import type { AppliedWrite, ClusterWriter } from './cluster-writer.js';
import type { PublishedMargin } from './partition-worker.js';

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

/**
 * The routes of the cluster gateway (`crossmargin serve --nats`, docs/scale-out.md "Gateway"): writes go to the
 * owning partition's log and are answered once the owner has applied them (ClusterWriter); reads come from the
 * margins bucket. Roles as on the single-process service: admin does everything, a risk officer reads everything and
 * pushes market data, an account holder reads and trades its own accounts. A write the owner refused answers the
 * engine's coded error; each applied write is audited in the store.
 */
export function registerGatewayRoutes(root: FastifyInstance, deps: GatewayRouteDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { bus, writer, store } = deps;

  app.get('/healthz', { schema: { tags: ['service'], security: [], response: { 200: ClusterHealthSchema } } }, async () => {
    const market = await bus.latestMarket<{ asOf: string }>();
    return { status: 'ok' as const, mode: 'cluster' as const, store: store.backend, partitions: bus.topology.partitions, ...(market === undefined ? {} : { marketAsOf: market.snapshot.asOf }) };
  });

  app.get('/cluster', { schema: { tags: ['cluster'], response: { 200: ClusterStatusSchema, ...errors } } }, async (request) => {
    requireRole(principalOf(request), ['admin', 'risk-officer'], 'read the cluster status');
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

  app.post('/accounts', { schema: { tags: ['accounts'], body: CreateAccountBodySchema, response: { 201: ClusterWriteSchema, ...errors } } }, async (request, reply) => {
    const p = principalOf(request);
    requireRole(p, ['admin'], 'create accounts');
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
    { schema: { tags: ['accounts'], params: AccountIdParamsSchema, body: TradeBodySchema, response: { 200: ClusterWriteSchema, ...errors } } },
    async (request) => {
      const p = visibleAccount(request, request.params.id);
      requireRole(p, ['admin', 'account-holder'], 'trade');
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
    { schema: { tags: ['accounts'], params: AccountIdParamsSchema, body: SetCollateralBodySchema, response: { 200: ClusterWriteSchema, ...errors } } },
    async (request) => {
      const p = visibleAccount(request, request.params.id);
      requireRole(p, ['admin'], 'set collateral');
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

  app.get('/accounts/:id/margin', { schema: { tags: ['margin'], params: AccountIdParamsSchema, response: { 200: ClusterMarginSchema, ...errors } } }, async (request) => {
    visibleAccount(request, request.params.id);
    const margin = await marginOf(bus, request.params.id);
    if (margin === undefined) throw notFound(request.params.id);
    return margin;
  });

  app.get('/margins', { schema: { tags: ['margin'], querystring: ClusterMarginsQuerySchema, response: { 200: z.array(ClusterMarginSchema), ...errors } } }, async (request) => {
    const p = principalOf(request);
    const listed = await bus.listMargins<PublishedMargin>(request.query.limit);
    return listed.filter((m) => canSeeAccount(p, m.accountId)).map((m) => ({ accountId: m.accountId, partition: bus.partitionOf(m.accountId), ...figures(m.margin) }));
  });

  app.post('/market', { schema: { tags: ['market'], body: MarketSnapshotSchema, response: { 200: ClusterMarketResultSchema, ...errors } } }, async (request) => {
    const p = principalOf(request);
    requireRole(p, ['admin', 'risk-officer'], 'push market data');
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

/** An account the gateways' database does not know answers 404, like an unknown one on the single-process service. */
async function requireRegistered(store: Store, accountId: string): Promise<void> {
  if ((await store.getAccount(accountId)) === undefined) throw notFound(accountId);
}

function figures(m: PublishedMargin): ReportedFigures & { currency: string } {
  return { initialMargin: m.initialMargin, maintenanceMargin: m.maintenanceMargin, equity: m.equity, excess: m.excess, currency: m.currency, state: m.state, asOf: m.asOf };
}

async function marginOf(bus: JetStreamBus, accountId: string): Promise<z.output<typeof ClusterMarginSchema> | undefined> {
  const margin = await bus.margin<PublishedMargin>(accountId);
  return margin === undefined ? undefined : { accountId, partition: bus.partitionOf(accountId), ...figures(margin) };
}

async function written(bus: JetStreamBus, accountId: string, applied: readonly AppliedWrite[]): Promise<z.output<typeof ClusterWriteSchema>> {
  const margin = await marginOf(bus, accountId);
  return { accountId, partition: bus.partitionOf(accountId), seqs: applied.map((a) => a.seq), duplicate: applied.length > 0 && applied.every((a) => a.duplicate), ...(margin === undefined ? {} : { margin }) };
}
