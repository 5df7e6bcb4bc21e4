import type { Migration } from './migration.js';

/**
 * Version 4 (docs/service.md "Restarts", "Collateral changes"):
 * - each market snapshot may carry the live engine's checkpoint (spike guard with held values, last update times,
 *   every account's floor), written in the snapshot's transaction, so a restart never releases a held spike or
 *   lowers a margin;
 * - collateral changes take an idempotency key, like trades: `collateral_requests` remembers each applied key with
 *   its content, so a retry is applied once and a reused key with other content is refused.
 */
export const marketEngineState: Migration = {
  version: 4,
  name: 'market engine state and collateral idempotency',
  statements() {
    return [
      'ALTER TABLE market_snapshots ADD COLUMN engine_state TEXT',
      `CREATE TABLE collateral_requests (
        account_id TEXT NOT NULL REFERENCES accounts (id),
        idempotency_key TEXT NOT NULL,
        payload TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (account_id, idempotency_key)
      )`,
    ];
  },
};
