import type { LiquidationPlan, LiquidationSlice } from './liquidation-plan.js';

/**
 * What executing one slice did (docs/architecture.md "Liquidation executors"). Prices in the slice's
 * `priceCurrency`; cash in `cashCurrency` (the slice's: the settlement currency, or the venue's settle-into one).
 */
export interface SliceFill {
  readonly planId: string;
  /** The slice's index in the plan. */
  readonly slice: number;
  readonly instrument: string;
  /** Signed contracts traded (a long is closed by a negative quantity); may be less than planned on a partial fill. */
  readonly quantity: number;
  /** Average fill price. */
  readonly price: number;
  /**
   * Change of the `cashCurrency` balance the fill causes, before the service's floor at zero: realised P&L of the
   * closed part from its entry price (or the planning mark), premium or proceeds of options and spot, less `penalty`.
   */
  readonly cashDelta: number;
  readonly cashCurrency: string;
  /** Liquidation fee paid to the insurance fund, `cashCurrency`, ≥ 0 (already taken out of `cashDelta`). */
  readonly penalty: number;
}

/**
 * Where a liquidation plan is carried out: a venue adapter (an order router) or the simulated executor. The service
 * calls `executeSlice` for one slice at a time, per account, in plan order, and records the fill (store first, engine
 * second) before the next slice. After a crash between a venue's fill and the store's write the same slice is asked
 * for again: an adapter must make `executeSlice` idempotent per (plan id, slice index), e.g. by using
 * `${plan.id}:${slice.index}` as the venue's client order id and returning the existing fill.
 *
 * A rejection leaves the slice unexecuted: the service retries it later (on the next resume).
 */
export interface LiquidationExecutor {
  /** Short name, recorded with each fill's audit entry. */
  readonly name: string;
  executeSlice(plan: LiquidationPlan, slice: LiquidationSlice): Promise<SliceFill>;
}
