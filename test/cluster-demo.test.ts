/**
 * `crossmargin cluster-demo` end to end (docs/scale-out.md "Local demo"): the command is run as a child process with
 * two workers and four partitions; the test reads its dashboard link, asks the gateway for its health and the seeded
 * accounts' margins (stamped with the time of the replay's push, not the replayed day: nothing stale), waits for the
 * measured failover of the killed worker, then sends SIGINT and checks a clean exit (code 0) with none of the
 * processes the demo started (three nats-server nodes, the workers, the gateway) still alive. Needs a build
 * (bin/crossmargin.js runs dist/) and nats-server; without the latter it is skipped and says so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { describe, expect, it, vi } from 'vitest';
import { natsServerBinary } from '../src/bus/local-nats-cluster.js';
import { clusterDemoSettings, redatedSnapshot, runClusterDemo } from '../src/app/commands/cluster-demo-command.js';
import { CrossmarginError } from '../src/core/errors.js';

/** Lets a test see the demo as on a machine without nats-server. */
const natsMissing = vi.hoisted(() => ({ value: false }));
vi.mock('../src/bus/local-nats-cluster.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/bus/local-nats-cluster.js')>();
  return { ...actual, natsServerBinary: () => (natsMissing.value ? undefined : actual.natsServerBinary()) };
});

const available = natsServerBinary() !== undefined;
if (!available) console.warn('test/cluster-demo.test.ts skipped: nats-server is not installed (apt-get install nats-server)');

/** Direct children of `ppid` by /proc: pid → command name. */
function childrenOf(ppid: number): Map<number, string> {
  const found = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (Number(stat.slice(close + 2).split(' ')[1]) === ppid) found.set(Number(entry), stat.slice(stat.indexOf('(') + 1, close));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Alive and not a zombie (an exited process nobody reaped yet is gone for this purpose). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The demo's stdout, line by line, with a wait for the first line matching a pattern. */
class Output {
  readonly lines: string[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      for (const wake of this.waiters) wake();
    });
  }

  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const line of this.lines) {
        const match = pattern.exec(line);
        if (match !== null) return match;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line matching ${String(pattern)} within ${timeoutMs} ms; output:\n${this.lines.join('\n')}`);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }
}

const FLAGS = { workers: '3', partitions: '16', leaseMs: '3000', port: '8080', replaySpeed: '2', killWorkerAfter: '30', minutes: '10', staleAfter: '300000' };

describe('cluster-demo without a cluster', () => {
  it('refuses with a coded error naming nats-server when it is not installed', async () => {
    natsMissing.value = true;
    try {
      const printed: string[] = [];
      const io = { out: (s: string) => printed.push(s), err: (s: string) => printed.push(s), interactive: false };
      const refusal = await runClusterDemo(clusterDemoSettings(FLAGS), io).catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(CrossmarginError);
      expect(refusal).toMatchObject({ code: 'USAGE_INVALID', field: 'nats-server' });
      expect((refusal as Error).message).toContain('apt-get install nats-server');
      expect(printed).toEqual([]); // nothing was started
    } finally {
      natsMissing.value = false;
    }
  });

  it('checks its options before starting anything', () => {
    expect(clusterDemoSettings(FLAGS)).toMatchObject({ workers: 3, partitions: 16, leaseMs: 3000, port: 8080, replaySpeed: 2, killWorkerAfterS: 30, minutes: 10, verbose: false });
    expect(() => clusterDemoSettings({ ...FLAGS, workers: '1' })).toThrow(expect.objectContaining({ code: 'USAGE_INVALID', field: '--kill-worker-after' }));
    expect(clusterDemoSettings({ ...FLAGS, workers: '1', killWorkerAfter: '0' }).workers).toBe(1);
    expect(() => clusterDemoSettings({ ...FLAGS, replaySpeed: '0' })).toThrow(expect.objectContaining({ field: '--replay-speed' }));
    expect(() => clusterDemoSettings({ ...FLAGS, minutes: '-1' })).toThrow(expect.objectContaining({ field: '--minutes' }));
    expect(() => clusterDemoSettings({ ...FLAGS, port: 'x' })).toThrow(expect.objectContaining({ field: '--port' }));
  });

  it('pushes a replayed day as a full snapshot stamped with the wall-clock time, keeping what the day lacks', () => {
    const previous = { asOf: '2026-01-01T00:00:00.000Z', underlyings: { BTC: { index: 7_000, rate: 0, vol: { atm: 0.6 } }, ETH: { index: 150, rate: 0, vol: { atm: 0.8 } } }, fx: { USDC: 1 } };
    const day = { asOf: '2020-04-04T23:59:59Z', underlyings: { BTC: { index: 6_900, rate: 0, vol: { atm: 0.7 } } } };
    const at = Date.parse('2026-01-01T00:00:01.234Z');
    expect(redatedSnapshot(day, previous, at)).toEqual({ asOf: '2026-01-01T00:00:01.234Z', underlyings: { BTC: day.underlyings.BTC, ETH: previous.underlyings.ETH }, fx: { USDC: 1 } });
  });
});

describe.skipIf(!available)('crossmargin cluster-demo', () => {
  it('starts a cluster with a dashboard, serves margins, measures a failover and leaves no process behind on SIGINT', async () => {
    const started = Date.now();
    const demo = spawn(
      process.execPath,
      ['bin/crossmargin.js', 'cluster-demo', '--port', '0', '--workers', '2', '--partitions', '4', '--kill-worker-after', '5', '--minutes', '0.5', '--replay-speed', '20', '--verbose'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    demo.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
    const out = new Output(demo);
    const startedPids = new Set<number>();
    try {
      const link = await out.waitFor(/^risk dashboard: (http:\/\/127\.0\.0\.1:\d+)\/#key=(cmk_\S+)$/, 60_000);
      const url = link[1]!;
      const key = decodeURIComponent(link[2]!);
      const pids = await out.waitFor(/^cluster-demo: pids: nats-server ([\d ]+), w1 (\d+), w2 (\d+), gateway (\d+) \(demo (\d+)\)$/, 1_000);
      for (const pid of [...pids[1]!.split(' '), pids[2], pids[3], pids[4]]) startedPids.add(Number(pid));
      expect(Number(pids[5])).toBe(demo.pid);
      // Every process the demo started is its child: three NATS nodes and three crossmargin processes.
      const children = childrenOf(demo.pid!);
      expect([...children.values()].filter((name) => name === 'nats-server')).toHaveLength(3);
      for (const pid of children.keys()) startedPids.add(pid);
      expect(startedPids.size).toBe(6);

      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', mode: 'cluster', partitions: 4 });

      const seeded = Number((await out.waitFor(/^demo: seeded (\d+) accounts/, 60_000))[1]);
      expect(seeded).toBeGreaterThan(4);
      const margins = await fetch(`${url}/margins`, { headers: { authorization: `Bearer ${key}` } });
      expect(margins.status).toBe(200);
      const rows = (await margins.json()) as { accountId: string; asOf: string; partition: number }[];
      expect(rows).toHaveLength(seeded);
      expect(rows.map((r) => r.accountId)).toContain('demo-btc-long');
      // Re-dated to the time of the push (the replayed days are years old): the market the workers hold is current.
      for (const r of rows) expect(Math.abs(Date.now() - Date.parse(r.asOf))).toBeLessThan(120_000);

      const failover = await out.waitFor(/^failover: w1's partitions taken over in ([\d.]+) s after the SIGKILL/, 60_000);
      expect(Number(failover[1])).toBeLessThan(30);
      expect(alive(Number(pids[2]))).toBe(false); // w1, killed

      demo.kill('SIGINT');
      const code = await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 30_000))]);
      expect(code, `exit; stderr:\n${stderr}\nstdout:\n${out.lines.join('\n')}`).toBe(0);
      expect(out.lines.at(-1)).toBe('cluster-demo: stopped; every process it started has exited');
      expect([...startedPids].filter(alive)).toEqual([]);
      console.log(`cluster-demo test: failover ${failover[1]} s, whole run ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } finally {
      // A failed run must not leave the cluster behind either.
      if (demo.exitCode === null && demo.signalCode === null) demo.kill('SIGKILL');
      for (const pid of startedPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 120_000);
});
