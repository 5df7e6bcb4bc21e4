import type { StoreBackend } from '../store.js';

/**
 * One schema change. Versions are applied in increasing order, each in its own transaction together with its row in
 * `schema_migrations`, so a crash mid-migration leaves the previous version intact. Released migrations are never
 * edited: a change is a new migration.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  /**
   * DDL for the database: the two differ only in identity columns and float type. Plain SQL text (run as it is by
   * `run-migrations.ts`), so that a released migration's schema never depends on how a query builder renders it.
   */
  statements(backend: StoreBackend): readonly string[];
}

/** Column types that differ between the databases. */
export function dialectTypes(backend: StoreBackend): { id: string; float: string } {
  return backend === 'sqlite'
    ? // AUTOINCREMENT so that ids are never reused and keep increasing in append order.
      { id: 'INTEGER PRIMARY KEY AUTOINCREMENT', float: 'REAL' }
    : { id: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY', float: 'DOUBLE PRECISION' };
}
