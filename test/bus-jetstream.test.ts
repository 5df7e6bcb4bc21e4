/**
 * The bus on a real three-node NATS JetStream cluster on loopback (issue 17): partitioned inputs, deduplication by
 * idempotency key, partition leases by compare-and-set, and a node killed with SIGKILL while inputs are written.
 * Skipped, saying so, when nats-server is not installed (.ci/run installs Debian's).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JetStreamBus, type PublishedInput } from '../src/bus/jetstream-bus.js';
import { PartitionLeases } from '../src/bus/partition-leases.js';
import { NatsCluster, natsServerBinary } from '../src/bus/local-nats-cluster.js';

const available = natsServerBinary() !== undefined;
if (!available) console.warn('nats-server is not installed: the JetStream bus tests are skipped');

describe.skipIf(!available)('JetStream bus on a three-node cluster', () => {
  let cluster: NatsCluster;
  let bus: JetStreamBus;
  beforeAll(async () => {
    cluster = await NatsCluster.start();
    bus = await JetStreamBus.open(cluster.servers, { partitions: 8, replicas: 3, duplicateWindowMs: 60_000 });
  }, 60_000);
  afterAll(async () => {
    await bus?.close();
    await cluster?.stop();
  }, 30_000);

  it('writes each account to its partition; a partition reads back its own inputs in order; a repeat id is stored once', async () => {
    const accounts = Array.from({ length: 40 }, (_, i) => `acct-${i}`);
    const acks: PublishedInput[] = [];
    for (const [i, id] of accounts.entries()) acks.push(await bus.publishInput(id, `trade-${i}`, { accountId: id, quantity: i }));
    expect(acks.every((a, i) => a.partition === bus.partitionOf(accounts[i]!) && !a.duplicate)).toBe(true);
    const again = await bus.publishInput(accounts[3]!, 'trade-3', { accountId: accounts[3], quantity: 3 });
    expect(again).toMatchObject({ duplicate: true, seq: acks[3]!.seq });
    // Opening the bus again (another process) finds the same streams and changes nothing; a process started with
    // another partition count is refused (it would route accounts to the wrong partitions).
    const second = await JetStreamBus.open(cluster.servers, bus.topology);
    await second.close();
    await expect(JetStreamBus.open(cluster.servers, { ...bus.topology, partitions: 16 })).rejects.toMatchObject({ code: 'USAGE_INVALID', field: 'partitions' });
    for (let p = 0; p < 8; p++) {
      const read = await bus.readInputs<{ accountId: string; quantity: number }>(p, 1, 1000);
      const expected = accounts.filter((id) => bus.partitionOf(id) === p);
      expect(read.map((m) => m.body.accountId)).toEqual(expected);
      expect(read.map((m) => m.seq)).toEqual([...read.map((m) => m.seq)].sort((a, b) => a - b));
    }
    // From a log position on: what a new owner replays after its snapshot.
    const p0 = await bus.readInputs<{ accountId: string }>(bus.partitionOf(accounts[0]!), acks[0]!.seq + 1, 1000);
    expect(p0.every((m) => m.seq > acks[0]!.seq)).toBe(true);
  }, 30_000);

  it('leases: of two workers racing, one owns a partition; the other takes it only once it expires, and the first cannot renew', async () => {
    let now = 1_000_000;
    const a = new PartitionLeases(bus.leaseBucket, 'worker-a', 10_000, () => now);
    const b = new PartitionLeases(bus.leaseBucket, 'worker-b', 10_000, () => now);
    const [la, lb] = await Promise.all([a.acquire(5), b.acquire(5)]);
    expect([la, lb].filter((l) => l !== undefined)).toHaveLength(1);
    const [winner, loser, held] = la !== undefined ? [a, b, la] : [b, a, lb!];
    expect(await loser.acquire(5)).toBeUndefined();
    now += 5_000;
    const renewed = await winner.renew(held);
    expect(renewed?.expiresAt).toBe(now + 10_000);
    expect(await loser.acquire(5)).toBeUndefined();
    now += 10_001;
    const taken = await loser.acquire(5);
    expect(taken?.owner).toBe(loser.owner);
    expect(await winner.renew(renewed!)).toBeUndefined();
    expect(await winner.read(5)).toMatchObject({ owner: loser.owner });
    // Heartbeats: each live worker once, however often it writes while the keys are listed; an expired one is gone.
    await Promise.all([a.heartbeat(), b.heartbeat(), ...Array.from({ length: 20 }, () => a.heartbeat()), a.liveOwners(), b.liveOwners()]);
    expect(await Promise.all([a.liveOwners(), ...Array.from({ length: 5 }, () => Promise.all([a.heartbeat(), b.liveOwners()]).then(([, l]) => l))])).toEqual(Array(6).fill(['worker-a', 'worker-b']));
    // A clean release frees it at once.
    expect(await loser.release(taken!)).toBe(true);
    expect(await winner.acquire(5)).toMatchObject({ owner: winner.owner });
  }, 30_000);

  it('keeps accepting and serving inputs when one NATS node is killed with SIGKILL (three replicas)', async () => {
    const before = await bus.publishInput('survivor', 'before-kill', { n: 1 });
    cluster.kill(2);
    const written: number[] = [];
    for (let i = 0; i < 20; i++) written.push((await bus.publishInput('survivor', `after-kill-${i}`, { n: i + 2 })).seq);
    const read = await bus.readInputs<{ n: number }>(before.partition, before.seq, 1000);
    expect(read.filter((m) => m.msgId === 'before-kill' || m.msgId.startsWith('after-kill')).map((m) => m.body.n)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
  }, 60_000);
});
