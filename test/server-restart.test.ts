import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dropTestDatabases, startServiceChild, startTestServer, TEST_BACKENDS, TEST_SETTINGS, testMarket } from './server-helpers.js';

const root = join(import.meta.dirname, '..');
const builtCli = join(root, 'dist', 'src', 'server', 'start-service.js');

afterAll(async () => {
  await dropTestDatabases();
});

describe.each(TEST_BACKENDS)('restart from the same database on $name', (backend) => {
  it('restores accounts, positions, collateral and market: margins identical after restart', async () => {
    const first = await startTestServer(await backend.newDb());
    const admin = first.auth(first.adminKey);
    await first.app.inject({ method: 'POST', url: '/market', headers: admin, payload: testMarket(66_000, 3_500) });
    await first.app.inject({ method: 'POST', url: '/accounts', headers: admin, payload: { id: 'r1', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], collateral: { USDC: 20_000 } } });
    await first.app.inject({ method: 'POST', url: '/accounts/r1/trades', headers: admin, payload: { instrument: 'ETH_USDC-PERPETUAL', quantity: -3, idempotencyKey: 't1' } });
    // A partial update: only ETH moves; the stored snapshot is the merged market.
    await first.app.inject({ method: 'POST', url: '/market', headers: admin, payload: { asOf: '2024-06-17T09:00:00Z', underlyings: { ETH: { index: 3_600, vol: { atm: 0.6 } } } } });
    const before = (await first.app.inject({ method: 'GET', url: '/accounts/r1/margin', headers: admin })).json();
    await first.close();

    const second = await startTestServer(first.dbPath, first.adminKey);
    const after = (await second.app.inject({ method: 'GET', url: '/accounts/r1/margin', headers: second.auth(first.adminKey) })).json();
    expect(after.result).toEqual(before.result);
    expect(after.state).toBe(before.state);
    expect(after.equity).toBe(before.equity);
    expect(after.asOf).toBe(before.asOf);
    // The retried trade is still recognised after the restart.
    const retry = await second.app.inject({ method: 'POST', url: '/accounts/r1/trades', headers: second.auth(first.adminKey), payload: { instrument: 'ETH_USDC-PERPETUAL', quantity: -3, idempotencyKey: 't1' } });
    expect(retry.json().replayed).toBe(true);
    await second.close();
  });

  it('keeps the hysteresis across a restart: a margin call inside the buffer is still a margin call', async () => {
    const settings = { ...TEST_SETTINGS, accountParams: { marginCallBuffer: 0.1 } };
    const first = await startTestServer(await backend.newDb(), undefined, settings);
    const admin = first.auth(first.adminKey);
    await first.app.inject({ method: 'POST', url: '/market', headers: admin, payload: testMarket(66_000, 3_500) });
    // BTC 66,000, one perpetual: initial 6,600, maintenance 3,300. 6,000 < 6,600: margin call.
    await first.app.inject({ method: 'POST', url: '/accounts', headers: admin, payload: { id: 'h1', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], collateral: { USDC: 6_000 } } });
    expect((await first.app.inject({ method: 'GET', url: '/accounts/h1/margin', headers: admin })).json().state).toBe('margin-call');
    // 7,000 is above initial (6,600) but below initial × 1.1 (7,260): still a margin call (hysteresis).
    await first.app.inject({ method: 'PUT', url: '/accounts/h1/collateral', headers: admin, payload: { collateral: { USDC: 7_000 }, idempotencyKey: 'c-7000' } });
    expect((await first.app.inject({ method: 'GET', url: '/accounts/h1/margin', headers: admin })).json().state).toBe('margin-call');
    await first.close();

    const second = await startTestServer(first.dbPath, first.adminKey, settings);
    const after = (await second.app.inject({ method: 'GET', url: '/accounts/h1/margin', headers: second.auth(first.adminKey) })).json();
    expect(after.equity).toBe(7_000);
    expect(after.state).toBe('margin-call');
    // No event was made up by the restore: still one transition (healthy → margin call at creation).
    expect((await second.store.listEvents({ accountId: 'h1' })).filter((e) => e.type === 'state-transition')).toHaveLength(1);
    await second.close();
  });
});

/** Starts the compiled service in a child process and resolves with its URL and admin key (when it printed one). */
function startChild(db: string, adminKey?: string): Promise<{ child: ChildProcess; url: string; key: string | undefined }> {
  return startServiceChild(root, db, adminKey === undefined ? {} : { CROSSMARGIN_ADMIN_KEY: adminKey });
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

describe.skipIf(!existsSync(builtCli))('kill -9 (needs `npm run build`: skipped when dist/ is missing)', () => {
  it('keeps every acknowledged change: write, SIGKILL, restart, read back, identical margins', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'crossmargin-kill-')), 'kill.db');
    const a = await startChild(db);
    children.push(a.child);
    expect(a.key).toBeDefined();
    const key = a.key as string;
    const h = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const post = (url: string, method: string, body: unknown) => fetch(`${url}`, { method, headers: h, body: JSON.stringify(body) });
    expect((await post(`${a.url}/market`, 'POST', testMarket(66_000, 3_500))).status).toBe(200);
    expect((await post(`${a.url}/accounts`, 'POST', { id: 'k1', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], collateral: { USDC: 9_000 } })).status).toBe(201);
    for (let i = 0; i < 5; i++) {
      expect((await post(`${a.url}/accounts/k1/trades`, 'POST', { instrument: 'BTC_USDC-PERPETUAL', quantity: 0.1, idempotencyKey: `kt-${i}` })).status).toBe(200);
    }
    const before = (await (await fetch(`${a.url}/accounts/k1/margin`, { headers: h })).json()) as { result: unknown; equity: number };
    a.child.kill('SIGKILL');
    await new Promise((resolve) => a.child.once('exit', resolve));

    const b = await startChild(db, key);
    children.push(b.child);
    expect(b.key).toBeUndefined(); // the admin key survived: no new one was made
    const account = (await (await fetch(`${b.url}/accounts/k1`, { headers: h })).json()) as { positions: { quantity: number }[] };
    expect(account.positions[0]?.quantity).toBeCloseTo(1.5, 12);
    const after = (await (await fetch(`${b.url}/accounts/k1/margin`, { headers: h })).json()) as { result: unknown; equity: number };
    expect(after.result).toEqual(before.result);
    expect(after.equity).toBe(before.equity);
    // Graceful shutdown on SIGTERM.
    b.child.kill('SIGTERM');
    const code = await new Promise((resolve) => b.child.once('exit', resolve));
    expect(code).toBe(0);
  }, 60_000);
});
