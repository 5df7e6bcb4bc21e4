/**
 * The what-if load generator of bench/service-load.bench.ts, run in a worker thread so the clients do not share the
 * server's thread (on the 2-core machine: the server on one core, the clients on the other). Keep-alive
 * connections, one request in flight per client; answers with each request's latency (ms) once the time is up.
 */
import { request, Agent } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { CrossmarginError } from '../src/core/errors.js';

interface LoadJob {
  readonly url: string;
  readonly key: string;
  readonly accounts: number;
  readonly clients: number;
  readonly seconds: number;
  readonly seed: number;
}

const job = workerData as LoadJob;
const target = new URL(job.url);
const agent = new Agent({ keepAlive: true, maxSockets: job.clients });
const body = JSON.stringify({ trades: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }] });
const headers = { authorization: `Bearer ${job.key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
// A small LCG: the accounts asked about are the same for every run with the same seed.
let state = job.seed >>> 0;
const nextAccount = (): number => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  return state % job.accounts;
};

function whatIf(id: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, path: `/accounts/${id}/what-if`, method: 'POST', headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function client(until: number, latencies: number[]): Promise<void> {
  while (performance.now() < until) {
    const start = performance.now();
    const status = await whatIf(`a${nextAccount()}`);
    if (status !== 200) throw new CrossmarginError('INTERNAL', `bench: what-if answered ${status}`);
    latencies.push(performance.now() - start);
  }
}

const latencies: number[] = [];
const started = performance.now();
const until = started + job.seconds * 1000;
Promise.all(Array.from({ length: job.clients }, () => client(until, latencies)))
  .then(() => {
    agent.destroy();
    parentPort?.postMessage({ latencies, wallMs: performance.now() - started });
  })
  .catch((error: unknown) => {
    agent.destroy();
    parentPort?.postMessage({ error: String(error) });
  });
