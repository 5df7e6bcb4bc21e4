import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { CrossmarginError } from '../core/errors.js';
import type { LiveEngine } from '../engine/live/live-engine.js';
import type { Store } from '../store/store.js';
import { registerApiRoutes } from './api-routes.js';
import { registerDashboardRoutes } from './dashboard-routes.js';
import { isDashboardPath, registerDashboard } from './dashboard-static.js';
import { registerLabRoutes } from './lab-routes.js';
import { LabRunner } from './lab-runner.js';
import { bearerKey, KeyVerifier, type Principal } from './authenticate.js';
import { EngineHost } from './engine-host.js';
import { MarginService } from './margin-service.js';
import { registerStreamRoute } from './stream-route.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified API key of the request (undefined on public routes). */
    principal: Principal | undefined;
  }
}

export interface ServerLimits {
  /** Largest request body, bytes (413 beyond). */
  readonly bodyLimit: number;
  /** Requests per API key (per client address without a key) per `rateWindowMs`. */
  readonly rateLimit: number;
  readonly rateWindowMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = { bodyLimit: 1024 * 1024, rateLimit: 600, rateWindowMs: 60_000 };

export interface BuildServerOptions {
  readonly store: Store;
  /** The running engine, or a host that lets it be rebuilt when a parameter set is activated. */
  readonly engine: LiveEngine | EngineHost;
  /** Rebuilds the engine from the store (start-service passes restoreEngine); without it activation does not swap. */
  readonly rebuildEngine?: () => Promise<LiveEngine>;
  /** Model id of the engine, reported by /healthz and used to know when an activation concerns it. */
  readonly model?: string;
  /** pino logger options or instance; default: no logging (tests). */
  readonly logger?: boolean | FastifyBaseLogger | Record<string, unknown>;
  readonly limits?: Partial<ServerLimits>;
  /** Built dashboard to serve at `/` (default dist/web of the package). */
  readonly dashboardDirectory?: string;
}

/** Routes that need no key: health, the API documentation and the dashboard's static files. */
function isPublic(url: string): boolean {
  return url === '/healthz' || url === '/docs' || url.startsWith('/docs/') || isDashboardPath(url);
}

/**
 * The HTTP/WebSocket face of the margin service (docs/service.md). Zod schemas validate every request and generate
 * the OpenAPI document (`/docs/json`, UI at `/docs`); errors leave as coded CrossmarginError bodies.
 */
export async function buildServer(options: BuildServerOptions): Promise<FastifyInstance> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const loggerOption = options.logger ?? false;
  const app = Fastify({
    bodyLimit: limits.bodyLimit,
    ...(typeof loggerOption === 'object' && 'info' in loggerOption ? { loggerInstance: loggerOption as FastifyBaseLogger } : { logger: loggerOption }),
    // Stop accepting at close, but let requests in flight finish (graceful shutdown).
    return503OnClosing: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('principal', undefined);

  const host = options.engine instanceof EngineHost ? options.engine : new EngineHost(options.engine);
  const service = new MarginService(options.store, host, options.rebuildEngine, options.model);
  const verifier = new KeyVerifier(options.store);
  // start-service pushes feeds through the same service (same ordering, same audit) as the routes.
  app.decorate('marginService', service);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof CrossmarginError) {
      if (error.code === 'INTERNAL') request.log.error({ err: error }, 'internal error');
      return reply.code(error.httpStatus).send(error.toJSON());
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext ?? 'body';
      const first = error.validation[0];
      const field = (first?.instancePath ?? '').split('/').filter((p) => p !== '').join('.');
      const shown = field === '' ? `${where} (root)` : field;
      const e = new CrossmarginError('SCHEMA_INVALID', `${where}: ${shown}: ${first?.message ?? 'invalid'}`, {
        field: field === '' ? where : field,
        details: { location: where, issues: error.validation.map((v) => ({ path: v.instancePath.split('/').filter((p) => p !== '').join('.'), message: v.message })) },
      });
      return reply.code(e.httpStatus).send(e.toJSON());
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error, issues: error.cause.issues }, 'response does not match its schema');
      return reply.code(500).send(new CrossmarginError('INTERNAL', 'Internal error').toJSON());
    }
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      // fastify's own client errors (bad JSON, body too large, wrong content type, rate limited): keep their status,
      // give them the coded body of the nearest catalogue code.
      const code = error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError ? 'JSON_MALFORMED' : 'USAGE_INVALID';
      return reply.code(status).send(new CrossmarginError(code, error.message, { details: { reason: error.code ?? 'client-error' } }).toJSON());
    }
    request.log.error({ err: error }, 'unexpected error');
    // Never leak a stack or an internal message to the client.
    return reply.code(500).send(new CrossmarginError('INTERNAL', 'Internal error').toJSON());
  });

  await app.register(rateLimit, {
    global: true,
    max: limits.rateLimit,
    timeWindow: limits.rateWindowMs,
    // Per API key: a client's budget follows its key across addresses; clients without a key share their address's.
    keyGenerator: (request) => {
      const key = bearerKey(request.headers.authorization);
      return key === undefined ? `ip:${request.ip}` : `key:${key.slice(0, 24)}`;
    },
    allowList: (request) => isPublic(request.url.split('?')[0] ?? ''),
    errorResponseBuilder: (_request, context) => ({
      statusCode: context.statusCode,
      code: 'FST_ERR_RATE_LIMITED',
      message: `rate limit exceeded: at most ${context.max} requests per ${context.after}`,
    }),
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'crossmargin margin service', version: '0.1.0', description: 'Accounts, positions, collateral and market data in; margins, margin calls and liquidation signals out.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API key: Authorization: Bearer cmk_…' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });

  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0] ?? '';
    if (isPublic(path)) return;
    // Browsers cannot set headers on a WebSocket: the stream takes the key as ?key=.
    const query = request.query as Record<string, unknown> | undefined;
    const fromQuery = path === '/stream' && typeof query?.key === 'string' ? query.key : undefined;
    request.principal = await verifier.verify(fromQuery ?? bearerKey(request.headers.authorization));
  });

  registerApiRoutes(app, { service, verifier, model: options.model });
  registerDashboardRoutes(app, { service });
  const labRunner = new LabRunner();
  app.addHook('onClose', async () => labRunner.close());
  registerLabRoutes(app, { service, runner: labRunner });
  registerStreamRoute(app, { service });
  await registerDashboard(app, options.dashboardDirectory);
  return app;
}
