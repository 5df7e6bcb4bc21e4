import type { FastifyBaseLogger, FastifyRequest } from 'fastify';

/**
 * Keeps API keys out of the request log. A key may reach a log line through the URL (`/stream?key=…` from an old
 * client, a key pasted into a path), a header (`Authorization`, `Sec-WebSocket-Protocol`) or a message that quotes
 * the URL (fastify's "Route … not found"). Three layers, so that one missed path does not leak:
 * - a `req` serializer that logs the URL with secrets cut out (and, as fastify's, no headers);
 * - pino `redact` paths for the headers, should anything log them;
 * - a `streamWrite` hook that scrubs every finished line (only where buildServer creates the logger itself; a logger
 *   instance passed in gets the first two, through a child logger).
 * The key id (`cmk_<16 hex>_`) is kept: it is not secret, and it tells which key a line is about.
 */

const CENSOR = '[REDACTED]';
/** A key (or anything shaped like one's start): the id is kept, the secret cut. */
const KEY_PATTERN = /\bcmk_([0-9a-f]{16})_[A-Za-z0-9_-]+/g;
/** Any other `cmk_…` token (malformed, truncated): it may still be most of a secret. */
const KEY_LIKE_PATTERN = /\bcmk_(?![0-9a-f]{16}_\[REDACTED\])[A-Za-z0-9_.%-]+/g;
/** Query parameters that carry credentials by convention. */
const SECRET_QUERY_PATTERN = /([?&](?:key|api_key|apikey|token|access_token)=)[^&#\s"']*/gi;

/** `text` with API keys and credential query parameters replaced by `[REDACTED]`. */
export function redactSecrets(text: string): string {
  return text.replace(SECRET_QUERY_PATTERN, `$1${CENSOR}`).replace(KEY_PATTERN, `cmk_$1_${CENSOR}`).replace(KEY_LIKE_PATTERN, `cmk_${CENSOR}`);
}

/** Header paths pino censors wherever a request (or its headers) is logged. */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["sec-websocket-protocol"]',
  'headers.authorization',
  'headers.cookie',
  'headers["sec-websocket-protocol"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["sec-websocket-protocol"]',
];

/** fastify's request serializer (method, url, host, address), with the URL redacted. */
export function serializeRequest(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: typeof request.url === 'string' ? redactSecrets(request.url) : request.url,
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

type LoggerOption = boolean | FastifyBaseLogger | Record<string, unknown>;

/** fastify's `logger` / `loggerInstance` option for buildServer's `logger`, with the redaction above. */
export function redactingLoggerOption(option: LoggerOption): { logger: boolean | Record<string, unknown> } | { loggerInstance: FastifyBaseLogger } {
  if (option === false) return { logger: false };
  const redact = { paths: REDACTED_LOG_PATHS, censor: CENSOR };
  if (typeof option === 'object' && 'info' in option && typeof option.info === 'function') {
    const instance = option as FastifyBaseLogger;
    // fastify lets the instance's own serializers win over its defaults, so the child's `req` serializer is used.
    return { loggerInstance: instance.child({}, { serializers: { req: serializeRequest }, redact }) };
  }
  const options = option === true ? {} : (option as Record<string, unknown>);
  const hooks = (options['hooks'] ?? {}) as { streamWrite?: (line: string) => string };
  const serializers = (options['serializers'] ?? {}) as Record<string, unknown>;
  return {
    logger: {
      ...options,
      serializers: { ...serializers, req: serializeRequest },
      redact,
      hooks: { ...hooks, streamWrite: (line: string) => redactSecrets(hooks.streamWrite?.(line) ?? line) },
    },
  };
}
