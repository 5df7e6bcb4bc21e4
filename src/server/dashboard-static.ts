import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { packageRoot } from '../market/package-root.js';

/** Where `npm run build` puts the dashboard (Vite, web/ → dist/web). */
export function dashboardDirectory(): string {
  return join(packageRoot(), 'dist', 'web');
}

/**
 * Paths of the dashboard's static files, for their security headers (documents) and their exemption from response
 * schemas (http-face.ts). Not for authentication: they are public by being registered in the face's public context
 * (they hold no data; every figure comes from the API with a key).
 */
export function isDashboardPath(path: string): boolean {
  return path === '/' || path === '/index.html' || path.startsWith('/assets/') || path === '/favicon.svg';
}

/**
 * Serves the built dashboard at `/` (docs/dashboard.md). The page asks for an API key and keeps it in the tab's
 * sessionStorage; `serve --demo` prints a link with the key in the URL fragment, which never reaches the server.
 * Without a build, `/` says how to make one instead of failing.
 */
export async function registerDashboard(app: FastifyInstance, directory = dashboardDirectory()): Promise<void> {
  if (!existsSync(join(directory, 'index.html'))) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(`The dashboard is not built (no ${join(directory, 'index.html')}). Run \`npm run build\`, then restart the service. The API is at /docs.\n`),
    );
    return;
  }
  await app.register(fastifyStatic, { root: directory, prefix: '/', index: ['index.html'], wildcard: false, decorateReply: false, maxAge: 0 });
}
