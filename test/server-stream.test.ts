import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testMarket, type TestServer } from './server-helpers.js';
import { loadWsClient, type WsConstructor } from './ws-client.js';


/** The sub-protocols a client offers: the key travels in one, never in the URL. */
const protocols = (key: string): string[] => ['crossmargin.v1', `cmk.${key}`];

let s: TestServer;
let base: string;
let WebSocketClient: WsConstructor;

beforeAll(async () => {
  WebSocketClient = await loadWsClient();
  s = await startTestServer();
  const admin = s.auth(s.adminKey);
  await s.app.inject({ method: 'POST', url: '/market', headers: admin, payload: testMarket(66_000, 3_500) });
  await s.app.inject({ method: 'POST', url: '/accounts', headers: admin, payload: { id: 'w1', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], collateral: { USDC: 20_000 } } });
  await s.app.inject({ method: 'POST', url: '/accounts', headers: admin, payload: { id: 'w2', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], collateral: { USDC: 20_000 } } });
  base = (await s.app.listen({ host: '127.0.0.1', port: 0 })).replace('http://', 'ws://');
});

afterAll(async () => {
  await s.close();
});

/** Messages a client receives until `until` says stop (or the time limit passes). */
function collect(url: string, key: string, until: (messages: { type: string; [k: string]: unknown }[]) => boolean, limitMs = 5_000) {
  const messages: { type: string; [k: string]: unknown }[] = [];
  const ws = new WebSocketClient(url, protocols(key));
  const opened = new Promise<void>((resolve, reject) => {
    ws.on('message', (data) => {
      messages.push(JSON.parse(data.toString()));
      if (messages.length === 1) resolve();
    });
    ws.on('error', reject);
  });
  const done = new Promise<typeof messages>((resolve) => {
    const timer = setTimeout(() => {
      ws.close();
      resolve(messages);
    }, limitMs);
    const check = setInterval(() => {
      if (until(messages)) {
        clearTimeout(timer);
        clearInterval(check);
        ws.close();
        resolve(messages);
      }
    }, 20);
    setTimeout(() => clearInterval(check), limitMs + 10);
  });
  return { opened, done };
}

describe('WebSocket /stream', () => {
  it('refuses a connection without a valid key', async () => {
    const ws = new WebSocketClient(`${base}/stream`, protocols('cmk_bad'));
    const outcome = await new Promise<string>((resolve) => {
      ws.on('error', (e) => resolve(`error ${e.message}`));
      ws.on('open', () => resolve('open'));
    });
    expect(outcome).toMatch(/401/);
  });

  it('pushes a persisted event and the margin after a state transition, only for visible accounts', async () => {
    const holder = await s.store.createApiKey({ role: 'account-holder', accountIds: ['w2'] });
    const admin = collect(`${base}/stream`, s.adminKey, (m) => m.some((x) => x.type === 'margin'));
    const own = collect(`${base}/stream`, holder.plaintext, () => false, 1_500);
    await Promise.all([admin.opened, own.opened]);
    const r = await s.app.inject({ method: 'PUT', url: '/accounts/w1/collateral', headers: s.auth(s.adminKey), payload: { collateral: { USDC: 5_000 }, idempotencyKey: 'c-5000' } });
    expect(r.statusCode).toBe(200);
    const got = await admin.done;
    expect(got[0]?.type).toBe('hello');
    const event = got.find((m) => m.type === 'event')?.event as { type: string; accountId: string; seq: number };
    expect(event).toMatchObject({ type: 'state-transition', accountId: 'w1' });
    // Persisted before it was published.
    const stored = await s.store.listEvents({ accountId: 'w1' });
    expect(stored.map((e) => (e.payload as { seq: number }).seq)).toContain(event.seq);
    expect(got.find((m) => m.type === 'margin')?.margin).toMatchObject({ accountId: 'w1' });
    const holderGot = await own.done;
    expect(holderGot.filter((m) => m.type !== 'hello')).toEqual([]);
  });
  it('pushes fresh overview rows after a market update, coalesced, only the accounts a key may see', async () => {
    const holder = await s.store.createApiKey({ role: 'account-holder', accountIds: ['w2'] });
    const rowsOf = (m: { type: string; [k: string]: unknown }[]) => m.filter((x) => x.type === 'margins').flatMap((x) => x.margins as { accountId: string; initialMargin?: number }[]);
    const admin = collect(`${base}/stream`, s.adminKey, (m) => new Set(rowsOf(m).map((r) => r.accountId)).size === 2);
    const own = collect(`${base}/stream`, holder.plaintext, (m) => rowsOf(m).length > 0, 3_000);
    await Promise.all([admin.opened, own.opened]);
    const r = await s.app.inject({ method: 'POST', url: '/market', headers: s.auth(s.adminKey), payload: testMarket(61_000, 3_300, '2024-06-17T10:00:00Z') });
    expect(r.statusCode).toBe(200);
    const rows = rowsOf(await admin.done);
    const overview = (await s.app.inject({ method: 'GET', url: '/margins', headers: s.auth(s.adminKey) })).json() as { accountId: string; initialMargin: number }[];
    for (const row of overview) expect(rows.filter((x) => x.accountId === row.accountId).at(-1)?.initialMargin).toBe(row.initialMargin);
    expect(new Set(rowsOf(await own.done).map((x) => x.accountId))).toEqual(new Set(['w2']));
  });

  it('streams an account becoming unmarginable: the event with its reason, and its overview row in that state', async () => {
    const admin = s.auth(s.adminKey);
    // A short coin-settled call with no BTC to pay it: at expiry it cannot settle (docs/service.md "Expiry").
    await s.app.inject({ method: 'POST', url: '/accounts', headers: admin, payload: { id: 'w3', positions: [{ instrument: 'BTC-28JUN24-60000-C', quantity: -1 }], collateral: { USDC: 100_000 } } });
    const rowsOf = (m: { type: string; [k: string]: unknown }[]) => m.filter((x) => x.type === 'margins').flatMap((x) => x.margins as { accountId: string; state?: string; reason?: string }[]);
    const watch = collect(`${base}/stream`, s.adminKey, (m) => rowsOf(m).some((r) => r.accountId === 'w3') && m.some((x) => x.type === 'event'));
    await watch.opened;
    const r = await s.app.inject({ method: 'POST', url: '/market', headers: admin, payload: testMarket(70_000, 3_500, '2024-06-28T09:00:00Z') });
    expect(r.statusCode).toBe(200);
    const got = await watch.done;
    const event = got.map((m) => m.event as { type?: string; accountId?: string; to?: string; reason?: string } | undefined).find((e) => e?.accountId === 'w3');
    expect(event).toMatchObject({ type: 'state-transition', to: 'unmarginable', reason: expect.stringContaining('cannot be settled') });
    expect(rowsOf(got).filter((x) => x.accountId === 'w3').at(-1)).toMatchObject({ state: 'unmarginable', reason: expect.stringContaining('cannot be settled') });
  });
});
