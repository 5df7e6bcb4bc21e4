import type { IncomingMessage, ServerResponse } from 'node:http';
import helmetMiddleware, { type HelmetOptions } from 'helmet';

/**
 * The response headers helmet sets for `options`, computed once: helmet's middleware run against a recording
 * response. They depend only on the options, so every answer can carry the same list (build-server.ts).
 */
export function helmetHeaders(options: Readonly<HelmetOptions>): readonly (readonly [string, string])[] {
  const headers: [string, string][] = [];
  const recorder = {
    setHeader(name: string, value: number | string | readonly string[]): void {
      headers.push([name, Array.isArray(value) ? value.join(', ') : String(value)]);
    },
    removeHeader(): void {
      // helmet removes X-Powered-By, which fastify never sets.
    },
  };
  helmetMiddleware(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error !== undefined && error !== null) throw error;
  });
  return headers;
}
