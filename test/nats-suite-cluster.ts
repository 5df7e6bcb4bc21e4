import { afterAll, beforeAll } from 'vitest';
import { JetStreamBus } from '../src/bus/jetstream-bus.js';
import { NatsCluster } from '../src/bus/local-nats-cluster.js';

/**
 * A three-node NATS JetStream cluster for a test file's suite: started before its tests, stopped after them with every
 * bus `open` made. Call inside the `describe`.
 */
export function suiteNatsCluster(partitions: number): { servers: () => string[]; open: () => Promise<JetStreamBus> } {
  let cluster: NatsCluster | undefined;
  const buses: JetStreamBus[] = [];
  beforeAll(async () => {
    cluster = await NatsCluster.start();
  }, 60_000);
  afterAll(async () => {
    for (const bus of buses) await bus.close();
    await cluster?.stop();
  }, 30_000);
  return {
    servers: () => cluster?.servers ?? [],
    open: async () => {
      const bus = await JetStreamBus.open(cluster?.servers ?? [], { partitions, replicas: 3, duplicateWindowMs: 60_000 });
      buses.push(bus);
      return bus;
    },
  };
}
