import { hostname } from 'node:os';
import { JetStreamBus, type BusTopology } from '../../bus/jetstream-bus.js';
import { LiveEngine } from '../../engine/live/live-engine.js';
import { CollectedEvents } from './collected-events.js';
import { PartitionWorker } from './partition-worker.js';

export interface WorkerSettings {
  /** NATS server URLs (any node of the cluster; the client finds the others). */
  readonly servers: readonly string[];
  readonly topology: BusTopology;
  /** Margin model of the engine (as `serve --model`). */
  readonly model: string;
  /** This worker's id; default `<hostname>-<pid>`. */
  readonly id?: string;
  readonly leaseMs: number;
  /** Pause between rounds when there was nothing to do, ms. */
  readonly idleMs: number;
  readonly staleAfterMs: number;
  /** Where a round's failure is reported (the loop goes on: the bus retries, leases expire and move). */
  readonly onError?: (error: unknown) => void;
  /** Told the partitions owned after each round that changed them. */
  readonly onPartitions?: (partitions: readonly number[]) => void;
}

export interface RunningWorker {
  readonly id: string;
  partitions(): number[];
  /** Ends the loop, releases the leases (so the partitions move at once) and closes the connection. */
  stop(): Promise<void>;
}

/** Starts an engine worker (`crossmargin worker`): rounds of PartitionWorker.step until stopped. */
export async function runWorker(settings: WorkerSettings): Promise<RunningWorker> {
  const bus = await JetStreamBus.open(settings.servers, settings.topology);
  const id = settings.id ?? `${hostname()}-${process.pid}`;
  const events = new CollectedEvents();
  const engine = new LiveEngine({ model: settings.model, clock: { now: () => Date.now() }, staleAfterMs: settings.staleAfterMs, spikeBand: 0.25, sink: events });
  const worker = new PartitionWorker(bus, { owner: id, engine, leaseMs: settings.leaseMs, events, onRefusedMarket: (seq, error) => settings.onError?.(new Error(`market message ${seq} refused, skipped: ${error.message}`)) });
  const stopAnswering = worker.answerRequests();
  // The heartbeat every quarter lease while the rounds go on (PartitionWorker.heartbeat): through a long round, but not
  // for a loop stuck on one (a round running for two lease times), whose partitions the others must then take.
  let roundStarted = Date.now();
  const beat = setInterval(() => {
    if (Date.now() - roundStarted < 2 * settings.leaseMs) void worker.heartbeat().catch((error: unknown) => settings.onError?.(error));
  }, Math.max(50, settings.leaseMs / 4));
  let stopped = false;
  let last = '';
  const loop = (async () => {
    while (!stopped) {
      try {
        roundStarted = Date.now();
        await worker.step();
        const now = worker.partitions().join(',');
        if (now !== last) settings.onPartitions?.(worker.partitions());
        last = now;
      } catch (error) {
        settings.onError?.(error);
      }
      if (!stopped) await new Promise((r) => setTimeout(r, settings.idleMs));
    }
  })();
  return {
    id,
    partitions: () => worker.partitions(),
    stop: async () => {
      stopped = true;
      clearInterval(beat);
      stopAnswering();
      await loop;
      await worker.release().catch((error: unknown) => settings.onError?.(error));
      await bus.close();
    },
  };
}
