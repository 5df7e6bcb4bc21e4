import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { allowRoles, ANY_ROLE } from '../src/server/authenticate.js';
import { buildHttpFace, type HttpFace } from '../src/server/http-face.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';

/**
 * The face's route contexts (http-face.ts, docs/service.md "Auth and roles"): a route is public only in a public
 * context; everywhere else it needs a key, and in an authenticated context it declares its roles. Checked on a bare
 * face with routes no service has, so that nothing here depends on the service's own URLs.
 */

interface Face {
  face: HttpFace;
  store: Store;
  keys: { admin: string; officer: string };
}

const opened: Face[] = [];
afterAll(async () => {
  for (const f of opened.splice(0)) {
    await f.face.app.close();
    await f.store.close();
  }
});

async function face(): Promise<Face> {
  const store = await openStore(':memory:');
  const built = await buildHttpFace({ store });
  const keys = { admin: (await store.createApiKey({ role: 'admin' })).plaintext, officer: (await store.createApiKey({ role: 'risk-officer' })).plaintext };
  const f = { face: built, store, keys };
  opened.push(f);
  return f;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const OK = { 200: z.object({ ok: z.boolean() }) };
const ok = async () => ({ ok: true });

describe('authenticated context', () => {
  it('refuses a new route without a key, whatever its URL (fail closed), and answers it with one', async () => {
    const f = await face();
    await f.face.authenticatedRoutes((app) => {
      app.get('/brand-new/route', { config: ANY_ROLE, schema: { response: OK } }, ok);
      // A URL that looks like a public one gets no exemption: the context decides, not the path.
      app.get('/healthz-like', { config: ANY_ROLE, schema: { response: OK } }, ok);
    });
    for (const url of ['/brand-new/route', '/healthz-like']) {
      const without = await f.face.app.inject({ method: 'GET', url });
      expect(without.statusCode).toBe(401);
      expect(without.json()).toMatchObject({ code: 'UNAUTHENTICATED', field: 'authorization' });
      expect((await f.face.app.inject({ method: 'GET', url, headers: bearer('cmk_nope') })).statusCode).toBe(401);
      expect((await f.face.app.inject({ method: 'GET', url, headers: bearer(f.keys.officer) })).json()).toEqual({ ok: true });
    }
  });

  it('checks the roles a route declares: 403 FORBIDDEN saying what the key may not do, after validation', async () => {
    const f = await face();
    await f.face.authenticatedRoutes((app) => {
      app.post('/admin-only', { config: allowRoles(['admin'], 'press the button'), schema: { body: z.strictObject({ n: z.number() }), response: OK } }, ok);
    });
    const post = (key: string, payload: unknown) => f.face.app.inject({ method: 'POST', url: '/admin-only', headers: bearer(key), payload: payload as object });
    const refused = await post(f.keys.officer, { n: 1 });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'FORBIDDEN', message: 'a risk-officer key may not press the button' });
    // As with the checks in handlers before: an invalid request is refused as such first.
    expect((await post(f.keys.officer, { n: 'x' })).json()).toMatchObject({ code: 'SCHEMA_INVALID', field: 'n' });
    expect((await post(f.keys.admin, { n: 1 })).json()).toEqual({ ok: true });
  });

  it('refuses at start-up a route that declares no roles, and a WebSocket route outside the WebSocket context', async () => {
    const f = await face();
    await expect(f.face.authenticatedRoutes((app) => void app.get('/no-roles', { schema: { response: OK } }, ok))).rejects.toThrow(/declares no roles/);
    const g = await face();
    await expect(g.face.authenticatedRoutes((app) => void app.get('/socket', { websocket: true, config: ANY_ROLE, schema: { hide: true } }, () => undefined))).rejects.toThrow(/WebSocket context/);
  });

  it('answers a URL no route has like an authenticated route: 401 without a key, 404 with one', async () => {
    const f = await face();
    expect((await f.face.app.inject({ method: 'GET', url: '/nothing/here' })).statusCode).toBe(401);
    const found = await f.face.app.inject({ method: 'GET', url: '/nothing/here', headers: bearer(f.keys.admin) });
    expect(found.statusCode).toBe(404);
    expect(found.json()).toMatchObject({ code: 'NOT_FOUND', field: 'url' });
  });
});

describe('public context', () => {
  it('serves its routes without a key; a route shown in OpenAPI must declare security: []', async () => {
    const f = await face();
    await f.face.publicRoutes((app) => void app.get('/open', { schema: { security: [], response: OK } }, ok));
    expect((await f.face.app.inject({ method: 'GET', url: '/open' })).json()).toEqual({ ok: true });
    const g = await face();
    await expect(g.face.publicRoutes((app) => void app.get('/undeclared', { schema: { response: OK } }, ok))).rejects.toThrow(/security: \[\]/);
  });

  it('a route added outside both contexts, on the root, is not public: it needs a key (any role)', async () => {
    const f = await face();
    f.face.app.get('/on-the-root', { schema: { response: OK } }, ok);
    expect((await f.face.app.inject({ method: 'GET', url: '/on-the-root' })).statusCode).toBe(401);
    expect((await f.face.app.inject({ method: 'GET', url: '/on-the-root', headers: bearer(f.keys.officer) })).json()).toEqual({ ok: true });
  });

  it('documents the split in OpenAPI: public operations declare security: [], the others inherit the bearer scheme', async () => {
    const f = await face();
    await f.face.publicRoutes((app) => void app.get('/open', { schema: { security: [], response: OK } }, ok));
    await f.face.authenticatedRoutes((app) => void app.get('/closed', { config: ANY_ROLE, schema: { response: OK } }, ok));
    const doc = (await f.face.app.inject({ method: 'GET', url: '/docs/json' })).json() as { security: unknown; paths: Record<string, { get: { security?: unknown } }> };
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/open']?.get.security).toEqual([]);
    expect(doc.paths['/closed']?.get.security).toBeUndefined();
  });
});
