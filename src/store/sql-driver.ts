/**
 * The little a store needs from a database connection, so that one implementation of the `Store` semantics
 * (`sql-store.ts`) serves both dialects. SQL is written once with `?` placeholders; the PostgreSQL driver numbers them.
 */

export type SqlDialect = 'sqlite' | 'postgres';

export type SqlValue = string | number | null;

export type SqlRow = Record<string, unknown>;

export interface SqlExecutor {
  /** Runs a statement and returns its rows (empty for statements without RETURNING). */
  query(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
  /** Runs a statement and returns the number of rows it changed. */
  execute(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface SqlDriver {
  readonly dialect: SqlDialect;
  /**
   * Runs `work` in a write transaction: committed (and durable) when the promise resolves, rolled back when `work`
   * throws. Transactions never interleave on one connection.
   */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Runs `work` on a consistent read-only view. */
  read<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * Runs one read statement on its own: a single statement sees one snapshot in both dialects, so it needs no
   * transaction around it (no BEGIN and COMMIT round trips; the API key check of every request uses it).
   */
  readOne(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
  /**
   * A number that changes whenever another connection or process commits to the database, read at once (no queue,
   * no round trip); undefined when the driver cannot tell, and then a caller that caches what it read must read it
   * again every time. SQLite: `PRAGMA data_version`. PostgreSQL: undefined (a pool has no such counter).
   */
  changesElsewhere(): number | undefined;
  close(): Promise<void>;
}
