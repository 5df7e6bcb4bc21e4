/**
 * A local NATS JetStream cluster on loopback (issue 17): Debian's `nats-server`, three nodes by default, each in its
 * own temporary directory, routes between them, JetStream on file storage. Used by the cluster tests and benchmark
 * (which skip, and say why, without `nats-server`; `.ci/run` installs it). Bounded: start waits at most `startMs` for
 * the cluster to elect a JetStream leader; stop ends every node (SIGKILL after a grace period) and removes the
 * directories.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { CrossmarginError } from '../core/errors.js';

/** The nats-server binary, or undefined when none is installed. */
export function natsServerBinary(): string | undefined {
  for (const candidate of [process.env.NATS_SERVER, '/usr/sbin/nats-server', '/usr/bin/nats-server', 'nats-server']) {
    if (candidate === undefined || candidate === '') continue;
    const probe = spawnSync(candidate, ['--version'], { encoding: 'utf8', timeout: 5_000 });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

/** A free loopback port (bound and released: another process could take it meanwhile, which start() would report). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new CrossmarginError('INTERNAL', 'no free loopback port', { field: 'port' }))));
    });
  });
}

interface Node {
  readonly name: string;
  readonly clientPort: number;
  readonly routePort: number;
  readonly dir: string;
  process: ChildProcess | undefined;
}

export class NatsCluster {
  private constructor(
    private readonly binary: string,
    private readonly nodes: Node[],
    private readonly root: string,
    /** Each node's JetStream disk limit (nats-server's size syntax). */
    private readonly maxFileStore: string,
  ) {}

  /** Client URLs of every node. */
  get servers(): string[] {
    return this.nodes.map((n) => `nats://127.0.0.1:${n.clientPort}`);
  }

  /**
   * Starts `size` nodes (default 3) and waits until JetStream answers. `maxFileStore` is each node's JetStream disk
   * limit (nats-server's size syntax; default 1GB): a million-account book needs several (bench/cluster.bench.ts).
   */
  static async start(options: { size?: number; startMs?: number; maxFileStore?: string } = {}): Promise<NatsCluster> {
    if (options.maxFileStore !== undefined && !/^\d+(MB|GB)$/.test(options.maxFileStore)) {
      throw new CrossmarginError('USAGE_INVALID', `maxFileStore: expected a size such as 1GB or 512MB, got "${options.maxFileStore}"`, { field: 'maxFileStore' });
    }
    const binary = natsServerBinary();
    if (binary === undefined) throw new CrossmarginError('USAGE_INVALID', 'nats-server is not installed (apt-get install nats-server)', { field: 'nats-server' });
    const root = mkdtempSync(join(tmpdir(), 'crossmargin-nats-'));
    const nodes: Node[] = [];
    for (let i = 0; i < (options.size ?? 3); i++) {
      nodes.push({ name: `n${i + 1}`, clientPort: await freePort(), routePort: await freePort(), dir: join(root, `n${i + 1}`), process: undefined });
    }
    const cluster = new NatsCluster(binary, nodes, root, options.maxFileStore ?? '1GB');
    try {
      for (const node of nodes) cluster.launch(node);
      await cluster.waitForJetStream(options.startMs ?? 30_000);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  private launch(node: Node): void {
    const routes = this.nodes.filter((n) => n !== node).map((n) => `nats-route://127.0.0.1:${n.routePort}`);
    const config = join(this.root, `${node.name}.conf`);
    writeFileSync(
      config,
      [
        `server_name: ${node.name}`,
        `listen: 127.0.0.1:${node.clientPort}`,
        `jetstream { store_dir: "${node.dir}", max_memory_store: 64MB, max_file_store: ${this.maxFileStore} }`,
        `cluster { name: crossmargin, listen: 127.0.0.1:${node.routePort}, routes: [${routes.map((r) => `"${r}"`).join(', ')}] }`,
      ].join('\n'),
    );
    node.process = spawn(this.binary, ['-c', config], { stdio: 'ignore' });
  }

  /** Waits until a JetStream request succeeds through any node (the meta leader is elected). */
  private async waitForJetStream(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      let nc: NatsConnection | undefined;
      try {
        nc = await connect({ servers: this.servers, timeout: 1_000, reconnect: false });
        const jsm = await jetstreamManager(nc, { timeout: 1_000 });
        await jsm.getAccountInfo();
        return;
      } catch (error) {
        last = error;
        await new Promise((r) => setTimeout(r, 200));
      } finally {
        await nc?.close();
      }
    }
    throw new CrossmarginError('INTERNAL', `the NATS cluster did not answer JetStream requests within ${timeoutMs} ms: ${String(last)}`, { field: 'nats' });
  }

  /** kill -9 of node `index` (0-based). */
  kill(index: number): void {
    this.nodes[index]?.process?.kill('SIGKILL');
  }

  /** Stops every node and removes their data. */
  async stop(): Promise<void> {
    await Promise.all(
      this.nodes.map(
        (node) =>
          new Promise<void>((resolve) => {
            const p = node.process;
            if (p === undefined || p.exitCode !== null || p.signalCode !== null) return resolve();
            const force = setTimeout(() => p.kill('SIGKILL'), 3_000);
            p.once('exit', () => {
              clearTimeout(force);
              resolve();
            });
            p.kill('SIGTERM');
          }),
      ),
    );
    rmSync(this.root, { recursive: true, force: true });
  }
}
