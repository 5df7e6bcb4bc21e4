/**
 * `crossmargin cluster-demo` (`npm run cluster:demo`, docs/scale-out.md "Local demo"): one command that starts a
 * partitioned cluster on this machine to watch: a three-node NATS JetStream cluster (NatsCluster), engine worker
 * processes, a gateway with the dashboard, the demo accounts and a replay of the bundled BTC/ETH history through the
 * gateway; then it kills a worker with SIGKILL and measures how long its partitions take to move. Everything it
 * started is stopped on Ctrl-C, SIGTERM, after `--minutes`, or when a step fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { DEFAULT_TOPOLOGY, JetStreamBus } from '../../bus/jetstream-bus.js';
import { NatsCluster, natsServerBinary } from '../../bus/local-nats-cluster.js';
import { CrossmarginError, ERROR_CATALOGUE, type ErrorCode } from '../../core/errors.js';
import { packageRoot } from '../../market/package-root.js';
import { parseMarketSnapshotFile, type MarketSnapshotFile } from '../../market/market-snapshot-schema.js';
import { loadMarketHistory } from '../../scenarios/history/load-market-history.js';
import { DEMO_REPLAY_WARMUP_DAYS, demoAccounts } from '../../server/demo-accounts.js';
import { HistoryReplayFeed } from '../../server/feeds/history-replay-feed.js';
import type { NewServiceAccount } from '../../server/margin-service.js';
import { openStore } from '../../store/open-store.js';
import type { CliIo } from '../../cli/cli-io.js';
import { integerOption } from '../../cli/integer-option.js';

interface ClusterDemoFlags {
  workers: string;
  partitions: string;
  leaseMs: string;
  port: string;
  replaySpeed: string;
  killWorkerAfter: string;
  minutes: string;
  staleAfter: string;
  verbose?: boolean;
}

/** The demo's settings, checked. */
export interface ClusterDemoSettings {
  readonly workers: number;
  readonly partitions: number;
  readonly leaseMs: number;
  readonly port: number;
  /** History days per second. */
  readonly replaySpeed: number;
  /** Seconds after the replay starts at which w1 is killed; 0: never. */
  readonly killWorkerAfterS: number;
  /** Minutes the demo runs once ready; 0: until a signal. */
  readonly minutes: number;
  readonly staleAfterMs: number;
  readonly verbose: boolean;
}

/**
 * At most this many market pushes per second, whatever the replay speed: the gateway counts requests per API key
 * (600 a minute by default, docs/service.md "Rate limits"), and a worker applies only the latest market of each round
 * anyway. Faster replays skip days in between.
 */
const MAX_PUSHES_PER_SECOND = 8;
/** After the last replayed day its prices are pushed again this often (or a third of --stale-after), so no underlying goes stale. */
const HOLD_PUSH_MS = 10_000;
/** Which day is being replayed is printed this often. */
const REPLAY_REPORT_MS = 5_000;
/** A worker or the gateway stopping with SIGTERM (leases released, connections drained) gets this long, then SIGKILL. */
const CHILD_STOP_MS = 10_000;
/** Accounts created at once through the gateway (each waits for its partition's owner to apply it). */
const SEED_CONCURRENCY = 4;

function positiveNumber(value: string, flag: string, allowZero: boolean): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    throw new CrossmarginError('USAGE_INVALID', `${flag}: expected a number ${allowZero ? '≥ 0' : '> 0'}, got "${value}"`, { field: flag });
  }
  return n;
}

/** The flags checked (USAGE_INVALID naming the flag), before anything is started. */
export function clusterDemoSettings(flags: ClusterDemoFlags): ClusterDemoSettings {
  const settings: ClusterDemoSettings = {
    workers: integerOption(flags.workers, '--workers', 1, 32),
    partitions: integerOption(flags.partitions, '--partitions', 1, 4_096),
    leaseMs: integerOption(flags.leaseMs, '--lease-ms', 100, 600_000),
    port: integerOption(flags.port, '--port', 0, 65_535),
    replaySpeed: positiveNumber(flags.replaySpeed, '--replay-speed', false),
    killWorkerAfterS: positiveNumber(flags.killWorkerAfter, '--kill-worker-after', true),
    minutes: positiveNumber(flags.minutes, '--minutes', true),
    staleAfterMs: integerOption(flags.staleAfter, '--stale-after', 1_000, 86_400_000),
    verbose: flags.verbose === true,
  };
  // With one worker nobody could take w1's partitions over: the failover would never come.
  if (settings.killWorkerAfterS > 0 && settings.workers < 2) {
    throw new CrossmarginError('USAGE_INVALID', '--kill-worker-after: needs --workers 2 or more (another worker takes the killed one\'s partitions over); give 0 to keep every worker', { field: '--kill-worker-after' });
  }
  return settings;
}

export function registerClusterDemoCommand(program: Command, io: CliIo): void {
  program
    .command('cluster-demo')
    .description(
      'start a partitioned cluster on this machine to watch (docs/scale-out.md "Local demo"): 3 NATS JetStream nodes, engine workers and a gateway with the dashboard, demo accounts, a replay of BTC/ETH history; kills worker w1 to show the failover; stops everything on Ctrl-C',
    )
    .option('--workers <n>', 'engine worker processes, named w1, w2, …', '3')
    .option('--partitions <n>', 'partitions the accounts hash into (every process of the cluster gets the same)', '16')
    .option('--lease-ms <ms>', 'partition lease time of the workers: short, so a killed worker\'s partitions move within seconds', '3000')
    .option('--port <n>', 'the gateway\'s HTTP port on 127.0.0.1 (0: any free port)', '8080')
    .option('--replay-speed <days>', 'history days replayed per second of wall time (above 8, days in between are skipped)', '2')
    .option('--kill-worker-after <seconds>', 'SIGKILL worker w1 this long after the replay starts, and print how long its partitions took to move (0: never)', '30')
    .option('--minutes <m>', 'stop everything after this many minutes of replay (0: only on Ctrl-C or SIGTERM)', '10')
    .option('--stale-after <ms>', 'workers: an underlying without a market update for this long makes its accounts stale', '300000')
    .option('--verbose', 'show the output of every child process, prefixed [w1] … [gateway], and the pids of every process started')
    .addHelpText(
      'after',
      '\nNeeds nats-server (apt-get install nats-server) and a build (npm run build; `npm run cluster:demo` builds first).\n' +
        'Open the printed dashboard link; the demo prints the replayed day, then the failover time once w1 is killed.\n' +
        'Nothing is kept: the NATS data and the gateway\'s database live in a temporary directory removed at the end.\n',
    )
    .action(async (flags: ClusterDemoFlags) => runClusterDemo(clusterDemoSettings(flags), io));
}

/** A worker or gateway process of the demo, its output read line by line. */
interface DemoChild {
  readonly name: string;
  readonly process: ChildProcess;
  /** Settles when the process has exited (code or signal). */
  readonly exited: Promise<void>;
  /** The last lines of its output, shown when it fails. */
  readonly tail: string[];
  /** Told every line of output (stdout and stderr). */
  readonly listeners: Set<(line: string) => void>;
  /** True once the demo itself stopped or killed it: its exit is no surprise. */
  expectedExit: boolean;
}

function isRunning(p: ChildProcess): boolean {
  return p.exitCode === null && p.signalCode === null;
}

/**
 * Starts `crossmargin <args>` as a child. Detached (its own process group): a Ctrl-C in the terminal reaches only the
 * demo, which stops the children in order; a second signal would end a worker before it released its leases.
 */
function startChild(name: string, args: readonly string[], env: NodeJS.ProcessEnv, io: CliIo, verbose: boolean): DemoChild {
  const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'crossmargin.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env });
  const demo: DemoChild = {
    name,
    process: child,
    exited: new Promise<void>((resolve) => {
      if (!isRunning(child)) resolve();
      child.once('exit', () => resolve());
      // A spawn failure emits 'error' and no 'exit'.
      child.once('error', () => resolve());
    }),
    tail: [],
    listeners: new Set(),
    expectedExit: false,
  };
  for (const [stream, write] of [
    [child.stdout, (s: string) => io.out(s)],
    [child.stderr, (s: string) => io.err(s)],
  ] as const) {
    if (stream === null) continue;
    createInterface({ input: stream }).on('line', (line) => {
      demo.tail.push(line);
      if (demo.tail.length > 20) demo.tail.shift();
      if (verbose) write(`[${name}] ${line}\n`);
      for (const listener of demo.listeners) listener(line);
    });
  }
  return demo;
}

function describeExit(child: DemoChild): string {
  const how = child.process.signalCode !== null ? `signal ${child.process.signalCode}` : `code ${String(child.process.exitCode)}`;
  const hint = child.tail.some((line) => line.includes('EADDRINUSE')) ? '\n(the port is taken: --port 0 picks a free one)' : '';
  return `${child.name} exited (${how})${child.tail.length === 0 ? '' : `; its last lines:\n  ${child.tail.slice(-8).join('\n  ')}`}${hint}`;
}

/** The first line of `child`'s output matching `pattern`, or a coded error when it exits, the time is up or `signal` aborts. */
function waitForLine(child: DemoChild, pattern: RegExp, timeoutMs: number, signal: AbortSignal): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      child.listeners.delete(onLine);
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    const onLine = (line: string): void => {
      const match = pattern.exec(line);
      if (match === null) return;
      done();
      resolve(match);
    };
    const timer = setTimeout(() => {
      done();
      reject(new CrossmarginError('INTERNAL', `${child.name} printed no line matching ${String(pattern)} within ${timeoutMs} ms`, { field: child.name }));
    }, timeoutMs);
    const onAbort = (): void => {
      done();
      reject(new CrossmarginError('USAGE_INVALID', 'stopped before the demo was ready', { field: 'signal' }));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.listeners.add(onLine);
    void child.exited.then(() => {
      if (!child.listeners.has(onLine)) return;
      done();
      // The exit may come before the pipes are read to the end: the tail is read a moment later.
      setTimeout(() => reject(new CrossmarginError('INTERNAL', describeExit(child), { field: child.name })), 100);
    });
  });
}

/** Sleeps `ms`; false when `signal` aborted first. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `work` or nothing after `ms` (the timer cleared either way, so it never holds the process up at its end). */
async function bounded(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** True when some node of the NATS cluster accepts a TCP connection: once none does, no lease can be released. */
async function natsReachable(servers: readonly string[]): Promise<boolean> {
  const tries = servers.map(
    (url) =>
      new Promise<boolean>((resolve) => {
        const { hostname, port } = new URL(url);
        const socket = tcpConnect({ host: hostname, port: Number(port) });
        const finish = (ok: boolean): void => {
          socket.destroy();
          resolve(ok);
        };
        socket.setTimeout(500, () => finish(false));
        socket.once('connect', () => finish(true));
        socket.once('error', () => finish(false));
      }),
  );
  return (await Promise.all(tries)).some((ok) => ok);
}

/**
 * SIGTERM to every child still running (a worker releases its leases, the gateway drains its requests), SIGKILL to
 * those not gone after CHILD_STOP_MS, or at once when the NATS cluster is gone already (a Ctrl-C in a terminal also
 * reaches the nats-server processes, which are in the demo's process group): nothing is left to release then.
 */
async function stopChildren(children: readonly DemoChild[], servers: readonly string[]): Promise<void> {
  const running = children.filter((c) => isRunning(c.process));
  for (const c of running) {
    c.expectedExit = true;
    c.process.kill('SIGTERM');
  }
  const deadline = Date.now() + CHILD_STOP_MS;
  const all = Promise.all(running.map((c) => c.exited));
  let finished = false;
  void all.then(() => (finished = true));
  while (!finished && Date.now() < deadline) {
    await bounded(all, 500);
    if (!finished && servers.length > 0 && !(await natsReachable(servers))) break;
  }
  for (const c of running) if (isRunning(c.process)) c.process.kill('SIGKILL');
  // SIGKILL cannot be refused: the exits follow at once (bounded all the same).
  await bounded(all, 5_000);
}

/** pids of the processes whose parent is `ppid` and whose command name is `name` (Linux /proc; none elsewhere). */
function childPids(ppid: number, name: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split at the last ')'.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppidOf = Number(stat.slice(close + 2).split(' ')[1]);
      if (ppidOf === ppid && comm === name) pids.push(Number(entry));
    } catch {
      // The process ended while the listing was read.
    }
  }
  return pids.sort((a, b) => a - b);
}

/** The gateway's HTTP API with the demo's keys; a refusal is the gateway's coded error. */
class GatewayClient {
  constructor(
    readonly url: string,
    private readonly signal: AbortSignal,
  ) {}

  async call<T>(key: string, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 20_000): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.any([this.signal, AbortSignal.timeout(timeoutMs)]),
      });
    } catch (error) {
      throw new CrossmarginError('UNAVAILABLE', `${method} ${path}: ${(error as Error).message}`, { field: 'gateway', cause: error });
    }
    const text = await response.text();
    if (response.ok) return JSON.parse(text) as T;
    let answer: { code?: string; message?: string; field?: string } = {};
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      answer = { message: text };
    }
    const code: ErrorCode = answer.code !== undefined && answer.code in ERROR_CATALOGUE ? (answer.code as ErrorCode) : 'INTERNAL';
    throw new CrossmarginError(code, `${method} ${path}: ${response.status} ${answer.message ?? ''}`.trim(), { field: answer.field ?? 'gateway' });
  }
}

interface ClusterStatus {
  readonly partitions: readonly { readonly partition: number; readonly owner: string; readonly expiresAt: number }[];
  readonly workers: readonly string[];
}

/** "w1 [0, 3, 5], w2 […]" */
function ownership(status: ClusterStatus): string {
  const by = new Map<string, number[]>();
  for (const p of status.partitions) {
    const owner = p.owner === '' ? '(none)' : p.owner;
    by.set(owner, [...(by.get(owner) ?? []), p.partition]);
  }
  return [...by.entries()]
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([owner, ps]) => `${owner} [${ps.join(', ')}]`)
    .join(', ');
}

/** Creates the demo's keys in the gateway's (new) SQLite file before the gateway opens it: known, not parsed. */
async function createKeys(db: string): Promise<{ admin: string; feed: string }> {
  const store = await openStore(db);
  try {
    const at = new Date().toISOString();
    const admin = await store.createApiKey({ role: 'admin', label: 'cluster-demo admin key' }, (r) => ({ keyId: 'cli', action: 'key.create', target: r.id, payload: { role: 'admin', demo: true }, at }));
    // The replay pushes under its own key: rate limits count per key, so the dashboard keeps its budget.
    const feed = await store.createApiKey({ role: 'risk-officer', label: 'cluster-demo market replay' }, (r) => ({ keyId: 'cli', action: 'key.create', target: r.id, payload: { role: 'risk-officer', demo: true }, at }));
    return { admin: admin.plaintext, feed: feed.plaintext };
  } finally {
    await store.close();
  }
}

/**
 * A snapshot the gateway takes (a full MarketSnapshotSchema document): the replay's day completed with what the last
 * pushed snapshot had (an underlying or fx rate a day lacks keeps its last value), stamped with the wall-clock time of
 * its push. The workers judge staleness on the wall clock, so the market's asOf must be now: a years-old asOf reads
 * as a stale market, and the bus keeps one market per asOf (its message id), so the last day pushed again under its
 * own date would be dropped and its accounts would go stale after --stale-after. The prices stay the replayed day's.
 */
export function redatedSnapshot(day: MarketSnapshotFile, previous: MarketSnapshotFile | undefined, atMs: number): MarketSnapshotFile {
  const fx = { ...(previous?.fx ?? {}), ...(day.fx ?? {}) };
  return parseMarketSnapshotFile(
    { asOf: new Date(atMs).toISOString(), underlyings: { ...(previous?.underlyings ?? {}), ...day.underlyings }, ...(Object.keys(fx).length === 0 ? {} : { fx }) },
    `replayed day ${day.asOf.slice(0, 10)}`,
  );
}

function priceLine(s: MarketSnapshotFile): string {
  return Object.entries(s.underlyings)
    .map(([u, m]) => `${u} ${m.index.toLocaleString('en-US', { maximumFractionDigits: m.index >= 100 ? 0 : 2 })}`)
    .join(', ');
}

/** Runs the demo until a signal, `--minutes`, or a failure; every process it started is gone when it returns. */
export async function runClusterDemo(settings: ClusterDemoSettings, io: CliIo): Promise<void> {
  if (natsServerBinary() === undefined) {
    throw new CrossmarginError('USAGE_INVALID', 'cluster-demo needs nats-server (the NATS JetStream server), which is not installed: apt-get install nats-server (or set NATS_SERVER to its path)', { field: 'nats-server' });
  }
  const say = (line: string): void => io.out(`${line}\n`);
  const stop = new AbortController();
  let failure: unknown;
  const fail = (error: unknown): void => {
    if (stop.signal.aborted) return;
    failure = error;
    stop.abort();
  };
  // Listened to from the start, so a Ctrl-C during the start-up also stops what was started; and until the end, so
  // a second one cannot end the demo (by the default action) while children are still running.
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) {
      say(`${signal}: already stopping (bounded: at most ${CHILD_STOP_MS / 1000} s more for the workers and gateway)`);
      return;
    }
    say(`${signal}: stopping the demo`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const demo: DemoRun = { dir: mkdtempSync(join(tmpdir(), 'crossmargin-cluster-demo-')), cluster: undefined, children: [], background: [] };
  let timeLimit: NodeJS.Timeout | undefined;
  try {
    await startDemo(demo, settings, say, io, stop.signal, fail);
    if (!stop.signal.aborted) {
      if (settings.minutes > 0) {
        timeLimit = setTimeout(() => {
          say(`cluster-demo: ${settings.minutes} minutes are up: stopping`);
          stop.abort();
        }, settings.minutes * 60_000);
      }
      say(`cluster-demo: running${settings.minutes > 0 ? ` for ${settings.minutes} minutes` : ''}; Ctrl-C stops everything`);
      await new Promise<void>((resolve) => (stop.signal.aborted ? resolve() : stop.signal.addEventListener('abort', () => resolve(), { once: true })));
    }
  } catch (error) {
    // A failure caused by the stop itself (a request aborted, a wait cut short) is no failure.
    if (!stop.signal.aborted) failure = error;
  } finally {
    stop.abort();
    clearTimeout(timeLimit);
    await bounded(Promise.all(demo.background), 5_000);
    const running = demo.children.filter((c) => isRunning(c.process));
    if (running.length > 0) say(`cluster-demo: stopping ${running.map((c) => c.name).join(', ')} (SIGTERM: the workers release their leases)`);
    await stopChildren(demo.children, demo.cluster?.servers ?? []);
    if (demo.cluster !== undefined) {
      say('cluster-demo: stopping the NATS cluster');
      await demo.cluster.stop();
    }
    rmSync(demo.dir, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    say('cluster-demo: stopped; every process it started has exited');
  }
  if (failure !== undefined) throw failure;
}

/** What the demo started, for the stop: filled in as it goes, so a failure half-way stops what exists. */
interface DemoRun {
  /** Temporary directory: the gateway's database. */
  readonly dir: string;
  cluster: NatsCluster | undefined;
  readonly children: DemoChild[];
  /** The replay and the failover watch, ended by the stop signal. */
  readonly background: Promise<void>[];
}

/** Starts the cluster, the workers and the gateway, seeds the accounts, starts the replay and the failover watch. Returns early once `signal` aborts. */
async function startDemo(demo: DemoRun, settings: ClusterDemoSettings, say: (line: string) => void, io: CliIo, signal: AbortSignal, fail: (error: unknown) => void): Promise<void> {
  say('cluster-demo: starting a 3-node NATS JetStream cluster on 127.0.0.1');
  try {
    demo.cluster = await NatsCluster.start();
  } catch (error) {
    if (signal.aborted) return;
    // Its nodes' ports are found free, then bound by nats-server: on a busy machine another process may take one in
    // between (the nodes never answer). NatsCluster.start stopped what it started; fresh ports once more.
    say(`cluster-demo: the NATS cluster did not start (${(error as Error).message}); once more on other ports`);
    demo.cluster = await NatsCluster.start();
  }
  if (signal.aborted) return;
  const nats = demo.cluster.servers.join(',');
  say(`cluster-demo: NATS ${nats}`);

  await createStreams(demo.cluster.servers, settings.partitions, signal);
  if (signal.aborted) return;
  const db = join(demo.dir, 'gateway.db');
  const keys = await createKeys(db);
  const common = ['--nats', nats, '--partitions', String(settings.partitions)];
  for (let i = 1; i <= settings.workers; i++) {
    const args = ['worker', ...common, '--lease-ms', String(settings.leaseMs), '--id', `w${i}`, '--stale-after', String(settings.staleAfterMs)];
    demo.children.push(startChild(`w${i}`, args, process.env, io, settings.verbose));
  }
  const gateway = startChild('gateway', ['serve', ...common, '--port', String(settings.port), '--host', '127.0.0.1', '--db', db], { ...process.env, CROSSMARGIN_ADMIN_KEY: keys.admin }, io, settings.verbose);
  demo.children.push(gateway);
  for (const child of demo.children) {
    void child.exited.then(async () => {
      if (child.expectedExit || signal.aborted) return;
      await sleep(100); // the rest of its output, for the message
      if (child.name === 'gateway') fail(new CrossmarginError('INTERNAL', describeExit(child), { field: 'gateway' }));
      else say(`cluster-demo: worker ${describeExit(child)}`);
    });
  }
  if (settings.verbose) {
    say(`cluster-demo: pids: nats-server ${childPids(process.pid, 'nats-server').join(' ')}, ${demo.children.map((c) => `${c.name} ${String(c.process.pid)}`).join(', ')} (demo ${process.pid})`);
  }
  const listening = await waitForLine(gateway, /listening on (http:\/\/\S+)/, 60_000, signal);
  const api = new GatewayClient(listening[1]!, signal);
  say(`cluster-demo: gateway ${api.url}, ${settings.workers} workers (w1…w${settings.workers}), ${settings.partitions} partitions, lease ${settings.leaseMs} ms`);
  say(`risk dashboard: ${api.url}/#key=${encodeURIComponent(keys.admin)}`);
  say(`API documentation: ${api.url}/docs`);
  say(`admin API key (this demo's own, gone with it): ${keys.admin}`);

  await waitForBalance(api, keys.admin, settings, demo.children.filter((c) => c.name !== 'gateway'), say, signal);
  if (signal.aborted) return;

  // The replay's history, loaded once here to name its days and handed to the feed.
  const history = loadMarketHistory(['BTC', 'ETH']);
  const replay = new HistoryReplayFeed({ underlyings: ['BTC', 'ETH'], daysPerSecond: settings.replaySpeed, warmupDays: DEMO_REPLAY_WARMUP_DAYS, history });
  const days = replay.snapshots(signal)[Symbol.asyncIterator]();
  const first = await days.next();
  if (first.done === true) throw new CrossmarginError('INTERNAL', 'the bundled BTC/ETH history has no day to replay', { field: 'history' });
  const pushed = redatedSnapshot(first.value, undefined, Date.now());
  // The first day's market before the accounts: each account's margin is published as soon as it is applied.
  await api.call(keys.feed, 'POST', '/market', pushed);
  await seedAccounts(api, keys.admin, demoAccounts(replay.firstCloses()), io, signal);
  if (signal.aborted) return;

  say(`replay: ${replay.days} days of bundled BTC/ETH history, ${first.value.asOf.slice(0, 10)} to ${history.dates.at(-1) ?? '?'}, at ${settings.replaySpeed} days/s through POST /market`);
  say(
    'replay: the prices are the replayed day\'s, each market stamped with the wall-clock time of its push (the workers judge staleness on the ' +
      'wall clock): "as of" on the dashboard is that time, the day being replayed is printed here',
  );
  demo.background.push(
    replayDays(days, first.value, pushed, api, keys.feed, Math.min(HOLD_PUSH_MS, settings.staleAfterMs / 3), say, signal).catch((error: unknown) => {
      if (!signal.aborted) fail(error);
    }),
  );
  if (settings.killWorkerAfterS > 0) {
    const w1 = demo.children.find((c) => c.name === 'w1')!;
    demo.background.push(
      killAndWatchFailover(w1, api, keys.admin, settings, say, signal).catch((error: unknown) => {
        if (!signal.aborted) say(`failover: not measured: ${(error as Error).message}`);
      }),
    );
  }
}

/**
 * Creates the streams and buckets (and records the partition count) from here, once, before any worker or gateway
 * starts: several processes creating them at once on a just-elected cluster time out on a loaded machine (a worker
 * exits on it). Retried for a minute, as the cluster may still be settling.
 */
async function createStreams(servers: readonly string[], partitions: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const bus = await JetStreamBus.open(servers, { ...DEFAULT_TOPOLOGY, partitions });
      await bus.close();
      return;
    } catch (error) {
      if (Date.now() >= deadline || signal.aborted) throw error;
      await sleep(500, signal);
    }
  }
}

/**
 * Waits until every partition is owned and the workers hold their fair shares (a first worker takes everything, then
 * gives partitions up as the others announce themselves): writes to an unowned partition would wait for an owner.
 */
async function waitForBalance(api: GatewayClient, key: string, settings: ClusterDemoSettings, workers: readonly DemoChild[], say: (line: string) => void, signal: AbortSignal): Promise<void> {
  const share = Math.ceil(settings.partitions / settings.workers);
  const deadline = Date.now() + 60_000;
  let status: ClusterStatus | undefined;
  while (Date.now() < deadline && !signal.aborted) {
    if (!workers.some((w) => isRunning(w.process))) throw new CrossmarginError('INTERNAL', `no worker is running: ${workers.map(describeExit).join('; ')}`, { field: 'workers' });
    status = await api.call<ClusterStatus>(key, 'GET', '/cluster');
    const counts = new Map<string, number>();
    for (const p of status.partitions) if (p.owner !== '') counts.set(p.owner, (counts.get(p.owner) ?? 0) + 1);
    const owned = status.partitions.every((p) => p.owner !== '');
    if (owned && counts.size === Math.min(settings.workers, settings.partitions) && [...counts.values()].every((n) => n <= share)) {
      say(`cluster: partitions owned by ${ownership(status)}`);
      return;
    }
    await sleep(200, signal);
  }
  if (status !== undefined && !signal.aborted) say(`cluster: not balanced within 60 s, going on: ${ownership(status)}`);
}

/** Creates the demo accounts through POST /accounts (a bar on a terminal); a 503 (partition moving) is retried. */
async function seedAccounts(api: GatewayClient, key: string, accounts: readonly NewServiceAccount[], io: CliIo, signal: AbortSignal): Promise<void> {
  const bar = io.interactive ? new SingleBar({ format: 'demo: seeding accounts {bar} {value}/{total}', stream: process.stderr }, Presets.shades_classic) : undefined;
  bar?.start(accounts.length, 0);
  const started = performance.now();
  let next = 0;
  try {
    const lane = async (): Promise<void> => {
      while (next < accounts.length && !signal.aborted) {
        const account = accounts[next++]!;
        const body = { id: account.id, currency: account.currency, mode: account.mode, positions: account.positions, collateral: account.collateral };
        for (let attempt = 1; ; attempt++) {
          try {
            await api.call(key, 'POST', '/accounts', body);
            break;
          } catch (error) {
            // The same write again is safe: the gateway derives its idempotency key from the account id.
            if (!(error instanceof CrossmarginError && error.code === 'UNAVAILABLE') || attempt >= 3 || signal.aborted) throw error;
          }
        }
        bar?.increment();
      }
    };
    await Promise.all(Array.from({ length: SEED_CONCURRENCY }, lane));
  } finally {
    bar?.stop();
  }
  if (signal.aborted) return;
  io.out(`demo: seeded ${accounts.length} accounts (${accounts.slice(0, 4).map((a) => a.id).join(', ')}, …) through POST /accounts in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

/**
 * Pushes the replay's days through POST /market (at most MAX_PUSHES_PER_SECOND: faster replays skip days in between),
 * printing the day every REPLAY_REPORT_MS; after the last day, pushes its prices again every `holdMs` (HOLD_PUSH_MS,
 * or a third of --stale-after when shorter) so that no account goes stale while the demo runs on.
 */
async function replayDays(
  days: AsyncIterator<MarketSnapshotFile>,
  firstDay: MarketSnapshotFile,
  pushedFirst: MarketSnapshotFile,
  api: GatewayClient,
  key: string,
  holdMs: number,
  say: (line: string) => void,
  signal: AbortSignal,
): Promise<void> {
  let last = pushedFirst;
  let lastDay = firstDay;
  let lastPushMs = Date.now();
  let lastReportMs = 0;
  let refusals = 0;
  const push = async (day: MarketSnapshotFile, report: boolean): Promise<void> => {
    // Strictly increasing asOfs: a worker refuses a market older than its own, and the bus keeps one per asOf.
    const snapshot = redatedSnapshot(day, last, Math.max(Date.now(), Date.parse(last.asOf) + 1));
    try {
      await api.call(key, 'POST', '/market', snapshot);
    } catch (error) {
      if (signal.aborted) return;
      // Reported (the first of every 20), and the replay goes on: the next day may pass.
      if (refusals++ % 20 === 0) say(`replay: market of ${day.asOf.slice(0, 10)} not taken: ${(error as Error).message}`);
      return;
    }
    last = snapshot;
    lastPushMs = Date.now();
    if (report && lastPushMs - lastReportMs >= REPLAY_REPORT_MS) {
      lastReportMs = lastPushMs;
      say(`replay: ${day.asOf.slice(0, 10)} (${priceLine(snapshot)}), pushed as of ${snapshot.asOf}`);
    }
  };
  for (;;) {
    const next = await days.next();
    if (next.done === true || signal.aborted) break;
    lastDay = next.value;
    // Skipped when the last push was less than a push period ago; a newer day is pushed on a later turn.
    if (Date.now() - lastPushMs < 1000 / MAX_PUSHES_PER_SECOND) continue;
    await push(next.value, true);
  }
  if (signal.aborted) return;
  await push(lastDay, true);
  say(`replay: reached the end of the bundled history (${lastDay.asOf.slice(0, 10)}); its prices are pushed again every ${holdMs / 1000} s so nothing goes stale`);
  while (await sleep(holdMs, signal)) await push(lastDay, false);
}

/**
 * After `--kill-worker-after` seconds: SIGKILL to w1 (no lease released: its leases must expire), then GET /cluster
 * until no partition is owned by w1, and the time that took.
 */
async function killAndWatchFailover(w1: DemoChild, api: GatewayClient, key: string, settings: ClusterDemoSettings, say: (line: string) => void, signal: AbortSignal): Promise<void> {
  if (!(await sleep(settings.killWorkerAfterS * 1000, signal))) return;
  const before = await api.call<ClusterStatus>(key, 'GET', '/cluster');
  const held = before.partitions.filter((p) => p.owner === w1.name).map((p) => p.partition);
  w1.expectedExit = true;
  w1.process.kill('SIGKILL');
  const killedAt = performance.now();
  say(`failover: SIGKILL to worker w1 (pid ${String(w1.process.pid)}), owner of partitions [${held.join(', ')}]; its leases expire within ${settings.leaseMs} ms, then the other workers take them over`);
  const deadline = Date.now() + settings.leaseMs + 60_000;
  while (Date.now() < deadline && !signal.aborted) {
    const status = await api.call<ClusterStatus>(key, 'GET', '/cluster');
    if (status.partitions.every((p) => p.owner !== w1.name && p.owner !== '')) {
      const seconds = (performance.now() - killedAt) / 1000;
      const moved = status.partitions.filter((p) => held.includes(p.partition));
      say(`failover: w1's partitions taken over in ${seconds.toFixed(1)} s after the SIGKILL (lease ${settings.leaseMs} ms): ${ownership({ partitions: moved, workers: status.workers })}`);
      return;
    }
    await sleep(100, signal);
  }
  if (!signal.aborted) say(`failover: w1's partitions were not all taken over within ${((performance.now() - killedAt) / 1000).toFixed(0)} s`);
}
