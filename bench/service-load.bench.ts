/**
 * Load test of the service on loopback, bounded in time: a real HTTP server (fastify on 127.0.0.1, in-memory
 * SQLite so the disk is not what is measured) with 10,000 accounts under `scenario-grid`; what-if requests from 8
 * concurrent clients for a fixed time, then market pushes (POST /market, each recomputing the exposed accounts),
 * then the dashboard's reads (overview, profile, model comparison). Reports throughput and p50/p99 latency.
 */
import { buildServer } from '../src/server/build-server.js';
import { EngineHost } from '../src/server/engine-host.js';
import { restoreEngine, type EngineSettings } from '../src/server/restore-engine.js';
import { CrossmarginError } from '../src/core/errors.js';
import { mulberry32 } from '../src/core/seeded-random.js';
import { openStore } from '../src/store/open-store.js';
import { fileURLToPath } from 'node:url';
import { fork } from 'node:child_process';
import type { BenchResult } from './bench-result.js';
import type { LoadJob, LoadReport } from './what-if-load-client.js';

const SETTINGS: EngineSettings = { model: 'scenario-grid', staleAfterMs: 3_600_000, spikeBand: 0.25 };

/**
 * Runs the what-if load generator (what-if-load-client.ts) in its own process; its latencies (ms), its wall time and
 * the server's event-loop utilisation over the run (the share of the main thread's time spent working).
 */
function loadWhatIfs(job: LoadJob): Promise<{ latencies: number[]; wallMs: number; utilization: number }> {
  const script = fileURLToPath(new URL(`./what-if-load-client.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));
  return new Promise((resolve, reject) => {
    const before = performance.eventLoopUtilization();
    const child = fork(script, [JSON.stringify(job)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (message: LoadReport) => {
      const utilization = performance.eventLoopUtilization(before).utilization;
      if (message.error !== undefined || message.latencies === undefined || message.wallMs === undefined) reject(new CrossmarginError('INTERNAL', `bench: what-if load: ${message.error ?? 'no answer'}`));
      else resolve({ latencies: message.latencies, wallMs: message.wallMs, utilization });
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new CrossmarginError('INTERNAL', `bench: what-if load client exited with ${code}`));
    });
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

export async function benchServiceLoad(options: { accounts?: number; whatIfSeconds?: number; marketPushes?: number } = {}): Promise<BenchResult[]> {
  const accounts = options.accounts ?? 10_000;
  const seconds = options.whatIfSeconds ?? 5;
  const pushes = options.marketPushes ?? 10;
  const next = mulberry32(42);
  const store = await openStore(':memory:');
  let btc = 112_000;
  let eth = 4_160;
  let minute = 0;
  const market = () => ({
    asOf: new Date(Date.parse('2025-09-23T12:00:00Z') + 60_000 * minute++).toISOString(),
    underlyings: { BTC: { index: btc, vol: { atm: 0.45 } }, ETH: { index: eth, vol: { atm: 0.65 } } },
    fx: { USDC: 1 },
  });
  await store.appendMarketSnapshot({ asOf: market().asOf, json: market() });
  const universe = ['BTC_USDC-PERPETUAL', 'ETH_USDC-PERPETUAL', 'BTC_USDC-26DEC25-110000-C', 'ETH_USDC-26DEC25-4000-C'];
  for (let a = 0; a < accounts; a++) {
    await store.createAccount({ id: `a${a}`, currency: 'USD', mode: 'cross' });
    await store.setPosition({ accountId: `a${a}`, instrument: universe[a % universe.length]!, quantity: 1 + Math.floor(next() * 10) });
    await store.setCollateral({ accountId: `a${a}`, currency: 'USDC', amount: 100_000 });
  }
  const engine = new EngineHost(await restoreEngine(store, SETTINGS));
  const app = await buildServer({ store, engine, model: SETTINGS.model, limits: { rateLimit: 10_000_000 } });
  const { plaintext } = await store.createApiKey({ role: 'admin', label: 'bench' });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const headers = { authorization: `Bearer ${plaintext}`, 'content-type': 'application/json' };

  // What-ifs from 8 keep-alive connections of a client process (what-if-load-client.ts): the load generator on its
  // own core, as real clients are, not on the server's thread. A warm-up second first (JIT), then the measured run.
  await loadWhatIfs({ url: base, key: plaintext, accounts, clients: 8, seconds: 1, seed: 7 });
  const load = await loadWhatIfs({ url: base, key: plaintext, accounts, clients: 8, seconds, seed: 42 });
  const whatIf = load.latencies;
  const wall = load.wallMs;

  const push: number[] = [];
  for (let p = 0; p < pushes; p++) {
    btc *= 1 + (next() - 0.5) * 0.01;
    eth *= 1 + (next() - 0.5) * 0.01;
    const start = performance.now();
    const res = await fetch(`${base}/market`, { method: 'POST', headers, body: JSON.stringify(market()) });
    await res.arrayBuffer();
    if (res.status !== 200) throw new CrossmarginError('INTERNAL', `bench: market push answered ${res.status}`);
    push.push(performance.now() - start);
  }
  // The dashboard's reads (docs/dashboard.md): the overview of every account, an account's P&L profile (125
  // revaluations of the book) and its margin under every registered model.
  const timed = async (path: string, times: number): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < times; i++) {
      const start = performance.now();
      const res = await fetch(`${base}${path.replace('{id}', `a${Math.floor(next() * accounts)}`)}`, { headers });
      await res.arrayBuffer();
      if (res.status !== 200) throw new CrossmarginError('INTERNAL', `bench: ${path} answered ${res.status}`);
      out.push(performance.now() - start);
    }
    return out.sort((a, b) => a - b);
  };
  const overview = await timed('/margins', 10);
  const profile = await timed('/accounts/{id}/profile', 20);
  const compare = await timed('/accounts/{id}/compare', 5);
  await app.close();
  await store.close();
  whatIf.sort((a, b) => a - b);
  push.sort((a, b) => a - b);
  const pushTotal = push.reduce((a, b) => a + b, 0);
  return [
    {
      name: 'service-what-if-http',
      workload: `HTTP POST /accounts/:id/what-if on loopback, 8 keep-alive connections (one request in flight each) from a client process for ${seconds} s after a 1 s warm-up, ${accounts.toLocaleString('en-US')} accounts (scenario-grid, in-memory SQLite), authenticated admin key; the server on one thread; serverMainUsPerRequest = event-loop utilisation / throughput`,
      opsPerSecond: whatIf.length / (wall / 1000),
      meanMs: whatIf.reduce((a, b) => a + b, 0) / whatIf.length,
      extra: { requests: whatIf.length, p50Ms: percentile(whatIf, 0.5), p99Ms: percentile(whatIf, 0.99), serverEventLoopUtilization: load.utilization, serverMainUsPerRequest: (1e6 * load.utilization) / (whatIf.length / (wall / 1000)) },
    },
    {
      name: 'service-market-push-http',
      workload: `HTTP POST /market on loopback moving BTC and ETH, ${pushes} pushes, each recomputing every exposed account of ${accounts.toLocaleString('en-US')} (store write, spike guard, one compile, events)`,
      opsPerSecond: pushes / (pushTotal / 1000),
      meanMs: pushTotal / pushes,
      extra: { p50Ms: percentile(push, 0.5), p99Ms: percentile(push, 0.99) },
    },
    {
      name: 'dashboard-api-http',
      workload: `the dashboard's reads on loopback over ${accounts.toLocaleString('en-US')} accounts: GET /margins (every overview row) × 10, GET /accounts/:id/profile (25 price × 5 vol revaluations, liquidation price) × 20, GET /accounts/:id/compare (the book under every registered model, VaR family on bundled history) × 5; opsPerSecond counts overview requests`,
      opsPerSecond: 1000 / (overview.reduce((a, b) => a + b, 0) / overview.length),
      meanMs: overview.reduce((a, b) => a + b, 0) / overview.length,
      extra: {
        overviewP50Ms: percentile(overview, 0.5),
        overviewRows: accounts,
        profileP50Ms: percentile(profile, 0.5),
        profileP99Ms: percentile(profile, 0.99),
        compareP50Ms: percentile(compare, 0.5),
      },
    },
  ];
}
