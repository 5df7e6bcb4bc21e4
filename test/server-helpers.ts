import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../src/server/build-server.js';
import { EngineHost } from '../src/server/engine-host.js';
import { restoreEngine, type EngineSettings } from '../src/server/restore-engine.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';

export const TEST_SETTINGS: EngineSettings = { model: 'isolated-simple', staleAfterMs: 3_600_000, spikeBand: 0.25 };

/** Test inputs (not market data): BTC and ETH with flat vols, USDC at 1. */
export function testMarket(btc: number, eth: number, asOf = '2024-06-17T08:00:00Z'): Record<string, unknown> {
  return { asOf, underlyings: { BTC: { index: btc, vol: { atm: 0.55 } }, ETH: { index: eth, vol: { atm: 0.65 } } }, fx: { USDC: 1 } };
}

export interface TestServer {
  app: FastifyInstance;
  store: Store;
  dbPath: string;
  adminKey: string;
  auth(key: string): { authorization: string };
  close(): Promise<void>;
}

/** A server over a SQLite file in a temp folder (or `dbPath`), with an admin key. */
export async function startTestServer(dbPath = join(mkdtempSync(join(tmpdir(), 'crossmargin-server-')), 'test.db'), adminKey?: string): Promise<TestServer> {
  const store = await openStore(dbPath);
  const host = new EngineHost(await restoreEngine(store, TEST_SETTINGS));
  const app = await buildServer({ store, engine: host, rebuildEngine: () => restoreEngine(store, TEST_SETTINGS), model: TEST_SETTINGS.model });
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
