/**
 * The partitioned cluster on this machine (issue 17 §6, first figures): a three-node NATS JetStream cluster on
 * loopback (src/bus/local-nats-cluster.ts), `workers` engine worker processes (`crossmargin worker`), and the
 * gateway's writer (ClusterWriter) in this process, `concurrency` writes in flight. Measures: accounts created per
 * second and trades per second, each acknowledged only once applied by the owning worker (p50/p99 latency); the
 * re-margin of every account after one market tick (until every account's published figures carry the new asOf);
 * and the failover after SIGKILL of a worker (until a write to one of its partitions is applied). Skipped, with a
 * result saying so, when nats-server is not installed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CrossmarginError } from '../src/core/errors.js';
import { JetStreamBus } from '../src/bus/jetstream-bus.js';
import { NatsCluster, natsServerBinary } from '../src/bus/local-nats-cluster.js';
import { PartitionLeases } from '../src/bus/partition-leases.js';
import type { ReportedFigures } from '../src/engine/live/live-engine.js';
import { ClusterWriter } from '../src/server/cluster/cluster-writer.js';
import type { BenchResult } from './bench-result.js';

export interface ClusterBenchOptions {
  readonly accounts?: number;
  readonly trades?: number;
  readonly workers?: number;
  readonly partitions?: number;
  readonly concurrency?: number;
  /** Inputs published at once while the book is loaded (default 4,096). */
  readonly loadInFlight?: number;
  readonly leaseMs?: number;
  /** Result name prefix (default cluster-jetstream). */
  readonly name?: string;
}

const market = (asOf: string, btc: number, eth: number) => ({ asOf, underlyings: { BTC: { index: btc, vol: { atm: 0.45 } }, ETH: { index: eth, vol: { atm: 0.65 } } }, fx: { USDC: 1 } });

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

/** Runs `count` jobs with at most `concurrency` in flight; returns each job's latency (ms) and the wall time. */
async function inFlight(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<{ latencies: number[]; wallMs: number; started: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        await job(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), wallMs: performance.now() - started, started };
}

export async function benchCluster(options: ClusterBenchOptions = {}): Promise<BenchResult[]> {
  const accounts = options.accounts ?? 20_000;
  const trades = options.trades ?? 10_000;
  const workerCount = options.workers ?? 2;
  const partitions = options.partitions ?? 16;
  const concurrency = options.concurrency ?? 64;
  const loadInFlight = options.loadInFlight ?? 4_096;
  const leaseMs = options.leaseMs ?? 10_000;
  const name = options.name ?? 'cluster-jetstream';
  if (natsServerBinary() === undefined) {
    return [{ name, workload: 'skipped: nats-server is not installed (apt-get install nats-server)', opsPerSecond: 0 }];
  }
  // A node's JetStream disk limit sized to the book: the inputs, the margins (an entry per account, pages for ticks) and the
  // events of 1,000,000 accounts are a few gigabytes per node.
  const cluster = await NatsCluster.start({ maxFileStore: accounts > 200_000 ? '16GB' : '2GB' });
  const workers: ChildProcess[] = [];
  const logDir = mkdtempSync(join(tmpdir(), `crossmargin-${name}-`));
  // The executable at the repository's root, from bench/ (sources) or dist/bench/ (built).
  const bin = join(fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../' : '../', import.meta.url)), 'bin', 'crossmargin.js');
  let bus: JetStreamBus | undefined;
  try {
    // Retried for up to two minutes: on this 2-core machine a bulk load can starve the NATS nodes into leader elections.
    bus = await JetStreamBus.open(cluster.servers, { partitions, replicas: 3, duplicateWindowMs: 10 * 60_000 }, { retryMs: 120_000 });
    for (let w = 0; w < workerCount; w++) {
      // Each worker's errors (what it logs to stderr) in a file of the run's, named in the results: a slow or failed
      // run says why.
      const log = openSync(join(logDir, `w${w + 1}.log`), 'w');
      workers.push(spawn('node', [bin, 'worker', '--nats', cluster.servers.join(','), '--partitions', String(partitions), '--lease-ms', String(leaseMs), '--id', `w${w + 1}`, '--idle-ms', '5', '--stale-after', '86400000'], { stdio: ['ignore', 'ignore', log] }));
      closeSync(log);
    }
    const leases = new PartitionLeases(bus.leaseBucket, 'bench', leaseMs);
    const owners = async (): Promise<string[]> => Promise.all(Array.from({ length: partitions }, async (_, p) => (await leases.read(p))?.owner ?? ''));
    const settle = Date.now() + 60_000;
    while (Date.now() < settle && new Set((await owners()).filter((o) => o !== '')).size < workerCount) await new Promise((r) => setTimeout(r, 100));
    // Dated now, with an option expiring in a year: workers judge expiry and staleness on the wall clock.
    const opened = Date.now();
    await bus.publishMarket(market(new Date(opened).toISOString(), 112_000, 4_160));
    const writer = new ClusterWriter(bus, 60_000);
    const id = (i: number): string => `acct-${i}`;
    const expiry = new Date(opened + 365 * 86_400_000);
    const option = `BTC_USDC-${expiry.getUTCDate()}${['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'][expiry.getUTCMonth()]}${String(expiry.getUTCFullYear()).slice(2)}-110000-C`;
    const universe = ['BTC_USDC-PERPETUAL', 'ETH_USDC-PERPETUAL', option];
    // The book is loaded as a venue would bulk-load it: inputs published to the partitions' logs with many in flight,
    // without waiting for each to be applied, then timed until every partition's owner has applied its last one.
    const lastSeq = new Map<number, number>();
    const created = await inFlight(accounts, loadInFlight, async (i) => {
      const published = await bus!.publishInput(id(i), `open-${i}`, { kind: 'account', accountId: id(i), document: { account: id(i), currency: 'USD', positions: [{ instrument: universe[i % 3]!, quantity: 1 + (i % 5) }], collateral: { USDC: 100_000 } } });
      lastSeq.set(published.partition, Math.max(lastSeq.get(published.partition) ?? 0, published.seq));
    });
    const loadDeadline = Date.now() + 60 * 60_000;
    for (const [partition, seq] of lastSeq) {
      while ((await bus.appliedSeq(partition)) < seq) {
        if (Date.now() > loadDeadline) throw new CrossmarginError('INTERNAL', `bench: partition ${partition} did not apply the book within an hour (the workers' logs: ${logDir})`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const loadMs = performance.now() - created.started;
    // Each phase's figure as it is measured (stderr), so a run that fails later still tells what it measured.
    const told = (line: string): void => void process.stderr.write(`\n${name}: ${line}\n`);
    told(`${accounts} accounts loaded in ${(loadMs / 1000).toFixed(1)} s (${(accounts / (loadMs / 1000)).toFixed(0)} accounts/s)`);
    for (const i of [0, accounts - 1]) if ((await bus.margin<ReportedFigures>(id(i))) === undefined) throw new CrossmarginError('INTERNAL', `bench: account ${id(i)} has no margin after the load`);
    const traded = await inFlight(trades, concurrency, async (i) => {
      const r = await writer.write({ kind: 'trade', accountId: id((i * 7919) % accounts), instrument: universe[i % 2]!, quantity: 1 }, `trade-${i}`);
      if (!r.ok) {
        // What became of the account's creation (its refusal, if one was recorded), to tell a refused load from a lost one.
        const key = `open-${(i * 7919) % accounts}`;
        const progress = await bus!.progressOf(bus!.partitionOf(id((i * 7919) % accounts)));
        const opened = await bus!.outcome<object>(key, progress.owners.at(-1)?.[0] ?? 0);
        throw new CrossmarginError('INTERNAL', `bench: trade ${i} on ${id((i * 7919) % accounts)} refused: ${r.code} ${r.message}; the account's creation: ${opened === undefined ? 'no refusal recorded' : JSON.stringify(opened)}`);
      }
    });
    told(`${trades} trades in ${(traded.wallMs / 1000).toFixed(1)} s (${(trades / (traded.wallMs / 1000)).toFixed(0)}/s, p99 ${percentile(traded.latencies, 0.99).toFixed(0)} ms)`);
    // One market tick moving both underlyings (every account is exposed to one): done when a sample of accounts spread over every
    // partition all carry the new asOf (their partitions' owners re-margined and published them).
    const asOf = new Date(Date.now()).toISOString();
    const sample = Array.from({ length: 256 }, (_, k) => id(Math.floor((k * accounts) / 256)));
    const tickStart = performance.now();
    await bus.publishMarket(market(asOf, 113_000, 4_200));
    const pending = new Set(sample);
    const tickDeadline = Date.now() + 15 * 60_000;
    while (pending.size > 0) {
      if (Date.now() > tickDeadline) throw new CrossmarginError('INTERNAL', `bench: ${pending.size} of ${sample.length} sampled accounts did not carry the tick within 15 minutes`);
      for (const a of [...pending]) if ((await bus.margin<ReportedFigures>(a))?.asOf === asOf) pending.delete(a);
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 5));
    }
    const tickMs = performance.now() - tickStart;
    told(`a tick re-margined ${accounts} accounts in ${tickMs.toFixed(0)} ms`);
    // Each worker's resident memory after the tick (MiB), for the sizing arithmetic (docs/scale-out.md).
    const workerRssMiB = workers.map((w) => {
      const status = w.pid === undefined ? '' : readFileSync(`/proc/${w.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
    });
    // Failover: SIGKILL the first worker, then write to one of its partitions until applied.
    const held = await owners();
    const victim = Math.max(0, workers.findIndex((_, w) => held.includes(`w${w + 1}`)));
    const victimPartitions = held.flatMap((o, p) => (o === `w${victim + 1}` ? [p] : []));
    const victimAccount = Array.from({ length: accounts }, (_, i) => id(i)).find((a) => victimPartitions.includes(bus!.partitionOf(a)));
    if (victimAccount === undefined) throw new CrossmarginError('INTERNAL', `bench: no account in the partitions of worker ${victim + 1} (${victimPartitions.join(', ')})`);
    workers[victim]!.kill('SIGKILL');
    const killedAt = performance.now();
    // Until every partition of the victim has a new owner (its lease taken: the snapshot loaded, the log replayed
    // after), and until a write to one of them is applied. Waited up to 15 minutes: a partition of a million-account
    // book is ~16,000 accounts to load, one snapshot per round per survivor.
    let reownedMs = Number.NaN;
    let written = false;
    const watching = (async () => {
      while (Number.isNaN(reownedMs) && !written) {
        const now = await owners();
        if (victimPartitions.every((p) => now[p] !== '' && now[p] !== `w${victim + 1}`)) reownedMs = performance.now() - killedAt;
        else await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      await new ClusterWriter(bus, 15 * 60_000).write({ kind: 'trade', accountId: victimAccount, instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }, 'failover-1');
    } finally {
      written = true;
    }
    const failoverMs = performance.now() - killedAt;
    await watching;
    told(`failover: the victim's ${victimPartitions.length} partitions owned again after ${reownedMs.toFixed(0)} ms, a write to one applied after ${failoverMs.toFixed(0)} ms`);
    const setup = `a three-node NATS JetStream cluster on loopback (Debian's nats-server, streams and buckets ×3), ${workerCount} \`crossmargin worker\` processes (scenario-grid), ${partitions} partitions, the writer in the bench process with ${concurrency} writes in flight, each acknowledged once applied`;
    return [
      {
        name: `${name}-writes`,
        workload: `${setup} (their stderr in ${logDir}): ${accounts.toLocaleString('en-US')} accounts bulk-loaded (published to the logs with ${loadInFlight.toLocaleString('en-US')} in flight, timed until every partition applied them: accountsPerSecond) then ${trades.toLocaleString('en-US')} trades through the gateway's writer, each acknowledged once applied; opsPerSecond = trades per second`,
        opsPerSecond: trades / (traded.wallMs / 1000),
        meanMs: traded.latencies.reduce((a, b) => a + b, 0) / traded.latencies.length,
        extra: {
          accounts,
          accountsPerSecond: accounts / (loadMs / 1000),
          loadSeconds: loadMs / 1000,
          publishSeconds: created.wallMs / 1000,
          tradesPerSecond: trades / (traded.wallMs / 1000),
          tradeP50Ms: percentile(traded.latencies, 0.5),
          tradeP99Ms: percentile(traded.latencies, 0.99),
          workers: workerCount,
          partitions,
          concurrency,
        },
      },
      {
        name: `${name}-tick`,
        workload: `${setup}: one market tick moving BTC and ETH re-margins every account (${accounts.toLocaleString('en-US')}); timed from the publish until 256 sample accounts over every partition carry the new asOf in the margins bucket`,
        opsPerSecond: accounts / (tickMs / 1000),
        meanMs: tickMs,
        extra: { tickMs, accounts, workerRssMaxMiB: Math.max(...workerRssMiB), workerRssTotalMiB: workerRssMiB.reduce((a, b) => a + b, 0) },
      },
      {
        name: `${name}-failover`,
        workload: `${setup}: SIGKILL of one worker, timed until a write to one of its partitions is applied by another (lease ${leaseMs} ms); reownedMs: until every partition of it has a new owner`,
        opsPerSecond: 1000 / failoverMs,
        meanMs: failoverMs,
        extra: { failoverMs, reownedMs, partitionsMoved: victimPartitions.length, leaseMs },
      },
    ];
  } finally {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await bus?.close();
    await cluster.stop();
  }
}
