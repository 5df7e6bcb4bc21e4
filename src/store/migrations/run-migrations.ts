import type { SqlDriver } from '../sql-driver.js';
import { storeError } from '../store-error.js';
import type { Migration } from './migration.js';
import { STORE_MIGRATIONS } from './store-migrations.js';

/**
 * Brings the database to the latest schema: creates `schema_migrations` if needed, then applies each missing version
 * in order, each in one transaction with its bookkeeping row. Running it again (every start) applies nothing.
 * Returns the versions it applied.
 */
export async function runMigrations(driver: SqlDriver, migrations: readonly Migration[] = STORE_MIGRATIONS): Promise<number[]> {
  checkOrder(migrations);
  await driver.transaction(async (tx) => {
    await tx.execute('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  });
  const applied: number[] = [];
  for (const migration of migrations) {
    const didApply = await driver.transaction(async (tx) => {
      if (driver.dialect === 'postgres') {
        // Two servers starting at once on one database: the second waits here, then sees the version applied.
        await tx.execute('LOCK TABLE schema_migrations IN EXCLUSIVE MODE');
      }
      const rows = await tx.query('SELECT version FROM schema_migrations');
      const versions = rows.map((row) => Number(row['version']));
      const newest = Math.max(0, ...versions);
      const known = migrations[migrations.length - 1]?.version ?? 0;
      if (newest > known) {
        throw storeError('internal', `database schema version ${newest} is newer than this build knows (${known}); upgrade crossmargin`);
      }
      if (versions.includes(migration.version)) return false;
      for (const statement of migration.statements(driver.dialect)) await tx.execute(statement);
      await tx.execute('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        migration.version,
        migration.name,
        new Date().toISOString(),
      ]);
      return true;
    });
    if (didApply) applied.push(migration.version);
  }
  return applied;
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((migration, i) => {
    const previous = migrations[i - 1];
    if (previous !== undefined && migration.version <= previous.version) {
      throw storeError('internal', `migration ${migration.version} is listed after ${previous.version}: versions must increase`);
    }
  });
}
