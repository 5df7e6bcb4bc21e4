import { LiveEngine, type AccountStateRow, type LiveEngineOptions } from '../engine/live/live-engine.js';
import { AccountFloorSchema, parseEngineCheckpoint, type AccountFloor } from '../engine/live/engine-checkpoint.js';
import { parseWithSchema } from '../core/validate.js';
import type { EngineEvent } from '../engine/live/engine-event.js';
import { parseMarketSnapshotFile } from '../market/market-snapshot-schema.js';
import type { LiveAccountState } from '../engine/account/account-state.js';
import type { MarketBounds } from '../market/market-update.js';
import type { AccountStateRecord, NewAuditEntry, NewEvent, Store } from '../store/store.js';

/** What the service's engine is built with, apart from the sink and the parameters (those come from the store). */
export interface EngineSettings {
  /** Margin model id (model registry). */
  readonly model: string;
  readonly staleAfterMs: number;
  readonly spikeBand: number;
  readonly accountParams?: unknown;
  readonly clock?: LiveEngineOptions['clock'];
  readonly historyLoader?: LiveEngineOptions['historyLoader'];
  /** Sanity bounds on market input (docs/service.md "Market bounds"); default DEFAULT_MARKET_BOUNDS. */
  readonly marketBounds?: MarketBounds;
}

/** A parameter set to build the engine with instead of the stored active one (an activation being checked). */
export interface ActiveParameterSet {
  readonly version: string;
  readonly json: unknown;
}

/** How the store keeps an engine event: account events in the events table, the guard's (per underlying) in the audit log. */
export function storedEventOf(event: EngineEvent): { kind: 'event'; event: NewEvent } | { kind: 'audit'; audit: NewAuditEntry } {
  const at = new Date(event.at).toISOString();
  if (!('accountId' in event)) return { kind: 'audit', audit: { keyId: 'system', action: event.type, target: event.underlying, payload: event, at } };
  return { kind: 'event', event: { accountId: event.accountId, type: event.type, payload: event, at } };
}

/**
 * Builds a LiveEngine from what the store holds: the active parameter set of the model (its version is then recorded
 * on every margin), every account with its positions and collateral, each account's current-state row (its last
 * reported state, seeding the hysteresis, and its figures, the floor a stale or unmarginable account holds), and the
 * latest market snapshot with its checkpoint. Each of these is one query: no account's event history is read.
 * Accounts are loaded first and the market last, so all of them are margined in one batch.
 *
 * Events are not persisted while restoring: the states they would announce were announced (and stored) before the
 * restart. The engine's own event sink is `store.appendEvent` from then on, and its state rows go to
 * `store.putAccountStates`.
 */
export async function restoreEngine(store: Store, settings: EngineSettings, activeOverride?: ActiveParameterSet): Promise<LiveEngine> {
  const active = activeOverride ?? (await store.activeParameterSet(settings.model));
  let restoring = true;
  const engine = new LiveEngine({
    model: settings.model,
    ...(active === undefined ? {} : { params: active.json, parameterVersion: active.version }),
    accountParams: settings.accountParams,
    ...(settings.historyLoader === undefined ? {} : { historyLoader: settings.historyLoader }),
    clock: settings.clock ?? { now: () => Date.now() },
    staleAfterMs: settings.staleAfterMs,
    spikeBand: settings.spikeBand,
    ...(settings.marketBounds === undefined ? {} : { marketBounds: settings.marketBounds }),
    sink: {
      append: async (event) => {
        if (restoring) return;
        const stored = storedEventOf(event);
        // Spike-guard events concern an underlying, not an account (the events table is per account): the audit log
        // keeps them as actions of the service itself.
        if (stored.kind === 'audit') await store.appendAudit(stored.audit);
        else await store.appendEvent(stored.event);
      },
    },
    stateSink: {
      write: async (rows) => {
        if (!restoring) await store.putAccountStates(accountStateRecords(rows, new Date().toISOString()));
      },
    },
  });
  const [accounts, positions, collateral, states, latest] = await Promise.all([
    store.listAccounts(),
    store.listAllPositions(),
    store.listAllCollateral(),
    store.listAccountStates(),
    store.latestMarketSnapshot(),
  ]);
  // A damaged checkpoint refuses the start rather than guessing.
  const checkpoint = latest?.engineState === undefined ? undefined : parseEngineCheckpoint(latest.engineState, `stored engine checkpoint ${latest.id}`);
  const floors: Record<string, AccountFloor> = { ...(checkpoint?.floors ?? {}) };
  for (const row of states) floors[row.accountId] = floorOf(row);
  const positionsOf = groupBy(positions, (p) => p.accountId);
  const collateralOf = groupBy(collateral, (c) => c.accountId);
  for (const account of accounts) {
    // Seeded with its last persisted state, the account keeps its hysteresis across the restart.
    const previousState: LiveAccountState | undefined = Object.hasOwn(floors, account.id) ? floors[account.id]?.state : undefined;
    await engine.upsertAccount(
      {
        account: account.id,
        currency: account.currency,
        mode: account.mode,
        positions: (positionsOf.get(account.id) ?? []).map((p) => ({ instrument: p.instrument, quantity: p.quantity, ...(p.entryPrice === undefined ? {} : { entryPrice: p.entryPrice }) })),
        collateral: Object.fromEntries((collateralOf.get(account.id) ?? []).map((c) => [c.currency, c.amount])),
      },
      { previousState },
    );
  }
  if (latest !== undefined) {
    // The market with the checkpoint stored in its transaction: held spikes stay held, stale stays stale, and floors
    // hold (a restart never lowers a margin).
    const file = parseMarketSnapshotFile(latest.json, `stored market snapshot ${latest.id}`);
    await engine.restore(file, checkpoint, floors);
  }
  restoring = false;
  return engine;
}

/** The engine's current-state rows as the store keeps them (docs/service.md "Restarts"). */
export function accountStateRecords(rows: readonly AccountStateRow[], updatedAt: string): AccountStateRecord[] {
  return rows.map((r) => ({
    accountId: r.accountId,
    state: r.state,
    initialMargin: r.initialMargin,
    maintenanceMargin: r.maintenanceMargin,
    equity: r.equity,
    currency: r.currency,
    asOf: r.asOf,
    ...(r.unmarginable === undefined ? {} : { unmarginable: r.unmarginable }),
    updatedAt,
  }));
}

/** A stored current-state row as the engine's floor (validated: a damaged row refuses the start, never guessed at). */
function floorOf(row: AccountStateRecord): AccountFloor {
  const floor = { initialMargin: row.initialMargin, maintenanceMargin: row.maintenanceMargin, equity: row.equity, currency: row.currency, state: row.state, asOf: row.asOf, ...(row.unmarginable === undefined ? {} : { unmarginable: row.unmarginable }) };
  return parseWithSchema(AccountFloorSchema, floor, `stored account state of ${row.accountId}`, 'MARKET_DATA_INVALID');
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    let list = groups.get(k);
    if (list === undefined) groups.set(k, (list = []));
    list.push(item);
  }
  return groups;
}
