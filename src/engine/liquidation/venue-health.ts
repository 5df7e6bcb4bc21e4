import type { MarketSnapshot } from '../../market/market-snapshot.js';
import { readDetails } from '../../models/define-model.js';
import type { MarginResult } from '../../models/margin-result.js';
import { DydxV4DetailsSchema } from '../../models/dydx-v4/dydx-v4-details.js';
import { MangoHealthDetailsSchema } from '../../models/mango-health/mango-health-details.js';
import type { LiquidationRule } from './liquidation-params.js';

/** Where the account stands for the rule, account currency. */
export interface VenueHealth {
  /** Equity the venue compares with MM (the book value, or the model's named equity component). */
  readonly equity: number;
  readonly maintenanceMargin: number;
  /** Liquidation starts below this: MM × (1 + startBuffer). */
  readonly startLevel: number;
  /** Liquidation stops at or above this: MM × (1 + exitBuffer), or the venue's own stop level. */
  readonly stopLevel: number;
}

/**
 * Reads the venue's health from a model result (crypto-venues.md §8):
 * - equity: `rule.equityComponent` summed over the result's components (Drift `totalCollateralMaintenance`, Binance
 *   `adjustedEquity`), else `bookValue` (Deribit, dYdX TNC with the book at the oracle, Mango's unweighted equity);
 * - stop level: `liquidation-end` reads Mango's `details.liquidationEnd.health` (quote currency, §7: liquidation
 *   stops when LiquidationEnd health ≥ 0), i.e. stop level = equity − health × fx(quote → account).
 */
export function venueHealth(result: MarginResult, bookValue: number, rule: LiquidationRule, market: MarketSnapshot): VenueHealth {
  const equity = rule.equityComponent === undefined ? bookValue : result.components.filter((c) => c.name === rule.equityComponent).reduce((s, c) => s + c.value, 0);
  const mm = result.maintenanceMargin;
  let stopLevel = mm * (1 + rule.exitBuffer);
  if (rule.target === 'liquidation-end') {
    const details = readDetails(MangoHealthDetailsSchema, result);
    if (details !== undefined) stopLevel = equity - details.liquidationEnd.health * market.fxRate(details.quoteCurrency, result.currency);
  }
  return { equity, maintenanceMargin: mm, startLevel: mm * (1 + rule.startBuffer), stopLevel };
}

/**
 * Maintenance margin fraction of a position's market, for dYdX's fillable price (§5): `details.markets[].
 * maintenanceMarginFraction` of the dydx-v4 result; 0 (fill at the mark) when the result has none.
 */
export function maintenanceFractionOf(result: MarginResult, underlying: string): number {
  const m = readDetails(DydxV4DetailsSchema, result)?.markets.find((x) => x.market === underlying);
  return m?.maintenanceMarginFraction ?? 0;
}
