import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, tempFiles } from './cli-helpers.js';
import { startTestServer, TEST_SETTINGS, type TestServer } from './server-helpers.js';

/**
 * The service takes the user's files as they are (issue 16): a portfolio file as the POST /accounts body, and the
 * parameter set `crossmargin calibrate --out` writes as the POST /parameter-sets body.
 */
const readJson = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
const PORTFOLIO = readJson('samples/crypto-mixed/portfolio.json');
const MARKET = readJson('samples/crypto-mixed/market.json');

let s: TestServer;
let grid: TestServer;
let calibrated: Record<string, unknown>;

function caller(server: TestServer) {
  const headers = server.auth(server.adminKey);
  return (method: 'GET' | 'POST', url: string, payload?: unknown) => server.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
}

beforeAll(async () => {
  s = await startTestServer();
  grid = await startTestServer(undefined, undefined, { ...TEST_SETTINGS, model: 'scenario-grid' });
  for (const server of [s, grid]) expect((await caller(server)('POST', '/market', MARKET)).statusCode).toBe(200);
  const out = join(tempFiles().dir, 'params-v1.json');
  const run = await cli('calibrate', '--underlyings', 'BTC,ETH,SOL', '--as-of', '2024-06-14', '--stressed-window', '2022-05-01:2022-06-30', '--out', out);
  expect(run.code).toBe(0);
  calibrated = readJson(out);
}, 60_000);

afterAll(async () => {
  await s?.close();
  await grid?.close();
});

describe('POST /accounts with a portfolio file', () => {
  it('takes samples/crypto-mixed/portfolio.json as it is: account is the id', async () => {
    const created = await caller(s)('POST', '/accounts', PORTFOLIO);
    expect(created.statusCode).toBe(201);
    const view = created.json() as { id: string; currency: string; mode: string; positions: unknown[]; collateral: unknown };
    expect(view.id).toBe('crypto-basis-fund');
    expect(view.currency).toBe('USD');
    expect(view.mode).toBe('cross');
    expect(view.positions).toEqual(expect.arrayContaining((PORTFOLIO.positions as unknown[]).map((p) => expect.objectContaining(p as object))));
    expect(view.positions).toHaveLength(6);
    expect(view.collateral).toEqual(PORTFOLIO.collateral);
    expect((await caller(s)('GET', '/accounts/crypto-basis-fund/margin')).statusCode).toBe(200);
  });

  it('the {id, …} form still works, and id and account may both be given when equal', async () => {
    expect((await caller(s)('POST', '/accounts', { id: 'plain', collateral: { USDC: 1000 } })).statusCode).toBe(201);
    const both = await caller(s)('POST', '/accounts', { id: 'same', account: 'same', collateral: { USDC: 1000 } });
    expect(both.statusCode).toBe(201);
    expect((both.json() as { id: string }).id).toBe('same');
  });

  it('id and account different: 422 naming account, nothing stored', async () => {
    const r = await caller(s)('POST', '/accounts', { ...PORTFOLIO, id: 'other-id' });
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ code: 'SCHEMA_INVALID', field: 'account' });
    expect((r.json() as { message: string }).message).toContain('account "crypto-basis-fund" differs from id "other-id"');
    expect((await caller(s)('GET', '/accounts/other-id')).statusCode).toBe(404);
  });

  it('neither id nor account: 422 naming id', async () => {
    const r = await caller(s)('POST', '/accounts', { collateral: { USDC: 1 } });
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ code: 'SCHEMA_INVALID', field: 'id' });
  });

  it('resting orders are refused (the service keeps none), an empty list is accepted', async () => {
    const r = await caller(s)('POST', '/accounts', { account: 'with-orders', positions: [], openOrders: [{ instrument: 'BTC-PERPETUAL', quantity: 10 }] });
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ code: 'SCHEMA_INVALID', field: 'openOrders' });
    expect((await caller(s)('POST', '/accounts', { account: 'no-orders', positions: [], openOrders: [] })).statusCode).toBe(201);
  });
});

describe("POST /parameter-sets with calibrate's file", () => {
  it("the service's model by default: stored as the model's params, version = the set's version; activation changes the margin", async () => {
    const call = caller(grid);
    expect((await call('POST', '/accounts', { account: 'btc', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 10 }], collateral: { USDC: 500_000 } })).statusCode).toBe(201);
    const before = (await call('GET', '/accounts/btc/margin')).json() as { initialMargin: number; parameterVersion?: string };
    expect(before.parameterVersion).toBeUndefined();

    const up = await call('POST', '/parameter-sets', calibrated);
    expect(up.statusCode).toBe(201);
    const ranges = (calibrated.scanRanges as { underlyings: Record<string, { scenarioGrid: { priceRange: number } }> }).underlyings;
    const expected = Object.fromEntries(['BTC', 'ETH', 'SOL'].map((u) => [u, { priceRange: ranges[u]!.scenarioGrid.priceRange }]));
    expect(up.json()).toMatchObject({ model: 'scenario-grid', version: '1', json: { underlyings: expected }, active: false });

    expect((await call('POST', '/parameter-sets/scenario-grid/1/activate')).statusCode).toBe(200);
    const after = (await call('GET', '/accounts/btc/margin')).json() as { initialMargin: number; parameterVersion?: string };
    expect(after.parameterVersion).toBe('1');
    // Linear book, worst move at the edge of the range: the margin scales with the calibrated BTC range (default 0.15).
    expect(after.initialMargin / before.initialMargin).toBeCloseTo(ranges.BTC!.scenarioGrid.priceRange / 0.15, 6);
  });

  it('?model= picks another scan-range model; a model the set is not for is 422 naming model and both sides', async () => {
    const span = await caller(s)('POST', '/parameter-sets?model=span', calibrated);
    expect(span.statusCode).toBe(201);
    expect(span.json()).toMatchObject({ model: 'span', version: '1' });
    const r = await caller(s)('POST', '/parameter-sets', calibrated);
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({
      code: 'MODEL_PARAMS_INVALID',
      field: 'model',
      message: 'model: a calibrated parameter set (crossmargin-params-1) is for span, tims, scenario-grid, not for model isolated-simple',
    });
  });

  it('{model, version, params} is unchanged; ?model= that contradicts it is 422 naming model', async () => {
    expect((await caller(s)('POST', '/parameter-sets', { model: 'isolated-simple', version: 'plain-1', params: {} })).statusCode).toBe(201);
    const r = await caller(s)('POST', '/parameter-sets?model=span', { model: 'isolated-simple', version: 'plain-2', params: {} });
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ code: 'SCHEMA_INVALID', field: 'model' });
  });
});
