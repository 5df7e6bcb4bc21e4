import { LiveEngine, type LiveEngineOptions } from '../engine/live/live-engine.js';
import { parseMarketSnapshot } from '../market/market-snapshot.js';
import type { AccountState } from '../engine/account/account-state.js';
import type { Store } from '../store/store.js';

/** What the service's engine is built with, apart from the sink and the parameters (those come from the store). */
export interface EngineSettings {
  /** Margin model id (model registry). */
  readonly model: string;
  readonly staleAfterMs: number;
  readonly spikeBand: number;
  readonly accountParams?: unknown;
  readonly clock?: LiveEngineOptions['clock'];
  readonly historyLoader?: LiveEngineOptions['historyLoader'];
}

/**
 * Builds a LiveEngine from what the store holds: the active parameter set of the model (its version is then recorded
 * on every margin), every account with its positions and collateral, and the latest market snapshot. Accounts are
 * loaded first and the market last, so all of them are evaluated in one computeMargins call.
 *
 * Events are not persisted while restoring: the states they would announce were announced (and stored) before the
 * restart. The engine's own event sink is `store.appendEvent` from then on.
 */
export async function restoreEngine(store: Store, settings: EngineSettings): Promise<LiveEngine> {
  const active = await store.activeParameterSet(settings.model);
  let restoring = true;
  const engine = new LiveEngine({
    model: settings.model,
    ...(active === undefined ? {} : { params: active.json, parameterVersion: active.version }),
    accountParams: settings.accountParams,
    ...(settings.historyLoader === undefined ? {} : { historyLoader: settings.historyLoader }),
    clock: settings.clock ?? { now: () => Date.now() },
    staleAfterMs: settings.staleAfterMs,
    spikeBand: settings.spikeBand,
    sink: {
      append: async (event) => {
        if (restoring) return;
        if (!('accountId' in event)) {
          // Spike-guard events concern an underlying, not an account (the events table is per account): the audit log
          // keeps them as actions of the service itself.
          await store.appendAudit({ keyId: 'system', action: event.type, target: event.underlying, payload: event, at: new Date(event.at).toISOString() });
          return;
        }
        await store.appendEvent({ accountId: event.accountId, type: event.type, payload: event, at: new Date(event.at).toISOString() });
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
  if (latest !== undefined) await engine.onMarket(parseMarketSnapshot(latest.json, `stored market snapshot ${latest.id}`));
  restoring = false;
  return engine;
}

/** The `to` of the account's last stored state-transition event (undefined: none, so it was healthy or new). */
async function lastPersistedState(store: Store, accountId: string): Promise<AccountState | undefined> {
  const events = await store.listEvents({ accountId });
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i];
    if (event?.type !== 'state-transition') continue;
    const to = (event.payload as { to?: unknown } | undefined)?.to;
    return to === 'healthy' || to === 'margin-call' || to === 'liquidation' ? to : undefined;
  }
  return undefined;
}
