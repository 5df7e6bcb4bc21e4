import { closeCash } from './close-cash.js';
import type { LiquidationSlice } from './liquidation-plan.js';

/**
 * How an executed fill moves money (pure helpers of the liquidation driver, docs/service.md "Liquidation"). A stored
 * balance never goes below zero: what the account cannot pay of a losing close is its *unpaid* loss, which the
 * account's other balances and then the insurance fund cover when the plan ends.
 */

/** Cash the trade of a fill moves before any penalty, in the slice's cash currency (closeCash × settlementToCash). */
export function tradeCash(slice: LiquidationSlice, quantity: number, price: number): number {
  const contract = { kind: slice.kind, settlement: slice.settlement, multiplier: slice.multiplier, markPrice: slice.markPrice, entryPrice: slice.entryPrice };
  return closeCash(contract, quantity, price) * slice.settlementToCash;
}

/** What a fill writes, cash currency. */
export interface FlooredFill {
  /** Change of the balance, ≥ −balance (the balance ends ≥ 0). */
  readonly cashDelta: number;
  /** The penalty the fund receives: the executor's, reduced to what is left above zero (≥ 0). */
  readonly fundReceived: number;
  /** The part of the trade's loss the balance could not pay (≥ 0). */
  readonly unpaid: number;
}

/**
 * Floors a fill at the balance it draws on: the trade's cash first, then the penalty out of what is left; whatever the
 * balance cannot pay is unpaid (and no penalty is taken from a bankrupt account: the fund would only pay it back).
 */
export function floorFill(trade: number, penalty: number, balance: number): FlooredFill {
  const left = balance + trade;
  if (left - penalty >= 0) return { cashDelta: trade - penalty, fundReceived: penalty, unpaid: 0 };
  if (left >= 0) return { cashDelta: -balance, fundReceived: left, unpaid: 0 };
  return { cashDelta: -balance, fundReceived: 0, unpaid: -left };
}

/** The stored fields of an applied fill that the unpaid loss is recovered from. */
export interface AppliedFill {
  readonly slice: number;
  readonly quantity: number;
  readonly price: number;
  readonly cashDelta: number;
  readonly fundReceived: number;
  /** The balance right after the fill. */
  readonly balance: number;
}

/**
 * The unpaid loss of an applied fill, recovered from what the store kept (deterministic, so a restart finds the same
 * figure): only a fill that emptied the balance and paid no penalty left one, equal to cashDelta − trade cash
 * (= −(balance before + trade), exactly as floorFill computed it).
 */
export function unpaidOf(slice: LiquidationSlice, fill: AppliedFill): number {
  if (fill.balance !== 0 || fill.fundReceived !== 0) return 0;
  return Math.max(0, fill.cashDelta - tradeCash(slice, fill.quantity, fill.price));
}

/** Unpaid losses of a plan's applied fills, by cash currency (only currencies with some), and their account-currency value at planning fx. */
export function unpaidLosses(slices: readonly LiquidationSlice[], fills: readonly AppliedFill[]): { readonly byCurrency: Record<string, number>; readonly value: number } {
  const byCurrency: Record<string, number> = {};
  let value = 0;
  for (const fill of fills) {
    const slice = slices[fill.slice];
    if (slice === undefined) continue;
    const unpaid = unpaidOf(slice, fill);
    if (unpaid <= 0) continue;
    byCurrency[slice.cashCurrency] = (byCurrency[slice.cashCurrency] ?? 0) + unpaid;
    value += unpaid * slice.cashToAccount;
  }
  return { byCurrency, value };
}
