/**
 * Issue 17 §4, "same answers": the demo's accounts and a replay of the bundled BTC/ETH history through a partitioned
 * cluster (a real three-node NATS JetStream cluster, two engine workers, the gateway's write path) give, day by day,
 * the margins, states and events of one engine fed the same inputs in the same order.
 *
 * Both sides run the live engine with the same settings and the same clock (each day's asOf), as the single-process
 * service's engine does, and take each market stamped with the time the stream stored it; the service's liquidation driver, which acts on the engine's signals, is not part of the
 * cluster yet (docs/scale-out.md), so the comparison stops at the engine's figures, states and events.
 */
import { describe, expect, it } from 'vitest';
import { marketFromHistory } from '../src/backtest/history-market.js';
import { natsServerBinary } from '../src/bus/local-nats-cluster.js';
import { suiteNatsCluster } from './nats-suite-cluster.js';
import type { EngineEvent } from '../src/engine/live/engine-event.js';
import { LiveEngine } from '../src/engine/live/live-engine.js';
import type { MarketSnapshotFile } from '../src/market/market-snapshot-schema.js';
import { loadMarketHistory } from '../src/scenarios/history/load-market-history.js';
import { CollectedEvents } from '../src/server/cluster/collected-events.js';
import { ClusterWriter } from '../src/server/cluster/cluster-writer.js';
import { PartitionWorker, publishedMargin, type PublishedMargin } from '../src/server/cluster/partition-worker.js';
import { DEMO_REPLAY_WARMUP_DAYS, demoAccounts } from '../src/server/demo-accounts.js';

const available = natsServerBinary() !== undefined;
/** Days replayed: from the demo's first day, enough for its books to cross margin-call and liquidation levels. */
const DAYS = 40;
const PARTITIONS = 8;

/** An event as both sides make it, without the engine's own sequence number. */
const unsequenced = (event: EngineEvent): Omit<EngineEvent, 'seq'> => Object.fromEntries(Object.entries(event).filter(([key]) => key !== 'seq')) as Omit<EngineEvent, 'seq'>;

describe.skipIf(!available)('the cluster answers as one engine on a replay of the demo', () => {
  const { open } = suiteNatsCluster(PARTITIONS);

  it('margins, states and events equal day by day', async () => {
    const history = loadMarketHistory(['BTC', 'ETH']);
    const days: MarketSnapshotFile[] = [];
    for (let i = DEMO_REPLAY_WARMUP_DAYS; i < Math.min(history.dates.length, DEMO_REPLAY_WARMUP_DAYS + DAYS); i++) days.push(marketFromHistory(history, i).toJSON());
    expect(days.length).toBe(DAYS);
    const firstCloses = Object.fromEntries(history.underlyings.map((u, k) => [u, history.close[k]![DEMO_REPLAY_WARMUP_DAYS]!]));
    const accounts = demoAccounts(firstCloses);

    // One clock for every engine: the day being replayed (staleness and expiry are judged on it).
    let now = Date.parse(days[0]!.asOf);
    const settings = (sink: CollectedEvents) => new LiveEngine({ model: 'scenario-grid', clock: { now: () => now }, staleAfterMs: 3 * 86_400_000, spikeBand: 0.25, sink });
    const referenceEvents = new CollectedEvents();
    const reference = settings(referenceEvents);
    const sinks = [new CollectedEvents(), new CollectedEvents()];
    // The gateway's connection first: it creates the streams and buckets the workers' connections then find.
    const gateway = await open();
    const workers: PartitionWorker[] = [];
    for (const [w, sink] of sinks.entries()) workers.push(new PartitionWorker(await open(), { owner: `same-${w}`, engine: settings(sink), leaseMs: 60_000, events: sink }));
    const step = () => Promise.all(workers.map((w) => w.step()));
    for (let i = 0; i < 4; i++) await step();
    expect(workers.map((w) => w.partitions().length)).toEqual([PARTITIONS / 2, PARTITIONS / 2]);

    // A market message is stamped with the time the stream stored it (every worker judges it alike); the reference
    // engine takes each day's market stamped with the same time, as the single-process service stamps its receipt.
    const publish = async (day: MarketSnapshotFile): Promise<number> => {
      const reader = gateway.marketReader<MarketSnapshotFile>(await gateway.publishMarket(day));
      const [message] = await reader.read(1);
      await reader.close();
      return message!.at;
    };
    // The first day's market, then the accounts through the gateway's write path (each acknowledged once applied).
    const at = await publish(days[0]!);
    await step();
    await reference.onMarket(days[0]!, { at });
    const writer = new ClusterWriter(gateway, 30_000);
    let stepping = true;
    const loop = (async () => {
      while (stepping) {
        await step();
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    try {
      for (const a of accounts) {
        const document = { account: a.id, currency: a.currency, mode: a.mode, positions: a.positions, collateral: a.collateral };
        expect(await writer.write({ kind: 'account', accountId: a.id, document }, `account.${a.id}`), a.id).toMatchObject({ ok: true });
        await reference.upsertAccount(document);
      }
    } finally {
      stepping = false;
      await loop;
    }

    const published = async (id: string): Promise<PublishedMargin | undefined> => gateway.margin<PublishedMargin>(id);
    const states = new Set<string>();
    for (const day of days) {
      now = Date.parse(day.asOf);
      if (day !== days[0]) {
        await reference.onMarket(day, { at: await publish(day) });
        await step();
      }
      // Every account's published margin is the reference engine's, on this day's market.
      for (const a of accounts) {
        const want = publishedMargin(reference, a.id);
        states.add(want.state);
        expect(await published(a.id), `${a.id} on ${day.asOf}`).toEqual(want);
      }
    }
    // The replay moved books across states (not a comparison of idle accounts).
    expect(states.size).toBeGreaterThan(1);

    // The events of every account, in order, as the reference engine made them (without the engines' own numbering).
    const clusterEvents = new Map<string, Omit<EngineEvent, 'seq'>[]>();
    for (let p = 0; p < PARTITIONS; p++) {
      const reader = gateway.eventReader<EngineEvent>(p, 1);
      try {
        for (let batch = await reader.read(10_000); batch.length > 0; batch = await reader.read(10_000)) {
          for (const { body } of batch) {
            if (!('accountId' in body)) continue;
            clusterEvents.set(body.accountId, [...(clusterEvents.get(body.accountId) ?? []), unsequenced(body)]);
          }
        }
      } finally {
        await reader.close();
      }
    }
    const referenceByAccount = new Map<string, Omit<EngineEvent, 'seq'>[]>();
    for (const event of referenceEvents.take()) {
      if (!('accountId' in event)) continue;
      referenceByAccount.set(event.accountId, [...(referenceByAccount.get(event.accountId) ?? []), unsequenced(event)]);
    }
    expect([...referenceByAccount.values()].flat().length).toBeGreaterThan(0);
    for (const a of accounts) expect(clusterEvents.get(a.id) ?? [], a.id).toEqual(referenceByAccount.get(a.id) ?? []);
  }, 180_000);
});
