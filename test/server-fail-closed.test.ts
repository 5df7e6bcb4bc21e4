import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { restoreEngine } from '../src/server/restore-engine.js';
import { openStore } from '../src/store/open-store.js';
import { dropTestDatabases, startTestServer, TEST_BACKENDS, TEST_SETTINGS, testMarket, type TestServer } from './server-helpers.js';

/**
 * Issue 13 "Margin never goes blind": one regression test per defect seen. Each answer that refuses a change is
 * checked to have written nothing (positions, balances, audit log).
 */

afterAll(async () => {
  await dropTestDatabases();
});

type Method = 'GET' | 'POST' | 'PUT';

function client(s: TestServer, key = s.adminKey) {
  return (method: Method, url: string, payload?: unknown) => s.app.inject({ method, url, headers: s.auth(key), ...(payload === undefined ? {} : { payload: payload as object }) });
}

/** What a refused change must leave untouched. */
async function storedState(s: TestServer, accountId: string) {
  return {
    positions: await s.store.listPositions(accountId),
    collateral: await s.store.listCollateral(accountId),
    audit: (await s.store.listAudit({ limit: 1000 })).length,
    market: (await s.store.latestMarketSnapshot())?.id,
  };
}

/** A controllable engine clock (ms). */
function testClock(start = Date.parse('2024-06-17T08:00:00Z')) {
  let now = start;
  return { clock: { now: () => now }, advance: (ms: number) => (now += ms) };
}

describe.each(TEST_BACKENDS)('fail closed on $name', (backend) => {
  it('refuses trades and collateral the engine cannot margin, writing nothing (defect 1), for holders too', async () => {
    const s = await startTestServer(await backend.newDb());
    const call = client(s);
    await call('POST', '/market', testMarket(66_000, 3_500, '2024-06-17T08:00:00Z'));
    const holder = (await s.store.createApiKey({ role: 'account-holder' })).plaintext;
    expect((await call('POST', '/accounts', { id: 'u1', positions: [], collateral: { USDC: 10_000 }, ownerKeyId: holder.split('_')[1] })).statusCode).toBe(201);
    const before = await storedState(s, 'u1');
    const cases: [unknown, string, string][] = [
      [{ instrument: 'BTC-29DEC23-40000-C', quantity: 1, idempotencyKey: 'x1' }, 'INSTRUMENT_EXPIRED', 'instrument'],
      [{ instrument: 'SOL_USDC-PERPETUAL', quantity: 1, idempotencyKey: 'x2' }, 'MARKET_UNDERLYING_MISSING', 'instrument'],
    ];
    for (const key of [s.adminKey, holder]) {
      for (const [trade, code, field] of cases) {
        const res = await client(s, key)('POST', '/accounts/u1/trades', trade);
        expect(res.statusCode, JSON.stringify(trade)).toBe(422);
        expect(res.json()).toMatchObject({ code, field });
      }
    }
    const collateral = await call('PUT', '/accounts/u1/collateral', { collateral: { XYZ: 5 }, idempotencyKey: 'c1' });
    expect(collateral.statusCode).toBe(422);
    expect(collateral.json()).toMatchObject({ code: 'MARKET_FX_MISSING', field: 'collateral.XYZ' });
    const created = await call('POST', '/accounts', { id: 'u2', positions: [{ instrument: 'BTC-29DEC23-40000-C', quantity: 1 }], collateral: {} });
    expect(created.statusCode).toBe(422);
    expect(created.json()).toMatchObject({ code: 'INSTRUMENT_EXPIRED', field: 'positions.0.instrument' });
    expect((await call('GET', '/accounts/u2')).statusCode).toBe(404);
    expect(await storedState(s, 'u1')).toEqual(before);
    // The account is still margined and healthy: nothing unmarginable was let in.
    expect((await call('GET', '/accounts/u1/margin')).json()).toMatchObject({ state: 'healthy' });
    await s.close();
  });

  it('a 422 leaves nothing behind: a trade of 1e308 contracts is refused before it is stored (defect 2)', async () => {
    const s = await startTestServer(await backend.newDb());
    const call = client(s);
    await call('POST', '/market', testMarket(66_000, 3_500));
    await call('POST', '/accounts', { id: 'q1', positions: [], collateral: { USDC: 10_000 } });
    const before = await storedState(s, 'q1');
    for (const quantity of [1e308, -1e308, 2e9]) {
      const res = await call('POST', '/accounts/q1/trades', { instrument: 'ETH_USDC-PERPETUAL', quantity, idempotencyKey: `big-${quantity}` });
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ code: 'SCHEMA_INVALID', field: 'quantity' });
    }
    expect(await storedState(s, 'q1')).toEqual(before);
    await s.close();
  });

  it('an account holder cannot choose its fill price; an admin price must lie in the band unless overridden (defect 3)', async () => {
    const s = await startTestServer(await backend.newDb());
    const call = client(s);
    await call('POST', '/market', testMarket(66_000, 3_500));
    const holder = (await s.store.createApiKey({ role: 'account-holder' })).plaintext;
    await call('POST', '/accounts', { id: 'p1', positions: [], collateral: { USDC: 100_000 }, ownerKeyId: holder.split('_')[1] });
    const before = await storedState(s, 'p1');
    const invent = await client(s, holder)('POST', '/accounts/p1/trades', { instrument: 'ETH_USDC-PERPETUAL', quantity: 100, idempotencyKey: 'i1', price: 1 });
    expect(invent.statusCode).toBe(403);
    expect(invent.json()).toMatchObject({ code: 'FORBIDDEN', field: 'price' });
    expect(await storedState(s, 'p1')).toEqual(before);
    expect((await call('GET', '/accounts/p1/margin')).json().equity).toBe(100_000);
    const outside = await call('POST', '/accounts/p1/trades', { instrument: 'ETH_USDC-PERPETUAL', quantity: 1, idempotencyKey: 'a1', price: 1 });
    expect(outside.statusCode).toBe(422);
    expect(outside.json()).toMatchObject({ code: 'SCHEMA_INVALID', field: 'price' });
    expect(await storedState(s, 'p1')).toEqual(before);
    // At the mark: equity unchanged by the fill itself.
    expect((await client(s, holder)('POST', '/accounts/p1/trades', { instrument: 'ETH_USDC-PERPETUAL', quantity: 1, idempotencyKey: 'm1' })).statusCode).toBe(200);
    expect((await call('GET', '/accounts/p1/margin')).json().equity).toBe(100_000);
    const forced = await call('POST', '/accounts/p1/trades', { instrument: 'ETH_USDC-PERPETUAL', quantity: 1, idempotencyKey: 'a2', price: 3_000, priceOverride: 'block trade agreed at 3,000' });
    expect(forced.statusCode).toBe(200);
    const audit = await s.store.listAudit({ limit: 1000 });
    expect(audit.at(-1)).toMatchObject({ action: 'trade.apply', payload: { priceOverride: 'block trade agreed at 3,000', fillPrice: 3_000 } });
    await s.close();
  });

  it('a held spike stays held across a restart: the live price is the last accepted one (defect 4)', async () => {
    const s = await startTestServer(await backend.newDb());
    const call = client(s);
    await call('POST', '/market', testMarket(66_000, 3_500));
    await call('POST', '/accounts', { id: 's1', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: -1 }], collateral: { USDC: 20_000 } });
    const held = await call('POST', '/market', { asOf: '2024-06-17T08:01:00Z', underlyings: { BTC: { index: 198_000 } } });
    expect(held.json()).toMatchObject({ held: ['BTC'], accepted: [] });
    const before = (await call('GET', '/accounts/s1/margin')).json();
    expect(before.state).toBe('healthy');
    await s.close();

    const t = await startTestServer(s.dbPath, s.adminKey);
    const after = (await client(t)('GET', '/accounts/s1/margin')).json();
    expect(after.state).toBe('healthy');
    expect(after.result.initialMargin).toBe(before.result.initialMargin);
    expect((await client(t)('GET', '/market')).json().underlyings.find((u: { name: string }) => u.name === 'BTC').index).toBe(66_000);
    // The guard still holds the spike: a second update near it confirms it (it was not forgotten).
    const confirm = await client(t)('POST', '/market', { asOf: '2024-06-17T08:02:00Z', underlyings: { BTC: { index: 197_000 } } });
    expect(confirm.json()).toMatchObject({ accepted: ['BTC'], held: [] });
    const audit = await t.store.listAudit({ limit: 1000 });
    expect(audit.map((a) => a.action)).toContain('spike-confirmed');
    await t.close();
  });

  it('a stale floor survives a restart: the floored margin and the stale flag come back (defect 5)', async () => {
    const time = testClock();
    const settings = { ...TEST_SETTINGS, clock: time.clock };
    const s = await startTestServer(await backend.newDb(), undefined, settings);
    const call = client(s);
    await call('POST', '/market', testMarket(66_000, 3_500));
    await call('POST', '/accounts', { id: 'f1', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }, { instrument: 'ETH_USDC-PERPETUAL', quantity: 10 }], collateral: { USDC: 50_000 } });
    const fresh = (await call('GET', '/accounts/f1/margin')).json();
    time.advance(2 * 3_600_000);
    // BTC is stale now; ETH falls: the recomputed margin is lower, the reported one is floored at the last one.
    await call('POST', '/market', { asOf: '2024-06-17T10:00:00Z', underlyings: { ETH: { index: 3_000 } } });
    const floored = (await call('GET', '/accounts/f1/margin')).json();
    expect(floored.stale).toBe(true);
    expect(floored.result.initialMargin).toBe(fresh.result.initialMargin);
    expect(floored.result.details.staleFloor.recomputedInitialMargin).toBeLessThan(fresh.result.initialMargin);
    await s.close();

    const t = await startTestServer(s.dbPath, s.adminKey, settings);
    const after = (await client(t)('GET', '/accounts/f1/margin')).json();
    expect(after.stale).toBe(true);
    expect(after.staleUnderlyings).toEqual(['BTC']);
    expect(after.result.initialMargin).toBe(floored.result.initialMargin);
    expect(after.result.maintenanceMargin).toBe(floored.result.maintenanceMargin);
    await t.close();
  });

  it('a partial update keeps the rest of the underlying: vol, forwards and rate (defect 6)', async () => {
    const s = await startTestServer(await backend.newDb());
    const call = client(s);
    await call('POST', '/market', { asOf: '2024-06-17T08:00:00Z', underlyings: { BTC: { index: 66_000, rate: 0.05, forwards: { '2024-12-27': 67_500 }, vol: { atm: 0.55 } } }, fx: { USDC: 1 } });
    await call('POST', '/accounts', { id: 'o1', positions: [{ instrument: 'BTC-27DEC24-70000-C', quantity: -1 }], collateral: { BTC: 1 } });
    const res = await call('POST', '/market', { asOf: '2024-06-17T08:05:00Z', underlyings: { BTC: { index: 66_100 } } });
    expect(res.statusCode).toBe(200);
    const margin = (await call('GET', '/accounts/o1/margin')).json();
    expect(margin.state).not.toBe('unmarginable');
    expect(margin.asOf).toBe('2024-06-17T08:05:00Z');
    const stored = (await s.store.latestMarketSnapshot())?.json as { underlyings: { BTC: unknown } };
    expect(stored.underlyings.BTC).toEqual({ index: 66_100, rate: 0.05, forwards: { '2024-12-27': 67_500 }, vol: { atm: 0.55 } });
    await s.close();
  });

  it('market input has bounds: absurd vol, fx and index are refused with the field named, nothing stored (defect 7)', async () => {
    const s = await startTestServer(await backend.newDb());
    const call = client(s);
    await call('POST', '/market', testMarket(66_000, 3_500));
    await call('POST', '/accounts', { id: 'b1', positions: [{ instrument: 'BTC-27DEC24-70000-C', quantity: -1 }], collateral: { USDC: 50_000 } });
    const before = await storedState(s, 'b1');
    const bad: [unknown, string][] = [
      [{ BTC: { index: 66_000, vol: { atm: 1e6 } } }, 'underlyings.BTC.vol.atm'],
      [{ BTC: { index: 1e308 } }, 'underlyings.BTC.index'],
      [{ BTC: { index: 5e-324 } }, 'underlyings.BTC.index'],
    ];
    for (const [underlyings, field] of bad) {
      const res = await call('POST', '/market', { asOf: '2024-06-17T09:00:00Z', underlyings });
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ code: 'MARKET_DATA_INVALID', field });
    }
    const fx = await call('POST', '/market', { asOf: '2024-06-17T09:00:00Z', underlyings: {}, fx: { USDC: 1e300 } });
    expect(fx.json()).toMatchObject({ code: 'MARKET_DATA_INVALID', field: 'fx.USDC' });
    expect(await storedState(s, 'b1')).toEqual(before);
    expect((await call('GET', '/accounts/b1/compare')).statusCode).toBe(200);
    await s.close();
  });

  it('collateral changes are idempotent; names are canonical (defect 10)', async () => {
    const s = await startTestServer(await backend.newDb());
    const call = client(s);
    await call('POST', '/market', testMarket(66_000, 3_500));
    await call('POST', '/accounts', { id: 'c1', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], collateral: { USDC: 10_000 } });
    const audits = async () => (await s.store.listAudit({ limit: 1000 })).filter((a) => a.action === 'collateral.set').length;
    expect((await call('PUT', '/accounts/c1/collateral', { collateral: { USDC: 12_000 }, idempotencyKey: 'k1' })).statusCode).toBe(200);
    expect((await call('PUT', '/accounts/c1/collateral', { collateral: { USDC: 15_000 }, idempotencyKey: 'k2' })).statusCode).toBe(200);
    // A late retry of k1 must not overwrite the newer balance, nor write a second audit entry.
    const retry = await call('PUT', '/accounts/c1/collateral', { collateral: { USDC: 12_000 }, idempotencyKey: 'k1' });
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toEqual([{ accountId: 'c1', currency: 'USDC', amount: 15_000 }]);
    expect(await audits()).toBe(2);
    const reused = await call('PUT', '/accounts/c1/collateral', { collateral: { USDC: 1 }, idempotencyKey: 'k1' });
    expect(reused.statusCode).toBe(409);
    expect(reused.json()).toMatchObject({ code: 'CONFLICT', field: 'idempotencyKey' });
    const missing = await call('PUT', '/accounts/c1/collateral', { collateral: { USDC: 1 } });
    expect(missing.json()).toMatchObject({ code: 'SCHEMA_INVALID', field: 'idempotencyKey' });
    // A lower-case name is the same instrument: one position, stored under the engine's name.
    expect((await call('POST', '/accounts/c1/trades', { instrument: 'btc_usdc-perpetual', quantity: 1, idempotencyKey: 't1' })).statusCode).toBe(200);
    expect((await call('GET', '/accounts/c1')).json().positions).toEqual([expect.objectContaining({ instrument: 'BTC_USDC-PERPETUAL', quantity: 2 })]);
    await s.close();
  });
});

describe('found by the fuzzer', () => {
  it('refuses prototype-poisoning JSON bodies however the key is written, changing nothing', async () => {
    const s = await startTestServer();
    const call = client(s);
    await call('POST', '/market', testMarket(66_000, 3_500));
    const audit = (await s.store.listAudit({ limit: 1000 })).length;
    const bodies = [
      '{"id":"p1","collateral":{"USDC":1},"__proto__":{"admin":true}}',
      '{"id":"p1","collateral":{"USDC":1},"constructor":{"prototype":{"admin":true}}}',
      '{"id":"p1","collateral":{"USDC":1},"\\u005f_proto__":{"admin":true}}',
    ];
    for (const payload of bodies) {
      const res = await s.app.inject({ method: 'POST', url: '/accounts', headers: { ...s.auth(s.adminKey), 'content-type': 'application/json' }, payload });
      expect(res.statusCode, payload).toBe(400);
      expect(res.json(), payload).toMatchObject({ code: 'JSON_MALFORMED' });
    }
    // An escape that is not a poisoned key goes through the full parser and is accepted.
    const escaped = await s.app.inject({ method: 'POST', url: '/accounts', headers: { ...s.auth(s.adminKey), 'content-type': 'application/json' }, payload: '{"id":"p\\u0032","collateral":{"USDC":1}}' });
    expect(escaped.statusCode).toBe(201);
    expect(escaped.json().id).toBe('p2');
    expect((await s.store.listAudit({ limit: 1000 })).length).toBe(audit + 1);
    expect((await s.store.listAccounts()).map((a) => a.id)).toEqual(['p2']);
  });

  it('refuses reserved, dot-only and over-long account ids, unpriced account currencies and NUL characters, writing nothing', async () => {
    const s = await startTestServer();
    const call = client(s);
    await call('POST', '/market', testMarket(66_000, 3_500));
    const audit = (await s.store.listAudit({ limit: 1000 })).length;
    for (const id of ['__proto__', '..', 'B'.repeat(101)]) {
      const res = await call('POST', '/accounts', { id, collateral: { USDC: 1 } });
      expect(res.statusCode, id).toBe(422);
      expect(res.json()).toMatchObject({ code: 'SCHEMA_INVALID', field: 'id' });
    }
    expect((await call('POST', '/accounts', { id: 'x1', currency: 'XYZ', collateral: {} })).json()).toMatchObject({ code: 'MARKET_FX_MISSING', field: 'currency' });
    expect((await call('POST', '/keys', { role: 'admin', label: 'a\u0000b' })).json()).toMatchObject({ code: 'SCHEMA_INVALID', field: 'label' });
    expect((await s.store.listAudit({ limit: 1000 })).length).toBe(audit);
    expect(await s.store.listAccounts()).toEqual([]);
    // An account with no positions, created before any market, is margined by the first market (not left unmarginable).
    const t = await startTestServer();
    await client(t)('POST', '/accounts', { id: 'empty', collateral: { USDC: 5 } });
    await client(t)('POST', '/market', testMarket(66_000, 3_500));
    expect((await client(t)('GET', '/accounts/empty/margin')).json()).toMatchObject({ state: 'healthy', equity: 5 });
    await s.close();
    await t.close();
  });
});

describe('no non-finite number in a response', () => {
  it('a success answer carrying Infinity becomes a coded 422 naming the field, never a 500 or a null', async () => {
    const s = await startTestServer();
    const response = { 200: z.object({ margins: z.array(z.object({ initialMargin: z.number(), note: z.string().nullable() })) }) };
    let initialMargin = Number.POSITIVE_INFINITY;
    s.app.get('/test/non-finite', { schema: { response } }, async () => ({ margins: [{ initialMargin: 1, note: null }, { initialMargin, note: null }] }));
    // A route without a response schema could not be checked: refused when it is added.
    expect(() => s.app.get('/test/unchecked', async () => ({ initialMargin }))).toThrow(/no response schema/);
    const res = await client(s)('GET', '/test/non-finite');
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'ACCOUNT_UNMARGINABLE', field: 'margins.1.initialMargin' });
    // A null that is a null: answered as it is.
    initialMargin = 2;
    expect((await client(s)('GET', '/test/non-finite')).json()).toEqual({ margins: [{ initialMargin: 1, note: null }, { initialMargin: 2, note: null }] });
    await s.close();
  });

  it('a NUL character in a path parameter, a query or a body is refused naming the field', async () => {
    const s = await startTestServer();
    const call = client(s);
    expect((await call('GET', '/accounts/a%00b/margin')).json()).toMatchObject({ code: 'SCHEMA_INVALID', field: 'id', details: { location: 'params' } });
    expect((await call('GET', '/events?accountId=a%00')).json()).toMatchObject({ code: 'SCHEMA_INVALID', field: 'accountId', details: { location: 'querystring' } });
    expect((await call('POST', '/keys', { role: 'admin', label: ['ok', 'a\u0000'] })).json()).toMatchObject({ code: 'SCHEMA_INVALID', field: 'label.1', details: { location: 'body' } });
    expect(await s.store.listApiKeys()).toHaveLength(1);
    await s.close();
  });
});

describe('expiry and the unmarginable state', () => {
  it('settles expiring positions at the index; an expiry that cannot settle makes the account unmarginable, held, reduce-only, and it stays so after a restart', async () => {
    const s = await startTestServer();
    const call = client(s);
    await call('POST', '/market', testMarket(66_000, 3_500, '2024-06-17T08:00:00Z'));
    // Long a coin-settled call: settles into BTC. Short a call with no BTC to pay it from: cannot settle.
    await call('POST', '/accounts', { id: 'long', positions: [{ instrument: 'BTC-28JUN24-60000-C', quantity: 2 }], collateral: { USDC: 1_000 } });
    await call('POST', '/accounts', { id: 'short', positions: [{ instrument: 'BTC-28JUN24-60000-C', quantity: -1 }, { instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], collateral: { USDC: 100_000 } });
    const held = (await call('GET', '/accounts/short/margin')).json();
    expect(held.state).toBe('healthy');

    const push = await call('POST', '/market', testMarket(70_000, 3_500, '2024-06-28T09:00:00Z'));
    expect(push.statusCode).toBe(200);
    expect(push.json().settled).toBe(1);
    const long = (await call('GET', '/accounts/long')).json();
    expect(long.positions).toEqual([]);
    // 2 × (70,000 − 60,000) / 70,000 BTC.
    expect(long.collateral.BTC).toBeCloseTo((2 * 10_000) / 70_000, 12);
    expect((await s.store.listAudit({ limit: 1000 })).some((a) => a.action === 'expiry.settle' && a.target === 'long')).toBe(true);

    const margin = (await call('GET', '/accounts/short/margin')).json();
    expect(margin.state).toBe('unmarginable');
    expect(margin.status).toMatchObject({ state: 'unmarginable', reduceOnly: true });
    expect(margin.unmarginable).toMatchObject({ code: 'INSTRUMENT_EXPIRED' });
    expect(margin.unmarginable.reason).toContain('BTC balance would become');
    expect(margin.result.initialMargin).toBe(held.result.initialMargin);
    const rows = (await call('GET', '/margins')).json() as { accountId: string; state: string; reason?: string }[];
    expect(rows.find((r) => r.accountId === 'short')).toMatchObject({ state: 'unmarginable', reason: expect.stringContaining('cannot be settled') });
    const events = await s.store.listEvents({ accountId: 'short' });
    expect(events.at(-1)?.payload).toMatchObject({ type: 'state-transition', from: 'healthy', to: 'unmarginable' });
    const maxBuy = (await call('GET', '/accounts/short/max-order?instrument=BTC_USDC-PERPETUAL&side=buy')).json();
    expect(maxBuy.quantity).toBe(0);
    const adds = await call('POST', '/accounts/short/trades', { instrument: 'BTC_USDC-PERPETUAL', quantity: 1, idempotencyKey: 'r1' });
    expect(adds.json()).toMatchObject({ code: 'REDUCE_ONLY', field: 'quantity' });
    await s.close();

    const t = await startTestServer(s.dbPath, s.adminKey);
    const after = (await client(t)('GET', '/accounts/short/margin')).json();
    expect(after.state).toBe('unmarginable');
    expect(after.result.initialMargin).toBe(held.result.initialMargin);
    // An operator lets it settle: BTC to pay the debit (adding collateral is let in); the next market settles it.
    expect((await client(t)('PUT', '/accounts/short/collateral', { collateral: { BTC: 1 }, idempotencyKey: 'btc' })).statusCode).toBe(200);
    expect((await client(t)('PUT', '/accounts/short/collateral', { collateral: { DOGE: 1 }, idempotencyKey: 'doge' })).statusCode).toBe(422);
    expect((await client(t)('POST', '/market', testMarket(70_100, 3_500, '2024-06-28T10:00:00Z'))).json().settled).toBe(1);
    const settled = (await client(t)('GET', '/accounts/short/margin')).json();
    expect(settled.state).not.toBe('unmarginable');
    expect((await client(t)('GET', '/accounts/short')).json().collateral.BTC).toBeCloseTo(1 - 10_100 / 70_100, 12);
    await t.close();
  });
});

describe('a restart from damaged current-state rows refuses to start (never guesses a floor)', () => {
  it('restoreEngine rejects a row whose unmarginable code is not in the catalogue, naming the account', async () => {
    const store = await openStore(':memory:');
    try {
      await store.appendMarketSnapshot({ asOf: '2024-06-17T08:00:00.000Z', json: testMarket(66_000, 3_500), engineState: { version: 2, guard: {}, lastUpdate: {} } });
      await store.createAccount({ id: 'a1', currency: 'USD', mode: 'cross', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], collateral: { USDC: 20_000 } });
      await store.putAccountStates([
        {
          accountId: 'a1',
          state: 'unmarginable',
          initialMargin: 9_000,
          maintenanceMargin: 4_500,
          equity: 20_000,
          currency: 'USD',
          asOf: '2024-06-17T08:00:00.000Z',
          unmarginable: { reason: 'x', code: 'NOT_A_CODE', since: 1 },
          updatedAt: '2024-06-17T08:00:00.000Z',
        },
      ]);
      await expect(restoreEngine(store, TEST_SETTINGS)).rejects.toMatchObject({ code: 'MARKET_DATA_INVALID', message: expect.stringContaining('stored account state of a1') });
    } finally {
      await store.close();
    }
  });
});
