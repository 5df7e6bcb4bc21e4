import { closeNotional, impactPrice, type ClosedContract } from './close-cash.js';
import type { LiquidationExecutor, SliceFill } from './liquidation-executor.js';
import { tradeCash } from './liquidation-fills.js';
import type { LiquidationPlan, LiquidationSlice } from './liquidation-plan.js';

export interface SimulatedExecutorOptions {
  /**
   * The mark to fill at, by instrument symbol (the live market's reference price or option premium, in the slice's
   * price currency); undefined or absent: the slice's planning mark. Either way the fill is deterministic.
   */
  readonly markOf?: (instrument: string) => number | undefined;
}

/**
 * Fills every slice in full at the mark moved by the slice's impact against the holder (the plan's own price model):
 * at the planning mark, exactly the plan's expected fill. The penalty scales with the notional at the fill's mark, so
 * a cap the plan applied (a fee capped at equity) scales with it. No randomness, no clock.
 */
export class SimulatedExecutor implements LiquidationExecutor {
  readonly name = 'simulated';

  constructor(private readonly options: SimulatedExecutorOptions = {}) {}

  executeSlice(plan: LiquidationPlan, slice: LiquidationSlice): Promise<SliceFill> {
    return Promise.resolve(simulateFill(plan, slice, this.options.markOf?.(slice.instrument)));
  }
}

/** The simulated fill of `slice` at `mark` (default, or when not a positive number: its planning mark). */
export function simulateFill(plan: Pick<LiquidationPlan, 'id'>, slice: LiquidationSlice, mark?: number): SliceFill {
  const planning = mark === undefined || !Number.isFinite(mark) || mark <= 0 || mark === slice.markPrice;
  const price = planning ? slice.expected.price : impactPrice(mark, slice.quantity, slice.impact);
  let penalty = slice.expected.penaltyCash;
  if (!planning) {
    // Option notionals do not depend on the mark (coins × the underlying's price): the ratio is 1 for them.
    const base = closeNotional(contractAt(slice, slice.markPrice), slice.quantity, 1);
    if (base > 0) penalty *= closeNotional(contractAt(slice, mark), slice.quantity, 1) / base;
  }
  // The trade's cash is measured from the entry price (or the planning mark, where the account's P&L stood).
  const cash = tradeCash(slice, slice.quantity, price);
  return { planId: plan.id, slice: slice.index, instrument: slice.instrument, quantity: slice.quantity, price, cashDelta: cash - penalty, cashCurrency: slice.cashCurrency, penalty };
}

function contractAt(slice: LiquidationSlice, mark: number): ClosedContract {
  return { kind: slice.kind, settlement: slice.settlement, multiplier: slice.multiplier, markPrice: mark, entryPrice: slice.entryPrice };
}
