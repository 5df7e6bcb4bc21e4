import { LiveEngine, type LiveEngineOptions } from '../engine/live/live-engine.js';
import { parseEngineCheckpoint } from '../engine/live/engine-checkpoint.js';
import type { EngineEvent } from '../engine/live/engine-event.js';
import { parseMarketSnapshotFile } from '../market/market-snapshot-schema.js';
import type { LiveAccountState } from '../engine/account/account-state.js';
import type { MarketBounds } from '../market/market-update.js';
import type { NewAuditEntry, NewEvent, Store } from '../store/store.js';

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
 * on every margin), every account with its positions and collateral, and the latest market snapshot. Accounts are
 * loaded first and the market last, so all of them are evaluated in one computeMargins call.
 *
 * Events are not persisted while restoring: the states they would announce were announced (and stored) before the
 * restart. The engine's own event sink is `store.appendEvent` from then on.
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
  });
  for (const account of await store.listAccounts()) {
    const [positions, collateral, previousState] = await Promise.all([
      store.listPositions(account.id),
      store.listCollateral(account.id),
      lastPersistedState(store, account.id),
    ]);
    // Seeded with its last persisted state, the account keeps its hysteresis across the restart.
    await engine.upsertAccount(
      {
        account: account.id,
        currency: account.currency,
        mode: account.mode,
        positions: positions.map((p) => ({ instrument: p.instrument, quantity: p.quantity, ...(p.entryPrice === undefined ? {} : { entryPrice: p.entryPrice }) })),
        collateral: Object.fromEntries(collateral.map((c) => [c.currency, c.amount])),
      },
      { previousState },
    );
  }
  const latest = await store.latestMarketSnapshot();
  if (latest !== undefined) {
    // The market with the checkpoint stored in its transaction: held spikes stay held, stale stays stale, and floors
    // hold (a restart never lowers a margin). A damaged checkpoint refuses the start rather than guessing.
    const file = parseMarketSnapshotFile(latest.json, `stored market snapshot ${latest.id}`);
    const checkpoint = latest.engineState === undefined ? undefined : parseEngineCheckpoint(latest.engineState, `stored engine checkpoint ${latest.id}`);
    await engine.restore(file, checkpoint);
  }
  restoring = false;
  return engine;
}

/** The `to` of the account's last stored state-transition event (undefined: none, so it was healthy or new). */
async function lastPersistedState(store: Store, accountId: string): Promise<LiveAccountState | undefined> {
  const events = await store.listEvents({ accountId });
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i];
    if (event?.type !== 'state-transition') continue;
    const to = (event.payload as { to?: unknown } | undefined)?.to;
    return to === 'healthy' || to === 'margin-call' || to === 'liquidation' || to === 'unmarginable' ? to : undefined;
  }
  return undefined;
}
