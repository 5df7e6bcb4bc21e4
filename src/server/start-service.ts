import type { FastifyInstance } from 'fastify';
import { toCrossmarginError } from '../core/errors.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { buildServer, type ServerLimits } from './build-server.js';
import { DEMO_INSURANCE_FUND, DEMO_PARAMETER_SET, DEMO_REPLAY_WARMUP_DAYS, demoAccounts } from './demo-accounts.js';
import type { LiquidationDriverOptions } from './liquidation-driver.js';
import { EngineHost } from './engine-host.js';
import { runFeed, type Feed } from './feeds/feed.js';
import { HistoryReplayFeed } from './feeds/history-replay-feed.js';
import { RecordedFeedFile } from './feeds/recorded-feed-file.js';
import { MarginService } from './margin-service.js';
import { restoreEngine, type EngineSettings } from './restore-engine.js';
import type { MarketBounds } from '../market/market-update.js';
import type { AdmissionPolicy } from './margin-service.js';

export interface ServiceOptions {
  /** `--db`: SQLite path, `postgres://…`, or undefined for `crossmargin.db` (openStore). */
  readonly db?: string | undefined;
  readonly host: string;
  /** 0 picks a free port (the chosen one is in `url`). */
  readonly port: number;
  readonly model: string;
  readonly staleAfterMs?: number;
  readonly spikeBand?: number;
  /** Seed demo accounts into an empty database and replay bundled BTC/ETH history. */
  readonly demo?: boolean;
  /** History days per second for the demo replay. */
  readonly replaySpeed?: number;
  /** A recorded feed file (JSON lines of snapshots) to push, `feedIntervalMs` apart. */
  readonly feedFile?: string | undefined;
  readonly feedIntervalMs?: number;
  /** An admin key given by the operator (CROSSMARGIN_ADMIN_KEY): when it verifies, no key is created. */
  readonly adminKey?: string | undefined;
  readonly limits?: Partial<ServerLimits>;
  /** Sanity bounds on market input (docs/service.md "Market input"); default DEFAULT_MARKET_BOUNDS. */
  readonly marketBounds?: MarketBounds | undefined;
  /** Admission limits: largest quantity and balance, fill-price band (docs/service.md "Admission"). */
  readonly admission?: Partial<AdmissionPolicy> | undefined;
  /** pino logging (default on). */
  readonly logger?: boolean;
  /**
   * pino level (default `warn`): requests are logged at `info`, so by default the operator's lines (`print`) are not
   * interleaved with a JSON line per request; `info` shows them.
   */
  readonly logLevel?: string;
  /** Lines for the operator (URL, bootstrap key, feed progress). */
  readonly print: (line: string) => void;
}

export interface RunningService {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly url: string;
  readonly docsUrl: string;
  /** The admin key created at this start (printed once), if one was. */
  readonly createdAdminKey: string | undefined;
  /** Settles when the feeds end (the demo replay reaches the end of its history). */
  readonly feeds: Promise<void>;
  /** Graceful stop: feeds stopped, no new connections, requests in flight finished, store closed. Idempotent. */
  close(): Promise<void>;
}

/**
 * Runs the margin service: opens (and migrates) the store, restores the engine from it (accounts, positions,
 * collateral, the latest market, the active parameter set), bootstraps an admin key, serves HTTP/WebSocket and
 * starts the feeds. A restart from the same database reports the same margins (docs/service.md "Durability").
 */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const store = await openStore(options.db);
  let ticker: NodeJS.Timeout | undefined;
  try {
    const settings: EngineSettings = {
      model: options.model,
      staleAfterMs: options.staleAfterMs ?? 300_000,
      spikeBand: options.spikeBand ?? 0.25,
      ...(options.marketBounds === undefined ? {} : { marketBounds: options.marketBounds }),
    };
    const host = new EngineHost(await restoreEngine(store, settings));
    const app = await buildServer({
      store,
      engine: host,
      rebuildEngine: (active) => restoreEngine(store, settings, active),
      model: options.model,
      logger: options.logger === false ? false : { level: options.logLevel ?? 'warn' },
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.admission === undefined ? {} : { admission: options.admission }),
      liquidation: liquidationOptions(),
    });
    const service = serviceOf(app);
    // Staleness is a matter of time, not of updates: a timer asks the engine, which persists then publishes a
    // `stale` event when an account becomes stale (once per episode). Unref'd: it never keeps the process alive.
    const tickMs = Math.min(5_000, Math.max(1, settings.staleAfterMs / 4));
    ticker = setInterval(() => {
      host.engine.staleTick().catch((error: unknown) => app.log.error({ err: toCrossmarginError(error) }, 'stale check failed'));
    }, tickMs);
    ticker.unref();
    const createdAdminKey = await bootstrapAdminKey(store, options.adminKey);

    const replay = options.demo === true ? new HistoryReplayFeed({ underlyings: ['BTC', 'ETH'], daysPerSecond: options.replaySpeed ?? 5, after: service.engine.currentMarket()?.asOf, warmupDays: DEMO_REPLAY_WARMUP_DAYS }) : undefined;
    if (replay !== undefined && (await store.listAccounts()).length === 0) {
      if (options.model === DEMO_PARAMETER_SET.model && (await store.listParameterSets(DEMO_PARAMETER_SET.model)).length === 0) {
        // Before the accounts: the engine is rebuilt with the set, and their first margins already use it.
        await service.uploadParameterSet(DEMO_PARAMETER_SET.model, DEMO_PARAMETER_SET.version, DEMO_PARAMETER_SET.params, { keyId: 'system' });
        await service.activateParameterSet(DEMO_PARAMETER_SET.model, DEMO_PARAMETER_SET.version, { keyId: 'system' });
      }
      // Entered at the first replayed day's closes, so equity follows the replay (unrealised P&L from entry).
      const accounts = demoAccounts(replay.firstCloses());
      for (const account of accounts) await service.createAccount(account, { keyId: 'system' });
      // The insurance fund's opening balance: liquidations of the replay are covered from it (docs/service.md "Liquidation").
      await store.addInsuranceFundEntry({ ...DEMO_INSURANCE_FUND, reason: 'deposit', at: new Date().toISOString() });
      options.print(`demo: seeded ${accounts.length} accounts (${accounts.slice(0, 4).map((a) => a.id).join(', ')}, …) and an insurance fund of ${DEMO_INSURANCE_FUND.amount} ${DEMO_INSURANCE_FUND.currency}`);
    }

    const address = await app.listen({ host: options.host, port: options.port });
    const url = address.replace('[::1]', 'localhost');
    const feeds: Feed[] = [];
    if (replay !== undefined) {
      options.print(`demo: replaying ${replay.days} days of BTC/ETH history at ${options.replaySpeed ?? 5} days/s`);
      feeds.push(replay);
    }
    if (options.feedFile !== undefined) feeds.push(new RecordedFeedFile(options.feedFile, options.feedIntervalMs ?? 0));
    const stop = new AbortController();
    const feedsDone = (async () => {
      for (const feed of feeds) {
        if (stop.signal.aborted) return;
        try {
          const started = performance.now();
          const pushed = await runFeed(feed, service, { signal: stop.signal, onError: (e) => app.log.warn({ err: e, feed: feed.name }, 'feed snapshot refused') });
          const seconds = (performance.now() - started) / 1000;
          // The rate achieved, which a slow machine may keep below the one asked for (--replay-speed).
          options.print(`feed ${feed.name}: ${pushed} snapshots pushed in ${seconds.toFixed(1)} s (${(pushed / Math.max(seconds, 1e-3)).toFixed(1)} per second)`);
        } catch (error) {
          app.log.error({ err: toCrossmarginError(error), feed: feed.name }, 'feed failed');
        }
      }
    })();

    let closing: Promise<void> | undefined;
    const close = (): Promise<void> => {
      closing ??= (async () => {
        clearInterval(ticker);
        stop.abort();
        await feedsDone;
        await app.close(); // stops accepting; waits for requests in flight
        await service.drain();
        await store.close();
      })();
      return closing;
    };
    return { app, store, url, docsUrl: `${url}/docs`, createdAdminKey, feeds: feedsDone, close };
  } catch (error) {
    clearInterval(ticker);
    await store.close();
    throw error;
  }
}

/** The MarginService behind a server built by buildServer (for feeds and bootstrap). */
function serviceOf(app: FastifyInstance): MarginService {
  return (app as unknown as { marginService: MarginService }).marginService;
}

/**
 * First start: no live admin key exists, so one is created and returned (the caller prints it once; only its hash
 * is stored). A key given by the operator that verifies as an admin key stands in for it.
 */
export async function bootstrapAdminKey(store: Store, given: string | undefined): Promise<string | undefined> {
  if (given !== undefined && given !== '') {
    const record = await store.verifyApiKey(given);
    if (record?.role === 'admin') return undefined;
  }
  const keys = await store.listApiKeys();
  if (keys.some((k) => k.role === 'admin' && k.revokedAt === undefined)) return undefined;
  const created = await store.createApiKey({ role: 'admin', label: 'bootstrap admin key' }, (record) => ({
    keyId: 'system',
    action: 'key.create',
    target: record.id,
    payload: { role: 'admin', bootstrap: true },
    at: new Date().toISOString(),
  }));
  return created.plaintext;
}

/**
 * The service's liquidation driver settings. Test hook (never set in production): CROSSMARGIN_TEST_CRASH_AFTER_FILLS=N
 * makes the process SIGKILL itself right after its N-th liquidation fill was stored, for the kill -9 test of resume.
 */
function liquidationOptions(): LiquidationDriverOptions {
  const crashAfter = Number(process.env['CROSSMARGIN_TEST_CRASH_AFTER_FILLS'] ?? '');
  if (!Number.isInteger(crashAfter) || crashAfter <= 0) return {};
  return {
    afterFill: (stored) => {
      if (stored >= crashAfter) process.kill(process.pid, 'SIGKILL');
    },
  };
}
