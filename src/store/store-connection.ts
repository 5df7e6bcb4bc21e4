import type { Kysely, Transaction, TransactionBuilder } from 'kysely';
import type { Database } from './database.js';
import { databaseFailure, storeError } from './store-error.js';
import type { StoreBackend } from './store.js';

export interface StoreConnectionOptions {
  readonly backend: StoreBackend;
  /** The only part that differs between the databases: its dialect (`sqlite-store.ts`, `postgres-store.ts`). */
  readonly db: Kysely<Database>;
  /** See `StoreConnection.changesElsewhere`; the default cannot tell. */
  readonly changesElsewhere?: () => number | undefined;
}

/**
 * The store's database handle: a Kysely instance over either database, and the ways the store uses it, written once
 * for both. Every use maps database failures to coded errors (`store-error.ts`), and `close` waits for the uses
 * already begun.
 *
 * Writes never interleave on one connection: SQLite's dialect hands its one connection to one caller at a time (from
 * BEGIN to COMMIT for a transaction), and PostgreSQL's pool gives each transaction a connection of its own.
 */
export class StoreConnection {
  readonly backend: StoreBackend;
  readonly #db: Kysely<Database>;
  readonly #changesElsewhere: () => number | undefined;
  #inUse = 0;
  #idle: (() => void) | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: StoreConnectionOptions) {
    this.backend = options.backend;
    this.#db = options.db;
    this.#changesElsewhere = options.changesElsewhere ?? (() => undefined);
  }

  /**
   * Runs `work` in a write transaction: committed (and durable) when the promise resolves, rolled back when `work`
   * throws. SQLite begins it IMMEDIATE (the write lock up front, so it never fails half-way on a lock upgrade).
   */
  write<T>(work: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.#use(() => inTransaction(this.#db.transaction(), work));
  }

  /** Runs `work` on one consistent read-only snapshot (a key and its grants, say). */
  read<T>(work: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.#use(() => inTransaction(this.#db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only'), work));
  }

  /**
   * Runs one read statement on its own: a single statement sees one snapshot in both databases, so it needs no
   * transaction around it (no BEGIN and COMMIT round trips; the API key check of every request uses it).
   */
  statement<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.#use(() => work(this.#db));
  }

  /**
   * A number that changes whenever another connection or process commits to the database, read at once (no queue,
   * no round trip); undefined when the database cannot tell, and then a caller that caches what it read must read it
   * again every time. SQLite: `PRAGMA data_version`. PostgreSQL: undefined (a pool has no such counter).
   */
  changesElsewhere(): number | undefined {
    return this.#changesElsewhere();
  }

  /** Closes the database once every use already begun has ended (committed or rolled back); later uses fail. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#inUse > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
      await this.#db.destroy();
    })();
    return this.#closing;
  }

  async #use<T>(use: () => Promise<T>): Promise<T> {
    if (this.#closing !== undefined) throw storeError('internal', 'the store is closed');
    this.#inUse++;
    try {
      return await use();
    } catch (error) {
      throw databaseFailure(error, this.backend);
    } finally {
      if (--this.#inUse === 0) this.#idle?.();
    }
  }
}

/** kysely's transaction (BEGIN; COMMIT, or ROLLBACK when `work` throws), answering `work`'s own error when it throws. */
async function inTransaction<T>(begin: TransactionBuilder<Database>, work: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
  let failure: { readonly error: unknown } | undefined;
  try {
    return await begin.execute(async (tx) => {
      try {
        return await work(tx);
      } catch (error) {
        failure = { error };
        throw error;
      }
    });
  } catch (error) {
    // A failed ROLLBACK (a dead connection, which the pool then drops) must not hide why the transaction failed.
    throw failure === undefined ? error : failure.error;
  }
}
