import type { FastifyInstance } from 'fastify';
import type { JetStreamBus } from '../../bus/jetstream-bus.js';
import { ANY_ROLE, canSeeAccount } from '../authenticate.js';
import { registerDashboard } from '../dashboard-static.js';
import { buildHttpFace, type HttpFaceOptions } from '../http-face.js';
import { registerKeyRoutes } from '../key-routes.js';
import { ClusterWriter } from './cluster-writer.js';
import { registerGatewayHealthRoute, registerGatewayRoutes } from './gateway-routes.js';

export interface GatewayOptions extends HttpFaceOptions {
  readonly bus: JetStreamBus;
  /** How long a write may wait for its partition's owner before it is refused (UNAVAILABLE), ms. */
  readonly writeTimeoutMs?: number;
  /** Built dashboard to serve at `/` (default dist/web of the package). */
  readonly dashboardDirectory?: string;
}

/**
 * The cluster gateway over HTTP/WebSocket (`crossmargin serve --nats`, docs/scale-out.md "Gateway"): the shared face
 * (http-face.ts: validation, OpenAPI, errors, security headers, API keys of `options.store`) with the gateway's routes,
 * the key and audit routes, the event stream and the dashboard's files. Holds no engine: writes go to the partitions'
 * logs, reads come from the margins bucket.
 */
export async function buildGateway(options: GatewayOptions): Promise<FastifyInstance> {
  const face = await buildHttpFace(options);
  const app = face.app;
  const writer = new ClusterWriter(options.bus, options.writeTimeoutMs ?? 10_000);
  app.addHook('onClose', async () => writer.close());
  const now = () => new Date().toISOString();
  await face.publicRoutes(async (context) => {
    registerGatewayHealthRoute(context, { bus: options.bus, store: options.store });
    await registerDashboard(context, options.dashboardDirectory);
  });
  await face.authenticatedRoutes((context) => {
    registerGatewayRoutes(context, { bus: options.bus, writer, store: options.store });
    registerKeyRoutes(context, {
      store: options.store,
      createKey: (input, by) => options.store.createApiKey(input, (record) => ({ keyId: by.keyId, action: 'key.create', target: record.id, payload: { role: input.role, accountIds: input.accountIds, label: input.label }, at: now() })),
      revokeKey: (id, by) => options.store.revokeApiKey(id, now(), { keyId: by.keyId, action: 'key.revoke', target: id, payload: {}, at: now() }),
    });
  });
  await face.authenticatedRoutes((context) => registerGatewayStream(context, options.bus), { websocket: true });
  return app;
}

/**
 * `GET /stream` of the gateway (WebSocket, authenticated as on the single-process service): `{"type":"event",…}` for
 * every event the partitions' owners publish from now on (an account holder's own accounts only; market events for
 * admin and risk officer), after a first `{"type":"hello",…}`.
 */
function registerGatewayStream(app: FastifyInstance, bus: JetStreamBus): void {
  app.get('/stream', { websocket: true, config: ANY_ROLE, schema: { hide: true } }, (socket, request) => {
    const principal = request.principal;
    if (principal === undefined) {
      socket.close(1008, 'unauthenticated');
      return;
    }
    const stop = bus.subscribeEvents((partition, event) => {
      const accountId = typeof event === 'object' && event !== null && 'accountId' in event && typeof event.accountId === 'string' ? event.accountId : undefined;
      const visible = accountId === undefined ? principal.key.role !== 'account-holder' : canSeeAccount(principal, accountId);
      if (visible && socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type: 'event', partition, event }));
    });
    socket.on('close', stop);
    socket.on('error', stop);
    socket.send(JSON.stringify({ type: 'hello', keyId: principal.key.id, role: principal.key.role }));
  });
}
