/**
 * Spike holds travel (issue 17 §3): a spike the oracle guard holds on one worker is still held by a worker started
 * after it died, which learns the guard from the market state the workers write (the market stream's earlier
 * messages purged, so nothing else could tell it), and the next update within the band of the held value confirms it
 * there. Every worker stamps a market message with the stream's time: the same events, under the same ids.
 */
import { describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { STREAMS } from '../src/bus/jetstream-bus.js';
import { natsServerBinary } from '../src/bus/local-nats-cluster.js';
import { LiveEngine, type ReportedFigures } from '../src/engine/live/live-engine.js';
import { ClusterWriter } from '../src/server/cluster/cluster-writer.js';
import { CollectedEvents } from '../src/server/cluster/collected-events.js';
import { PartitionWorker } from '../src/server/cluster/partition-worker.js';
import { suiteNatsCluster } from './nats-suite-cluster.js';

const available = natsServerBinary() !== undefined;
const LEASE_MS = 10_000;
const market = (asOf: string, btc: number) => ({ asOf, underlyings: { BTC: { index: btc, vol: { atm: 0.45 } }, ETH: { index: 4_160, vol: { atm: 0.65 } } }, fx: { USDC: 1 } });
const engine = (events: CollectedEvents) => new LiveEngine({ model: 'scenario-grid', clock: { now: () => Date.parse('2025-09-23T12:00:00Z') }, staleAfterMs: 3_600_000, spikeBand: 0.25, sink: events });

describe.skipIf(!available)('spike holds travel with the market state', () => {
  const { servers, open } = suiteNatsCluster(4);

  it('a worker started after the one that held a spike holds it too, and confirms it on the next update', async () => {
    const gateway = await open();
    let now = 1_000_000;
    const eventsA = new CollectedEvents();
    const engineA = engine(eventsA);
    const a = new PartitionWorker(await open(), { owner: 'spike-a', engine: engineA, leaseMs: LEASE_MS, now: () => now, events: eventsA });
    const stepUntil = async (worker: PartitionWorker, done: () => boolean | Promise<boolean>, what: string) => {
      for (let round = 0; round < 200; round++) {
        if (await done()) return;
        await worker.step();
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`not within 200 rounds: ${what}`);
    };
    await gateway.publishMarket(market('2025-09-23T12:00:00Z', 112_000));
    await stepUntil(a, () => a.partitions().length === 4, 'worker A owns every partition');
    const id = 'spike-1';
    const writing = new ClusterWriter(gateway, 30_000).write({ kind: 'account', accountId: id, document: { account: id, currency: 'USD', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], collateral: { USDC: 50_000 } } }, 'open-spike-1');
    let opened: Awaited<typeof writing> | undefined;
    void writing.then((r) => (opened = r));
    await stepUntil(a, () => opened !== undefined, 'the account opened');
    expect(opened).toMatchObject({ ok: true });
    const before = await gateway.margin<ReportedFigures>(id);
    expect(before?.asOf).toBe('2025-09-23T12:00:00Z');

    // A 43 % jump: held on A; the account's figures stay on 112,000.
    now += 1_500; // past MARKET_STATE_EVERY_MS: A offers its market state after this message
    const spikeSeq = await gateway.publishMarket(market('2025-09-23T12:00:01Z', 160_000));
    await stepUntil(a, async () => (await gateway.marketState())?.seq === spikeSeq, 'A wrote the market state after the spike');
    expect(engineA.checkpoint().guard.BTC).toEqual({ lastAccepted: 112_000, held: 160_000 });
    expect(await gateway.margin<ReportedFigures>(id)).toMatchObject({ initialMargin: before!.initialMargin });

    // A dies (no release). The market stream's messages are purged (as a retention limit would): a new worker can
    // learn the guard from the market state alone.
    const nc = await connect({ servers: servers() });
    await (await jetstreamManager(nc)).streams.purge(STREAMS.market, { seq: spikeSeq + 1 });
    await nc.close();
    now += LEASE_MS + 1;
    const eventsB = new CollectedEvents();
    const engineB = engine(eventsB);
    const b = new PartitionWorker(await open(), { owner: 'spike-b', engine: engineB, leaseMs: LEASE_MS, now: () => now, events: eventsB });
    await stepUntil(b, () => b.partitions().length === 4 && engineB.hasAccount(id), 'worker B took every partition');
    expect(engineB.checkpoint()).toEqual(engineA.checkpoint());
    expect(engineB.currentMarket()?.toJSON()).toEqual(engineA.currentMarket()?.toJSON());
    expect(await gateway.margin<ReportedFigures>(id)).toMatchObject({ initialMargin: before!.initialMargin });

    // The next update, within the band of the held 160,000 (but not of 112,000), confirms the spike on B.
    const confirmSeq = await gateway.publishMarket(market('2025-09-23T12:00:02Z', 158_000));
    await stepUntil(b, async () => (await gateway.margin<ReportedFigures>(id))?.asOf === '2025-09-23T12:00:02Z', 'B re-margined on the confirmed market');
    expect(engineB.checkpoint().guard.BTC).toEqual({ lastAccepted: 158_000 });
    expect((await gateway.margin<ReportedFigures>(id))!.initialMargin).toBeGreaterThan(before!.initialMargin);

    // The market's events: A's spike-held and B's spike-confirmed, each once, stamped with the stream's time.
    const reader = gateway.eventReader<{ type: string; at: number; held?: number }>('market', 1);
    const events = (await reader.read(100)).map((m) => m.body);
    await reader.close();
    expect(events.map((e) => [e.type, e.held])).toEqual([
      ['spike-held', 160_000],
      ['spike-confirmed', 160_000],
    ]);
    expect(events[1]!.at).toBeGreaterThanOrEqual(events[0]!.at);
    expect(confirmSeq).toBe(spikeSeq + 1);
  }, 120_000);
});
