import type { SqlDialect } from '../sql-driver.js';

/**
 * One schema change. Versions are applied in increasing order, each in its own transaction together with its row in
 * `schema_migrations`, so a crash mid-migration leaves the previous version intact. Released migrations are never
 * edited: a change is a new migration.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  /** DDL for the dialect: the two dialects differ only in identity columns and float type. */
  statements(dialect: SqlDialect): readonly string[];
}

/** Column types that differ between the dialects. */
export function dialectTypes(dialect: SqlDialect): { id: string; float: string } {
  return dialect === 'sqlite'
    ? // AUTOINCREMENT so that ids are never reused and keep increasing in append order.
      { id: 'INTEGER PRIMARY KEY AUTOINCREMENT', float: 'REAL' }
    : { id: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY', float: 'DOUBLE PRECISION' };
}
