import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  SelectQueryNode,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type SqliteDatabase,
  type SqliteDialectConfig,
  type TransactionSettings,
  type UnknownRow,
} from 'kysely';
import type { Database } from './database.js';
import { runMigrations } from './migrations/run-migrations.js';
import { SqlStore, type SqlStoreOptions } from './sql-store.js';
import { StoreConnection } from './store-connection.js';
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
  const connection = openSqliteConnection(path);
  try {
    await runMigrations(connection);
  } catch (error) {
    await connection.close();
    throw error;
  }
  return new SqlStore(connection, options);
}

/**
 * The store's connection to a SQLite file: kysely's SQLite dialect over one better-sqlite3 connection. better-sqlite3
 * is synchronous; the dialect lends its one connection to one caller at a time, and a transaction keeps it from BEGIN
 * to COMMIT, so a transaction's `await`s never let another call's statements run inside it.
 */
export function openSqliteConnection(path: string): StoreConnection {
  let raw: BetterSqlite3.Database | undefined;
  try {
    raw = new BetterSqlite3(path);
    for (const pragma of SQLITE_PRAGMAS) raw.pragma(pragma);
  } catch (error) {
    raw?.close();
    throw storeError('internal', `cannot open SQLite database ${path}: ${(error as Error).message}`, { field: path, cause: error });
  }
  const open = raw;
  const dataVersion = open.prepare('PRAGMA data_version').pluck();
  const db = new Kysely<Database>({
    dialect: new StoreSqliteDialect({ database: preparedOnce(open) }),
    plugins: [new NoRowLocks()],
  });
  return new StoreConnection({ backend: 'sqlite', db, changesElsewhere: () => (open.open ? (dataVersion.get() as number) : undefined) });
}

/**
 * The connection as kysely's dialect sees it, keeping every statement prepared: kysely prepares each query it runs,
 * and preparing costs about as much as running the small statements of the store. The texts are few (a query's text
 * depends on its shape, not its values; batches come in a few sizes, sql-store.ts `chunks`).
 */
function preparedOnce(db: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = db.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
    close() {
      db.close();
    },
  };
}

/** kysely's SQLite dialect, but its write transactions begin IMMEDIATE (the store's transactions; a read stays deferred). */
class StoreSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection, settings?: TransactionSettings): Promise<void> {
    // IMMEDIATE takes the write lock up front, so a transaction never fails half-way on a lock upgrade.
    await connection.executeQuery(CompiledQuery.raw(settings?.accessMode === 'read only' ? 'BEGIN' : 'BEGIN IMMEDIATE'));
  }
}

/**
 * Drops `FOR UPDATE` from selects: SQLite has no row locks (the clause is a syntax error there) and needs none, since
 * a write transaction holds the database's one write lock from BEGIN IMMEDIATE to its end.
 */
class NoRowLocks implements KyselyPlugin {
  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    if (!SelectQueryNode.is(node) || node.endModifiers === undefined) return node;
    return Object.freeze({ ...node, endModifiers: node.endModifiers.filter((modifier) => modifier.modifier !== 'ForUpdate') });
  }

  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return result;
  }
}
