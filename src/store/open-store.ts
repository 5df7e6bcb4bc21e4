import { openPostgresStore } from './postgres-store.js';
import { openSqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

/** The SQLite file used when no database is named: zero setup on a fresh clone. */
export const DEFAULT_SQLITE_FILE = 'crossmargin.db';

/**
 * Opens the store a `--db` value names and migrates it:
 * - `undefined` → SQLite at `crossmargin.db` in the working directory;
 * - `postgres://…` or `postgresql://…` → PostgreSQL;
 * - `sqlite:PATH` / `sqlite://PATH` / `sqlite::memory:` or a plain file path (or `:memory:`) → SQLite.
 */
export async function openStore(url: string | undefined): Promise<Store> {
  if (url === undefined || url === '') return openSqliteStore(DEFAULT_SQLITE_FILE);
  if (/^postgres(ql)?:\/\//i.test(url)) return openPostgresStore(url);
  return openSqliteStore(sqlitePath(url));
}

function sqlitePath(url: string): string {
  if (url.startsWith('sqlite://')) return url.slice('sqlite://'.length) || DEFAULT_SQLITE_FILE;
  if (url.startsWith('sqlite:')) return url.slice('sqlite:'.length) || DEFAULT_SQLITE_FILE;
  return url;
}
