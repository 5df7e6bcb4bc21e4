import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServer } from '../src/server/build-server.js';
import { EngineHost } from '../src/server/engine-host.js';
import type { LiquidationDriver, LiquidationDriverOptions, LiquidationStreamEvent } from '../src/server/liquidation-driver.js';
import { restoreEngine } from '../src/server/restore-engine.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';
import { startServiceChild, TEST_SETTINGS, testMarket } from './server-helpers.js';

const root = join(import.meta.dirname, '..');

/** isolated-simple: IM 10 %, MM 5 % of the notional. Slices of a quarter at 50 bp, a fee of 10 bp to the fund. */
const RULE = { sliceFraction: 0.25, impact: 0.005, penaltyRate: 0.001 };

interface LiquidationServer {
  app: FastifyInstance;
  store: Store;
  driver: LiquidationDriver;
  events: LiquidationStreamEvent[];
  admin: { authorization: string };
  close(): Promise<void>;
}

/** A server over a new SQLite file that carries liquidations out with the simulated executor. */
async function startLiquidationServer(options: LiquidationDriverOptions = { defaultRule: RULE }, model = TEST_SETTINGS.model): Promise<LiquidationServer> {
  const store = await openStore(join(mkdtempSync(join(tmpdir(), 'crossmargin-liq-')), 'liq.db'));
  const settings = { ...TEST_SETTINGS, model };
  const app = await buildServer({ store, engine: new EngineHost(await restoreEngine(store, settings)), model, liquidation: options });
  const driver = (app as unknown as { liquidationDriver: LiquidationDriver }).liquidationDriver;
  const events: LiquidationStreamEvent[] = [];
  driver.subscribe((e) => events.push(e));
  const key = (await store.createApiKey({ role: 'admin', label: 'test admin' })).plaintext;
  return {
    app,
    store,
    driver,
    events,
    admin: { authorization: `Bearer ${key}` },
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

async function ok<T = Record<string, unknown>>(s: LiquidationServer, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown): Promise<T> {
  const res = await s.app.inject({ method, url, headers: s.admin, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res.json() as T;
}

interface PlanView {
  status: string;
  plan: { id: string; slices: { index: number; quantity: number; expected: { price: number; cashDelta: number; equityAfter: number } }[]; figures: string; rule: { kind: string } };
  fills: { slice: number; quantity: number; price: number; cashDelta: number; fundReceived: number; position: number; balance: number }[];
  outcome?: { result: string; state?: string; equity?: number; unpaid: number; paidFromCollateral: number; deficit: number; badDebt: number; insuranceFund: { currency: string; before: number; cover: number; after: number } };
}

describe('liquidation carried out by the service (SQLite)', () => {
  it('an account pushed into liquidation by a market update is planned, sliced through the executor and ends out of liquidation', async () => {
    const s = await startLiquidationServer();
    try {
      await ok(s, 'POST', '/market', testMarket(66_000, 3_500));
      // Long 1 BTC entered at 66,000 on 5,000 USDC: MM 3,300, IM 6,600 → a margin call, not yet a liquidation.
      await ok(s, 'POST', '/accounts', { id: 'l1', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1, entryPrice: 66_000 }], collateral: { USDC: 5_000 } });
      expect((await s.app.inject({ method: 'GET', url: '/accounts/l1/liquidation-plan', headers: s.admin })).json()).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
      // BTC 63,000: equity 5,000 − 3,000 = 2,000 < MM 3,150 → liquidation.
      await ok(s, 'POST', '/market', { asOf: '2024-06-17T09:00:00Z', underlyings: { BTC: { index: 63_000 } } });
      await s.driver.idle();

      const view = await ok<PlanView>(s, 'GET', '/accounts/l1/liquidation-plan');
      expect(view.status).toBe('completed');
      expect(view.plan.figures).toBe('expected');
      expect(view.plan.rule.kind).toBe('default');
      // Slices of 0.25 BTC at 63,000 × 0.995 = 62,685: cash −0.25 × (62,685 − 66,000) − fee 15.75 = −844.5 each.
      expect(view.plan.slices.length).toBeGreaterThan(0);
      expect(view.fills.map((f) => f.slice)).toEqual(view.plan.slices.map((x) => x.index));
      for (const [i, f] of view.fills.entries()) {
        expect(f.quantity).toBe(-0.25);
        expect(f.price).toBeCloseTo(62_685, 9);
        expect(f.cashDelta).toBeCloseTo(view.plan.slices[i]!.expected.cashDelta, 9);
        expect(f.fundReceived).toBeCloseTo(15.75, 9);
      }
      const n = view.fills.length;
      const account = await ok<{ positions: { instrument: string; quantity: number; entryPrice?: number }[]; collateral: Record<string, number> }>(s, 'GET', '/accounts/l1');
      expect(account.positions).toEqual(n === 4 ? [] : [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 - 0.25 * n, entryPrice: 66_000 }]);
      expect(account.collateral['USDC']).toBeCloseTo(5_000 - 844.5 * n, 6);
      // The engine holds what the store holds: margin on the reduced book, out of liquidation.
      const margin = await ok<{ state: string; equity: number }>(s, 'GET', '/accounts/l1/margin');
      expect(margin.state).not.toBe('liquidation');
      expect(margin.equity).toBeCloseTo(view.plan.slices[n - 1]!.expected.equityAfter, 6);
      expect(view.outcome).toMatchObject({ result: n === 4 ? 'book-empty' : margin.state, deficit: 0, badDebt: 0, unpaid: 0 });
      // Penalties reached the fund's ledger; plan, slices and completion reached the stream.
      expect(await s.store.insuranceFundBalances()).toEqual({ USDC: expect.closeTo(15.75 * n, 9) });
      expect(s.events.map((e) => e.type)).toEqual(['liquidation-plan', ...view.fills.map(() => 'liquidation-slice'), 'liquidation-complete']);
      // A resume (as after a restart) finds nothing left to do: no new plan, fill or event.
      await s.driver.resume();
      await s.driver.idle();
      expect((await ok<PlanView>(s, 'GET', '/accounts/l1/liquidation-plan')).fills).toHaveLength(n);
      expect(s.events).toHaveLength(n + 2);
      // The plan route has the same auth as the account: an account holder of another account sees a 404.
      const other = (await s.store.createApiKey({ role: 'account-holder', label: 'other' })).plaintext;
      expect((await s.app.inject({ method: 'GET', url: '/accounts/l1/liquidation-plan', headers: { authorization: `Bearer ${other}` } })).statusCode).toBe(404);
    } finally {
      await s.close();
    }
  });

  it('a bankrupt account: the balance stops at zero, other collateral is converted, the fund covers what it holds, the rest is bad debt', async () => {
    const s = await startLiquidationServer();
    try {
      await ok(s, 'POST', '/market', testMarket(66_000, 3_500));
      await s.store.addInsuranceFundEntry({ currency: 'USDC', amount: 1_000, reason: 'deposit', at: '2024-06-17T08:00:00.000Z' });
      // Long 1 BTC at 66,000 on 3,500 USDC and 0.005 ETH (17.5 USD, 10 % haircut): above MM 3,300 (a margin call).
      await ok(s, 'POST', '/accounts', { id: 'b1', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1, entryPrice: 66_000 }], collateral: { USDC: 3_500, ETH: 0.005 } });
      // BTC 60,000: −6,000 unrealised → equity about −2,500.
      await ok(s, 'POST', '/market', { asOf: '2024-06-17T09:00:00Z', underlyings: { BTC: { index: 60_000 } } });
      await s.driver.idle();

      const view = await ok<PlanView>(s, 'GET', '/accounts/b1/liquidation-plan');
      expect(view.status).toBe('completed');
      // Four slices at 59,700 (−1,575 each from entry): 3,500 USDC pays two and 350 of the third; no fee from negative equity.
      const trades = view.fills.filter((f) => f.slice < view.plan.slices.length);
      expect(trades).toHaveLength(4);
      expect(trades.map((f) => f.cashDelta)).toEqual([-1_575, -1_575, -350, 0].map((x) => expect.closeTo(x, 9)));
      expect(trades.map((f) => f.fundReceived)).toEqual([0, 0, 0, 0].map((x) => expect.closeTo(x, 9)));
      expect(trades.map((f) => f.balance)).toEqual([1_925, 350, 0, 0].map((x) => expect.closeTo(x, 9)));
      const unpaid = 1_225 + 1_575;
      // The ETH balance is sold at 3,500 toward the debt: one conversion fill past the last slice.
      const conversions = view.fills.filter((f) => f.slice >= view.plan.slices.length);
      expect(conversions).toEqual([expect.objectContaining({ slice: 4, instrument: 'ETH', quantity: 0, price: 3_500, cashDelta: -0.005, balance: 0 })]);
      const deficit = unpaid - 17.5;
      expect(view.outcome).toMatchObject({
        result: 'book-empty',
        unpaid: expect.closeTo(unpaid, 6),
        paidFromCollateral: expect.closeTo(17.5, 9),
        deficit: expect.closeTo(deficit, 6),
        insuranceFund: { currency: 'USDC', before: 1_000, cover: 1_000, after: expect.closeTo(0, 9) },
        badDebt: expect.closeTo(deficit - 1_000, 6),
      });
      // Nothing left in the account; the fund paid out everything it held; its ledger tells why.
      const account = await ok<{ positions: unknown[]; collateral: Record<string, number> }>(s, 'GET', '/accounts/b1');
      expect(account).toMatchObject({ positions: [], collateral: {} });
      expect((await ok<{ equity: number }>(s, 'GET', '/accounts/b1/margin')).equity).toBe(0);
      expect((await s.store.insuranceFundBalances())['USDC']).toBeCloseTo(0, 9);
      expect((await s.store.listInsuranceFund({ accountId: 'b1' })).map((e) => e.reason)).toEqual(['cover']);
    } finally {
      await s.close();
    }
  });

  it('a venue model is liquidated by its venue rule (dYdX v4: the fillable price, the fee to the fund)', async () => {
    const s = await startLiquidationServer({}, 'dydx-v4');
    try {
      await ok(s, 'POST', '/market', testMarket(60_000, 3_000));
      // 1 BTC entered at 60,000 on 2,500 USDC: MMR 3 % = 1,800 < 2,500.
      await ok(s, 'POST', '/accounts', { id: 'v1', currency: 'USDC', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1, entryPrice: 60_000 }], collateral: { USDC: 2_500 } });
      // BTC 59,000: TNC 1,500 < MMR 1,770 → liquidated by the venue rule.
      await ok(s, 'POST', '/market', { asOf: '2024-06-17T09:00:00Z', underlyings: { BTC: { index: 59_000 } } });
      await s.driver.idle();
      const view = await ok<PlanView & { plan: { expected: { collateral: Record<string, number> }; slices: { expected: { penaltyCash: number } }[] } }>(s, 'GET', '/accounts/v1/liquidation-plan');
      expect(view.plan.rule.kind).toBe('venue');
      expect(view.status).toBe('completed');
      expect(view.plan.slices).toHaveLength(1);
      expect(view.fills).toEqual([expect.objectContaining({ slice: 0, quantity: -1, position: 0, price: view.plan.slices[0]!.expected.price })]);
      // The balance ends where the plan expected it (realised from the entry price, less the fee).
      const account = await ok<{ positions: unknown[]; collateral: Record<string, number> }>(s, 'GET', '/accounts/v1');
      expect(account.positions).toEqual([]);
      expect(account.collateral['USDC']).toBeCloseTo(view.plan.expected.collateral['USDC']!, 6);
      expect((await s.store.insuranceFundBalances())['USDC']).toBeCloseTo(view.plan.slices[0]!.expected.penaltyCash, 9);
      expect(view.outcome).toMatchObject({ result: 'book-empty', deficit: 0 });
    } finally {
      await s.close();
    }
  });
});

// ---- kill -9 mid-liquidation -------------------------------------------------------------------------------------

const builtDriver = join(root, 'dist', 'src', 'server', 'liquidation-driver.js');

function startChild(db: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string; key: string | undefined }> {
  return startServiceChild(root, db, env);
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe.skipIf(!existsSync(builtDriver))('kill -9 mid-liquidation (needs `npm run build`: skipped when dist/ lacks the driver)', () => {
  it('crashes after the first fill, resumes on restart: each slice applied exactly once, figures right', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'crossmargin-liq-kill-')), 'kill.db');
    const a = await startChild(db, { CROSSMARGIN_ADMIN_KEY: '', CROSSMARGIN_TEST_CRASH_AFTER_FILLS: '1' });
    children.push(a.child);
    const key = a.key as string;
    const h = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const send = (url: string, method: string, body?: unknown) => fetch(url, { method, headers: h, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const exited = new Promise((resolve) => a.child.once('exit', (_code, signal) => resolve(signal)));
    expect((await send(`${a.url}/market`, 'POST', testMarket(66_000, 3_500))).status).toBe(200);
    expect((await send(`${a.url}/accounts`, 'POST', { id: 'k1', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1, entryPrice: 66_000 }], collateral: { USDC: 5_000 } })).status).toBe(201);
    // Into liquidation: the service plans, stores the first fill, and kills itself.
    await send(`${a.url}/market`, 'POST', { asOf: '2024-06-17T09:00:00Z', underlyings: { BTC: { index: 63_000 } } }).catch(() => undefined);
    expect(await exited).toBe('SIGKILL');

    // Between the runs: the plan is active with exactly one fill.
    const mid = await openStore(db);
    const [plan] = await mid.activeLiquidationPlans();
    expect(plan?.accountId).toBe('k1');
    expect((await mid.listLiquidationFills(plan!.id)).map((f) => f.slice)).toEqual([0]);
    await mid.close();

    const b = await startChild(db, { CROSSMARGIN_ADMIN_KEY: key });
    children.push(b.child);
    let view: PlanView | undefined;
    for (let i = 0; i < 100 && view?.status !== 'completed'; i++) {
      view = (await (await send(`${b.url}/accounts/k1/liquidation-plan`, 'GET')).json()) as PlanView;
      if (view.status !== 'completed') await new Promise((r) => setTimeout(r, 50));
    }
    expect(view?.status).toBe('completed');
    const slices = view!.plan.slices;
    expect(view!.plan.id).toBe(plan!.id);
    // Every slice exactly once, in order; the first one from before the crash.
    expect(view!.fills.map((f) => f.slice)).toEqual(slices.map((x) => x.index));
    const n = slices.length;
    const account = (await (await send(`${b.url}/accounts/k1`, 'GET')).json()) as { positions: { quantity: number }[]; collateral: Record<string, number> };
    expect(account.positions.reduce((q, p) => q + p.quantity, 0)).toBeCloseTo(1 - 0.25 * n, 12);
    // Default rule: 25 % slices at 50 bp, no fee: −0.25 × (62,685 − 66,000) = −828.75 per slice.
    expect(account.collateral['USDC']).toBeCloseTo(5_000 - 828.75 * n, 6);
    const margin = (await (await send(`${b.url}/accounts/k1/margin`, 'GET')).json()) as { state: string; equity: number };
    expect(margin.state).not.toBe('liquidation');
    expect(margin.equity).toBeCloseTo(slices[n - 1]!.expected.equityAfter, 6);
    b.child.kill('SIGTERM');
    await new Promise((resolve) => b.child.once('exit', resolve));

    const after = await openStore(db);
    expect((await after.listLiquidationFills(plan!.id)).map((f) => f.slice)).toEqual(slices.map((x) => x.index));
    expect(await after.insuranceFundBalances()).toEqual({});
    expect((await after.listAudit({ keyId: 'system', limit: 1000 })).filter((e) => e.action === 'liquidation.fill')).toHaveLength(n);
    await after.close();
  }, 60_000);
});
