import type { GeneratedAlways } from 'kysely';
import type { AccountMode, ApiKeyRole, LiquidationPlanStatus, StoredAccountState, StoredEventType } from './store.js';

/**
 * The store's tables as kysely sees them (the schema itself is the migrations'). Column names are the database's
 * (snake_case): rows are turned into records in one place, `sql-store.ts`. Timestamps are ISO 8601 text and documents
 * are JSON text in both dialects (initial-schema.ts says why); floats are REAL / DOUBLE PRECISION, read as numbers.
 */
export interface Database {
  readonly schema_migrations: SchemaMigrationsTable;
  readonly api_keys: ApiKeysTable;
  readonly accounts: AccountsTable;
  readonly api_key_accounts: ApiKeyAccountsTable;
  readonly positions: PositionsTable;
  readonly trades: TradesTable;
  readonly collateral: CollateralTable;
  readonly collateral_requests: CollateralRequestsTable;
  readonly market_snapshots: MarketSnapshotsTable;
  readonly parameter_sets: ParameterSetsTable;
  readonly active_parameter_sets: ActiveParameterSetsTable;
  readonly events: EventsTable;
  readonly audit_log: AuditLogTable;
  readonly account_states: AccountStatesTable;
  readonly liquidation_plans: LiquidationPlansTable;
  readonly liquidation_fills: LiquidationFillsTable;
  readonly insurance_fund: InsuranceFundTable;
}

/**
 * An identity column: assigned by the database (never written), and BIGINT on PostgreSQL, which pg returns as a
 * string (it may exceed 2^53); SQLite returns a number. Ids stay far below 2^53: `sql-store.ts` reads them as numbers.
 */
export type IdentityColumn = GeneratedAlways<number | string>;

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: string;
}

export interface ApiKeysTable {
  id: string;
  role: ApiKeyRole;
  label: string | null;
  salt: string;
  hash: string;
  params: string;
  created_at: string;
  revoked_at: string | null;
}

export interface AccountsTable {
  id: string;
  currency: string;
  mode: AccountMode;
  owner_key_id: string | null;
  created_at: string;
}

export interface ApiKeyAccountsTable {
  key_id: string;
  account_id: string;
}

export interface PositionsTable {
  account_id: string;
  instrument: string;
  quantity: number;
  entry_price: number | null;
}

/** One row per applied trade: `position` is NULL only between the claim of the key and the update, in one transaction. */
export interface TradesTable {
  account_id: string;
  idempotency_key: string;
  instrument: string;
  quantity: number;
  position: number | null;
  at: string;
}

export interface CollateralTable {
  account_id: string;
  currency: string;
  amount: number;
}

export interface CollateralRequestsTable {
  account_id: string;
  idempotency_key: string;
  payload: string;
  at: string;
}

export interface MarketSnapshotsTable {
  id: IdentityColumn;
  as_of: string;
  json: string;
  stored_at: string;
  engine_state: string | null;
}

export interface ParameterSetsTable {
  model: string;
  version: string;
  json: string;
  uploaded_at: string;
}

export interface ActiveParameterSetsTable {
  model: string;
  version: string;
}

export interface EventsTable {
  id: IdentityColumn;
  account_id: string;
  type: StoredEventType;
  payload: string;
  at: string;
}

export interface AuditLogTable {
  id: IdentityColumn;
  key_id: string;
  action: string;
  target: string;
  payload: string;
  at: string;
}

export interface AccountStatesTable {
  account_id: string;
  state: StoredAccountState;
  initial_margin: number;
  maintenance_margin: number;
  equity: number;
  currency: string;
  as_of: string;
  unmarginable: string | null;
  updated_at: string;
}

export interface LiquidationPlansTable {
  id: string;
  account_id: string;
  status: LiquidationPlanStatus;
  json: string;
  created_at: string;
  completed_at: string | null;
  outcome: string | null;
}

export interface LiquidationFillsTable {
  plan_id: string;
  slice: number;
  account_id: string;
  instrument: string;
  quantity: number;
  price: number;
  cash_delta: number;
  cash_currency: string;
  fund_received: number;
  position: number;
  balance: number;
  at: string;
}

export interface InsuranceFundTable {
  id: IdentityColumn;
  currency: string;
  amount: number;
  account_id: string | null;
  plan_id: string | null;
  reason: string;
  at: string;
}
