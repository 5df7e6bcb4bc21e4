import { dialectTypes, type Migration } from './migration.js';

/**
 * Version 5 (docs/service.md "Restarts"; engine liquidation plans):
 * - `account_states`: one current-state row per account (the live engine's last reported state and figures), so a
 *   restart rebuilds the engine without reading any account's event history;
 * - `liquidation_plans`: the engine's plans (document opaque here), at most one `active` per account — checked in the
 *   writing transaction and backed by a partial unique index (both dialects have them);
 * - `liquidation_fills`: each executed slice of a plan, applied at most once per (plan, slice) by its primary key;
 * - `insurance_fund`: the fund's ledger (penalties in, deficit cover out, deposits); a balance is the sum of its lines.
 */
export const liquidationState: Migration = {
  version: 5,
  name: 'account states, liquidation plans and fills, insurance fund',
  statements(dialect) {
    const { id, float } = dialectTypes(dialect);
    return [
      `CREATE TABLE account_states (
        account_id TEXT PRIMARY KEY REFERENCES accounts (id),
        state TEXT NOT NULL CHECK (state IN ('healthy', 'margin-call', 'liquidation', 'unmarginable')),
        initial_margin ${float} NOT NULL,
        maintenance_margin ${float} NOT NULL,
        equity ${float} NOT NULL,
        currency TEXT NOT NULL,
        as_of TEXT NOT NULL,
        unmarginable TEXT,
        updated_at TEXT NOT NULL
      )`,
      `CREATE TABLE liquidation_plans (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts (id),
        status TEXT NOT NULL CHECK (status IN ('active', 'completed', 'cancelled')),
        json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        completed_at TEXT,
        outcome TEXT
      )`,
      `CREATE UNIQUE INDEX liquidation_plans_one_active ON liquidation_plans (account_id) WHERE status = 'active'`,
      'CREATE INDEX liquidation_plans_by_account ON liquidation_plans (account_id, created_at)',
      `CREATE TABLE liquidation_fills (
        plan_id TEXT NOT NULL REFERENCES liquidation_plans (id),
        slice INTEGER NOT NULL,
        account_id TEXT NOT NULL REFERENCES accounts (id),
        instrument TEXT NOT NULL,
        quantity ${float} NOT NULL,
        price ${float} NOT NULL,
        cash_delta ${float} NOT NULL,
        cash_currency TEXT NOT NULL,
        fund_received ${float} NOT NULL,
        position ${float} NOT NULL,
        balance ${float} NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (plan_id, slice)
      )`,
      `CREATE TABLE insurance_fund (
        id ${id},
        currency TEXT NOT NULL,
        amount ${float} NOT NULL,
        account_id TEXT REFERENCES accounts (id),
        plan_id TEXT REFERENCES liquidation_plans (id),
        reason TEXT NOT NULL,
        at TEXT NOT NULL
      )`,
      'CREATE INDEX insurance_fund_by_account ON insurance_fund (account_id, id)',
    ];
  },
};
