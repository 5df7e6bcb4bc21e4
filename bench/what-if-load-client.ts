/**
 * The what-if load generator of bench/service-load.bench.ts. It runs as its own process (forked by the bench), as
 * real clients do: on the 2-core machine the server has one core and this client the other.
 *
 * It is a lean HTTP/1.1 keep-alive client over raw sockets, the way load tools such as autocannon work. Each
 * connection has one request in flight, whole and in one write. It reads the status line and `content-length` of
 * each answer and nothing more. node:http's client costs about three times as much CPU per request, and on two cores
 * that CPU is taken from the server it measures. A non-200 answer, a chunked answer or a socket error stops the run
 * with an error. Once the time is up it sends each request's latency (ms) and the wall time to its parent.
 */
import { connect, type Socket } from 'node:net';
import { CrossmarginError } from '../src/core/errors.js';

/** What the bench asks for: a base URL, an API key, how many accounts to pick from, connections, seconds, a seed. */
export interface LoadJob {
  readonly url: string;
  readonly key: string;
  readonly accounts: number;
  readonly clients: number;
  readonly seconds: number;
  readonly seed: number;
}

/** The answer: latencies (ms, one per request), the wall time (ms), or what went wrong. */
export interface LoadReport {
  readonly latencies?: number[];
  readonly wallMs?: number;
  readonly error?: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection sending what-ifs one after another until `until` (performance.now() ms). */
function connection(job: LoadJob, target: URL, until: number, nextAccount: () => number, latencies: number[]): Promise<void> {
  const body = JSON.stringify({ trades: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }] });
  const head = (id: number): string =>
    `POST /accounts/a${id}/what-if HTTP/1.1\r\nHost: ${target.host}\r\nAuthorization: Bearer ${job.key}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: target.hostname, port: Number(target.port), noDelay: true });
    let pending: Buffer = Buffer.alloc(0);
    let started = 0;
    const fail = (message: string): void => {
      socket.destroy();
      reject(new CrossmarginError('INTERNAL', `bench: what-if load: ${message}`));
    };
    const send = (): void => {
      if (performance.now() >= until) {
        socket.end();
        resolve();
        return;
      }
      started = performance.now();
      socket.write(head(nextAccount()));
    };
    socket.on('connect', send);
    socket.on('error', (error) => fail(error.message));
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const end = pending.indexOf(HEADER_END);
      if (end < 0) return;
      const headers = pending.toString('latin1', 0, end);
      const status = Number(headers.slice(9, 12));
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(headers);
      if (length === null) return fail(`an answer without content-length (${headers.split('\r\n')[0] ?? ''})`);
      const total = end + HEADER_END.length + Number(length[1]);
      if (pending.length < total) return;
      if (status !== 200) return fail(`what-if answered ${status}: ${pending.toString('utf8', end + HEADER_END.length, total).slice(0, 200)}`);
      if (pending.length > total) return fail('bytes after the answer with one request in flight');
      pending = Buffer.alloc(0);
      latencies.push(performance.now() - started);
      send();
    });
  });
}

/** Runs the job: `clients` connections for `seconds`, accounts drawn by a small LCG (the same for the same seed). */
export async function runLoad(job: LoadJob): Promise<LoadReport> {
  const target = new URL(job.url);
  let state = job.seed >>> 0;
  const nextAccount = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % job.accounts;
  };
  const latencies: number[] = [];
  const started = performance.now();
  const until = started + job.seconds * 1000;
  await Promise.all(Array.from({ length: job.clients }, () => connection(job, target, until, nextAccount, latencies)));
  return { latencies, wallMs: performance.now() - started };
}

// Forked by the bench with the job as its one argument: run it, send the report, exit.
if (process.send !== undefined && process.argv[2] !== undefined) {
  const job = JSON.parse(process.argv[2]) as LoadJob;
  runLoad(job)
    .catch((error: unknown): LoadReport => ({ error: error instanceof Error ? error.message : String(error) }))
    .then((report) => process.send?.(report, () => process.exit(0)));
}
