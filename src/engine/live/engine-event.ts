import type { LiveAccountState } from '../account/account-state.js';

/** Fields every engine event carries. */
interface EventBase {
  /** Engine sequence number, 1, 2, 3, … in the order events were persisted (gap-free while appends succeed). */
  readonly seq: number;
  /** Engine clock when the event was made, epoch ms. */
  readonly at: number;
  /** asOf of the engine's market when the event was made (undefined before the first market). */
  readonly asOf: string | undefined;
}

/**
 * An account changed state (healthy / margin-call / liquidation / unmarginable). `from` is undefined for an account
 * seen first. The figures are absent only for an account that became unmarginable before it was ever margined.
 */
export interface StateTransitionEvent extends EventBase {
  readonly type: 'state-transition';
  readonly accountId: string;
  readonly from: LiveAccountState | undefined;
  readonly to: LiveAccountState;
  /** Equity, initial and maintenance margin behind the decision (held figures when unmarginable), account currency. */
  readonly equity?: number;
  readonly initialMargin?: number;
  readonly maintenanceMargin?: number;
  readonly currency?: string;
  /** True when the margin was computed on a stale market (floored, see docs/live-engine.md). */
  readonly stale: boolean;
  /** Why the account is unmarginable (with `to: 'unmarginable'`), and the evaluation's error code. */
  readonly reason?: string;
  readonly code?: string;
}

/** Signal: the account entered a margin call; `shortfall` = initial − equity (> 0), account currency. */
export interface MarginCallEvent extends EventBase {
  readonly type: 'margin-call';
  readonly accountId: string;
  readonly equity: number;
  readonly initialMargin: number;
  readonly shortfall: number;
  readonly currency: string;
}

/** Signal: the account entered liquidation (equity below maintenance × (1 + liquidationBuffer)). */
export interface LiquidationEvent extends EventBase {
  readonly type: 'liquidation';
  readonly accountId: string;
  readonly equity: number;
  readonly maintenanceMargin: number;
  readonly liquidationBelow: number;
  readonly currency: string;
}

/**
 * The account became stale: an underlying it is exposed to has had no accepted update for more than staleAfterMs.
 * Emitted once per staleness episode (by staleTick), again only after the account was fresh in between.
 */
export interface StaleEvent extends EventBase {
  readonly type: 'stale';
  readonly accountId: string;
  readonly staleUnderlyings: readonly string[];
}

/** An index update moved beyond the spike band from the last accepted value and is held until confirmed. */
export interface SpikeHeldEvent extends EventBase {
  readonly type: 'spike-held';
  readonly underlying: string;
  readonly lastAccepted: number;
  readonly held: number;
  /** |held / lastAccepted − 1|, a fraction. */
  readonly move: number;
}

/** A held spike was confirmed by a second update within the band of it; the confirming update is applied. */
export interface SpikeConfirmedEvent extends EventBase {
  readonly type: 'spike-confirmed';
  readonly underlying: string;
  readonly held: number;
  readonly accepted: number;
}

/** A held spike was dropped: the next update came back within the band of the last accepted value. */
export interface SpikeDroppedEvent extends EventBase {
  readonly type: 'spike-dropped';
  readonly underlying: string;
  readonly held: number;
  readonly accepted: number;
}

export type EngineEvent = StateTransitionEvent | MarginCallEvent | LiquidationEvent | StaleEvent | SpikeHeldEvent | SpikeConfirmedEvent | SpikeDroppedEvent;

/**
 * Where the engine persists its events (the store layer implements it; the engine never imports the store). The
 * engine awaits every `append` before it applies the state change and before any subscriber sees the event, so a
 * published event is always a persisted one. A rejected append aborts the whole change.
 */
export interface EventSink {
  append(event: EngineEvent): Promise<void> | void;
}

export type EngineListener = (event: EngineEvent) => void;

type Unsequenced<E> = E extends EngineEvent ? Omit<E, 'seq'> : never;
/** An event before the engine numbers it (persist assigns `seq`). */
export type EventDraft = Unsequenced<EngineEvent>;
