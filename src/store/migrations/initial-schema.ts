import { dialectTypes, type Migration } from './migration.js';

/**
 * Version 1. Timestamps are ISO 8601 UTC text and documents are JSON text in both dialects (not PostgreSQL
 * timestamptz / jsonb), so that values round-trip byte for byte and identically on both backends.
 */
export const initialSchema: Migration = {
  version: 1,
  name: 'initial schema',
  statements(dialect) {
    const { id, float } = dialectTypes(dialect);
    return [
      `CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('admin', 'risk-officer', 'account-holder')),
        label TEXT,
        salt TEXT NOT NULL,
        hash TEXT NOT NULL,
        params TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      )`,
      `CREATE TABLE accounts (
        id TEXT PRIMARY KEY,
        currency TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('cross', 'isolated')),
        owner_key_id TEXT REFERENCES api_keys (id),
        created_at TEXT NOT NULL
      )`,
      `CREATE TABLE api_key_accounts (
        key_id TEXT NOT NULL REFERENCES api_keys (id),
        account_id TEXT NOT NULL REFERENCES accounts (id),
        PRIMARY KEY (key_id, account_id)
      )`,
      `CREATE TABLE positions (
        account_id TEXT NOT NULL REFERENCES accounts (id),
        instrument TEXT NOT NULL,
        quantity ${float} NOT NULL,
        PRIMARY KEY (account_id, instrument)
      )`,
      // One row per applied trade: the primary key is what makes a retried idempotency key a no-op.
      `CREATE TABLE trades (
        account_id TEXT NOT NULL REFERENCES accounts (id),
        idempotency_key TEXT NOT NULL,
        instrument TEXT NOT NULL,
        quantity ${float} NOT NULL,
        position ${float},
        at TEXT NOT NULL,
        PRIMARY KEY (account_id, idempotency_key)
      )`,
      `CREATE TABLE collateral (
        account_id TEXT NOT NULL REFERENCES accounts (id),
        currency TEXT NOT NULL,
        amount ${float} NOT NULL,
        PRIMARY KEY (account_id, currency)
      )`,
      `CREATE TABLE market_snapshots (
        id ${id},
        as_of TEXT NOT NULL,
        json TEXT NOT NULL,
        stored_at TEXT NOT NULL
      )`,
      `CREATE TABLE parameter_sets (
        model TEXT NOT NULL,
        version TEXT NOT NULL,
        json TEXT NOT NULL,
        uploaded_at TEXT NOT NULL,
        PRIMARY KEY (model, version)
      )`,
      `CREATE TABLE active_parameter_sets (
        model TEXT PRIMARY KEY,
        version TEXT NOT NULL,
        FOREIGN KEY (model, version) REFERENCES parameter_sets (model, version)
      )`,
      `CREATE TABLE events (
        id ${id},
        account_id TEXT NOT NULL REFERENCES accounts (id),
        type TEXT NOT NULL CHECK (type IN ('margin-call', 'liquidation', 'state-transition')),
        payload TEXT NOT NULL,
        at TEXT NOT NULL
      )`,
      'CREATE INDEX events_by_account ON events (account_id, id)',
      // key_id is not a foreign key: the service itself writes entries as `system`, and entries outlive keys.
      `CREATE TABLE audit_log (
        id ${id},
        key_id TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        payload TEXT NOT NULL,
        at TEXT NOT NULL
      )`,
    ];
  },
};
