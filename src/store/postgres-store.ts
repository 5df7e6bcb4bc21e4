import pg from 'pg';
import { isCrossmarginError, type CrossmarginError } from '../core/errors.js';
import { runMigrations } from './migrations/run-migrations.js';
import type { SqlDriver, SqlExecutor, SqlRow, SqlValue } from './sql-driver.js';
import { SqlStore, type SqlStoreOptions } from './sql-store.js';
import { storeError } from './store-error.js';
import type { Store } from './store.js';

export interface PostgresStoreOptions extends SqlStoreOptions {
  /** Pool size (default 10). */
  readonly maxConnections?: number;
}

/** Connects a pool to `connectionString` (`postgres://user:pass@host:port/db`) and brings the schema up to date. */
export async function openPostgresStore(connectionString: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const driver = new PostgresDriver(connectionString, options.maxConnections ?? 10);
  try {
    await runMigrations(driver);
  } catch (error) {
    await driver.close();
    throw error;
  }
  return new SqlStore(driver, options);
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres';
  readonly #pool: pg.Pool;

  constructor(connectionString: string, maxConnections: number) {
    this.#pool = new pg.Pool({ connectionString, max: maxConnections });
    // Acknowledged means flushed to the server's WAL whatever the server's default: the durability promise must not
    // depend on how the database was configured. (pg queues this before any query the pool hands the client.)
    this.#pool.on('connect', (client) => {
      client.query('SET synchronous_commit = on').catch(() => undefined);
    });
    // An idle client losing its connection (server restart) must not crash the process; the pool replaces it and
    // the next query reports any lasting failure.
    this.#pool.on('error', () => undefined);
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#inTransaction('BEGIN', work);
  }

  read<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    // One snapshot for all statements of a read (a key and its grants, say).
    return this.#inTransaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', work);
  }

  async readOne(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    try {
      return (await this.#pool.query(numberPlaceholders(sql), params as SqlValue[])).rows as SqlRow[];
    } catch (error) {
      throw toStoreFailure(error);
    }
  }

  changesElsewhere(): undefined {
    return undefined;
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #inTransaction<T>(begin: string, work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw toStoreFailure(error);
    }
    const executor: SqlExecutor = {
      query: async (sql, params = []) => (await client.query(numberPlaceholders(sql), params as SqlValue[])).rows as SqlRow[],
      execute: async (sql, params = []) => (await client.query(numberPlaceholders(sql), params as SqlValue[])).rowCount ?? 0,
    };
    let broken = false;
    try {
      await client.query(begin);
      const result = await work(executor);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true; // the connection is unusable: drop it rather than return it to the pool
      }
      throw toStoreFailure(error);
    } finally {
      client.release(broken);
    }
  }
}

/** The shared SQL uses `?`; PostgreSQL wants `$1, $2, …`. Our statements contain no `?` inside literals. */
function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function toStoreFailure(error: unknown): CrossmarginError {
  if (isCrossmarginError(error)) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === '23505') return storeError('conflict', message, { cause: error });
  if (code === '23503') return storeError('not-found', `a referenced record does not exist (${message})`, { cause: error });
  return storeError('internal', `PostgreSQL: ${message}`, { cause: error });
}
