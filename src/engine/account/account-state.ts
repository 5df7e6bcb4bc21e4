import { CrossmarginError } from '../../core/errors.js';
import type { AccountParams } from './account-params.js';

/** Health of an account (docs/accounts.md "States"). */
export const ACCOUNT_STATES = ['healthy', 'margin-call', 'liquidation'] as const;
export type AccountState = (typeof ACCOUNT_STATES)[number];

/**
 * States of a live account: the three above, or `unmarginable` when the engine cannot margin it on the current
 * market (docs/service.md "Unmarginable accounts"). It is never classified from figures: the engine sets it when an
 * evaluation fails, holds the last good margin and makes the account reduce-only.
 */
export const LIVE_ACCOUNT_STATES = [...ACCOUNT_STATES, 'unmarginable'] as const;
export type LiveAccountState = (typeof LIVE_ACCOUNT_STATES)[number];

/** What classifyAccount found; amounts in the account currency. */
export interface AccountStatus {
  readonly state: AccountState;
  /**
   * maintenance / equity: 0 when nothing is required, Infinity when equity ≤ 0 while maintenance > 0. Above 1 the
   * equity no longer covers maintenance (liquidation without a buffer); exactly 1 is the liquidation boundary.
   */
  readonly marginRatio: number;
  /** equity − initial: free collateral when positive, the shortfall to a fully margined account when negative. */
  readonly excess: number;
  /** True in margin call and liquidation: only orders that reduce positions are accepted. */
  readonly reduceOnly: boolean;
  /** The thresholds applied, for explanation. */
  readonly thresholds: {
    /** Liquidation when equity < this: maintenance × (1 + liquidationBuffer). */
    readonly liquidationBelow: number;
    /** Margin call when equity < this: initial, or initial × (1 + marginCallBuffer) when coming from a call. */
    readonly marginCallBelow: number;
  };
}

/** maintenance / equity, with the conventions of AccountStatus.marginRatio. */
export function marginRatio(equity: number, maintenance: number): number {
  if (maintenance <= 0) return 0;
  if (equity <= 0) return Number.POSITIVE_INFINITY;
  return maintenance / equity;
}

function requireFinite(value: number, field: string): void {
  if (!Number.isFinite(value)) {
    throw new CrossmarginError('SCHEMA_INVALID', `${field}: expected a finite number, got ${value}`, { field });
  }
}

/**
 * Classifies an account (docs/accounts.md "States and buffers"):
 *
 * - liquidation when equity < maintenance × (1 + liquidationBuffer), whatever the previous state;
 * - else margin call when equity < initial (entering from healthy or with no history), or when equity <
 *   initial × (1 + marginCallBuffer) while the previous state was margin call or liquidation (hysteresis: an account
 *   just out of trouble must rebuild a cushion before it is healthy again, so it does not flap at the threshold);
 * - else healthy.
 *
 * Comparisons are strict: equity exactly at a threshold is on the safe side. Inputs in one currency; equity may be
 * negative, margins are ≥ 0.
 */
export function classifyAccount(
  equity: number,
  initial: number,
  maintenance: number,
  params: Pick<AccountParams, 'marginCallBuffer' | 'liquidationBuffer'>,
  previous?: AccountState,
): AccountStatus {
  requireFinite(equity, 'equity');
  requireFinite(initial, 'initialMargin');
  requireFinite(maintenance, 'maintenanceMargin');
  const liquidationBelow = maintenance * (1 + params.liquidationBuffer);
  const recovering = previous === 'margin-call' || previous === 'liquidation';
  const marginCallBelow = recovering ? initial * (1 + params.marginCallBuffer) : initial;
  const state: AccountState = equity < liquidationBelow ? 'liquidation' : equity < marginCallBelow ? 'margin-call' : 'healthy';
  return {
    state,
    marginRatio: marginRatio(equity, maintenance),
    excess: equity - initial,
    reduceOnly: state !== 'healthy',
    thresholds: { liquidationBelow, marginCallBelow },
  };
}

/** Verdict on one order under reduce-only. */
export interface OrderCheck {
  readonly allowed: boolean;
  readonly reason: string;
}

/**
 * Whether an order of `order` contracts (signed, buy positive) on a position of `position` contracts may be accepted
 * in `state`. Healthy accounts may trade freely (the margin check of the order itself is a separate question). In
 * margin call and liquidation only reduce-only orders pass: the order must not increase |position| and must not
 * flip its sign (closing to exactly 0 is allowed; a zero order changes nothing and is allowed).
 */
export function checkOrder(state: AccountState, position: number, order: number): OrderCheck {
  requireFinite(position, 'position');
  requireFinite(order, 'order');
  if (state === 'healthy') return { allowed: true, reason: 'account is healthy: orders are not restricted' };
  if (order === 0) return { allowed: true, reason: 'empty order changes nothing' };
  const after = position + order;
  if (position === 0) {
    return { allowed: false, reason: `reduce-only (${state}): no position to reduce, the order would open one` };
  }
  if (Math.sign(after) === -Math.sign(position)) {
    return { allowed: false, reason: `reduce-only (${state}): the order would flip the position from ${position} to ${after}` };
  }
  if (Math.abs(after) > Math.abs(position)) {
    return { allowed: false, reason: `reduce-only (${state}): the order would increase the position from ${position} to ${after}` };
  }
  return { allowed: true, reason: `reduce-only (${state}): the order reduces the position from ${position} to ${after}` };
}

/** The figures a what-if compares, account currency. */
export interface ComparedFigures {
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  readonly equity: number;
  /** equity − initial margin. */
  readonly excess: number;
}

/** after − before, figure by figure: a what-if's change (the service's answer and `crossmargin what-if`). */
export function figuresChange(before: ComparedFigures, after: ComparedFigures): ComparedFigures {
  return {
    initialMargin: after.initialMargin - before.initialMargin,
    maintenanceMargin: after.maintenanceMargin - before.maintenanceMargin,
    equity: after.equity - before.equity,
    excess: after.excess - before.excess,
  };
}
