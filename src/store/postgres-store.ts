import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';
import { runMigrations } from './migrations/run-migrations.js';
import { SqlStore, type SqlStoreOptions } from './sql-store.js';
import { StoreConnection } from './store-connection.js';
import type { Store } from './store.js';

export interface PostgresStoreOptions extends SqlStoreOptions {
  /** Pool size (default 10). */
  readonly maxConnections?: number;
}

/** Connects a pool to `connectionString` (`postgres://user:pass@host:port/db`) and brings the schema up to date. */
export async function openPostgresStore(connectionString: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const connection = openPostgresConnection(connectionString, options.maxConnections ?? 10);
  try {
    await runMigrations(connection);
  } catch (error) {
    await connection.close();
    throw error;
  }
  return new SqlStore(connection, options);
}

/** The store's connection to PostgreSQL: kysely's PostgreSQL dialect over a `pg` pool. */
export function openPostgresConnection(connectionString: string, maxConnections: number): StoreConnection {
  const pool = new pg.Pool({ connectionString, max: maxConnections });
  // Acknowledged means flushed to the server's WAL whatever the server's default: the durability promise must not
  // depend on how the database was configured. (pg queues this before any query the pool hands the client.)
  pool.on('connect', (client) => {
    client.query('SET synchronous_commit = on').catch(() => undefined);
  });
  // An idle client losing its connection (server restart) must not crash the process; the pool replaces it and
  // the next query reports any lasting failure.
  pool.on('error', () => undefined);
  return new StoreConnection({ backend: 'postgres', db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }) });
}
