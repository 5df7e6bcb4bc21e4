import { dialectTypes, type Migration } from './migration.js';

/**
 * Version 2: the events table also takes `stale` events (an account's market went stale, docs/live-engine.md
 * "Staleness"). PostgreSQL swaps the CHECK constraint; SQLite cannot alter one, so the table is rebuilt (ids kept).
 */
export const staleEvents: Migration = {
  version: 2,
  name: 'stale events',
  statements(dialect) {
    const types = `('margin-call', 'liquidation', 'state-transition', 'stale')`;
    if (dialect === 'postgres') {
      return ['ALTER TABLE events DROP CONSTRAINT events_type_check', `ALTER TABLE events ADD CONSTRAINT events_type_check CHECK (type IN ${types})`];
    }
    const { id } = dialectTypes(dialect);
    return [
      `CREATE TABLE events_v2 (
        id ${id},
        account_id TEXT NOT NULL REFERENCES accounts (id),
        type TEXT NOT NULL CHECK (type IN ${types}),
        payload TEXT NOT NULL,
        at TEXT NOT NULL
      )`,
      'INSERT INTO events_v2 (id, account_id, type, payload, at) SELECT id, account_id, type, payload, at FROM events',
      'DROP TABLE events',
      'ALTER TABLE events_v2 RENAME TO events',
      'CREATE INDEX events_by_account ON events (account_id, id)',
    ];
  },
};
