import type { FastifyInstance } from 'fastify';
import type { LiveEngine } from '../engine/live/live-engine.js';
import { registerApiRoutes, registerHealthRoute } from './api-routes.js';
import { registerDashboardRoutes } from './dashboard-routes.js';
import { registerDashboard } from './dashboard-static.js';
import { EngineHost } from './engine-host.js';
import { buildHttpFace, type HttpFaceOptions } from './http-face.js';
import { registerLabRoutes } from './lab-routes.js';
import { LabRunner } from './lab-runner.js';
import { LiquidationDriver, type LiquidationDriverOptions } from './liquidation-driver.js';
import { DEFAULT_ADMISSION, MarginService, type AdmissionPolicy } from './margin-service.js';
import type { ActiveParameterSet } from './restore-engine.js';
import { registerStreamRoute } from './stream-route.js';

export { DEFAULT_LIMITS, type ServerLimits } from './http-face.js';

export interface BuildServerOptions extends HttpFaceOptions {
  /** The running engine, or a host that lets it be rebuilt when a parameter set is activated. */
  readonly engine: LiveEngine | EngineHost;
  /** Rebuilds the engine from the store (start-service passes restoreEngine); without it activation does not swap. */
  readonly rebuildEngine?: (active?: ActiveParameterSet) => Promise<LiveEngine>;
  /** Model id of the engine, reported by /healthz and used to know when an activation concerns it. */
  readonly model?: string;
  /** Admission limits (largest quantity and balance, fill-price band); docs/service.md "Admission". */
  readonly admission?: Partial<AdmissionPolicy>;
  /** Built dashboard to serve at `/` (default dist/web of the package). */
  readonly dashboardDirectory?: string;
  /**
   * Carry liquidations out (liquidation-driver.ts; docs/service.md "Liquidation"): given, the server plans and executes
   * the liquidation of every account that enters it and resumes stored active plans at once; absent, liquidation stays a
   * signal (the state and event only). `crossmargin serve` turns it on.
   */
  readonly liquidation?: LiquidationDriverOptions | undefined;
}

/**
 * The single-process margin service over HTTP/WebSocket (docs/service.md): the shared face (http-face.ts: validation,
 * OpenAPI, errors, security headers, authentication) with the engine's routes, the dashboard and its data, the lab,
 * the liquidation driver and the event stream. Public routes (health, the dashboard's files) and authenticated ones
 * sit in separate contexts of the face: every other route needs a key and declares its roles.
 */
export async function buildServer(options: BuildServerOptions): Promise<FastifyInstance> {
  const face = await buildHttpFace(options);
  const app = face.app;
  const host = options.engine instanceof EngineHost ? options.engine : new EngineHost(options.engine);
  const service = new MarginService(options.store, host, options.rebuildEngine, options.model, { ...DEFAULT_ADMISSION, ...options.admission });
  // start-service pushes feeds through the same service (same ordering, same audit) as the routes.
  app.decorate('marginService', service);
  const labRunner = new LabRunner();
  app.addHook('onClose', async () => labRunner.close());
  const liquidation = options.liquidation === undefined ? undefined : startLiquidation(app, service, options.liquidation);

  await face.publicRoutes(async (context) => {
    registerHealthRoute(context, { service, model: options.model });
    await registerDashboard(context, options.dashboardDirectory);
  });
  await face.authenticatedRoutes((context) => {
    registerApiRoutes(context, { service, model: options.model });
    registerDashboardRoutes(context, { service });
    registerLabRoutes(context, { service, runner: labRunner });
  });
  await face.authenticatedRoutes((context) => registerStreamRoute(context, { service, ...(liquidation === undefined ? {} : { liquidation }) }), { websocket: true });
  return app;
}

/** The liquidation driver of a server: started, resumed (stored active plans continue) and stopped with the server. */
function startLiquidation(app: FastifyInstance, service: MarginService, options: LiquidationDriverOptions): LiquidationDriver {
  const driver = new LiquidationDriver(service, {
    onError: (error, accountId) => app.log.error({ err: error, accountId }, 'liquidation failed'),
    ...options,
  });
  driver.start();
  app.decorate('liquidationDriver', driver);
  // Before the store closes (start-service closes the app first): the slice in progress finishes, the rest resumes later.
  app.addHook('onClose', async () => driver.close());
  driver.resume().catch((error: unknown) => app.log.error({ err: error }, 'liquidation resume failed'));
  return driver;
}
