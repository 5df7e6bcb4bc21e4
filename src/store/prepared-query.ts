import type { Compilable, CompiledQuery, DialectAdapter, Kysely, QueryResult } from 'kysely';
import type { Database } from './database.js';
import { storeError } from './store-error.js';

/** Stands for the `index`-th value of a prepared query while it is built; never reaches a database. */
class Slot {
  constructor(readonly index: number) {}
}

/**
 * A statement of fixed shape, built with kysely's query builder and compiled once per connection, then run with new
 * values each time. Building and compiling a query costs several times what SQLite takes to run the store's small
 * statements, and the common writes (a position, a balance, a trade, their audit entry) run a few each: done per
 * call, it made them several times slower than the hand-written SQL before.
 *
 * `build` receives placeholders for its values: it may only pass them to the builder as values (never compute with
 * them, nor pass a list, whose length would change the statement). The compiled statement depends on the database's
 * dialect only, so it is kept per dialect adapter (one per Kysely instance, shared by its transactions).
 */
export function prepared<A extends readonly unknown[], O>(
  build: (db: Kysely<Database>, ...values: A) => Compilable<O>,
): (db: Kysely<Database>, ...values: A) => Promise<QueryResult<O>> {
  const compiled = new WeakMap<DialectAdapter, CompiledQuery<O>>();
  let slots: A | undefined;
  return (db, ...values) => {
    const adapter = db.getExecutor().adapter;
    let query = compiled.get(adapter);
    if (query === undefined) {
      slots ??= values.map((_, index) => new Slot(index)) as unknown as A;
      query = build(db, ...slots).compile();
      const parameters = query.parameters;
      if (!slots.every((slot) => parameters.includes(slot))) throw storeError('internal', `a prepared statement does not bind each of its values as one parameter: ${query.sql}`);
      compiled.set(adapter, query);
    }
    return db.executeQuery<O>({ ...query, parameters: query.parameters.map((p) => (p instanceof Slot ? values[p.index] : p)) });
  };
}

/** Stands for one field of one row of a prepared batch while it is built. */
class RowSlot {
  constructor(
    readonly row: number,
    readonly column: string,
  ) {}
}

/**
 * `prepared` for statements over a batch of rows (a multi-row insert, an `IN` list): `build` receives rows of
 * placeholders, one per listed column, and the statement is compiled once per batch size and connection. Callers keep
 * the sizes few (sql-store.ts `chunks`).
 */
export function preparedBatch<R extends object, O>(
  columns: readonly (keyof R & string)[],
  build: (db: Kysely<Database>, rows: readonly R[]) => Compilable<O>,
): (db: Kysely<Database>, rows: readonly R[]) => Promise<QueryResult<O>> {
  const compiled = new WeakMap<DialectAdapter, Map<number, CompiledQuery<O>>>();
  return (db, rows) => {
    const adapter = db.getExecutor().adapter;
    let bySize = compiled.get(adapter);
    if (bySize === undefined) compiled.set(adapter, (bySize = new Map()));
    let query = bySize.get(rows.length);
    if (query === undefined) {
      const slots = rows.map((_, row) => Object.fromEntries(columns.map((column) => [column, new RowSlot(row, column)])) as R);
      query = build(db, slots).compile();
      const parameters = query.parameters;
      if (!slots.every((slot) => Object.values(slot).every((value) => parameters.includes(value)))) {
        throw storeError('internal', `a prepared batch statement does not bind each of its values as one parameter: ${query.sql}`);
      }
      bySize.set(rows.length, query);
    }
    return db.executeQuery<O>({
      ...query,
      parameters: query.parameters.map((p) => (p instanceof RowSlot ? (rows[p.row] as Record<string, unknown>)[p.column] : p)),
    });
  };
}
