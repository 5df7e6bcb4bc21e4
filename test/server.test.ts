import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestDatabases, startTestServer, TEST_BACKENDS, TEST_SETTINGS, testMarket, type TestServer } from './server-helpers.js';

afterAll(async () => {
  await dropTestDatabases();
});

describe.each(TEST_BACKENDS)('on $name', (backend) => {
  let s: TestServer;
  let holderKey: string;
  let officerKey: string;

  beforeAll(async () => {
    s = await startTestServer(await backend.newDb());
    const admin = s.auth(s.adminKey);
    await s.app.inject({ method: 'POST', url: '/market', headers: admin, payload: testMarket(66_000, 3_500) });
    const holder = await s.app.inject({ method: 'POST', url: '/keys', headers: admin, payload: { role: 'account-holder', label: 'alice' } });
    expect(holder.statusCode).toBe(201);
    holderKey = holder.json().plaintext;
    const officer = await s.app.inject({ method: 'POST', url: '/keys', headers: admin, payload: { role: 'risk-officer' } });
    officerKey = officer.json().plaintext;
    const a1 = await s.app.inject({
      method: 'POST',
      url: '/accounts',
      headers: admin,
      payload: { id: 'a1', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], collateral: { USDC: 20_000 }, ownerKeyId: holder.json().record.id },
    });
    expect(a1.statusCode).toBe(201);
    const b1 = await s.app.inject({ method: 'POST', url: '/accounts', headers: admin, payload: { id: 'b1', positions: [{ instrument: 'ETH_USDC-PERPETUAL', quantity: -5 }], collateral: { USDC: 5_000 } } });
    expect(b1.statusCode).toBe(201);
  });

  afterAll(async () => {
    await s.close();
  });

  describe('margin service HTTP API', () => {
    it('serves the OpenAPI document listing the routes, and the docs UI', async () => {
      const doc = await s.app.inject({ method: 'GET', url: '/docs/json' });
      expect(doc.statusCode).toBe(200);
      const paths = Object.keys(doc.json().paths);
      for (const p of ['/accounts', '/accounts/{id}', '/accounts/{id}/trades', '/accounts/{id}/margin', '/accounts/{id}/what-if', '/accounts/{id}/max-order', '/market', '/parameter-sets', '/events', '/audit', '/healthz']) {
        expect(paths).toContain(p);
      }
      expect(doc.json().paths['/market'].post.requestBody).toBeDefined();
      const ui = await s.app.inject({ method: 'GET', url: '/docs/' });
      expect(ui.statusCode).toBe(200);
    });

    it('answers 401 without a key or with a wrong one, and /healthz without one', async () => {
      const none = await s.app.inject({ method: 'GET', url: '/accounts' });
      expect(none.statusCode).toBe(401);
      expect(none.json().code).toBe('UNAUTHENTICATED');
      const wrong = await s.app.inject({ method: 'GET', url: '/accounts', headers: s.auth('cmk_0000000000000000_nope') });
      expect(wrong.statusCode).toBe(401);
      expect((await s.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    });

    it('lets an account holder see and trade its own account only', async () => {
      const own = await s.app.inject({ method: 'GET', url: '/accounts/a1', headers: s.auth(holderKey) });
      expect(own.statusCode).toBe(200);
      const other = await s.app.inject({ method: 'GET', url: '/accounts/b1', headers: s.auth(holderKey) });
      expect(other.statusCode).toBe(404);
      expect(other.json().code).toBe('NOT_FOUND');
      const otherMargin = await s.app.inject({ method: 'GET', url: '/accounts/b1/margin', headers: s.auth(holderKey) });
      expect(otherMargin.statusCode).toBe(404);
      const list = await s.app.inject({ method: 'GET', url: '/accounts', headers: s.auth(holderKey) });
      expect(list.json().map((a: { id: string }) => a.id)).toEqual(['a1']);
      const market = await s.app.inject({ method: 'POST', url: '/market', headers: s.auth(holderKey), payload: testMarket(66_000, 3_500, '2024-06-17T08:00:01Z') });
      expect(market.statusCode).toBe(403);
      const audit = await s.app.inject({ method: 'GET', url: '/audit', headers: s.auth(holderKey) });
      expect(audit.statusCode).toBe(403);
      const officer = await s.app.inject({ method: 'GET', url: '/accounts/b1/margin', headers: s.auth(officerKey) });
      expect(officer.statusCode).toBe(200);
      const officerKeys = await s.app.inject({ method: 'GET', url: '/keys', headers: s.auth(officerKey) });
      expect(officerKeys.statusCode).toBe(403);
    });

    it('rejects a malformed body with 422 naming the field and writes nothing', async () => {
      const before = await s.store.listAudit();
      const bad = await s.app.inject({ method: 'POST', url: '/accounts/a1/trades', headers: s.auth(s.adminKey), payload: { instrument: 'BTC_USDC-PERPETUAL', quantity: 'lots', idempotencyKey: 'k-bad' } });
      expect(bad.statusCode).toBe(422);
      expect(bad.json().code).toBe('SCHEMA_INVALID');
      expect(bad.json().field).toBe('quantity');
      const nested = await s.app.inject({ method: 'POST', url: '/accounts', headers: s.auth(s.adminKey), payload: { id: 'c1', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 'x' }] } });
      expect(nested.statusCode).toBe(422);
      expect(nested.json().field).toBe('positions.0.quantity');
      const badName = await s.app.inject({ method: 'POST', url: '/accounts', headers: s.auth(s.adminKey), payload: { id: 'c2', positions: [{ instrument: 'NOT-AN-INSTRUMENT-X', quantity: 1 }] } });
      expect(badName.statusCode).toBe(422);
      expect(badName.json().field).toBe('positions.0.instrument');
      const badJson = await s.app.inject({ method: 'POST', url: '/market', headers: { ...s.auth(s.adminKey), 'content-type': 'application/json' }, payload: '{"asOf":' });
      expect(badJson.statusCode).toBe(400);
      expect(badJson.json().code).toBe('JSON_MALFORMED');
      expect(await s.store.getAccount('c1')).toBeUndefined();
      expect(await s.store.getAccount('c2')).toBeUndefined();
      expect(await s.store.listPositions('a1')).toEqual([{ accountId: 'a1', instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }]);
      expect(await s.store.listAudit()).toEqual(before);
    });

    it('applies a retried trade (same idempotency key) once', async () => {
      const trade = { instrument: 'BTC_USDC-PERPETUAL', quantity: 0.5, idempotencyKey: 'order-1' };
      const first = await s.app.inject({ method: 'POST', url: '/accounts/a1/trades', headers: s.auth(holderKey), payload: trade });
      expect(first.statusCode).toBe(200);
      expect(first.json()).toMatchObject({ position: 1.5, replayed: false });
      const again = await s.app.inject({ method: 'POST', url: '/accounts/a1/trades', headers: s.auth(holderKey), payload: trade });
      expect(again.json()).toMatchObject({ position: 1.5, replayed: true });
      expect((await s.store.listPositions('a1'))[0]?.quantity).toBe(1.5);
      const margin = await s.app.inject({ method: 'GET', url: '/accounts/a1/margin', headers: s.auth(holderKey) });
      expect(margin.json().result.positions[0].quantity).toBe(1.5);
      const conflict = await s.app.inject({ method: 'POST', url: '/accounts/a1/trades', headers: s.auth(holderKey), payload: { ...trade, quantity: 2 } });
      expect(conflict.statusCode).toBe(409);
      const audit = await s.store.listAudit({ keyId: undefined });
      expect(audit.filter((e) => e.action === 'trade.apply' && e.target === 'a1')).toHaveLength(1);
    });

    it('recomputes margin on a market push and records the audit entry with the key', async () => {
      const before = (await s.app.inject({ method: 'GET', url: '/accounts/b1/margin', headers: s.auth(s.adminKey) })).json();
      const push = await s.app.inject({ method: 'POST', url: '/market', headers: s.auth(officerKey), payload: testMarket(66_000, 4_000, '2024-06-17T09:00:00Z') });
      expect(push.statusCode).toBe(200);
      expect(push.json()).toMatchObject({ accepted: ['BTC', 'ETH'], held: [] });
      const after = (await s.app.inject({ method: 'GET', url: '/accounts/b1/margin', headers: s.auth(s.adminKey) })).json();
      // isolated-simple: 10 % of notional; 5 ETH × 3,500 → 1,750; × 4,000 → 2,000.
      expect(before.result.initialMargin).toBeCloseTo(1_750, 6);
      expect(after.result.initialMargin).toBeCloseTo(2_000, 6);
      expect(after.asOf).toBe('2024-06-17T09:00:00Z');
      const audit = await s.store.listAudit();
      expect(audit.at(-1)).toMatchObject({ action: 'market.push' });
      const officer = (await s.store.listApiKeys()).find((k) => k.role === 'risk-officer');
      expect(audit.at(-1)?.keyId).toBe(officer?.id);
      const older = await s.app.inject({ method: 'POST', url: '/market', headers: s.auth(officerKey), payload: testMarket(66_000, 4_000, '2024-06-17T07:00:00Z') });
      expect(older.statusCode).toBe(422);
      expect(older.json().field).toBe('asOf');
    });

    it('answers what-if without changing state', async () => {
      const before = (await s.app.inject({ method: 'GET', url: '/accounts/a1/margin', headers: s.auth(holderKey) })).json();
      const w = await s.app.inject({ method: 'POST', url: '/accounts/a1/what-if', headers: s.auth(holderKey), payload: { trades: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2 }] } });
      expect(w.statusCode).toBe(200);
      expect(w.json().initialMargin).toBeCloseTo(3.5 * 6_600, 6);
      // The model's explanation only when asked for; the figures are the same either way.
      expect(w.json()).not.toHaveProperty('result');
      const explained = await s.app.inject({ method: 'POST', url: '/accounts/a1/what-if', headers: s.auth(holderKey), payload: { trades: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2 }], explain: true } });
      expect(explained.statusCode).toBe(200);
      expect(explained.json().result.initialMargin).toBeCloseTo(3.5 * 6_600, 6);
      expect(explained.json().result.positions.map((p: { instrument: string }) => p.instrument).sort()).toEqual(['BTC_USDC-PERPETUAL']);
      expect({ ...explained.json(), result: undefined }).toEqual({ ...w.json(), result: undefined });
      const after = (await s.app.inject({ method: 'GET', url: '/accounts/a1/margin', headers: s.auth(holderKey) })).json();
      expect(after).toEqual(before);
      expect((await s.store.listPositions('a1'))[0]?.quantity).toBe(1.5);
    });

    it('answers the maximum order size', async () => {
      const r = await s.app.inject({ method: 'GET', url: '/accounts/a1/max-order?instrument=BTC_USDC-PERPETUAL&side=buy', headers: s.auth(holderKey) });
      expect(r.statusCode).toBe(200);
      // 20,000 USDC / 6,600 per BTC = 3.0303 BTC in all, 1.5 held.
      expect(r.json().quantity).toBeCloseTo(20_000 / 6_600 - 1.5, 6);
      const bad = await s.app.inject({ method: 'GET', url: '/accounts/a1/max-order?instrument=BTC_USDC-PERPETUAL&side=up', headers: s.auth(holderKey) });
      expect(bad.statusCode).toBe(422);
      expect(bad.json().field).toBe('side');
    });

    it('uploads and activates a parameter set; margins then record its version', async () => {
      const admin = s.auth(s.adminKey);
      const up = await s.app.inject({ method: 'POST', url: '/parameter-sets', headers: admin, payload: { model: 'isolated-simple', version: 'ps-1', params: {} } });
      expect(up.statusCode).toBe(201);
      const badParams = await s.app.inject({ method: 'POST', url: '/parameter-sets', headers: admin, payload: { model: 'isolated-simple', version: 'ps-2', params: { nonsense: true } } });
      expect(badParams.statusCode).toBe(422);
      const act = await s.app.inject({ method: 'POST', url: '/parameter-sets/isolated-simple/ps-1/activate', headers: admin });
      expect(act.statusCode).toBe(200);
      expect(act.json().active).toBe(true);
      const m = await s.app.inject({ method: 'GET', url: '/accounts/a1/margin', headers: admin });
      expect(m.json().parameterVersion).toBe('ps-1');
      expect(m.json().result.initialMargin).toBeCloseTo(1.5 * 6_600, 6);
      const list = await s.app.inject({ method: 'GET', url: '/parameter-sets', headers: admin });
      expect(list.json()).toHaveLength(1);
    });

    it('sets collateral, emits a margin-call event, lists events per key', async () => {
      const admin = s.auth(s.adminKey);
      const r = await s.app.inject({ method: 'PUT', url: '/accounts/a1/collateral', headers: admin, payload: { collateral: { USDC: 5_000 }, idempotencyKey: 'c-5000' } });
      expect(r.statusCode).toBe(200);
      const m = (await s.app.inject({ method: 'GET', url: '/accounts/a1/margin', headers: admin })).json();
      expect(m.state).not.toBe('healthy');
      const events = (await s.app.inject({ method: 'GET', url: '/events?accountId=a1', headers: s.auth(holderKey) })).json();
      expect(events.map((e: { type: string }) => e.type)).toContain('state-transition');
      const mine = (await s.app.inject({ method: 'GET', url: '/events', headers: s.auth(holderKey) })).json();
      expect(mine.every((e: { accountId: string }) => e.accountId === 'a1')).toBe(true);
      const others = await s.app.inject({ method: 'GET', url: '/events?accountId=b1', headers: s.auth(holderKey) });
      expect(others.statusCode).toBe(404);
      const audit = (await s.app.inject({ method: 'GET', url: '/audit?limit=1000', headers: s.auth(officerKey) })).json();
      expect(audit.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['account.create', 'trade.apply', 'market.push', 'collateral.set', 'parameter-set.activate']));
    });

    it('sets positions absolutely (admin only)', async () => {
      const holder = await s.app.inject({ method: 'PUT', url: '/accounts/a1/positions', headers: s.auth(holderKey), payload: { positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 0 }] } });
      expect(holder.statusCode).toBe(403);
      const r = await s.app.inject({ method: 'PUT', url: '/accounts/b1/positions', headers: s.auth(s.adminKey), payload: { positions: [{ instrument: 'ETH_USDC-PERPETUAL', quantity: -2 }] } });
      expect(r.statusCode).toBe(200);
      expect(r.json().positions).toEqual([{ instrument: 'ETH_USDC-PERPETUAL', quantity: -2 }]);
      const m = (await s.app.inject({ method: 'GET', url: '/accounts/b1/margin', headers: s.auth(s.adminKey) })).json();
      expect(m.result.initialMargin).toBeCloseTo(800, 6);
    });

    it('never answers an unexpected failure with a stack', async () => {
      const r = await s.app.inject({ method: 'GET', url: '/accounts/nope/margin', headers: s.auth(s.adminKey) });
      expect(r.statusCode).toBe(404);
      expect(JSON.stringify(r.json())).not.toContain('at ');
    });
  });
});

describe('rate limit', () => {
  it('answers 429 with a coded JSON body once a key has used its budget', async () => {
    const t = await startTestServer(undefined, undefined, TEST_SETTINGS, { rateLimit: 3, rateWindowMs: 60_000 });
    try {
      const get = () => t.app.inject({ method: 'GET', url: '/accounts', headers: t.auth(t.adminKey) });
      for (let i = 0; i < 3; i++) expect((await get()).statusCode).toBe(200);
      const limited = await get();
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['content-type']).toContain('application/json');
      expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED', field: 'authorization', details: { scope: 'key', limit: 3 } });
      expect(limited.json().message).toContain('rate limit');
      // /healthz is not limited.
      expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});
