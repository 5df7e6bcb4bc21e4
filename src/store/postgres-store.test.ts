import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from './open-store.js';
import { openPostgresStore } from './postgres-store.js';
import { describeStoreContract } from './store-contract.js';

/**
 * Runs only when CROSSMARGIN_PG_URL names a PostgreSQL database (CI sets it). Each store gets its own schema through
 * `search_path`, so tests never see each other's rows; the schemas are dropped at the end.
 */
const url = process.env['CROSSMARGIN_PG_URL'];
const schemas: string[] = [];

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function freshUrl(): Promise<string> {
  const schema = `cm_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE SCHEMA ${schema}`));
  schemas.push(schema);
  const parsed = new URL(url ?? '');
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}

describe.skipIf(url === undefined || url === '')('PostgreSQL store', () => {
  afterAll(async () => {
    await admin(async (client) => {
      for (const schema of schemas) await client.query(`DROP SCHEMA ${schema} CASCADE`);
    });
  });

  describeStoreContract('PostgreSQL', async () => openPostgresStore(await freshUrl()));

  it('opens through openStore, keeps data across reopen and applies migrations once', async () => {
    const storeUrl = await freshUrl();
    const first = await openStore(storeUrl);
    expect(first.backend).toBe('postgres');
    await first.createAccount({ id: 'a', currency: 'USD', mode: 'cross' });
    await first.applyTrade({ accountId: 'a', instrument: 'X', quantity: 4, idempotencyKey: 't' });
    await first.close();
    const second = await openStore(storeUrl);
    try {
      expect(await second.listPositions('a')).toEqual([{ accountId: 'a', instrument: 'X', quantity: 4 }]);
      expect(await second.applyTrade({ accountId: 'a', instrument: 'X', quantity: 4, idempotencyKey: 't' })).toMatchObject({ replayed: true });
    } finally {
      await second.close();
    }
    const schema = new URL(storeUrl).searchParams.get('options')?.split('=')[1] ?? '';
    const versions = await admin((client) => client.query(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`));
    expect(versions.rows).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }, { version: 5 }]);
  });

  it('two stores racing on one idempotency key apply it once', async () => {
    const storeUrl = await freshUrl();
    const [a, b] = [await openPostgresStore(storeUrl), await openPostgresStore(storeUrl)];
    try {
      await a.createAccount({ id: 'a', currency: 'USD', mode: 'cross' });
      const trade = { accountId: 'a', instrument: 'X', quantity: 1, idempotencyKey: 'race' };
      const results = await Promise.all([a.applyTrade(trade), b.applyTrade(trade), a.applyTrade(trade), b.applyTrade(trade)]);
      expect(results.filter((r) => !r.replayed)).toHaveLength(1);
      expect(await a.listPositions('a')).toEqual([{ accountId: 'a', instrument: 'X', quantity: 1 }]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
