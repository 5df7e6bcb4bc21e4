import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildServer, type BuildServerOptions, type ServerLimits } from '../src/server/build-server.js';
import { EngineHost } from '../src/server/engine-host.js';
import { redactSecrets } from '../src/server/log-redaction.js';
import { restoreEngine } from '../src/server/restore-engine.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';
import { TEST_SETTINGS } from './server-helpers.js';

/**
 * Authentication hardening (docs/service.md "Auth and roles", "Rate limits", "Request log", "Security headers"):
 * cheap and uniform key checks, per-key and per-address limits, the WebSocket key outside the URL, no key in the
 * log, security headers on every answer.
 */

interface AuthServer {
  app: FastifyInstance;
  store: Store;
  adminKey: string;
  close(): Promise<void>;
}

const servers: AuthServer[] = [];
afterAll(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function server(options: { limits?: Partial<ServerLimits>; logger?: BuildServerOptions['logger']; dashboardDirectory?: string } = {}): Promise<AuthServer> {
  const store = await openStore(':memory:');
  const app = await buildServer({ store, engine: new EngineHost(await restoreEngine(store, TEST_SETTINGS)), model: TEST_SETTINGS.model, ...options });
  const adminKey = (await store.createApiKey({ role: 'admin' })).plaintext;
  const s = { app, store, adminKey, close: async () => (await app.close(), await store.close()) };
  servers.push(s);
  return s;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
/** The same key id with another (valid-looking) secret. */
const wrongSecret = (key: string) => `${key.slice(0, 21)}${'A'.repeat(42)}${key.endsWith('A') ? 'B' : 'A'}`;

describe('key verification', () => {
  it('answers a wrong secret for a known id exactly as an unknown id (no key-id discovery; no scrypt: see api-key-hash.test.ts)', async () => {
    const s = await server({ limits: { authFailureLimit: 1_000 } });
    // Speed is a benchmark matter, not a unit test's: that no scrypt runs is counted in src/store/api-key-hash.test.ts.
    const known = await s.app.inject({ method: 'GET', url: '/accounts', headers: bearer(wrongSecret(s.adminKey)) });
    const unknown = await s.app.inject({ method: 'GET', url: '/accounts', headers: bearer(`cmk_0123456789abcdef_${'A'.repeat(43)}`) });
    expect(known.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(known.json()).toEqual(unknown.json());
  });

  it('refuses a revoked key at once, even one revoked behind the server (no cache of verified keys)', async () => {
    const s = await server();
    const key = await s.store.createApiKey({ role: 'risk-officer' });
    expect((await s.app.inject({ method: 'GET', url: '/accounts', headers: bearer(key.plaintext) })).statusCode).toBe(200);
    await s.store.revokeApiKey(key.record.id, new Date().toISOString());
    const r = await s.app.inject({ method: 'GET', url: '/accounts', headers: bearer(key.plaintext) });
    expect(r.statusCode).toBe(401);
    expect(r.json()).toMatchObject({ code: 'UNAUTHENTICATED', field: 'authorization' });
  });
});

describe('rate limits', () => {
  it('charges a key budget to the verified key id, not to the bearer string or the address', async () => {
    const s = await server({ limits: { rateLimit: 3 } });
    const other = (await s.store.createApiKey({ role: 'admin' })).plaintext;
    const get = (key: string) => s.app.inject({ method: 'GET', url: '/accounts', headers: { authorization: `bearer   ${key}` } });
    for (let i = 0; i < 3; i++) expect((await get(s.adminKey)).statusCode).toBe(200);
    const limited = await get(s.adminKey);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED', field: 'authorization', details: { scope: 'key', limit: 3 } });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Public routes are not charged.
    expect((await s.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    // Varying the secret buys no fresh budget: it fails authentication instead.
    expect((await get(wrongSecret(s.adminKey))).statusCode).toBe(401);
    // Another key from the same address has its own budget.
    expect((await get(other)).statusCode).toBe(200);
  });

  it('limits requests without a valid key per client address, before any key is checked', async () => {
    const s = await server({ limits: { authFailureLimit: 4, rateWindowMs: 1_000 } });
    const verify = vi.spyOn(s.store, 'verifyApiKey');
    const from = (address: string, headers: Record<string, string> = {}) => s.app.inject({ method: 'GET', url: '/accounts', headers, remoteAddress: address });
    const failures = [{}, bearer('let me in'), bearer(`cmk_0123456789abcdef_${'A'.repeat(43)}`), bearer(wrongSecret(s.adminKey))];
    for (const headers of failures) expect((await from('10.0.0.1', headers)).statusCode).toBe(401);
    const calls = verify.mock.calls.length;
    const limited = await from('10.0.0.1', bearer(wrongSecret(s.adminKey)));
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED', field: 'authorization', details: { scope: 'address', limit: 4 } });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await from('10.0.0.1')).statusCode).toBe(429);
    // While the address is over its budget, even a valid key from it is not checked.
    expect((await from('10.0.0.1', bearer(s.adminKey))).statusCode).toBe(429);
    expect(verify.mock.calls.length).toBe(calls);
    // Public routes stay open; other addresses are not affected.
    expect((await s.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.0.0.1' })).statusCode).toBe(200);
    expect((await from('10.0.0.2', bearer(s.adminKey))).statusCode).toBe(200);
    expect((await from('10.0.0.2', bearer(wrongSecret(s.adminKey)))).statusCode).toBe(401);
    // The budget comes back with the next window.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await from('10.0.0.1', bearer(s.adminKey))).statusCode).toBe(200);
  });
});

/** The `ws` client (a dependency of @fastify/websocket), typed as far as used here. */
interface WsClient {
  readonly protocol: string;
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'upgrade', listener: (response: { headers: Record<string, string | undefined> }) => void): void;
  on(event: 'open' | 'close', listener: () => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  close(): void;
}
type WsConstructor = new (url: string, protocols?: string[], options?: { headers?: Record<string, string> }) => WsClient;
const wsClient = async () => ((await import('ws' as string)) as { default: WsConstructor }).default;

/** The first message of a connection (the hello), with the upgrade answer's sub-protocol; or the connection error. */
async function connect(url: string, protocols?: string[], headers?: Record<string, string>) {
  const WebSocketClient = await wsClient();
  const ws = new WebSocketClient(url, protocols, headers === undefined ? undefined : { headers });
  let answered: string | undefined;
  ws.on('upgrade', (response) => (answered = response.headers['sec-websocket-protocol']));
  try {
    const hello = await new Promise<{ type: string; keyId?: string }>((resolve, reject) => {
      ws.on('message', (data) => resolve(JSON.parse(data.toString())));
      ws.on('error', reject);
    });
    return { hello, protocol: ws.protocol, answered };
  } finally {
    ws.close();
  }
}

describe('WebSocket authentication', () => {
  it('takes the key as the cmk.<key> sub-protocol and answers with crossmargin.v1 only', async () => {
    const s = await server();
    const base = (await s.app.listen({ host: '127.0.0.1', port: 0 })).replace('http://', 'ws://');
    const keyId = s.adminKey.slice(4, 20);
    for (const offered of [['crossmargin.v1', `cmk.${s.adminKey}`], [`cmk.${s.adminKey}`, 'crossmargin.v1']]) {
      const got = await connect(`${base}/stream`, offered);
      expect(got.hello).toMatchObject({ type: 'hello', keyId });
      // ws would echo the first offered protocol: with the key first, that would send the key back.
      expect(got.protocol).toBe('crossmargin.v1');
      expect(got.answered).toBe('crossmargin.v1');
    }
    // Non-browser clients may send the Authorization header instead.
    expect((await connect(`${base}/stream`, undefined, bearer(s.adminKey))).hello).toMatchObject({ type: 'hello', keyId });
  });

  it('refuses a key in the URL, a wrong key, and a key offered without crossmargin.v1', async () => {
    const s = await server();
    const base = (await s.app.listen({ host: '127.0.0.1', port: 0 })).replace('http://', 'ws://');
    await expect(connect(`${base}/stream?key=${encodeURIComponent(s.adminKey)}`)).rejects.toThrow(/401/);
    await expect(connect(`${base}/stream`, ['crossmargin.v1', `cmk.${wrongSecret(s.adminKey)}`])).rejects.toThrow(/401/);
    await expect(connect(`${base}/stream`, [`cmk.${s.adminKey}`])).rejects.toThrow(/401/);
    await expect(connect(`${base}/stream`, ['crossmargin.v1'])).rejects.toThrow(/401/);
    // The answer says what to do instead.
    const inURL = await s.app.inject({ method: 'GET', url: `/stream?key=${encodeURIComponent(s.adminKey)}` });
    expect(inURL.statusCode).toBe(401);
    expect(inURL.json()).toMatchObject({ code: 'UNAUTHENTICATED', field: 'key' });
    expect(inURL.json().message).toContain('sub-protocol');
  });
});

describe('request log', () => {
  /** `cmk_` + 16 hex + `_` + 43 base64url: a whole key. */
  const WHOLE_KEY = /cmk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/;

  it('redacts keys from URLs, headers and messages in every line', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const s = await server({ logger: { level: 'info', stream } });
    const holder = await s.store.createApiKey({ role: 'risk-officer' });
    const secrets = [s.adminKey, holder.plaintext, wrongSecret(s.adminKey)].map((k) => k.slice(21));
    const base = (await s.app.listen({ host: '127.0.0.1', port: 0 })).replace('http://', 'ws://');
    await s.app.inject({ method: 'GET', url: '/accounts', headers: bearer(s.adminKey) });
    await s.app.inject({ method: 'GET', url: '/accounts', headers: bearer(wrongSecret(s.adminKey)) });
    await s.app.inject({ method: 'GET', url: `/stream?key=${s.adminKey}` });
    await s.app.inject({ method: 'GET', url: `/accounts?key=${holder.plaintext}&token=${holder.plaintext}`, headers: bearer(holder.plaintext) });
    // An unknown route: fastify's default 404 would log "Route GET:<url> not found" with the query.
    await s.app.inject({ method: 'GET', url: `/no-such/${holder.plaintext}?key=${holder.plaintext}`, headers: bearer(holder.plaintext) });
    await connect(`${base}/stream`, ['crossmargin.v1', `cmk.${holder.plaintext}`]);
    await expect(connect(`${base}/stream?key=${holder.plaintext}`)).rejects.toThrow(/401/);
    await new Promise((resolve) => setTimeout(resolve, 100));

    const log = lines.join('');
    expect(log).toContain('incoming request');
    expect(log).toContain('/stream?key=[REDACTED]');
    for (const secret of secrets) expect(log).not.toContain(secret);
    expect(log).not.toMatch(WHOLE_KEY);
  });

  it('redacts URLs and headers through a logger instance passed in too', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const pino = ((await import('pino' as string)) as { default: (options: object, stream: Writable) => Record<string, unknown> }).default;
    const instance = pino({ level: 'info' }, stream);
    const s = await server({ logger: instance });
    await s.app.inject({ method: 'GET', url: `/stream?key=${s.adminKey}` });
    s.app.log.info({ headers: { authorization: `Bearer ${s.adminKey}`, 'sec-websocket-protocol': `crossmargin.v1, cmk.${s.adminKey}` } }, 'headers');
    const log = lines.join('');
    expect(log).toContain('/stream?key=[REDACTED]');
    expect(log).toContain('"authorization":"[REDACTED]"');
    expect(log).toContain('"sec-websocket-protocol":"[REDACTED]"');
    expect(log).not.toContain(s.adminKey.slice(21));
  });

  it('redactSecrets keeps the key id and cuts the secret, in URLs and free text', () => {
    const key = `cmk_0123456789abcdef_${'x'.repeat(43)}`;
    expect(redactSecrets(`/stream?key=${key}&b=1`)).toBe('/stream?key=[REDACTED]&b=1');
    expect(redactSecrets(`/x?api_key=abc&token=def`)).toBe('/x?api_key=[REDACTED]&token=[REDACTED]');
    expect(redactSecrets(`Route GET:/a/${key} not found`)).toBe('Route GET:/a/cmk_0123456789abcdef_[REDACTED] not found');
    expect(redactSecrets('protocols crossmargin.v1, cmk.cmk_bad_secret')).toBe('protocols crossmargin.v1, cmk.cmk_[REDACTED]');
  });
});

describe('security headers', () => {
  it('sends CSP, nosniff and frame protection on the dashboard, the API, errors and /docs', async () => {
    const web = mkdtempSync(join(tmpdir(), 'crossmargin-web-'));
    writeFileSync(join(web, 'index.html'), '<!doctype html><div id="root"></div>');
    const s = await server({ dashboardDirectory: web });
    const answers = {
      dashboard: await s.app.inject({ method: 'GET', url: '/' }),
      api: await s.app.inject({ method: 'GET', url: '/accounts', headers: bearer(s.adminKey) }),
      unauthenticated: await s.app.inject({ method: 'GET', url: '/accounts' }),
      docs: await s.app.inject({ method: 'GET', url: '/docs/' }),
    };
    expect(answers.dashboard.statusCode).toBe(200);
    expect(answers.api.statusCode).toBe(200);
    expect(answers.unauthenticated.statusCode).toBe(401);
    expect(answers.docs.statusCode).toBe(200);
    for (const [name, r] of Object.entries(answers)) {
      expect(r.headers['x-content-type-options'], name).toBe('nosniff');
      expect(r.headers['x-frame-options'], name).toBe('DENY');
      expect(r.headers['referrer-policy'], name).toBe('no-referrer');
      expect(r.headers['strict-transport-security'], name).toContain('max-age=');
      const csp = String(r.headers['content-security-policy']);
      expect(csp, name).toContain("frame-ancestors 'none'");
      expect(csp, name).not.toContain('unsafe-eval');
    }
    // Documents (dashboard, swagger UI) load the service's own scripts and nothing inline.
    for (const name of ['dashboard', 'docs'] as const) {
      const csp = String(answers[name].headers['content-security-policy']);
      expect(csp, name).toContain("default-src 'self'");
      expect(csp, name).toContain("script-src 'self';");
      expect(csp, name).toContain("script-src-attr 'none'");
    }
    // JSON answers (the API and its errors) load nothing and are not cached (OWASP REST Security Cheat Sheet).
    for (const name of ['api', 'unauthenticated'] as const) {
      expect(answers[name].headers['content-security-policy'], name).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(answers[name].headers['cache-control'], name).toBe('no-store');
      expect(answers[name].headers['cross-origin-resource-policy'], name).toBe('same-origin');
    }
  });
});
