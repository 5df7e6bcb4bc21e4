import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type HookHandlerDoneFunction,
  type RouteOptions,
} from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { CrossmarginError } from '../core/errors.js';
import type { Store } from '../store/store.js';
import { API_KEY_ROLES, bearerKey, KeyVerifier, protocolKey, requireRole, STREAM_PROTOCOL, type Principal, type RouteRoles } from './authenticate.js';
import { isDashboardPath } from './dashboard-static.js';
import { firstPath, hasNulCharacter } from './first-path.js';
import { helmetHeaders } from './helmet-headers.js';
import { redactingLoggerOption, redactSecrets } from './log-redaction.js';
import { CHECK_RESPONSES_ENV, responseSerializerCompiler } from './response-serializer.js';
import { WindowLimiter } from './window-limiter.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified API key of the request (undefined on public routes). */
    principal: Principal | undefined;
  }
  interface FastifyContextConfig {
    /** Roles whose keys may call the route: required in the authenticated context (`allowRoles`, `ANY_ROLE`). */
    readonly roles?: RouteRoles['roles'];
    /** What the route does, for the 403 message of the other roles ("a risk-officer key may not <action>"). */
    readonly action?: string;
  }
  interface FastifyInstance {
    /** The context of the face this instance's routes belong to (HttpFace); undefined on the root instance. */
    readonly routeContext?: RouteContext;
  }
}

/** The two kinds of context routes are registered in (HttpFace.publicRoutes, HttpFace.authenticatedRoutes). */
export type RouteContext = 'public' | 'authenticated';

/** Registers routes on the context instance it is given. */
export type RoutePlugin = (app: FastifyInstance) => void | Promise<void>;

/**
 * The face built, with its two kinds of route contexts (fastify encapsulation, docs/service.md "Auth and roles"). A
 * route is public only by being registered in a public context; the authentication hook is added in the authenticated
 * contexts, so a route registered there is refused without a valid key whatever its URL, and must declare its roles
 * (`config: allowRoles([...], 'what it does')` or `config: ANY_ROLE`) or the service does not start. (A route added on
 * the root instance, outside both, gets the hook of its own: nothing is public by omission.)
 */
export interface HttpFace {
  /** The root instance: listen, inject, close, decorations, onClose hooks. */
  readonly app: FastifyInstance;
  /**
   * Registers `routes` in a public context: no key asked, no rate limit. A route shown in the OpenAPI document must
   * declare `security: []` there (checked at start-up), so the document does not claim it needs a key.
   */
  publicRoutes(routes: RoutePlugin): Promise<void>;
  /**
   * Registers `routes` in an authenticated context: every request needs a valid key (401 without, 429 past the
   * limits) and a role the route allows (403). With `websocket`, the context holds WebSocket routes, whose key may also
   * come as the `cmk.<key>` sub-protocol and never in the URL; without it, only `Authorization: Bearer`.
   */
  authenticatedRoutes(routes: RoutePlugin, options?: { readonly websocket?: boolean }): Promise<void>;
}

export interface ServerLimits {
  /** Largest request body, bytes (413 beyond). */
  readonly bodyLimit: number;
  /** Requests per verified API key per `rateWindowMs`. */
  readonly rateLimit: number;
  /**
   * Requests without a valid key (none, malformed, unknown, revoked, wrong secret) per client address per
   * `rateWindowMs`; past it the address gets 429 without its keys being checked, valid ones included.
   */
  readonly authFailureLimit: number;
  readonly rateWindowMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = { bodyLimit: 1024 * 1024, rateLimit: 600, authFailureLimit: 30, rateWindowMs: 60_000 };

/** What every HTTP face of the service needs: the single-process server (build-server.ts) and the cluster gateway. */
export interface HttpFaceOptions {
  /** Where API keys are verified (and, by the routes, audit written). */
  readonly store: Store;
  /** pino logger options or instance; default: no logging (tests). API keys are redacted (log-redaction.ts). */
  readonly logger?: boolean | FastifyBaseLogger | Record<string, unknown>;
  readonly limits?: Partial<ServerLimits>;
  /**
   * Check every answer against its response schema (response-serializer.ts). Default: on when the environment has
   * CROSSMARGIN_CHECK_RESPONSES=1 (the test suite), off in service.
   */
  readonly checkResponses?: boolean;
}

/**
 * The dashboard and swagger UI load scripts, styles, fonts and images only from the service itself (Vite bundles
 * everything). Styles allow 'unsafe-inline' because ECharts and swagger UI render markup with style attributes;
 * scripts never run inline. `connect-src 'self'` covers fetch and the same-origin WebSocket. No
 * upgrade-insecure-requests: the service is plain HTTP unless a proxy in front terminates TLS.
 */
const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'", 'data:'],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  imgSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
};

/**
 * The key a request presents: `Authorization: Bearer <key>`, or on a WebSocket route the `cmk.<key>` sub-protocol
 * (browsers cannot set other headers on a WebSocket). A key in the URL is refused: URLs end up in logs and histories.
 */
function requestKey(headers: FastifyRequest['headers'], websocket: boolean, query: unknown): string | undefined {
  const bearer = bearerKey(headers.authorization);
  if (!websocket) return bearer;
  if (typeof query === 'object' && query !== null && 'key' in query) {
    throw new CrossmarginError('UNAUTHENTICATED', `an API key in the URL (?key=) is refused, as URLs are logged: offer the WebSocket sub-protocols "${STREAM_PROTOCOL}" and "cmk.<key>"`, { field: 'key' });
  }
  const offered = protocolKey(headers['sec-websocket-protocol']);
  if (offered !== undefined && !(headers['sec-websocket-protocol'] ?? '').split(',').some((p) => p.trim() === STREAM_PROTOCOL)) {
    throw new CrossmarginError('UNAUTHENTICATED', `offer the sub-protocol "${STREAM_PROTOCOL}" with "cmk.<key>" (it is the one the server answers with)`, { field: 'sec-websocket-protocol' });
  }
  return bearer ?? offered;
}

/** A request string holding a NUL character, refused naming where (params, querystring, body, url) and the field. */
function nulRefusal(where: string, at: string): CrossmarginError {
  return new CrossmarginError('SCHEMA_INVALID', `${where}: ${at}: must not contain a NUL character`, { field: at === '(root)' ? where : at, details: { location: where } });
}

/** Pages a browser renders, which get the document security headers: the dashboard's files and the swagger UI. */
function isDocument(url: string): boolean {
  return url === '/docs' || url.startsWith('/docs/') || isDashboardPath(url);
}

/**
 * The security headers of an API (JSON) answer: OWASP REST Security Cheat Sheet, "Security Headers". Nothing may be
 * loaded by, or frame, a JSON answer opened in a browser; it is not cached (margin figures change every tick) and not
 * readable cross-origin without CORS.
 */
const API_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

/**
 * The HTTP/WebSocket face shared by the single-process server and the cluster gateway (docs/service.md), without
 * routes: zod validation of every request and OpenAPI generation (`/docs/json`, UI at `/docs`), coded error bodies,
 * security headers, the NUL-character checks, response serialisation that refuses non-finite figures, WebSocket
 * support, and the public and authenticated route contexts (HttpFace): the authentication hook (API keys of
 * `options.store`, rate limits) and the role checks belong to the authenticated ones.
 */
export async function buildHttpFace(options: HttpFaceOptions): Promise<HttpFace> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const app = Fastify({
    bodyLimit: limits.bodyLimit,
    ...redactingLoggerOption(options.logger ?? false),
    // Stop accepting at close, but let requests in flight finish (graceful shutdown).
    return503OnClosing: true,
    // URL errors found before routing (an undecodable path, an over-long path parameter) never reach the error
    // handler: answer them with a coded body too, naming no internals.
    frameworkErrors: (error, _request, reply) => {
      const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
      const message = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'url: a path parameter is too long' : 'url: the path cannot be decoded';
      // The reply of a framework error is untyped at this point (no route, no schema).
      const raw = reply as unknown as { code(status: number): { send(body: unknown): void } };
      raw.code(status).send(new CrossmarginError('USAGE_INVALID', message, { field: 'url', details: { reason: error.code } }).toJSON());
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializerCompiler(options.checkResponses ?? process.env[CHECK_RESPONSES_ENV] === '1'));
  app.decorateRequest('principal', undefined);

  const verifier = new KeyVerifier(options.store);
  // The two rate limits (window-limiter.ts): failed authentications per client address, requests per verified key.
  const authFailures = new WindowLimiter(limits.authFailureLimit, limits.rateWindowMs);
  const keyRequests = new WindowLimiter(limits.rateLimit, limits.rateWindowMs);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof CrossmarginError) {
      // A non-finite figure met by the response serialiser (finiteJson): a model produced it, the log says where.
      if ((error as CrossmarginError & { serialization?: unknown }).serialization !== undefined) request.log.error({ field: error.field }, 'non-finite figure in a response');
      if (error.code === 'INTERNAL') {
        // Logged in full server-side; the client gets no internal message (a database's text, a stack).
        request.log.error({ err: error }, 'internal error');
        return reply.code(500).send(new CrossmarginError('INTERNAL', 'Internal error').toJSON());
      }
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

  // Security headers on every answer, set first by the one onRequest hook below so that 400, 401 and 429 answers carry
  // them too. Documents (the dashboard, /docs) get helmet's full set with the dashboard's CSP, computed once
  // (helmet-headers.ts): they do not depend on the request, and @fastify/helmet would run helmet's middleware, and two
  // hooks of its own, on every request. API answers are JSON, never rendered: they get the set OWASP's REST Security
  // Cheat Sheet lists for APIs ("Security Headers"), with a CSP that allows nothing and `no-store` (margin figures
  // are not to be cached by a browser or a proxy). Half the headers and a tenth of the bytes of the document set:
  // issue 15 measured the twelve document headers at 5–7 % of a what-if request's server time. Through fastify's own
  // header list, not the raw response's setHeader: node then checks each header once, when the answer is written.
  const documentHeaders = Object.fromEntries(helmetHeaders({ contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY }, frameguard: { action: 'deny' } }));

  await app.register(swagger, {
    openapi: {
      info: { title: 'crossmargin margin service', version: '0.1.0', description: 'Accounts, positions, collateral and market data in; margins, margin calls and liquidation signals out.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API key: Authorization: Bearer cmk_…' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    // Schemas registered with an id (`.meta({ id })`: the recursive SIMM tree) become components the operations
    // reference; without it a recursive schema's `$ref` would point at nothing.
    transformObject: jsonSchemaTransformObject,
  });
  // The only sub-protocol ever selected is crossmargin.v1: ws would otherwise echo the first offered one, which may
  // be the `cmk.<key>` protocol carrying the key.
  await app.register(websocket, { options: { maxPayload: 64 * 1024, handleProtocols: (offered: Set<string>) => (offered.has(STREAM_PROTOCOL) ? STREAM_PROTOCOL : false) } });

  // No NUL character in any request string: PostgreSQL text cannot hold one, and no name or key needs one. A JSON body
  // can carry one only as the escape \u0000 (JSON refuses the raw character), so the body's text is searched, and only
  // a body containing it is walked for the field's path; the URL is searched in the onRequest hook below. (Each
  // fastify hook costs every request its runner: issue 15 measured the three hooks this replaces at a sixth of a
  // what-if request's server time.)
  //
  // fastify's JSON parser refuses `__proto__` and `constructor` keys (prototype poisoning) by searching every body for
  // them after parsing it. A body that cannot hold either key, even written with \u escapes, is parsed with JSON.parse
  // alone (issue 15: the search was a third of the parse on the what-if path); any other body, and any body
  // JSON.parse refuses (for fastify's own error), goes through fastify's parser.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const plainJson = (text: string): unknown => {
    if (text.includes('__proto__') || text.includes('constructor') || text.includes('\\u')) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  };
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const plain = plainJson(body as string);
    // undefined is no JSON text's value: the body goes to fastify's parser.
    if (plain !== undefined) return done(null, plain);
    parseJson(request, body as string, (error: Error | null, parsed?: unknown) => {
      if (error !== null) return done(error);
      const at = (body as string).includes('\\u0000') ? firstPath(parsed, hasNulCharacter) : undefined;
      if (at !== undefined) return done(nulRefusal('body', at));
      done(null, parsed);
    });
  });

  // Fail closed on figures: a success answer carrying a non-finite number (a model that produced one) is refused with
  // a coded 422 naming it, never serialised into a 500 or a null. The response serialisers check it (response-
  // serializer.ts), so every route must have a response schema: refused at start-up otherwise.
  //
  // Fail closed on keys: a route added outside the face's contexts (on the root instance) is not public either: it
  // gets the authentication hook of its own, any role. Only a public context makes a route public. (`this` is the
  // instance the route is added on; a context's routeContext decoration reaches its nested plugins too.)
  app.addHook('onRoute', function checkRoute(route) {
    // Exempt: files (the dashboard's, the API documentation's) and the WebSocket stream, which are not JSON answers.
    const exempt = route.websocket === true || isDashboardPath(route.url) || route.url === '/docs' || route.url.startsWith('/docs/');
    if (!exempt && route.schema?.response === undefined) {
      throw new CrossmarginError('INTERNAL', `route ${String(route.method)} ${route.url} has no response schema: its answers could not be checked for non-finite figures`, { field: 'schema.response' });
    }
    if (this.routeContext === undefined) route.onRequest = [authenticate(route.websocket === true), ...hooksOf(route.onRequest)];
  });

  // Charged to the key id the request proved (a varied secret buys nothing); a refused request counts too.
  const admit = (request: FastifyRequest, reply: FastifyReply, principal: Principal): void => {
    const waitMs = keyRequests.take(principal.key.id);
    if (waitMs > 0) {
      void reply.header('retry-after', Math.ceil(waitMs / 1000));
      throw new CrossmarginError('RATE_LIMITED', `rate limit exceeded: at most ${keyRequests.limit} requests per ${keyRequests.windowMs / 1000} s for this API key`, {
        field: 'authorization',
        details: { scope: 'key', limit: keyRequests.limit, retryAfterMs: waitMs },
      });
    }
    request.principal = principal;
  };

  // The root's onRequest hook, for every request, public ones included: security headers on every answer (first, so
  // that 400, 401 and 429 answers carry them too), and no NUL character in the URL (its params and query). A throw
  // here is the request's error answer (fastify's hook runner catches it).
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(isDocument(request.url.split('?')[0] ?? '') ? documentHeaders : API_HEADERS);
    if (request.url.includes('%00') || request.url.includes('\u0000')) {
      for (const [where, value] of [['params', request.params], ['querystring', request.query]] as const) {
        const at = firstPath(value, hasNulCharacter);
        if (at !== undefined) throw nulRefusal(where, at);
      }
      throw nulRefusal('url', '(root)');
    }
    done();
  });

  // The authentication hook of the authenticated contexts: the API key, after the root's hook above. Callback-style
  // and synchronous when the store knows the key verified since its last commit (nearly every request): fastify then
  // runs the route in the same turn, where an async hook costs each request a promise and a turn of the microtask
  // queue. One per kind of context (`websocket`: the key may also come as a sub-protocol), so that nothing about the
  // route is looked up per request.
  function authenticate(websocket: boolean): (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void {
    return (request, reply, done) => {
      const blockedMs = authFailures.blockedFor(request.ip);
      if (blockedMs > 0) {
        void reply.header('retry-after', Math.ceil(blockedMs / 1000));
        throw new CrossmarginError('RATE_LIMITED', `too many requests without a valid API key from this address: retry in ${Math.ceil(blockedMs / 1000)} s`, {
          field: 'authorization',
          details: { scope: 'address', limit: authFailures.limit, retryAfterMs: blockedMs },
        });
      }
      let key: string | undefined;
      let known: Principal | undefined;
      try {
        key = requestKey(request.headers, websocket, request.query);
        known = verifier.verified(key);
      } catch (error) {
        authFailures.charge(request.ip);
        throw error;
      }
      if (known !== undefined) {
        admit(request, reply, known);
        return done();
      }
      verifier.verify(key).then(
        (principal) => {
          try {
            admit(request, reply, principal);
          } catch (error) {
            return done(error as Error);
          }
          done();
        },
        (error: unknown) => {
          authFailures.charge(request.ip);
          done(error as Error);
        },
      );
    };
  }

  const publicRoutes = async (routes: RoutePlugin): Promise<void> => {
    await app.register(async (context) => {
      context.decorate('routeContext', 'public' satisfies RouteContext);
      context.addHook('onRoute', (route) => {
        // The OpenAPI document declares bearer authentication for every operation: a public one must say it needs none.
        const security = route.schema?.security;
        if (route.schema?.hide !== true && !(Array.isArray(security) && security.length === 0)) {
          throw new CrossmarginError('INTERNAL', `public route ${String(route.method)} ${route.url} does not declare security: [] in its schema`, { field: 'schema.security' });
        }
      });
      await routes(context);
    });
  };

  const authenticatedRoutes = async (routes: RoutePlugin, contextOptions: { readonly websocket?: boolean } = {}): Promise<void> => {
    const websocket = contextOptions.websocket === true;
    await app.register(async (context) => {
      context.decorate('routeContext', 'authenticated' satisfies RouteContext);
      context.addHook('onRoute', (route) => checkRoles(route, websocket));
      context.addHook('onRequest', authenticate(websocket));
      await routes(context);
    });
  };

  // A coded 404 instead of fastify's default, which logs and answers the full URL (query and all): a key pasted into
  // a path or query must not reach the log through it. Set in an authenticated context, so that a URL no route has is
  // authenticated like one (its hooks are those of the context the handler is set in): 401 without a valid key, 404
  // with one; no route is told apart without a key.
  await authenticatedRoutes((context) => {
    context.setNotFoundHandler((request) => {
      throw new CrossmarginError('NOT_FOUND', `no route ${request.method} ${redactSecrets(request.url.split('?')[0] ?? '')}`, { field: 'url' });
    });
  });
  await publicRoutes(async (context) => {
    await context.register(swaggerUi, { routePrefix: '/docs' });
  });

  return { app, publicRoutes, authenticatedRoutes };
}

/** A route option's hooks (one, several or none) as a list. */
function hooksOf<T>(hooks: T | T[] | undefined): T[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
}

/**
 * The roles rule of a route in an authenticated context, at start-up: it must declare its roles (`config.roles`),
 * and, unless every role may call it, it gets a preHandler refusing the other roles (403 FORBIDDEN). A preHandler, so
 * that, as before, an invalid request is refused as such (400, 422) before its role is; and only on the routes that need it,
 * since each hook costs every request of its routes.
 */
function checkRoles(route: RouteOptions, websocket: boolean): void {
  const where = `route ${String(route.method)} ${route.url}`;
  if ((route.websocket === true) !== websocket) {
    throw new CrossmarginError('INTERNAL', `${where}: a WebSocket route goes in the WebSocket context (authenticatedRoutes(…, { websocket: true })), any other route outside it`, { field: 'websocket' });
  }
  const roles = route.config?.roles;
  if (roles === undefined || roles.length === 0) {
    throw new CrossmarginError('INTERNAL', `${where} declares no roles: give config: allowRoles([...], 'what it does') or ANY_ROLE`, { field: 'config.roles' });
  }
  if (API_KEY_ROLES.every((role) => roles.includes(role))) return;
  const action = route.config?.action ?? `call ${String(route.method)} ${route.url}`;
  const refuse = (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (request.principal === undefined) throw new CrossmarginError('UNAUTHENTICATED', 'missing API key', { field: 'authorization' });
    requireRole(request.principal, roles, action);
    done();
  };
  route.preHandler = [refuse, ...hooksOf(route.preHandler)];
}
