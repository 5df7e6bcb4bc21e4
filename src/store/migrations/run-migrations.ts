import { sql } from 'kysely';
import type { StoreConnection } from '../store-connection.js';
import { storeError } from '../store-error.js';
import type { Migration } from './migration.js';
import { STORE_MIGRATIONS } from './store-migrations.js';

/**
 * Brings the database to the latest schema: creates `schema_migrations` if needed, then applies each missing version
 * in order, each in one transaction with its bookkeeping row. Running it again (every start) applies nothing.
 * Returns the versions it applied.
 */
export async function runMigrations(connection: StoreConnection, migrations: readonly Migration[] = STORE_MIGRATIONS): Promise<number[]> {
  checkOrder(migrations);
  await connection.write((tx) =>
    tx.schema
      .createTable('schema_migrations')
      .ifNotExists()
      .addColumn('version', 'integer', (column) => column.primaryKey())
      .addColumn('name', 'text', (column) => column.notNull())
      .addColumn('applied_at', 'text', (column) => column.notNull())
      .execute(),
  );
  const applied: number[] = [];
  for (const migration of migrations) {
    const didApply = await connection.write(async (tx) => {
      if (connection.backend === 'postgres') {
        // Two servers starting at once on one database: the second waits here, then sees the version applied.
        // (SQLite's write transaction already holds the database's one write lock.)
        await sql`LOCK TABLE schema_migrations IN EXCLUSIVE MODE`.execute(tx);
      }
      const rows = await tx.selectFrom('schema_migrations').select('version').execute();
      const versions = rows.map((row) => Number(row.version));
      const newest = Math.max(0, ...versions);
      const known = migrations[migrations.length - 1]?.version ?? 0;
      if (newest > known) {
        throw storeError('internal', `database schema version ${newest} is newer than this build knows (${known}); upgrade crossmargin`);
      }
      if (versions.includes(migration.version)) return false;
      // The migration's own SQL, as released (migration.ts).
      for (const statement of migration.statements(connection.backend)) await sql.raw(statement).execute(tx);
      await tx.insertInto('schema_migrations').values({ version: migration.version, name: migration.name, applied_at: new Date().toISOString() }).execute();
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
