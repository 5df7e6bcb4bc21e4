/**
 * `crossmargin worker` processes on a real three-node JetStream cluster (issue 17 §5): two workers share eight
 * partitions; one is killed with SIGKILL while writes go on; its partitions move to the other after the lease time
 * (measured); every acknowledged write is applied exactly once (the figures equal one engine's fed the acknowledged
 * inputs); a rolling restart (a worker joins, the old one stops with SIGTERM) keeps every write applied. Bounded;
 * every process is stopped at the end. Then one of the three NATS nodes is killed with SIGKILL under two workers: the
 * writes go on (each applied once, the same figures).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterInput } from '../src/bus/cluster-input.js';
import { JetStreamBus } from '../src/bus/jetstream-bus.js';
import { PartitionLeases } from '../src/bus/partition-leases.js';
import { LiveEngine, type ReportedFigures } from '../src/engine/live/live-engine.js';
import { ClusterWriter } from '../src/server/cluster/cluster-writer.js';
import { publishedMargin } from '../src/server/cluster/partition-worker.js';
import { NatsCluster, natsServerBinary } from '../src/bus/local-nats-cluster.js';

const available = natsServerBinary() !== undefined;
const LEASE_MS = 2_000;
const MARKET = { asOf: '2025-09-23T12:00:00Z', underlyings: { BTC: { index: 112_000, vol: { atm: 0.45 } }, ETH: { index: 4_160, vol: { atm: 0.65 } } }, fx: { USDC: 1 } };

describe.skipIf(!available)('crossmargin worker processes', () => {
  let cluster: NatsCluster;
  let bus: JetStreamBus;
  const workers: ChildProcess[] = [];
  const startWorker = (id: string): ChildProcess => {
    const child = spawn('node', ['bin/crossmargin.js', 'worker', '--nats', cluster.servers.join(','), '--partitions', '8', '--lease-ms', String(LEASE_MS), '--id', id], { stdio: ['ignore', 'ignore', 'pipe'] });
    workers.push(child);
    return child;
  };
  beforeAll(async () => {
    cluster = await NatsCluster.start();
    bus = await JetStreamBus.open(cluster.servers, { partitions: 8, replicas: 3, duplicateWindowMs: 600_000 });
  }, 60_000);
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await bus?.close();
    await cluster?.stop();
  }, 30_000);

  it('a worker killed with SIGKILL during writes: its partitions move, nothing acknowledged is lost or applied twice', async () => {
    await bus.publishMarket(MARKET);
    const leases = new PartitionLeases(bus.leaseBucket, 'observer', LEASE_MS);
    const owners = async (): Promise<string[]> => Promise.all(Array.from({ length: 8 }, async (_, p) => (await leases.read(p))?.owner ?? ''));
    const w1 = startWorker('w1');
    startWorker('w2');
    const settle = Date.now() + 30_000;
    while (Date.now() < settle) {
      const o = await owners();
      if (o.filter((x) => x === 'w1').length === 4 && o.filter((x) => x === 'w2').length === 4) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await owners()).sort()).toEqual(['w1', 'w1', 'w1', 'w1', 'w2', 'w2', 'w2', 'w2']);

    const writer = new ClusterWriter(bus, 30_000);
    const reference = new LiveEngine({ model: 'scenario-grid', clock: { now: () => Date.parse(MARKET.asOf) }, staleAfterMs: 3_600_000, spikeBand: 0.25, sink: { append: () => undefined } });
    await reference.onMarket(MARKET);
    const ids = Array.from({ length: 16 }, (_, i) => `acct-${i}`);
    const apply = async (input: ClusterInput, key: string): Promise<void> => {
      expect(await writer.write(input, key), key).toMatchObject({ ok: true });
      if (input.kind === 'account') await reference.upsertAccount(input.document);
      else if (input.kind === 'trade') await reference.applyTrade(input.accountId, input.instrument, input.quantity);
    };
    for (const id of ids) await apply({ kind: 'account', accountId: id, document: { account: id, currency: 'USD', positions: [], collateral: { USDC: 80_000 } } }, `open-${id}`);
    const killedPartitions = (await owners()).flatMap((o, p) => (o === 'w1' ? [p] : []));
    let killedAt = 0;
    let failoverMs = Number.NaN;
    for (let round = 0; round < 3; round++) {
      for (const [i, id] of ids.entries()) {
        if (round === 1 && i === 4) {
          w1.kill('SIGKILL');
          killedAt = Date.now();
        }
        const started = Date.now();
        await apply({ kind: 'trade', accountId: id, instrument: i % 2 === 0 ? 'BTC_USDC-PERPETUAL' : 'ETH_USDC-PERPETUAL', quantity: 1 }, `t${round}-${id}`);
        if (killedAt > 0 && Number.isNaN(failoverMs) && killedPartitions.includes(bus.partitionOf(id))) failoverMs = Date.now() - killedAt;
        // A retry of the same write, as a client that lost the answer would send it: applied once.
        if (round === 2 && i === 0) expect(await writer.write({ kind: 'trade', accountId: id, instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }, `t${round}-${id}`)).toMatchObject({ ok: true, duplicate: true });
        expect(Date.now() - started).toBeLessThan(30_000);
      }
    }
    expect(await owners()).toEqual(Array(8).fill('w2'));
    for (const id of ids) expect(await bus.margin<ReportedFigures>(id), id).toEqual(publishedMargin(reference, id));
    console.log(`failover after SIGKILL of a worker: the first write to one of its partitions was applied ${failoverMs} ms after the kill (lease ${LEASE_MS} ms)`);
    expect(failoverMs).toBeLessThan(LEASE_MS + 15_000);

    // A rolling restart: a new worker joins, the old one stops with SIGTERM (its leases released at once, so its
    // partitions move without waiting for expiry), writes go on throughout; then the new one stops the same way.
    const stopped = (w: ChildProcess): Promise<number | null> => new Promise((resolve) => (w.exitCode !== null ? resolve(w.exitCode) : w.once('exit', (code) => resolve(code))));
    const w2 = workers[1]!;
    const w3 = startWorker('w3');
    const joined = Date.now() + 30_000;
    while (Date.now() < joined && !(await owners()).includes('w3')) await new Promise((r) => setTimeout(r, 100));
    const w2Exit = stopped(w2);
    w2.kill('SIGTERM');
    for (const [i, id] of ids.entries()) await apply({ kind: 'trade', accountId: id, instrument: i % 2 === 0 ? 'BTC_USDC-PERPETUAL' : 'ETH_USDC-PERPETUAL', quantity: -1 }, `rolling-${id}`);
    expect(await w2Exit).toBe(0);
    expect(await owners()).toEqual(Array(8).fill('w3'));
    for (const id of ids) expect(await bus.margin<ReportedFigures>(id), id).toEqual(publishedMargin(reference, id));
    const w3Exit = stopped(w3);
    w3.kill('SIGTERM');
    expect(await w3Exit).toBe(0);
    expect(await owners()).toEqual(Array(8).fill(''));
  }, 180_000);

  it('a NATS node killed with SIGKILL while two workers apply writes: the service goes on, every write applied once', async () => {
    const leases = new PartitionLeases(bus.leaseBucket, 'observer', LEASE_MS);
    startWorker('n1');
    startWorker('n2');
    const settle = Date.now() + 30_000;
    while (Date.now() < settle && new Set(await Promise.all(Array.from({ length: 8 }, async (_, p) => (await leases.read(p))?.owner ?? ''))).size < 2) await new Promise((r) => setTimeout(r, 100));
    const writer = new ClusterWriter(bus, 45_000);
    const reference = new LiveEngine({ model: 'scenario-grid', clock: { now: () => Date.parse(MARKET.asOf) }, staleAfterMs: 3_600_000, spikeBand: 0.25, sink: { append: () => undefined } });
    await reference.onMarket(MARKET);
    const ids = Array.from({ length: 12 }, (_, i) => `node-kill-${i}`);
    for (const id of ids) {
      const document = { account: id, currency: 'USD', positions: [], collateral: { USDC: 50_000 } };
      expect(await writer.write({ kind: 'account', accountId: id, document }, `nk-open-${id}`)).toMatchObject({ ok: true });
      await reference.upsertAccount(document);
    }
    let slowestMs = 0;
    for (let round = 0; round < 2; round++) {
      for (const [i, id] of ids.entries()) {
        // The first node: every process's first server (and on this cluster often a stream or meta leader).
        if (round === 0 && i === 3) cluster.kill(0);
        const started = Date.now();
        expect(await writer.write({ kind: 'trade', accountId: id, instrument: 'BTC_USDC-PERPETUAL', quantity: 1 + round }, `nk-t${round}-${id}`), id).toMatchObject({ ok: true });
        slowestMs = Math.max(slowestMs, Date.now() - started);
        await reference.applyTrade(id, 'BTC_USDC-PERPETUAL', 1 + round);
      }
    }
    for (const id of ids) expect(await bus.margin<ReportedFigures>(id), id).toEqual(publishedMargin(reference, id));
    console.log(`SIGKILL of a NATS node: the slowest write after it took ${slowestMs} ms`);
    await writer.close();
  }, 180_000);
});
