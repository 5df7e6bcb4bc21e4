import type { ComputeMarginsOptions } from '../../models/compute-margin.js';
import type { MarginResult } from '../../models/margin-result.js';
import type { MarketBounds } from '../../market/market-update.js';
import type { MarketSnapshotFile } from '../../market/market-snapshot-schema.js';
import type { PortfolioFile } from '../../portfolio/portfolio-schema.js';
import type { AccountStatus, LiveAccountState } from '../account/account-state.js';
import type { AccountStateRow } from './derive-states.js';
import type { EngineCheckpoint, UnmarginableInfo } from './engine-checkpoint.js';
import type { EngineEvent, EventSink } from './engine-event.js';
import type { ExpirySettlement } from './settle-expired.js';

/** The live engine's public types (live-engine.ts): its options, what it reports, and what a tick hands over. */

/** Milliseconds since the epoch; injected so tests control time. */
export interface EngineClock {
  now(): number;
}

export interface LiveEngineOptions {
  /** Margin model id (model registry). */
  readonly model: string;
  /** Model parameters document, validated once here by the model's schema (MODEL_PARAMS_INVALID). */
  readonly params?: unknown;
  /** Version of the parameter set `params` came from; recorded on every margin the engine reports. */
  readonly parameterVersion?: string;
  /** Account parameters (haircuts, buffers of the state machine); defaults apply. */
  readonly accountParams?: unknown;
  /** History for the VaR family (see computeMargins). */
  readonly historyLoader?: ComputeMarginsOptions['historyLoader'];
  readonly clock: EngineClock;
  /** An underlying not updated for longer than this (ms) is stale, and so is every account exposed to it. */
  readonly staleAfterMs: number;
  /** Oracle-spike band, relative (0.25 = an index move beyond ±25 % of the last accepted value is held). */
  readonly spikeBand: number;
  /** Sanity bounds on market input (MARKET_DATA_INVALID beyond them); default DEFAULT_MARKET_BOUNDS. */
  readonly marketBounds?: MarketBounds;
  readonly sink: EventSink;
  /**
   * Where current-state rows go outside a market update's commit (trades, collateral, new accounts): awaited before
   * the change is applied, like the sink. The service writes them to the store (docs/service.md "Restarts").
   */
  readonly stateSink?: AccountStateSink;
  /** Threads the batch kernels may use (default: CROSSMARGIN_THREADS, else the cores available). */
  readonly threads?: number;
}


export interface AccountStateSink {
  write(rows: readonly AccountStateRow[]): Promise<void> | void;
}

/** AccountStatus of a live account: its state may also be `unmarginable` (then reduce-only). */
export type LiveAccountStatus = Omit<AccountStatus, 'state'> & { readonly state: LiveAccountState };

/** What the engine reports for one account. Amounts in the account currency. */
export interface LiveMargin {
  readonly accountId: string;
  /**
   * The reported margin: recomputed, or floored at the last reported margin while stale (see `stale`). The explained
   * result is made when first read (the figures below need no explanation).
   */
  readonly result: MarginResult;
  /** result.initialMargin, result.maintenanceMargin and result.currency, without making the explanation. */
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  readonly currency: string;
  readonly status: LiveAccountStatus;
  readonly state: LiveAccountState;
  /**
   * Set when the engine cannot margin the account on the current market (docs/service.md "Unmarginable accounts"):
   * `result` then holds the last good figures (never lower), and the account is reduce-only.
   */
  readonly unmarginable?: UnmarginableInfo;
  /** Collateral after haircuts plus positions' value (accountEquity). */
  readonly equity: number;
  /** True when an underlying the account is exposed to has not been updated within staleAfterMs (read time). */
  readonly stale: boolean;
  /** Those underlyings. */
  readonly staleUnderlyings: readonly string[];
  /** asOf of the market the margin was computed on. */
  readonly asOf: string;
  /** Engine clock when the margin was computed, epoch ms. */
  readonly computedAt: number;
  readonly parameterVersion?: string;
  /** Why the last recompute failed (the margin above is then the previous one). */
  readonly error?: string;
}

/** A what-if answer: the account as it would be after hypothetical trades; engine state unchanged. */
export interface WhatIfResult extends Omit<LiveMargin, 'computedAt' | 'error'> {
  /** The positions after the trades. */
  readonly positions: PortfolioFile['positions'];
  /** Value of the traded quantities at the current mark, account currency, taken out of equity (trades at mark). */
  readonly tradeValue: number;
  /**
   * P&L the trades realise on futures and perpetuals carried at an entry price (account currency): the closed
   * part's P&L from its entry, which the venue posts to collateral, so it stays in equity. With tradeValue, a trade
   * at the mark moves equity only through haircuts (0 for positions without an entry price: their P&L is in the
   * collateral already).
   */
  readonly realisedPnl: number;
}

/**
 * An account's reported figures as `margin` gives them, without the explanation or the list of stale underlyings: a
 * what-if's before-state (what the service compares the after-state with). Amounts in the account currency.
 */
export interface ReportedFigures {
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  readonly equity: number;
  /** equity − initial margin. */
  readonly excess: number;
  readonly state: LiveAccountState;
  /** asOf of the market the figures were computed on. */
  readonly asOf: string;
}

/** How a what-if is answered. */
export interface WhatIfOptions {
  /**
   * The explained result will be read (the service's answer carries it): the model evaluates the book once, with its
   * explanation, instead of giving the figures first and evaluating again when `result` is read. Default false.
   */
  readonly explained?: boolean;
}

export interface MaxOrderSize {
  readonly accountId: string;
  readonly instrument: string;
  readonly side: 'buy' | 'sell';
  /** Largest order, contracts (≥ 0, unsigned), continuous: round down to the venue's lot size. */
  readonly quantity: number;
  /** Signed position held in the instrument before the order. */
  readonly position: number;
  /** Relative precision of `quantity`: the true boundary lies in [quantity, quantity × (1 + precision)] (or absolute below 1 contract). */
  readonly precision: number;
  /** True when the search stopped at its bound with every size feasible (the margin does not limit the order). */
  readonly unbounded: boolean;
  readonly reason: string;
}

/** What one market update did. */
export interface MarketUpdateResult {
  /** Accounts recomputed, in insertion order. */
  readonly recomputed: string[];
  /** Underlyings applied (including confirmed spikes). */
  readonly accepted: string[];
  /** Underlyings whose update is held by the spike guard. */
  readonly held: string[];
  /** Events persisted and published by this update. */
  readonly events: EngineEvent[];
  /** Accounts whose expired positions were settled by this update. */
  readonly settled: readonly AccountSettlement[];
  /** Wall time of each stage of the tick, ms (docs/architecture.md "The tick pipeline"). */
  readonly timings: TickTimings;
}

/** Wall time of each stage of a tick, ms. */
export interface TickTimings {
  /** Admitting the updates and merging them into the market (stages 1 and 2). */
  readonly admit: number;
  /** Finding the exposed accounts and settling expired positions. */
  readonly select: number;
  /** Revaluation and re-margining (the batch kernels, equity, the per-account path for the rest). */
  readonly remargin: number;
  readonly derive: number;
  readonly persist: number;
  readonly apply: number;
}

/** The expired positions of one account settled by a market update (docs/service.md "Expiry"). */
export interface AccountSettlement {
  readonly accountId: string;
  /** The account's document after settlement (positions removed, collateral credited or debited). */
  readonly doc: PortfolioFile;
  readonly settlements: readonly ExpirySettlement[];
}

/**
 * Everything a market update changes, handed to the `commit` callback of onMarket before the engine applies it: the
 * service writes it in one store transaction (snapshot, checkpoint, settlements, events, audit). If the callback
 * rejects, the engine changes nothing.
 */
export interface MarketCommit {
  /** The accepted market after the update (held spikes are not in it), a whole snapshot. */
  readonly market: MarketSnapshotFile;
  /** Guard and last-update times after the update (the accounts' figures are in `accountStates`). */
  readonly checkpoint: EngineCheckpoint;
  /**
   * Current-state rows of the accounts whose state or held figures this update changed (docs/service.md "Restarts"):
   * the store keeps one row per account, so a restart needs no event history.
   */
  readonly accountStates: readonly AccountStateRow[];
  readonly settled: readonly AccountSettlement[];
  /** The update's events, numbered: with a commit callback they are not given to the sink. */
  readonly events: readonly EngineEvent[];
}

export interface MarketUpdateOptions {
  readonly commit?: (commit: MarketCommit) => Promise<void>;
  /**
   * When the update was published, epoch ms (default: the engine clock's now): its underlyings' staleness counts
   * from then, and the tick's events carry it. A cluster worker passes the market stream's timestamp, so every worker
   * judges the same update alike (issue 17).
   */
  readonly at?: number;
}

/** What staleTick found: the stale accounts (as tick()) and the `stale` events it persisted and published. */
export interface StaleTickResult {
  readonly stale: string[];
  readonly events: EngineEvent[];
}

/** Options of upsertAccount. */
export interface UpsertAccountOptions {
  /**
   * The account's state before this engine saw it (e.g. its last persisted state-transition on restore). Used as
   * the previous state of the first classification, so the hysteresis continues; ignored once the engine has
   * classified the account itself.
   */
  readonly previousState?: LiveAccountState | undefined;
}
