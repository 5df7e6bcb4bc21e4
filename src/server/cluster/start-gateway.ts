import type { FastifyInstance } from 'fastify';
import { JetStreamBus, type BusTopology } from '../../bus/jetstream-bus.js';
import { openStore } from '../../store/open-store.js';
import type { Store } from '../../store/store.js';
import type { ServerLimits } from '../http-face.js';
import { bootstrapAdminKey } from '../start-service.js';
import { buildGateway } from './build-gateway.js';

export interface GatewaySettings {
  /** NATS server URLs (any node of the cluster). */
  readonly servers: readonly string[];
  readonly topology: BusTopology;
  /** `--db`: the gateways' database (keys, audit, account registrations): SQLite path or `postgres://…`. */
  readonly db?: string | undefined;
  readonly host: string;
  readonly port: number;
  /** An admin key given by the operator (CROSSMARGIN_ADMIN_KEY): when it verifies, no key is created. */
  readonly adminKey?: string | undefined;
  readonly limits?: Partial<ServerLimits>;
  readonly writeTimeoutMs?: number;
  readonly logger?: boolean;
  readonly logLevel?: string;
}

export interface RunningGateway {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly bus: JetStreamBus;
  readonly url: string;
  /** The admin key created at this start (printed once), if one was. */
  readonly createdAdminKey: string | undefined;
  /** Graceful stop: no new connections, requests in flight finished, the bus and store closed. Idempotent. */
  close(): Promise<void>;
}

/** Runs a cluster gateway (`crossmargin serve --nats`): opens the store and the bus, bootstraps an admin key, listens. */
export async function startGateway(settings: GatewaySettings): Promise<RunningGateway> {
  const store = await openStore(settings.db);
  let bus: JetStreamBus | undefined;
  try {
    bus = await JetStreamBus.open(settings.servers, settings.topology);
    const app = await buildGateway({
      store,
      bus,
      logger: settings.logger === false ? false : { level: settings.logLevel ?? 'warn' },
      ...(settings.limits === undefined ? {} : { limits: settings.limits }),
      ...(settings.writeTimeoutMs === undefined ? {} : { writeTimeoutMs: settings.writeTimeoutMs }),
    });
    const createdAdminKey = await bootstrapAdminKey(store, settings.adminKey);
    const url = (await app.listen({ host: settings.host, port: settings.port })).replace('[::1]', 'localhost');
    const opened = bus;
    let closing: Promise<void> | undefined;
    const close = (): Promise<void> => {
      closing ??= (async () => {
        await app.close();
        await opened.close();
        await store.close();
      })();
      return closing;
    };
    return { app, store, bus, url, createdAdminKey, close };
  } catch (error) {
    await bus?.close().catch(() => undefined);
    await store.close();
    throw error;
  }
}
