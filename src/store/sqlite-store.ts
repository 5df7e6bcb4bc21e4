import Database from 'better-sqlite3';
import { isCrossmarginError, type CrossmarginError } from '../core/errors.js';
import { runMigrations } from './migrations/run-migrations.js';
import type { SqlDriver, SqlExecutor, SqlRow, SqlValue } from './sql-driver.js';
import { SqlStore, type SqlStoreOptions } from './sql-store.js';
import { storeError } from './store-error.js';
import type { Store } from './store.js';

/**
 * Connection settings, applied on every open (and mirrored by `sqlite-kill-writer.mjs`, the kill -9 test's writer):
 * - `journal_mode = WAL`: readers never block the writer, and a commit is one append to the log.
 * - `synchronous = FULL`: the log is fsynced at every commit, so an acknowledged write survives kill -9 and power
 *   loss alike (NORMAL would survive kill -9 but may lose the last commits on power loss).
 * - `foreign_keys = ON`: SQLite leaves them off by default; the schema relies on them.
 * - `busy_timeout`: another process holding the write lock is waited for instead of failing at once.
 */
export const SQLITE_PRAGMAS = ['journal_mode = WAL', 'synchronous = FULL', 'foreign_keys = ON', 'busy_timeout = 5000'] as const;

/** Opens (creating if needed) a SQLite store at `path` (or `:memory:`) and brings its schema up to date. */
export async function openSqliteStore(path: string, options: SqlStoreOptions = {}): Promise<Store> {
  const driver = new SqliteDriver(path);
  try {
    await runMigrations(driver);
  } catch (error) {
    await driver.close();
    throw error;
  }
  return new SqlStore(driver, options);
}

/**
 * better-sqlite3 is synchronous; the driver wraps it in the async `SqlDriver` and runs one unit of work at a time,
 * because a transaction's `await`s would otherwise let another call's statements run inside it on the one connection.
 */
export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite';
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #dataVersion: Database.Statement | undefined;

  constructor(path: string) {
    try {
      this.#db = new Database(path);
      for (const pragma of SQLITE_PRAGMAS) this.#db.pragma(pragma);
    } catch (error) {
      throw storeError('internal', `cannot open SQLite database ${path}: ${(error as Error).message}`, { field: path, cause: error });
    }
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    // IMMEDIATE takes the write lock up front, so a transaction never fails half-way on a lock upgrade.
    return this.#serialised(() => this.#inTransaction('BEGIN IMMEDIATE', work));
  }

  read<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#serialised(() => this.#inTransaction('BEGIN', work));
  }

  readOne(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    return this.#serialised(async () => {
      try {
        return this.#run(sql, params, true) as SqlRow[];
      } catch (error) {
        throw toStoreFailure(error);
      }
    });
  }

  changesElsewhere(): number | undefined {
    if (this.#closed) return undefined;
    this.#dataVersion ??= this.#db.prepare('PRAGMA data_version').pluck();
    return this.#dataVersion.get() as number;
  }

  close(): Promise<void> {
    // Queued behind pending work, so that everything already asked for is committed first.
    return this.#serialised(async () => {
      this.#closed = true;
      this.#db.close();
    }, true);
  }

  #serialised<T>(unit: () => Promise<T>, evenIfClosed = false): Promise<T> {
    const result = this.#queue.then(() => {
      if (this.#closed && evenIfClosed) return undefined as T;
      if (this.#closed) throw storeError('internal', 'the store is closed');
      return unit();
    });
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #inTransaction<T>(begin: string, work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const executor: SqlExecutor = {
      query: async (sql, params = []) => this.#run(sql, params, true) as SqlRow[],
      execute: async (sql, params = []) => this.#run(sql, params, false) as number,
    };
    try {
      this.#db.exec(begin);
      const result = await work(executor);
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw toStoreFailure(error);
    }
  }

  #run(sql: string, params: readonly SqlValue[], wantRows: boolean): SqlRow[] | number {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    if (statement.reader) {
      const rows = statement.all(...params) as SqlRow[];
      return wantRows ? rows : rows.length;
    }
    const info = statement.run(...params);
    return wantRows ? [] : info.changes;
  }
}

/** Constraint violations that slipped past the explicit checks (a concurrent writer) become coded errors. */
function toStoreFailure(error: unknown): CrossmarginError {
  if (isCrossmarginError(error)) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') return storeError('conflict', message, { cause: error });
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return storeError('not-found', `a referenced record does not exist (${message})`, { cause: error });
  return storeError('internal', `SQLite: ${message}`, { cause: error });
}
