import type { Command } from 'commander';
import { CrossmarginError } from '../../core/errors.js';
import { readJsonFile } from '../../market/read-input-file.js';
import { parseMarketBounds } from '../../market/market-update.js';
import { DEFAULT_ADMISSION } from '../../server/margin-service.js';
import { startService } from '../../server/start-service.js';
import { DEFAULT_SQLITE_FILE } from '../../store/open-store.js';
import type { CliIo } from '../../cli/cli-io.js';
import { integerOption } from '../../cli/integer-option.js';
import { DEFAULT_TOPOLOGY } from '../../bus/jetstream-bus.js';
import { startGateway } from '../../server/cluster/start-gateway.js';

interface ServeOptions {
  port: string;
  host: string;
  db?: string;
  demo?: boolean;
  replaySpeed: string;
  model: string;
  feedFile?: string;
  feedInterval: string;
  staleAfter: string;
  marketBounds?: string;
  fillPriceBand: string;
  maxQuantity: string;
  quiet?: boolean;
  logLevel: string;
  nats?: string;
  partitions: string;
  replicas: string;
  writeTimeoutMs: string;
}

/** pino's levels: requests are logged at `info`. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function number(value: string, flag: string, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new CrossmarginError('USAGE_INVALID', `${flag}: expected a number ≥ ${min}, got "${value}"`, { field: flag });
  return n;
}

/**
 * How to get a key when the printed one is gone (a second start prints none). A postgres URL is not echoed: it
 * may carry a password, and this line goes to logs.
 */
export function newAdminKeyCommand(db: string | undefined): string {
  const where = db === undefined || db === '' ? DEFAULT_SQLITE_FILE : /^postgres(ql)?:\/\//i.test(db) ? '<the same --db URL>' : db;
  return `crossmargin keys create --role admin --db ${/\s/.test(where) && !where.startsWith('<') ? JSON.stringify(where) : where}`;
}

/** `serve --nats`: a cluster gateway instead of the single-process service, until SIGINT or SIGTERM. */
async function serveGateway(opts: ServeOptions, port: number, io: CliIo): Promise<void> {
  // Options of the single-process engine have no meaning on a gateway: refused rather than ignored.
  for (const [flag, given] of [['--demo', opts.demo], ['--feed-file', opts.feedFile], ['--market-bounds', opts.marketBounds]] as const) {
    if (given !== undefined) throw new CrossmarginError('USAGE_INVALID', `${flag}: not for a gateway (--nats): its workers hold the engine`, { field: flag });
  }
  const servers = (opts.nats ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (servers.length === 0) throw new CrossmarginError('USAGE_INVALID', '--nats: expected at least one URL', { field: '--nats' });
  const gateway = await startGateway({
    servers,
    topology: { ...DEFAULT_TOPOLOGY, partitions: integerOption(opts.partitions, '--partitions', 1, 65_536), replicas: integerOption(opts.replicas, '--replicas', 1, 5) },
    db: opts.db,
    host: opts.host,
    port,
    adminKey: process.env.CROSSMARGIN_ADMIN_KEY,
    writeTimeoutMs: integerOption(opts.writeTimeoutMs, '--write-timeout-ms', 100, 600_000),
    logger: opts.quiet !== true,
    logLevel: opts.logLevel,
  });
  if (gateway.createdAdminKey !== undefined) io.out(`admin API key (shown once, only its hash is stored): ${gateway.createdAdminKey}\n`);
  io.out(`crossmargin cluster gateway listening on ${gateway.url} (NATS ${servers.join(', ')}, ${gateway.bus.topology.partitions} partitions)\n`);
  io.out(`API documentation: ${gateway.url}/docs\n`);
  await closeOnSignal(() => gateway.close(), io);
}

/** Waits for SIGTERM or SIGINT, then a graceful `close` (stop accepting, finish requests in flight, close stores). */
function closeOnSignal(close: () => Promise<void>, io: CliIo): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      io.out(`${signal}: shutting down\n`);
      close().then(resolve, (error: unknown) => {
        io.err(`error during shutdown: ${String(error)}\n`);
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

export function registerServeCommand(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('run the margin service: HTTP API + WebSocket stream over a live engine and an embedded database (docs/service.md)')
    .option('--port <n>', 'TCP port (0: any free port)', '8080')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--db <url>', 'SQLite file (default crossmargin.db) or postgres://user:pass@host:port/db')
    .option('--demo', 'seed demo accounts into an empty database and replay bundled BTC/ETH history')
    .option('--replay-speed <days>', 'demo replay speed, history days per second', '5')
    .option('--model <id>', 'margin model of the live engine', 'scenario-grid')
    .option('--feed-file <file>', 'push a recorded feed: JSON lines of market snapshots')
    .option('--feed-interval <ms>', 'pause between recorded feed lines, ms', '1000')
    .option('--stale-after <ms>', 'an underlying without an accepted update for this long makes its accounts stale', '300000')
    .option('--market-bounds <file>', 'JSON file of sanity bounds on market input, e.g. {"vol": {"min": 0.01, "max": 5}} (docs/service.md "Market input")')
    .option('--fill-price-band <fraction>', 'an explicit fill price must lie within this band around the mark (0.1 = ±10 %)', String(DEFAULT_ADMISSION.fillPriceBand))
    .option('--max-quantity <contracts>', 'largest |quantity| of a trade or position', String(DEFAULT_ADMISSION.maxQuantity))
    .option('--quiet', 'no log at all (as --log-level silent)')
    .option('--log-level <level>', `log level (${LOG_LEVELS.join(', ')}); requests are logged at info, JSON lines on stdout`, 'warn')
    .option('--nats <urls>', 'run as a gateway of a partitioned cluster: NATS server URLs, comma-separated (docs/scale-out.md); --db then holds keys, audit and account registrations')
    .option('--partitions <n>', 'with --nats: partitions of the cluster (as its workers)', String(DEFAULT_TOPOLOGY.partitions))
    .option('--replicas <n>', 'with --nats: copies of every stream and bucket', String(DEFAULT_TOPOLOGY.replicas))
    .option('--write-timeout-ms <ms>', 'with --nats: how long a write waits for its partition before it is refused (503)', '10000')
    .action(async (opts: ServeOptions) => {
      const port = number(opts.port, '--port', 0);
      if (!(LOG_LEVELS as readonly string[]).includes(opts.logLevel)) {
        throw new CrossmarginError('USAGE_INVALID', `--log-level: expected one of ${LOG_LEVELS.join(', ')}, got "${opts.logLevel}"`, { field: '--log-level' });
      }
      if (opts.nats !== undefined) return serveGateway(opts, port, io);
      const service = await startService({
        db: opts.db,
        host: opts.host,
        port,
        model: opts.model,
        demo: opts.demo === true,
        replaySpeed: number(opts.replaySpeed, '--replay-speed', Number.MIN_VALUE),
        feedFile: opts.feedFile,
        feedIntervalMs: number(opts.feedInterval, '--feed-interval', 0),
        staleAfterMs: number(opts.staleAfter, '--stale-after', 1),
        ...(opts.marketBounds === undefined ? {} : { marketBounds: parseMarketBounds(readJsonFile(opts.marketBounds), opts.marketBounds) }),
        admission: { fillPriceBand: number(opts.fillPriceBand, '--fill-price-band', 0), maxQuantity: number(opts.maxQuantity, '--max-quantity', Number.MIN_VALUE) },
        adminKey: process.env.CROSSMARGIN_ADMIN_KEY,
        logger: opts.quiet !== true,
        logLevel: opts.logLevel,
        print: (line) => io.out(`${line}\n`),
      });
      if (service.createdAdminKey !== undefined) {
        io.out(`admin API key (shown once, only its hash is stored): ${service.createdAdminKey}\n`);
      }
      io.out(`crossmargin service listening on ${service.url}\n`);
      io.out(`API documentation: ${service.docsUrl}\n`);
      // The key rides in the URL fragment, which browsers never send to the server; the page moves it to the tab's
      // sessionStorage and clears it from the address bar.
      io.out(
        service.createdAdminKey === undefined
          ? `risk dashboard: ${service.url}/ (sign in with an API key; lost the admin key? \`${newAdminKeyCommand(opts.db)}\` makes another)\n`
          : `risk dashboard: ${service.url}/#key=${encodeURIComponent(service.createdAdminKey)}\n`,
      );
      await closeOnSignal(() => service.close(), io);
    });
}
