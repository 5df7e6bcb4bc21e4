import { CrossmarginError } from '../core/errors.js';
import type { LiveEngine, LiveMargin, MarketUpdateResult, MaxOrderSize, WhatIfResult } from '../engine/live/live-engine.js';
import type { TradeInput as EngineTradeInput } from '../engine/live/apply-trades.js';
import { resolveInstrument } from '../instruments/resolve-instrument.js';
import { parseMarketSnapshot } from '../market/market-snapshot.js';
import { entryAfterTrade } from '../portfolio/entry-after-trade.js';
import type { MarketSnapshotFile } from '../market/market-snapshot-schema.js';
import type { AccountMode, AccountRecord, ApiKeyRecord, CollateralRecord, NewAuditEntry, PositionRecord, Store, TradeResult } from '../store/store.js';
import type { EngineHost } from './engine-host.js';

/** Who made a change: the key id goes to the audit log (`system` / `feed:<name>` for the service's own changes). */
export interface Actor {
  readonly keyId: string;
}

export interface NewServiceAccount {
  readonly id: string;
  readonly currency: string;
  readonly mode: AccountMode;
  readonly positions: readonly { readonly instrument: string; readonly quantity: number; readonly entryPrice?: number | undefined }[];
  readonly collateral: Readonly<Record<string, number>>;
  readonly ownerKeyId?: string | undefined;
}

export interface AccountView extends AccountRecord {
  readonly positions: { instrument: string; quantity: number; entryPrice?: number }[];
  readonly collateral: Record<string, number>;
}

export interface MarketPushResult {
  readonly snapshotId: number;
  readonly asOf: string;
  readonly accepted: string[];
  readonly held: string[];
  readonly recomputed: number;
  readonly events: number;
}

/**
 * The service's operations, shared by the HTTP routes and the feeds. Rule for every change: **store first, engine
 * second**. The store write is the durable acknowledgement (it survives kill -9); the engine is in-memory state
 * rebuilt from the store on restart (restoreEngine), so a crash between the two loses nothing.
 *
 * Changes run one at a time (`serial`): the engine and the store then see them in the same order, and a market
 * push's "older than the engine's market" check cannot race another push.
 */
export class MarginService {
  private tail: Promise<void> = Promise.resolve();
  private readonly marginListeners = new Set<(accountIds: readonly string[]) => void>();

  constructor(
    readonly store: Store,
    readonly host: EngineHost,
    /** Builds a fresh engine from the store (after a parameter set of the engine's model is activated). */
    private readonly rebuild?: () => Promise<LiveEngine>,
    readonly model?: string,
  ) {}

  get engine() {
    return this.host.engine;
  }

  /**
   * Listens to "these accounts' margins were recomputed" (after a market update, a trade, a position or collateral
   * change), so the stream can push fresh overview rows. Returns the unsubscribe function.
   */
  onMarginsChanged(listener: (accountIds: readonly string[]) => void): () => void {
    this.marginListeners.add(listener);
    return () => {
      this.marginListeners.delete(listener);
    };
  }

  async createAccount(input: NewServiceAccount, actor: Actor): Promise<AccountView> {
    checkPositions(input.positions);
    return this.serial(async () => {
      // Account, positions, balances and audit entry: one store transaction.
      const record = await this.store.createAccount(
        { id: input.id, currency: input.currency, mode: input.mode, ownerKeyId: input.ownerKeyId, positions: input.positions, collateral: input.collateral },
        this.audit(actor, 'account.create', input.id, input),
      );
      await this.syncAccount(input.id);
      return this.accountView(record);
    });
  }

  async getAccount(id: string): Promise<AccountView> {
    const record = await this.store.getAccount(id);
    if (record === undefined) throw notFound(id);
    return this.accountView(record);
  }

  async setPositions(accountId: string, positions: readonly PositionRecord[] | readonly { instrument: string; quantity: number; entryPrice?: number | undefined }[], actor: Actor): Promise<AccountView> {
    checkPositions(positions);
    return this.serial(async () => {
      await this.requireAccount(accountId);
      await this.store.setPositions(
        accountId,
        positions.map((p) => ({ instrument: p.instrument, quantity: p.quantity, ...(p.entryPrice === undefined ? {} : { entryPrice: p.entryPrice }) })),
        this.audit(actor, 'positions.set', accountId, { positions }),
      );
      await this.syncAccount(accountId);
      return this.getAccount(accountId);
    });
  }

  /**
   * Idempotent trade: a replayed key returns the stored result and does not touch the engine again. A future or
   * perpetual's entry price is averaged at the fill price (`price`, default the engine's mark: entryAfterTrade); the
   * cash side of a trade (premium, fees, realised P&L of a reduction) reaches the service as collateral.
   */
  async applyTrade(accountId: string, trade: { instrument: string; quantity: number; idempotencyKey: string; price?: number | undefined }, actor: Actor): Promise<TradeResult> {
    checkInstruments([trade.instrument], 'instrument');
    return this.serial(async () => {
      await this.requireAccount(accountId);
      const spec = resolveInstrument(trade.instrument, 'instrument');
      let entryPrice: number | undefined;
      if (spec.kind === 'future' || spec.kind === 'perpetual') {
        const held = (await this.store.listPositions(accountId)).find((p) => p.instrument === trade.instrument);
        const fill = trade.price ?? this.engine.fillPrice()(spec);
        entryPrice = entryAfterTrade(spec.settlement, held?.quantity ?? 0, held?.entryPrice, trade.quantity, fill);
      }
      const result = await this.store.applyTrade(
        { accountId, instrument: trade.instrument, quantity: trade.quantity, idempotencyKey: trade.idempotencyKey, ...(entryPrice === undefined ? {} : { entryPrice }) },
        this.audit(actor, 'trade.apply', accountId, trade),
      );
      if (result.replayed) return result;
      // The store is the truth: the engine takes the position (and its entry price) from it.
      await this.syncAccount(accountId);
      return result;
    });
  }

  async setCollateral(accountId: string, balances: Readonly<Record<string, number>>, actor: Actor): Promise<CollateralRecord[]> {
    return this.serial(async () => {
      await this.requireAccount(accountId);
      await this.store.setCollateralBalances(accountId, balances, this.audit(actor, 'collateral.set', accountId, balances));
      await this.syncAccount(accountId);
      return this.store.listCollateral(accountId);
    });
  }

  /**
   * A market update: validated, checked against the engine's market (an older asOf is refused before anything is
   * stored), stored, then given to the engine. What is stored is the update merged over the engine's current market
   * (underlyings and fx it does not list keep their values), so the latest stored snapshot is a whole market and a
   * restart restores all of it.
   */
  async pushMarket(json: MarketSnapshotFile, actor: Actor): Promise<MarketPushResult> {
    const snapshot = parseMarketSnapshot(json, 'market');
    return this.serial(async () => {
      const current = this.engine.currentMarket();
      if (current !== undefined && snapshot.asOfMs < current.asOfMs) {
        throw new CrossmarginError('MARKET_DATA_INVALID', `asOf: market update at ${snapshot.asOf} is older than the engine's market (${current.asOf})`, { field: 'asOf' });
      }
      const incoming = snapshot.toJSON();
      const base = current?.toJSON();
      const merged: MarketSnapshotFile = {
        asOf: incoming.asOf,
        underlyings: { ...(base?.underlyings ?? {}), ...incoming.underlyings },
        ...(base?.fx === undefined && incoming.fx === undefined ? {} : { fx: { ...(base?.fx ?? {}), ...(incoming.fx ?? {}) } }),
      };
      const stored = await this.store.appendMarketSnapshot({ asOf: incoming.asOf, json: merged }, (record) =>
        this.audit(actor, 'market.push', 'market', { snapshotId: record.id, asOf: incoming.asOf, underlyings: Object.keys(incoming.underlyings) }),
      );
      const update: MarketUpdateResult = await this.engine.onMarket(snapshot);
      this.notifyMargins(update.recomputed);
      return { snapshotId: stored.id, asOf: incoming.asOf, accepted: update.accepted, held: update.held, recomputed: update.recomputed.length, events: update.events.length };
    });
  }

  margin(accountId: string): LiveMargin {
    return this.engine.margin(accountId);
  }

  whatIf(accountId: string, trades: readonly EngineTradeInput[]): WhatIfResult {
    return this.engine.whatIf(accountId, trades);
  }

  maxOrder(accountId: string, instrument: string, side: 'buy' | 'sell'): MaxOrderSize {
    return this.engine.maxOrderSize(accountId, instrument, side);
  }

  async uploadParameterSet(model: string, version: string, json: unknown, actor: Actor) {
    return this.serial(async () => {
      return this.store.uploadParameterSet({ model, version, json }, this.audit(actor, 'parameter-set.upload', `${model}@${version}`, { model, version }));
    });
  }

  /** Activates a stored version; for the engine's own model the engine is rebuilt from the store with it. */
  async activateParameterSet(model: string, version: string, actor: Actor) {
    return this.serial(async () => {
      const record = await this.store.activateParameterSet(model, version, this.audit(actor, 'parameter-set.activate', `${model}@${version}`, { model, version }));
      if (model === this.model && this.rebuild !== undefined) this.host.swap(await this.rebuild());
      return record;
    });
  }

  async createKey(input: { role: ApiKeyRecord['role']; accountIds?: string[] | undefined; label?: string | undefined }, actor: Actor) {
    return this.serial(async () => {
      return this.store.createApiKey(input, (record) => this.audit(actor, 'key.create', record.id, { role: input.role, accountIds: input.accountIds, label: input.label }));
    });
  }

  async revokeKey(id: string, actor: Actor) {
    return this.serial(async () => {
      return this.store.revokeApiKey(id, new Date().toISOString(), this.audit(actor, 'key.revoke', id, {}));
    });
  }

  /** Waits until every change asked for so far has finished (graceful shutdown). */
  async drain(): Promise<void> {
    await this.tail;
  }

  // ---- internals -------------------------------------------------------------------------------------------

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** The audit entry of a change; the store writes it in the change's transaction. */
  private audit(actor: Actor, action: string, target: string, payload: unknown): NewAuditEntry {
    return { keyId: actor.keyId, action, target, payload, at: new Date().toISOString() };
  }

  private async requireAccount(id: string): Promise<AccountRecord> {
    const record = await this.store.getAccount(id);
    if (record === undefined) throw notFound(id);
    return record;
  }

  /** Puts the store's view of an account into the engine (the store is the truth). */
  private async syncAccount(id: string): Promise<void> {
    const view = await this.getAccount(id);
    await this.engine.upsertAccount({ account: id, currency: view.currency, mode: view.mode, positions: view.positions, collateral: view.collateral });
    this.notifyMargins([id]);
  }

  private notifyMargins(accountIds: readonly string[]): void {
    if (accountIds.length === 0) return;
    for (const listener of this.marginListeners) {
      try {
        listener(accountIds);
      } catch {
        // A failing listener (a closed socket) must not fail the change that is already stored.
      }
    }
  }

  private async accountView(record: AccountRecord): Promise<AccountView> {
    const [positions, collateral] = await Promise.all([this.store.listPositions(record.id), this.store.listCollateral(record.id)]);
    return {
      ...record,
      positions: positions.map((p) => ({ instrument: p.instrument, quantity: p.quantity, ...(p.entryPrice === undefined ? {} : { entryPrice: p.entryPrice }) })),
      collateral: Object.fromEntries(collateral.map((c) => [c.currency, c.amount])),
    };
  }
}

export function notFound(accountId: string): CrossmarginError {
  return new CrossmarginError('NOT_FOUND', `account "${accountId}" does not exist`, { field: 'id', details: { accountId } });
}

/**
 * Positions are checked before anything is written (names resolve; an entry price only on futures and perpetuals),
 * so a bad row never leaves a partial write or a store the engine cannot load.
 */
function checkPositions(positions: readonly { instrument: string; entryPrice?: number | undefined }[]): void {
  positions.forEach((p, i) => {
    const spec = resolveInstrument(p.instrument, `positions.${i}.instrument`);
    if (p.entryPrice !== undefined && spec.kind !== 'future' && spec.kind !== 'perpetual') {
      throw new CrossmarginError('SCHEMA_INVALID', `positions.${i}.entryPrice: an entry price applies to futures and perpetuals, not to ${spec.kind} ${spec.symbol}`, {
        field: `positions.${i}.entryPrice`,
      });
    }
  });
}

/** Instrument names are checked before anything is written, so a bad name never leaves a partial write. */
function checkInstruments(names: readonly string[], field: string): void {
  names.forEach((name, i) => resolveInstrument(name, names.length === 1 && field === 'instrument' ? field : `${field}.${i}.instrument`));
}
