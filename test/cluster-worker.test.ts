/**
 * Engine workers over a real three-node NATS JetStream cluster on loopback (issue 17): two workers share the
 * partitions by lease, writes through the gateway's writer are acknowledged once applied, the margins they publish
 * equal a single engine's fed the same inputs, a repeated idempotency key is applied once, and when a worker dies
 * (no release) its partitions move to the other after the lease time, rebuilt from their logs with the same figures.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterInput } from '../src/bus/cluster-input.js';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { STREAMS, type JetStreamBus, type Progress } from '../src/bus/jetstream-bus.js';
import type { EventSink } from '../src/engine/live/engine-event.js';
import { LiveEngine, type ReportedFigures } from '../src/engine/live/live-engine.js';
import { CollectedEvents } from '../src/server/cluster/collected-events.js';
import { ClusterWriter } from '../src/server/cluster/cluster-writer.js';
import { PartitionWorker, publishedMargin, type PartitionSnapshot } from '../src/server/cluster/partition-worker.js';
import { natsServerBinary } from '../src/bus/local-nats-cluster.js';
import { suiteNatsCluster } from './nats-suite-cluster.js';

const available = natsServerBinary() !== undefined;
const LEASE_MS = 10_000;
const MARKET = { asOf: '2025-09-23T12:00:00Z', underlyings: { BTC: { index: 112_000, vol: { atm: 0.45 } }, ETH: { index: 4_160, vol: { atm: 0.65 } } }, fx: { USDC: 1 } };
const engine = (sink: EventSink = { append: () => undefined }) => new LiveEngine({ model: 'scenario-grid', clock: { now: () => Date.parse(MARKET.asOf) }, staleAfterMs: 3_600_000, spikeBand: 0.25, sink });

/** Steps a worker until stopped (a worker process's main loop). */
function running(worker: PartitionWorker): () => Promise<void> {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await worker.step();
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

describe.skipIf(!available)('engine workers on a three-node JetStream cluster', () => {
  const { servers, open } = suiteNatsCluster(8);

  it('partitioned writes applied before they are acknowledged; the same margins as one engine; a dead worker\'s partitions move', async () => {
    let now = 1_000_000;
    const gateway = await open();
    await gateway.publishMarket(MARKET);
    const eventsA = new CollectedEvents();
    const eventsB = new CollectedEvents();
    // snapshotMs 0: a snapshot after every batch, so that a takeover below starts from one.
    const a = new PartitionWorker(await open(), { owner: 'worker-a', engine: engine(eventsA), leaseMs: LEASE_MS, now: () => now, events: eventsA, snapshotMs: 0 });
    const b = new PartitionWorker(await open(), { owner: 'worker-b', engine: engine(eventsB), leaseMs: LEASE_MS, now: () => now, events: eventsB, snapshotMs: 0 });
    // The first steps share the partitions: each takes its fair share (a newcomer gets its share released to it).
    for (let i = 0; i < 4; i++) await Promise.all([a.step(), b.step()]);
    expect([a.partitions().length, b.partitions().length]).toEqual([4, 4]);
    expect(a.partitions().filter((p) => b.partitions().includes(p))).toEqual([]);
    const stopA = running(a);
    let stopB = running(b);

    const reference = engine();
    await reference.onMarket(MARKET);
    const writer = new ClusterWriter(gateway);
    const inputs: [ClusterInput, string][] = [];
    const ids = Array.from({ length: 12 }, (_, i) => `acct-${i}`);
    for (const id of ids) inputs.push([{ kind: 'account', accountId: id, document: { account: id, currency: 'USD', positions: [], collateral: { USDC: 50_000 } } }, `open-${id}`]);
    ids.forEach((id, i) => inputs.push([{ kind: 'trade', accountId: id, instrument: i % 2 === 0 ? 'BTC_USDC-PERPETUAL' : 'ETH_USDC-PERPETUAL', quantity: 1 + (i % 3) }, `t1-${id}`]));
    ids.forEach((id, i) => inputs.push([{ kind: 'collateral', accountId: id, currency: 'USDC', balance: 40_000 + 1_000 * i }, `c1-${id}`]));
    for (const [input, key] of inputs) {
      const applied = await writer.write(input, key);
      expect(applied, key).toMatchObject({ ok: true, duplicate: false });
      // Applied before acknowledged: the partition's progress has reached it.
      expect(await gateway.appliedSeq(applied.partition)).toBeGreaterThanOrEqual(applied.seq);
      if (input.kind === 'account') await reference.upsertAccount(input.document);
      else if (input.kind === 'trade') await reference.applyTrade(input.accountId, input.instrument, input.quantity);
      else await reference.setCollateral(input.accountId, input.currency, input.balance);
    }
    // A retried write (same key) is not applied again: the first outcome, the position unchanged.
    expect(await writer.write(inputs[12]![0], inputs[12]![1])).toMatchObject({ ok: true, duplicate: true });
    // A refused input reports the engine's coded error.
    expect(await writer.write({ kind: 'trade', accountId: 'nobody', instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }, 'bad-1')).toMatchObject({ ok: false, code: 'USAGE_INVALID' });
    // An account that cannot carry its position, in a partition of worker B (so that B's death below makes A replay
    // it): its events are published on its partition's event subject.
    const thinId = Array.from({ length: 200 }, (_, k) => `thin-${k}`).find((id) => b.partitions().includes(gateway.partitionOf(id)))!;
    expect(await writer.write({ kind: 'account', accountId: thinId, document: { account: thinId, currency: 'USD', positions: [], collateral: { USDC: 1_000 } } }, 'open-thin')).toMatchObject({ ok: true });
    expect(await writer.write({ kind: 'trade', accountId: thinId, instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }, 'trade-thin')).toMatchObject({ ok: true });
    const thinEvents = async (): Promise<{ type: string; to?: string }[]> => {
      const reader = gateway.eventReader<{ type: string; accountId?: string; to?: string }>(gateway.partitionOf(thinId), 1);
      try {
        return (await reader.read(10_000)).map((m) => m.body).filter((e) => e.accountId === thinId);
      } finally {
        await reader.close();
      }
    };
    const thin = await thinEvents();
    expect(thin.some((e) => e.type === 'state-transition' && e.to === 'liquidation')).toBe(true);
    ids.push(thinId);
    await reference.upsertAccount({ account: thinId, currency: 'USD', positions: [], collateral: { USDC: 1_000 } });
    await reference.applyTrade(thinId, 'BTC_USDC-PERPETUAL', 1);
    const same = async () => {
      for (const id of ids) expect(await gateway.margin<ReportedFigures>(id), id).toEqual(publishedMargin(reference, id));
    };
    await same();

    // Worker B dies (no release): after the lease time A takes its partitions and rebuilds them from their logs.
    await stopB();
    stopB = async () => undefined;
    const fromB = b.partitions();
    expect(fromB.length).toBeGreaterThan(0);
    // Each of B's partitions has a snapshot at its recorded progress. The log up to it is purged: A can rebuild them
    // only from the snapshots (the trade on a moved account below needs the account).
    const nc = await connect({ servers: servers() });
    const jsm = await jetstreamManager(nc);
    for (const p of fromB) {
      const applied = await gateway.appliedSeq(p);
      if (applied === 0) continue;
      const snapshot = await gateway.snapshot<PartitionSnapshot>(p);
      expect(snapshot, `partition ${p}`).toMatchObject({ partition: p, seq: applied });
      expect(snapshot!.accounts.map((d) => d.account).sort()).toEqual(ids.filter((id) => gateway.partitionOf(id) === p).sort());
      await jsm.streams.purge(STREAMS.inputs, { filter: `cm.in.${p}`, seq: applied + 1 });
    }
    await nc.close();
    now += LEASE_MS + 1;
    const deadline = Date.now() + 20_000;
    while (a.partitions().length < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(a.partitions()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // A write to a moved partition is applied by its new owner; every figure is still the single engine's.
    const moved = ids.find((id) => fromB.includes(gateway.partitionOf(id)))!;
    expect(await writer.write({ kind: 'trade', accountId: moved, instrument: 'BTC_USDC-PERPETUAL', quantity: -1 }, `t2-${moved}`)).toMatchObject({ ok: true });
    await reference.applyTrade(moved, 'BTC_USDC-PERPETUAL', -1);
    await same();
    // The new owner rebuilt the partitions it took (the thin account's among them) from their snapshots: its events
    // were published by B, once, under the same ids.
    expect(fromB).toContain(gateway.partitionOf(thinId));
    expect(await thinEvents()).toEqual(thin);
    await stopA();
    await stopB();
  }, 120_000);

  it('a worker paused past its lease finds its partitions taken and stops applying them', async () => {
    const bus = await open();
    let paused = 5_000_000;
    const late = new PartitionWorker(bus, { owner: 'paused', engine: engine(), leaseMs: LEASE_MS, now: () => paused });
    // A worker loads one partition snapshot per round (the first test left snapshots): up to 8 rounds to take all.
    for (let round = 0; round < 9 && late.partitions().length < 8; round++) await late.step();
    expect(late.partitions()).toHaveLength(8);
    // Another worker, whose clock is past the paused one's leases, takes every partition.
    const fresh = new PartitionWorker(await open(), { owner: 'fresh', engine: engine(), leaseMs: LEASE_MS, now: () => paused + LEASE_MS + 1 });
    for (let round = 0; round < 9 && fresh.partitions().length < 8; round++) await fresh.step();
    expect(fresh.partitions()).toHaveLength(8);
    // The paused worker resumes: every renewal is refused (compare-and-set), so it owns and applies nothing.
    paused += 1;
    await late.step();
    expect(late.partitions()).toEqual([]);
  }, 60_000);

  it('a batch whose writes fail is given up and decided again: a refusal is never acknowledged as applied', async () => {
    const bus = await open();
    const gateway = await open();
    // The bus of a worker whose next progress write fails (as after a NATS outage outlasting the retries).
    let failNext = false;
    let failures = 0;
    const flaky = Object.create(bus) as JetStreamBus;
    flaky.setAppliedSeq = async (partition: number, progress: Progress, revision: number) => {
      if (failNext) {
        failNext = false;
        failures++;
        throw new Error('injected: the progress write failed');
      }
      return bus.setAppliedSeq(partition, progress, revision);
    };
    // Past every lease the tests above left: this worker takes every partition (one snapshot loaded per round).
    const worker = new PartitionWorker(flaky, { owner: 'flaky', engine: engine(), leaseMs: LEASE_MS, now: () => 9_000_000 });
    for (let round = 0; round < 9 && worker.partitions().length < 8; round++) await worker.step();
    expect(worker.partitions()).toHaveLength(8);
    let stepping = true;
    const loop = (async () => {
      while (stepping) {
        await worker.step().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    try {
      // A trade on an unknown account (refused) and, right behind it in the same partition, an account that is applied:
      // the first batch's progress write fails; had the worker carried on, the second input's progress would have
      // covered the refused one with no refusal recorded, and its writer would have been told "applied".
      const ghost = 'ghost-0';
      const other = Array.from({ length: 500 }, (_, k) => `after-ghost-${k}`).find((id) => gateway.partitionOf(id) === gateway.partitionOf(ghost))!;
      const writer = new ClusterWriter(gateway, 30_000);
      failNext = true;
      const refused = writer.write({ kind: 'trade', accountId: ghost, instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }, 'ghost-trade');
      const opened = writer.write({ kind: 'account', accountId: other, document: { account: other, currency: 'USD', positions: [], collateral: { USDC: 1_000 } } }, `open-${other}`);
      expect(await refused).toMatchObject({ ok: false, code: 'USAGE_INVALID' });
      expect(await opened).toMatchObject({ ok: true });
      expect(failures).toBe(1);
      expect(await gateway.margin<ReportedFigures>(other)).toBeDefined();
    } finally {
      stepping = false;
      await loop;
    }
  }, 90_000);

  it('a new owner applies what its predecessor applied without admitting it again (the market or the clock may have moved)', async () => {
    const gateway = await open();
    let clock = Date.parse(MARKET.asOf);
    const engineAt = () => new LiveEngine({ model: 'scenario-grid', clock: { now: () => clock }, staleAfterMs: 3_600_000, spikeBand: 0.25, sink: { append: () => undefined } });
    // Past every lease the tests above left (their clocks stop below 10,000,000).
    let leaseClock = 20_000_000;
    const first = new PartitionWorker(await open(), { owner: 'admit-a', engine: engineAt(), leaseMs: LEASE_MS, now: () => leaseClock });
    for (let round = 0; round < 9 && first.partitions().length < 8; round++) await first.step();
    expect(first.partitions()).toHaveLength(8);
    // An account holding an option that expires the next morning: admitted now.
    const id = 'expiring-1';
    const writing = new ClusterWriter(gateway, 30_000).write(
      { kind: 'account', accountId: id, document: { account: id, currency: 'USD', positions: [{ instrument: 'BTC_USDC-24SEP25-110000-C', quantity: 1 }], collateral: { USDC: 100_000 } } },
      'open-expiring-1',
    );
    let applied: Awaited<typeof writing> | undefined;
    void writing.then((r) => (applied = r));
    for (let round = 0; round < 50 && applied === undefined; round++) {
      await first.step();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(applied).toMatchObject({ ok: true });
    // The first owner dies; the option has expired by the time its successor replays the partition. Admitting the
    // account again would now refuse it (INSTRUMENT_EXPIRED): an account acknowledged as opened would vanish.
    clock = Date.parse('2025-09-25T12:00:00Z');
    leaseClock += LEASE_MS + 1;
    const engine = engineAt();
    const next = new PartitionWorker(await open(), { owner: 'admit-b', engine, leaseMs: LEASE_MS, now: () => leaseClock });
    for (let round = 0; round < 30 && !engine.hasAccount(id); round++) await next.step();
    expect(next.partitions()).toContain(gateway.partitionOf(id));
    expect(engine.hasAccount(id)).toBe(true);
  }, 90_000);

  it('fences a paused owner\'s late writes: its refusal of an input its successor applied is not read, its figures lose', async () => {
    const gateway = await open();
    // Past every lease the tests above left (their clocks stop below 30,000,000).
    const worker = new PartitionWorker(await open(), { owner: 'fenced', engine: engine(), leaseMs: LEASE_MS, now: () => 40_000_000 });
    for (let round = 0; round < 9 && worker.partitions().length < 8; round++) await worker.step();
    expect(worker.partitions()).toHaveLength(8);
    const stop = running(worker);
    try {
      const id = 'fenced-1';
      const partition = gateway.partitionOf(id);
      const epoch = (await gateway.progressOf(partition)).owners.at(-1)?.[0] ?? 0;
      // A predecessor paused past its lease wakes and writes what it decided before it lost the partition: a refusal of
      // the input about to be applied by its successor, under its own (earlier) epoch.
      await gateway.putOutcome('open-fenced-1', 1, { ok: false, code: 'USAGE_INVALID', message: 'decided by a paused owner', field: 'account' });
      const applied = await new ClusterWriter(gateway, 30_000).write({ kind: 'account', accountId: id, document: { account: id, currency: 'USD', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], collateral: { USDC: 50_000 } } }, 'open-fenced-1');
      expect(applied).toMatchObject({ ok: true, duplicate: false });
      const progress = await gateway.progressOf(partition);
      expect(progress.owners.at(-1)?.[0]).toBeGreaterThan(epoch);
      const figures = await gateway.margin<ReportedFigures>(id);
      expect(figures?.initialMargin).toBeGreaterThan(0);
      // Its figures, written late with sequences ahead of everything, over the account's own entry: they show until the
      // successor next writes the account or its page (here the next tick), which, of a later epoch, wins.
      await gateway.putAccountMargin(partition, id, [1e9, 1e9, 1], { ...figures, initialMargin: 0, maintenanceMargin: 0 });
      const asOf = '2025-09-23T12:05:00Z';
      const next = { ...MARKET, asOf, underlyings: { ...MARKET.underlyings, BTC: { ...MARKET.underlyings.BTC, index: 112_500 } } };
      await gateway.publishMarket(next);
      const deadline = Date.now() + 20_000;
      while ((await gateway.margin<ReportedFigures>(id))?.asOf !== asOf && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const after = await gateway.margin<ReportedFigures>(id);
      expect(after?.asOf).toBe(asOf);
      expect(after!.initialMargin).toBeGreaterThan(figures!.initialMargin);
    } finally {
      await stop();
    }
  }, 60_000);

  // Last in the file: it moves a partition's progress past its log.
  it('fences the progress: a write at a stale revision is refused, a repeat of a write that landed is taken', async () => {
    const bus = await open();
    const partition = 7;
    const start = await bus.progressOf(partition);
    const at = (seq: number) => ({ seq, owners: start.owners });
    const mine = await bus.setAppliedSeq(partition, at(start.seq + 1_000), start.revision);
    expect(mine).toBeGreaterThan(start.revision);
    // The same write again (its answer lost on the way): the value found is its own, so it is taken.
    expect(await bus.setAppliedSeq(partition, at(start.seq + 1_000), start.revision)).toBe(mine);
    // An owner that read the progress before it moved (one paused past its lease): refused, the progress unchanged.
    await expect(bus.setAppliedSeq(partition, at(start.seq + 2_000), start.revision)).rejects.toMatchObject({ code: 'CONFLICT', field: 'partition' });
    expect(await bus.appliedSeq(partition)).toBe(start.seq + 1_000);
  }, 30_000);
});
