import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildServer, type ServerLimits } from '../src/server/build-server.js';
import { EngineHost } from '../src/server/engine-host.js';
import { restoreEngine, type EngineSettings } from '../src/server/restore-engine.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';

export const TEST_SETTINGS: EngineSettings = { model: 'isolated-simple', staleAfterMs: 3_600_000, spikeBand: 0.25 };

/** Test inputs (not market data): BTC and ETH with flat vols, USDC at 1. */
export function testMarket(btc: number, eth: number, asOf = '2024-06-17T08:00:00Z'): Record<string, unknown> {
  return { asOf, underlyings: { BTC: { index: btc, vol: { atm: 0.55 } }, ETH: { index: eth, vol: { atm: 0.65 } } }, fx: { USDC: 1 } };
}

/** A database the server tests run on: a SQLite file, or (with CROSSMARGIN_PG_URL) a fresh PostgreSQL schema. */
export interface TestBackend {
  readonly name: 'sqlite' | 'postgres';
  /** A `--db` value naming a new, empty database. */
  newDb(): Promise<string>;
}

const pgUrl = process.env['CROSSMARGIN_PG_URL'];
const pgSchemas: string[] = [];

async function pgAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const sqliteBackend: TestBackend = { name: 'sqlite', newDb: () => Promise.resolve(join(mkdtempSync(join(tmpdir(), 'crossmargin-server-')), 'test.db')) };

/** Each database is its own schema, selected through the connection's search_path (as postgres-store.test.ts). */
const postgresBackend: TestBackend = {
  name: 'postgres',
  newDb: async () => {
    const schema = `cm_server_${randomBytes(6).toString('hex')}`;
    await pgAdmin((client) => client.query(`CREATE SCHEMA ${schema}`));
    pgSchemas.push(schema);
    const parsed = new URL(pgUrl ?? '');
    parsed.searchParams.set('options', `-c search_path=${schema}`);
    return parsed.toString();
  },
};

/** SQLite always; PostgreSQL too when CROSSMARGIN_PG_URL is set (CI). */
export const TEST_BACKENDS: readonly TestBackend[] = pgUrl === undefined || pgUrl === '' ? [sqliteBackend] : [sqliteBackend, postgresBackend];

/** Drops the PostgreSQL schemas made so far (call in afterAll, after the servers were closed). */
export async function dropTestDatabases(): Promise<void> {
  const schemas = pgSchemas.splice(0);
  if (schemas.length === 0) return;
  await pgAdmin(async (client) => {
    for (const schema of schemas) await client.query(`DROP SCHEMA ${schema} CASCADE`);
  });
}

export interface TestServer {
  app: FastifyInstance;
  store: Store;
  dbPath: string;
  adminKey: string;
  auth(key: string): { authorization: string };
  close(): Promise<void>;
}

/** A server over a SQLite file in a temp folder (or `dbPath`: any `--db` value, e.g. TestBackend.newDb()), with an admin key. */
export async function startTestServer(
  dbPath = join(mkdtempSync(join(tmpdir(), 'crossmargin-server-')), 'test.db'),
  adminKey?: string,
  settings: EngineSettings = TEST_SETTINGS,
  limits?: Partial<ServerLimits>,
): Promise<TestServer> {
  const store = await openStore(dbPath);
  const host = new EngineHost(await restoreEngine(store, settings));
  const app = await buildServer({
    store,
    engine: host,
    rebuildEngine: (active) => restoreEngine(store, settings, active),
    model: settings.model,
    ...(limits === undefined ? {} : { limits }),
  });
  const key = adminKey ?? (await store.createApiKey({ role: 'admin', label: 'test admin' })).plaintext;
  return {
    app,
    store,
    dbPath,
    adminKey: key,
    auth: (k) => ({ authorization: `Bearer ${k}` }),
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

/**
 * Starts the compiled service (`bin/crossmargin.js serve`, dist build) in a child process on a free loopback port and
 * resolves with its URL and the admin key it printed (if any). Refused after 20 s; the caller kills it.
 */
export function startServiceChild(root: string, db: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string; key: string | undefined }> {
  const child = spawn(process.execPath, [join(root, 'bin', 'crossmargin.js'), 'serve', '--db', db, '--port', '0', '--model', 'isolated-simple', '--quiet'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`service did not start in time: ${out}`));
    }, 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url !== undefined) {
        clearTimeout(timer);
        resolve({ child, url, key: /(cmk_[A-Za-z0-9_-]+)/.exec(out)?.[1] });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${code}: ${out}`));
    });
  });
}
