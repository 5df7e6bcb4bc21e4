import type { Command } from 'commander';
import { CrossmarginError } from '../../core/errors.js';
import { DEFAULT_TOPOLOGY } from '../../bus/jetstream-bus.js';
import { runWorker } from '../../server/cluster/run-worker.js';
import type { CliIo } from '../../cli/cli-io.js';
import { integerOption } from '../../cli/integer-option.js';

interface WorkerOptions {
  nats: string;
  partitions: string;
  replicas: string;
  model: string;
  id?: string;
  leaseMs: string;
  idleMs: string;
  staleAfter: string;
}

export function registerWorkerCommand(program: Command, io: CliIo): void {
  program
    .command('worker')
    .description('run an engine worker of a partitioned cluster: owns partitions by lease and applies their inputs (docs/scale-out.md)')
    .requiredOption('--nats <urls>', 'NATS server URLs, comma-separated (nats://host:4222,…)')
    .option('--partitions <n>', 'partitions accounts hash into: the same for every process of a cluster, for its whole life', String(DEFAULT_TOPOLOGY.partitions))
    .option('--replicas <n>', 'copies of every stream and bucket (3 on a three-node cluster)', String(DEFAULT_TOPOLOGY.replicas))
    .option('--model <id>', 'margin model of the engine', 'scenario-grid')
    .option('--id <name>', 'this worker\'s id (default <hostname>-<pid>)')
    .option('--lease-ms <ms>', 'partition lease time: longer than a round plus the clock skew between machines', '10000')
    .option('--idle-ms <ms>', 'pause between rounds, ms', '20')
    .option('--stale-after <ms>', 'an underlying without an update for this long makes its accounts stale', '300000')
    .action(async (opts: WorkerOptions) => {
      const servers = opts.nats.split(',').map((s) => s.trim()).filter((s) => s !== '');
      if (servers.length === 0) throw new CrossmarginError('USAGE_INVALID', '--nats: expected at least one URL', { field: '--nats' });
      const worker = await runWorker({
        servers,
        topology: { ...DEFAULT_TOPOLOGY, partitions: integerOption(opts.partitions, '--partitions', 1, 65_536), replicas: integerOption(opts.replicas, '--replicas', 1, 5) },
        model: opts.model,
        ...(opts.id === undefined ? {} : { id: opts.id }),
        leaseMs: integerOption(opts.leaseMs, '--lease-ms', 100, 600_000),
        idleMs: integerOption(opts.idleMs, '--idle-ms', 0, 60_000),
        staleAfterMs: integerOption(opts.staleAfter, '--stale-after', 1, 86_400_000),
        onError: (error) => io.err(`worker: ${(error as Error).message}\n`),
        onPartitions: (partitions) => io.err(`worker: owns partitions [${partitions.join(', ')}]\n`),
      });
      io.err(`worker ${worker.id} running on ${servers.join(', ')} (stop with Ctrl-C or SIGTERM)\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void worker.stop().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      io.err(`worker ${worker.id} stopped; its partitions are released\n`);
    });
}
