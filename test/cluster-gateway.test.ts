/**
 * The cluster gateway (`serve --nats`, issue 17 §2) on a real three-node NATS JetStream cluster with two engine
 * workers: the HTTP API over loopback with API keys and roles as on the single-process service, writes acknowledged
 * once their partition applied them (the margins equal one engine's fed the same inputs), a repeated idempotency key
 * applied once, a write the engine refuses answered with its coded error and nothing changed, the audit log, the
 * cluster status and the WebSocket event stream. Bounded; every process and server stopped at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsCluster, natsServerBinary } from '../src/bus/local-nats-cluster.js';
import { LiveEngine, type ReportedFigures } from '../src/engine/live/live-engine.js';
import { runWorker, type RunningWorker } from '../src/server/cluster/run-worker.js';
import { parseMarketSnapshot } from '../src/market/market-snapshot.js';
import { catalogueLoader, compareOf, currentMarketView, modelList, profileOf } from '../src/server/dashboard-routes.js';
import { whatIfWithBefore } from '../src/server/margin-service.js';
import { wireWhatIf } from '../src/server/route-helpers.js';
import { startGateway, type RunningGateway } from '../src/server/cluster/start-gateway.js';
import { loadWsClient } from './ws-client.js';

const available = natsServerBinary() !== undefined;
const TOPOLOGY = { partitions: 8, replicas: 3, duplicateWindowMs: 600_000 };
const MARKET = { asOf: '2025-09-23T12:00:00Z', underlyings: { BTC: { index: 112_000, vol: { atm: 0.45 } }, ETH: { index: 4_160, vol: { atm: 0.65 } } }, fx: { USDC: 1 } };


describe.skipIf(!available)('cluster gateway over HTTP', () => {
  let cluster: NatsCluster;
  let gateway: RunningGateway;
  const workers: RunningWorker[] = [];
  let admin: string;
  const adminKey = (): string => admin;
  const call = async (method: string, path: string, key: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> & { code?: string; field?: string } }> => {
    const res = await fetch(`${gateway.url}${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    cluster = await NatsCluster.start();
    for (const id of ['gw-w1', 'gw-w2']) {
      workers.push(await runWorker({ servers: cluster.servers, topology: TOPOLOGY, model: 'scenario-grid', id, leaseMs: 5_000, idleMs: 5, staleAfterMs: 3_600_000 }));
    }
    gateway = await startGateway({ servers: cluster.servers, topology: TOPOLOGY, db: ':memory:', host: '127.0.0.1', port: 0, logger: false, writeTimeoutMs: 30_000 });
    admin = gateway.createdAdminKey!;
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
    for (const w of workers) await w.stop();
    await cluster?.stop();
  }, 60_000);

  it('writes through the gateway are applied by the owning partitions, with keys, roles, refusals and audit', async () => {
    expect((await fetch(`${gateway.url}/healthz`).then((r) => r.json())) as unknown).toMatchObject({ status: 'ok', mode: 'cluster', partitions: 8 });
    // The engine's clock is the wall clock in a worker: the market is dated now, so nothing is stale.
    const market = { ...MARKET, asOf: new Date().toISOString() };
    expect(await call('POST', '/market', admin, market)).toMatchObject({ status: 200, body: { asOf: market.asOf } });
    const reference = new LiveEngine({ model: 'scenario-grid', clock: { now: () => Date.parse(market.asOf) }, staleAfterMs: 3_600_000, spikeBand: 0.25, sink: { append: () => undefined } });
    await reference.onMarket(market);

    const ids = Array.from({ length: 6 }, (_, i) => `gw-${i}`);
    for (const id of ids) {
      const created = await call('POST', '/accounts', admin, { id, currency: 'USD', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], collateral: { USDC: 40_000 } });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      await reference.upsertAccount({ account: id, currency: 'USD', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], collateral: { USDC: 40_000 } });
    }
    expect(await call('POST', '/accounts', admin, { id: 'gw-0', currency: 'USD', collateral: {} })).toMatchObject({ status: 409, body: { code: 'CONFLICT' } });

    for (const [i, id] of ids.entries()) {
      const traded = await call('POST', `/accounts/${id}/trades`, admin, { instrument: 'ETH_USDC-PERPETUAL', quantity: i + 1, idempotencyKey: `t-${id}` });
      expect(traded.status, JSON.stringify(traded.body)).toBe(200);
      await reference.applyTrade(id, 'ETH_USDC-PERPETUAL', i + 1);
    }
    // A retry of the same trade: answered as a repeat, not applied again.
    expect(await call('POST', '/accounts/gw-0/trades', admin, { instrument: 'ETH_USDC-PERPETUAL', quantity: 1, idempotencyKey: 't-gw-0' })).toMatchObject({ status: 200, body: { duplicate: true } });
    expect((await call('PUT', '/accounts/gw-1/collateral', admin, { collateral: { USDC: 55_000 }, idempotencyKey: 'c-1' })).status).toBe(200);
    await reference.setCollateral('gw-1', 'USDC', 55_000);

    // Refused by the owning engine: its coded error, and the account unchanged.
    const before = await call('GET', '/accounts/gw-2/margin', admin);
    const refused = await call('POST', '/accounts/gw-2/trades', admin, { instrument: 'DOGE_USDC-PERPETUAL', quantity: 1, idempotencyKey: 'bad-1' });
    expect(refused).toMatchObject({ status: 422, body: { code: 'MARKET_UNDERLYING_MISSING', field: 'instrument' } });
    expect(await call('GET', '/accounts/gw-2/margin', admin)).toEqual(before);
    // Refused by the gateway: an explicit fill price (the cluster fills at the mark), an unknown account.
    expect(await call('POST', '/accounts/gw-2/trades', admin, { instrument: 'BTC_USDC-PERPETUAL', quantity: 1, price: 110_000, idempotencyKey: 'p-1' })).toMatchObject({ status: 422, body: { code: 'SCHEMA_INVALID', field: 'price' } });
    expect(await call('POST', '/accounts/nobody/trades', admin, { instrument: 'BTC_USDC-PERPETUAL', quantity: 1, idempotencyKey: 'n-1' })).toMatchObject({ status: 404 });

    for (const id of ids) {
      const margin = await call('GET', `/accounts/${id}/margin`, admin);
      const expected: ReportedFigures = reference.marginFigures(id);
      expect(margin.body, id).toEqual({ accountId: id, partition: gateway.bus.partitionOf(id), currency: 'USD', ...expected, stale: false, staleReasons: [] });
    }
    const overview = await call('GET', '/margins', admin);
    expect((overview.body as unknown as { accountId: string }[]).map((m) => m.accountId).sort()).toEqual([...ids].sort());

    // An account holder sees and trades its own account only; a risk officer reads but does not trade.
    const holder = await call('POST', '/keys', admin, { role: 'account-holder', accountIds: ['gw-3'] });
    const holderKey = holder.body.plaintext as string;
    expect((await call('GET', '/accounts/gw-3/margin', holderKey)).status).toBe(200);
    expect((await call('GET', '/accounts/gw-4/margin', holderKey)).status).toBe(404);
    expect((await call('POST', '/accounts/gw-3/trades', holderKey, { instrument: 'BTC_USDC-PERPETUAL', quantity: -1, idempotencyKey: 'h-1' })).status).toBe(200);
    await reference.applyTrade('gw-3', 'BTC_USDC-PERPETUAL', -1);
    expect((await call('GET', '/accounts/gw-3/margin', holderKey)).body).toMatchObject(reference.marginFigures('gw-3'));
    expect((await call('GET', '/margins', holderKey)).body).toHaveLength(1);
    expect((await call('POST', '/market', holderKey, market)).status).toBe(403);
    const officer = (await call('POST', '/keys', admin, { role: 'risk-officer' })).body.plaintext as string;
    expect((await call('POST', '/accounts/gw-3/trades', officer, { instrument: 'BTC_USDC-PERPETUAL', quantity: 1, idempotencyKey: 'o-1' })).status).toBe(403);
    expect((await call('GET', '/cluster', holderKey)).status).toBe(403);
    expect((await fetch(`${gateway.url}/margins`)).status).toBe(401);

    const status = await call('GET', '/cluster', officer);
    const partitions = status.body.partitions as { owner: string; appliedSeq: number }[];
    expect(new Set(partitions.map((p) => p.owner))).toEqual(new Set(['gw-w1', 'gw-w2']));
    expect(status.body.workers).toEqual(['gw-w1', 'gw-w2']);
    const audit = (await call('GET', '/audit', admin)).body as unknown as { action: string; target: string }[];
    const actions = audit.map((a) => `${a.action} ${a.target}`);
    for (const expected of ['account.create gw-0', 'trade gw-5', 'collateral.set gw-1', 'trade gw-3', `market.push ${market.asOf}`]) expect(actions).toContain(expected);
    // The repeat and the refusals wrote no audit entry.
    expect(actions.filter((a) => a === 'trade gw-0')).toHaveLength(1);
    expect(actions.filter((a) => a === 'trade gw-2')).toHaveLength(1);
  }, 120_000);

  it('asks what-if, maximum order, the book, profile and comparison of the account\'s owner: the single-process answers, refusals coded', async () => {
    // A key of its own: the rate limit of the suite's admin key is left to the other tests.
    const admin = (await call('POST', '/keys', adminKey(), { role: 'admin' })).body.plaintext as string;
    const market = { ...MARKET, asOf: new Date().toISOString() };
    expect((await call('POST', '/market', admin, market)).status).toBe(200);
    const reference = new LiveEngine({ model: 'scenario-grid', clock: { now: () => Date.parse(market.asOf) }, staleAfterMs: 3_600_000, spikeBand: 0.25, sink: { append: () => undefined } });
    await reference.onMarket(market);
    const document = { currency: 'USD', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }, { instrument: 'ETH_USDC-PERPETUAL', quantity: -5 }], collateral: { USDC: 30_000 } };
    const ids = ['wi-0', 'wi-1', 'wi-2'];
    for (const id of ids) {
      expect((await call('POST', '/accounts', admin, { id, ...document })).status).toBe(201);
      await reference.upsertAccount({ account: id, ...document });
    }
    // The owners have taken the market (their published figures are on it) before the answers are compared.
    // (Read from the bucket, not over HTTP: polling the API would spend the key's rate limit.)
    for (let i = 0; i < 400 && (await Promise.all(ids.map((id) => gateway.bus.margin<ReportedFigures>(id)))).some((m) => m?.asOf !== market.asOf); i++) await new Promise((r) => setTimeout(r, 25));
    const trades = [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2 }];
    const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
    for (const id of ids) {
      const asked = await call('POST', `/accounts/${id}/what-if`, admin, { trades });
      const { before, after } = whatIfWithBefore(reference, id, trades);
      expect(asked, id).toEqual({ status: 200, body: json(wireWhatIf(after, before, false)) });
      const limit = await call('GET', `/accounts/${id}/max-order?instrument=BTC_USDC-PERPETUAL&side=buy`, admin);
      expect(limit, id).toEqual({ status: 200, body: json(reference.maxOrderSize(id, 'BTC_USDC-PERPETUAL', 'buy')) });
    }
    const explained = await call('POST', '/accounts/wi-0/what-if', admin, { trades, explain: true });
    expect(explained.body.result).toMatchObject({ model: 'scenario-grid' });
    // The account's book, its scenario profile and its comparison under every model: the owner's engine, as one
    // engine's; the models and the market from the gateway itself.
    const account = await call('GET', '/accounts/wi-0', admin);
    expect(account).toMatchObject({ status: 200, body: { id: 'wi-0', currency: 'USD', mode: 'cross', positions: document.positions, collateral: document.collateral } });
    expect(typeof account.body.createdAt).toBe('string');
    const profile = await call('GET', '/accounts/wi-1/profile?underlyings=BTC&priceMoves=-0.1,0,0.1&volMoves=0,0.15', admin);
    expect(profile).toEqual({ status: 200, body: json(profileOf(reference, 'wi-1', { underlyings: ['BTC'], priceMoves: [-0.1, 0, 0.1], volMoves: [0, 0.15] })) });
    expect(await call('GET', '/accounts/wi-1/compare', admin)).toEqual({ status: 200, body: json(compareOf(reference, 'wi-1', catalogueLoader())) });
    expect(await call('GET', '/accounts/wi-1/profile?priceMoves=abc', admin)).toMatchObject({ status: 422, body: { code: 'SCHEMA_INVALID', field: 'priceMoves' } });
    expect(await call('GET', '/accounts/nobody/compare', admin)).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect(await call('GET', '/models', admin)).toEqual({ status: 200, body: json(modelList()) });
    expect(await call('GET', '/market', admin)).toEqual({ status: 200, body: json(currentMarketView(parseMarketSnapshot(market))) });
    // Refusals: the owner's coded error (as the single-process service's), the gateway's own, roles.
    expect(await call('POST', '/accounts/wi-0/what-if', admin, { trades: [{ instrument: 'DOGE_USDC-PERPETUAL', quantity: 1 }] })).toMatchObject({ status: 422, body: { code: 'MARKET_UNDERLYING_MISSING' } });
    expect(await call('GET', '/accounts/wi-0/max-order?instrument=BTC_USDC-PERPETUAL&side=up', admin)).toMatchObject({ status: 422, body: { code: 'SCHEMA_INVALID', field: 'side' } });
    expect(await call('POST', '/accounts/nobody/what-if', admin, { trades })).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    const holderKey = (await call('POST', '/keys', admin, { role: 'account-holder', accountIds: ['wi-1'] })).body.plaintext as string;
    expect((await call('POST', '/accounts/wi-1/what-if', holderKey, { trades })).status).toBe(200);
    expect((await call('POST', '/accounts/wi-2/what-if', holderKey, { trades })).status).toBe(404);
    expect((await call('GET', '/accounts/wi-1', holderKey)).status).toBe(200);
    expect((await call('GET', '/accounts/wi-2', holderKey)).status).toBe(404);
    expect((await call('GET', '/accounts/wi-2/profile', holderKey)).status).toBe(404);
    // A worker that does not answer: UNAVAILABLE, never a guess.
    await expect(gateway.bus.request('no-such-worker', { op: 'what-if' }, 200, 'id')).rejects.toMatchObject({ code: 'UNAVAILABLE', field: 'id' });
  }, 60_000);

  it('streams the partitions\' events over WebSocket to the keys that may see them', async () => {
    const WebSocketClient = await loadWsClient();
    const messages: { type: string; event?: { type: string; accountId?: string } }[] = [];
    const ws = new WebSocketClient(gateway.url.replace('http://', 'ws://') + '/stream', ['crossmargin.v1', `cmk.${admin}`]);
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (data) => {
        messages.push(JSON.parse(data.toString()));
        resolve();
      });
      ws.on('error', reject);
    });
    expect(messages[0]).toMatchObject({ type: 'hello', role: 'admin' });
    // A price rise that lifts the levered account's margin (15 % of notional) above its equity: its partition's owner
    // publishes the state transition. Positions opened without an entry price carry no P&L, so equity stays 52,000.
    expect((await call('POST', '/accounts', admin, { id: 'gw-levered', currency: 'USD', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 3 }], collateral: { USDC: 52_000 } })).status).toBe(201);
    const rise = { ...MARKET, asOf: new Date().toISOString(), underlyings: { ...MARKET.underlyings, BTC: { index: 120_000, vol: { atm: 0.45 } } } };
    expect((await call('POST', '/market', admin, rise)).status).toBe(200);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !messages.some((m) => m.type === 'event' && m.event?.accountId === 'gw-levered')) await new Promise((r) => setTimeout(r, 50));
    ws.close();
    expect(messages.some((m) => m.type === 'event' && m.event?.accountId === 'gw-levered'), JSON.stringify(messages.slice(0, 5))).toBe(true);

    // Every worker stops (leases released): the gateway still answers the last figures, held and said to be so. (The
    // event may arrive before the figures it goes with are written: they are waited for, on the bucket.)
    for (let i = 0; i < 400 && (await gateway.bus.margin<ReportedFigures>('gw-levered'))?.asOf !== rise.asOf; i++) await new Promise((r) => setTimeout(r, 25));
    const held = await call('GET', '/accounts/gw-levered/margin', admin);
    expect(held.body).toMatchObject({ stale: false, staleReasons: [] });
    for (const w of workers.splice(0)) await w.stop();
    const orphaned = await call('GET', '/accounts/gw-levered/margin', admin);
    expect(orphaned.body).toEqual({ ...held.body, stale: true, staleReasons: ['no-owner'] });
    // A market no worker applies: the figures are behind it too.
    expect((await call('POST', '/market', admin, { ...rise, asOf: new Date(Date.now() + 1_000).toISOString() })).status).toBe(200);
    expect((await call('GET', '/accounts/gw-levered/margin', admin)).body).toMatchObject({ initialMargin: held.body.initialMargin, stale: true, staleReasons: ['no-owner', 'behind-market'] });
    const overview = (await call('GET', '/margins', admin)).body as unknown as { stale: boolean }[];
    expect(overview.length).toBeGreaterThan(0);
    expect(overview.every((m) => m.stale)).toBe(true);
  }, 60_000);
});
