import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODELS } from '../src/models/model-registry.js';
import { startTestServer, TEST_SETTINGS, testMarket, type TestServer } from './server-helpers.js';

/** The dashboard's read-only API (docs/dashboard.md): overview rows, market, profile, comparison, lab, static page. */
let s: TestServer;
let admin: { authorization: string };
let holderKey: string;

const get = (url: string, headers = admin) => s.app.inject({ method: 'GET', url, headers });

beforeAll(async () => {
  s = await startTestServer();
  admin = s.auth(s.adminKey);
  const created = await s.app.inject({ method: 'POST', url: '/keys', headers: admin, payload: { role: 'account-holder', label: 'holder' } });
  const key = created.json() as { plaintext: string; record: { id: string } };
  holderKey = key.plaintext;
  const holderId = key.record.id;
  await s.app.inject({ method: 'POST', url: '/accounts', headers: admin, payload: { id: 'd1', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2 }], collateral: { USDC: 30_000 } } });
  await s.app.inject({
    method: 'POST',
    url: '/accounts',
    headers: admin,
    payload: { id: 'd2', positions: [{ instrument: 'ETH_USDC-PERPETUAL', quantity: -10 }], collateral: { USDC: 10_000 }, ownerKeyId: holderId },
  });
});

afterAll(async () => {
  await s.close();
});

describe('before any market', () => {
  it('GET /margins lists the accounts with why they have no margin; GET /market is 404 NOT_FOUND', async () => {
    const rows = get('/margins');
    const body = (await rows).json() as { accountId: string; error?: string; initialMargin?: number }[];
    expect(body.map((r) => r.accountId)).toEqual(['d1', 'd2']);
    expect(body.every((r) => r.initialMargin === undefined && typeof r.error === 'string')).toBe(true);
    const market = await get('/market');
    expect(market.statusCode).toBe(404);
    expect(market.json()).toMatchObject({ code: 'NOT_FOUND', field: 'market' });
  });
});

describe('with a market', () => {
  beforeAll(async () => {
    const pushed = await s.app.inject({ method: 'POST', url: '/market', headers: admin, payload: testMarket(66_000, 3_500) });
    expect(pushed.statusCode).toBe(200);
  });

  it('GET /margins rows equal each account’s live margin', async () => {
    const rows = (await get('/margins')).json() as { accountId: string; equity: number; initialMargin: number; maintenanceMargin: number; utilisation: number; state: string }[];
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      const m = (await get(`/accounts/${r.accountId}/margin`)).json() as { equity: number; state: string; result: { initialMargin: number; maintenanceMargin: number } };
      expect(r.initialMargin).toBe(m.result.initialMargin);
      expect(r.maintenanceMargin).toBe(m.result.maintenanceMargin);
      expect(r.equity).toBe(m.equity);
      expect(r.state).toBe(m.state);
      expect(r.utilisation).toBeCloseTo(m.result.initialMargin / m.equity, 12);
    }
  });

  it('an account holder sees only its own rows and gets 404 for others’ profiles', async () => {
    const holder = s.auth(holderKey);
    expect(((await get('/margins', holder)).json() as { accountId: string }[]).map((r) => r.accountId)).toEqual(['d2']);
    expect((await get('/accounts/d1/profile', holder)).statusCode).toBe(404);
    expect((await get('/accounts/d1/compare', holder)).statusCode).toBe(404);
    expect((await get('/lab/backtest?account=d1', holder)).statusCode).toBe(404);
  });

  it('GET /market gives the engine’s market', async () => {
    const market = (await get('/market')).json() as { asOf: string; underlyings: { name: string; index: number; atmVol?: number }[] };
    expect(market.asOf).toBe('2024-06-17T08:00:00Z');
    expect(market.underlyings).toEqual([
      { name: 'BTC', index: 66_000, atmVol: 0.55 },
      { name: 'ETH', index: 3_500, atmVol: 0.65 },
    ]);
  });

  it('GET /accounts/:id/profile: a linear book gains quantity × move × index on every vol line', async () => {
    const res = await get('/accounts/d1/profile?priceMoves=-0.1,0,0.05&volMoves=-0.2,0.2');
    expect(res.statusCode).toBe(200);
    const p = res.json() as { underlyings: string[]; pnl: number[][]; worst: { priceMove: number; pnl: number }; liquidation: { underlying?: string; price?: number } };
    expect(p.underlyings).toEqual(['BTC']);
    for (const row of p.pnl) {
      expect(row[0]).toBeCloseTo(2 * -0.1 * 66_000, 6);
      expect(row[2]).toBeCloseTo(2 * 0.05 * 66_000, 6);
    }
    expect(p.worst.priceMove).toBe(-0.1);
    // 2 BTC long on 30,000 USDC: liquidated somewhere below today's index.
    expect(p.liquidation.underlying).toBe('BTC');
    expect(p.liquidation.price).toBeLessThan(66_000);
  });

  it('a malformed profile query is a 422 naming the field', async () => {
    const res = await get('/accounts/d1/profile?priceMoves=down');
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'SCHEMA_INVALID', field: 'priceMoves' });
    const below = await get('/accounts/d1/profile?priceMoves=-1.5');
    expect(below.statusCode).toBe(422);
    expect(below.json()).toMatchObject({ field: 'priceMoves.0' });
  });

  it('GET /accounts/:id/compare covers every model; the live model agrees with the live margin', async () => {
    const body = (await get('/accounts/d1/compare')).json() as { liveModel: string; models: { model: string; initialMargin?: number; error?: { code: string } }[] };
    expect(body.models.map((m) => m.model)).toEqual(MODELS.map((m) => m.id));
    const live = body.models.find((m) => m.model === body.liveModel);
    const margin = (await get('/accounts/d1/margin')).json() as { result: { initialMargin: number } };
    expect(live?.initialMargin).toBeCloseTo(margin.result.initialMargin, 9);
    // Every model either margins the book or says why, with a catalogue code.
    for (const m of body.models) expect(m.initialMargin !== undefined || /^[A-Z_]+$/.test(m.error?.code ?? '')).toBe(true);
  });

  it('GET /lab/backtest marks exactly the days whose loss exceeded the margin', async () => {
    const res = await get('/lab/backtest?account=d1&models=isolated-simple,scenario-grid&days=60');
    expect(res.statusCode).toBe(200);
    const body = res.json() as { from: string; to: string; models: { model: string; dates: string[]; initialMargin: number[]; pnl: number[]; exceptions: boolean[]; summary: { T: number; exceptions: number } }[] };
    expect(body.to <= '2024-06-17').toBe(true);
    for (const m of body.models) {
      expect(m.dates).toHaveLength(60);
      expect(m.summary.T).toBe(60);
      m.exceptions.forEach((e, i) => expect(e).toBe(-(m.pnl[i] as number) > (m.initialMargin[i] as number)));
      expect(m.exceptions.filter(Boolean).length).toBe(m.summary.exceptions);
    }
  });

  it('lab errors are coded: unknown model, too long a window, bad underlying', async () => {
    expect((await get('/lab/backtest?account=d1&models=nope')).json()).toMatchObject({ code: 'MODEL_UNKNOWN' });
    // ETH history starts 2017-08-17: fewer than 2,500 aligned days before the market date.
    expect((await get('/lab/backtest?account=d2&days=2500')).json()).toMatchObject({ code: 'HISTORY_INVALID', field: 'days' });
    expect((await get('/lab/calibration?underlyings=NOPE')).statusCode).toBeGreaterThanOrEqual(400);
    expect((await get('/lab/calibration?points=1')).json()).toMatchObject({ code: 'SCHEMA_INVALID', field: 'points' });
  });

  it('GET /accounts/:id/reverse-stress: 2 BTC long on 30,000 USDC is wiped out by BTC −30,000 / 132,000', async () => {
    const res = await get('/accounts/d1/reverse-stress');
    expect(res.statusCode).toBe(200);
    const r = res.json() as { equity: number; underlyings: string[]; directional: { reachable: boolean; moves: Record<string, number>; pnl: number }; mostLikely?: { moves: Record<string, number>; mahalanobis?: number } };
    expect(r.equity).toBeCloseTo(30_000, 8);
    expect(r.underlyings).toEqual(['BTC']);
    expect(r.directional.reachable).toBe(true);
    expect(r.directional.moves.BTC).toBeCloseTo(-30_000 / (2 * 66_000), 6);
    expect(r.directional.pnl).toBeCloseTo(-30_000, 3);
    // One underlying: the most likely move is the same move, at a positive distance.
    expect(r.mostLikely?.moves.BTC).toBeCloseTo(-30_000 / (2 * 66_000), 5);
    expect(r.mostLikely?.mahalanobis).toBeGreaterThan(0);
    expect((await get('/accounts/d1/reverse-stress', s.auth(holderKey))).statusCode).toBe(404);
  });

  it('GET /lab/stress stresses every visible account under the library, with Cover-1 ≤ Cover-2', async () => {
    const res = await get('/lab/stress');
    expect(res.statusCode).toBe(200);
    const body = res.json() as {
      scenarios: { id: string }[];
      accounts: { accountId: string; equity: number; margin: number; losses: number[]; deficits: number[] }[];
      cover: { cover1: number; cover2: number };
    };
    expect(body.accounts.map((a) => a.accountId)).toEqual(['d1', 'd2']);
    const crash = body.scenarios.findIndex((sc) => sc.id === 'crypto-2020-03-12');
    expect(crash).toBeGreaterThanOrEqual(0);
    const d1 = body.accounts[0]!;
    // 2 BTC long: the 2020-03-12 crash (BTC about −39 %) is a loss of roughly 2 × 0.39 × 66,000.
    expect(d1.losses[crash]!).toBeGreaterThan(40_000);
    expect(d1.losses[crash]!).toBeLessThan(60_000);
    body.accounts.forEach((a) => a.losses.forEach((l, i) => expect(a.deficits[i]).toBeCloseTo(Math.max(0, l - a.equity), 6)));
    expect(body.cover.cover1).toBeGreaterThanOrEqual(0);
    expect(body.cover.cover2).toBeGreaterThanOrEqual(body.cover.cover1);
    const holder = (await get('/lab/stress', s.auth(holderKey))).json() as { accounts: { accountId: string }[] };
    expect(holder.accounts.map((a) => a.accountId)).toEqual(['d2']);
  });

  it('GET /lab/calibration gives one calibration per as-of date, none after the market date', async () => {
    const body = (await get('/lab/calibration?underlyings=BTC&points=3&step=20&lookback=250')).json() as {
      dates: string[];
      underlyings: { underlying: string; priceScanRange: number[]; priceScanRangeApc: number[]; ewmaAnnualisedVol: number[] }[];
    };
    expect(body.dates).toHaveLength(3);
    expect(body.dates[2]! <= '2024-06-17').toBe(true);
    const btc = body.underlyings[0]!;
    expect(btc.underlying).toBe('BTC');
    btc.priceScanRange.forEach((r, i) => {
      expect(r).toBeGreaterThan(0);
      // Anti-procyclicality never lowers the range.
      expect(btc.priceScanRangeApc[i]!).toBeGreaterThanOrEqual(r - 1e-12);
    });
  });
});

describe('dashboard page', () => {
  it('is served at / without a key (it holds no data)', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/' });
    // 200 with the built page, or 503 saying how to build it: never 401.
    expect([200, 503]).toContain(res.statusCode);
    if (res.statusCode === 200) expect(res.body).toContain('<div id="root">');
    else expect(res.body).toContain('npm run build');
  });

  it('without a build, / explains how to make one', async () => {
    const { buildServer } = await import('../src/server/build-server.js');
    const { EngineHost } = await import('../src/server/engine-host.js');
    const { restoreEngine } = await import('../src/server/restore-engine.js');
    const empty = mkdtempSync(join(tmpdir(), 'crossmargin-noweb-'));
    writeFileSync(join(empty, 'README'), 'no index.html here');
    const app = await buildServer({ store: s.store, engine: new EngineHost(await restoreEngine(s.store, TEST_SETTINGS)), dashboardDirectory: empty });
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build');
    await app.close();
  });
});
