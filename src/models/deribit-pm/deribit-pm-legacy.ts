import type { DeribitPmLegacyParams } from './deribit-pm-legacy-params.js';
import { DeribitPmParamsSchema, type DeribitPmParams } from './deribit-pm-params.js';
import type { DeribitPmPlan } from './deribit-pm-rows.js';

/**
 * The legacy variant's grid on the 2023 fields (crypto-venues.md §1.1 Legacy PM): ±range in the same 2·buckets+1
 * points, symmetric IV shock × (30/DTE)^p for every expiry, no extended table, no roll or delta shock, no offset
 * rule (a gain never sets the worst case), per-currency overrides ignored (the legacy table is one set).
 */
export function legacyGridParams(params: DeribitPmParams, legacy: DeribitPmLegacyParams): DeribitPmParams {
  return DeribitPmParamsSchema.parse({
    asOf: legacy.asOf,
    source: legacy.source,
    priceRange: legacy.priceRange,
    bucketsCount: legacy.bucketsCount,
    volatilityRangeUp: legacy.volShock,
    // The down shock is capped below 100 % so a short-dated vol stays positive: (30/1)^0.30 × 38 % would exceed it.
    volatilityRangeDown: Math.min(legacy.volShock, 0.99),
    shortTermVegaPower: legacy.vegaPower,
    longTermVegaPower: legacy.vegaPower,
    dteFloorDays: params.dteFloorDays,
    extendedTableFactor: 0,
    extendedMoves: [],
    extendedDampenerUsd: 0,
    maxDeltaShock: 0,
    mInc: 0,
    annualisedMoveRisk: 0,
    minAnnualisedMove: 0,
    pnlOffset: 0,
    maxOffsetablePnl: 0,
    mmFactor: legacy.mmFactor,
    haircut: params.haircut,
    mode: params.mode,
    crossAggregation: params.crossAggregation,
    variant: 'legacy',
    legacy,
  });
}

/**
 * Legacy contingencies of one row (its positions' instrument ids and quantities, position order; shared by the per-account
 * and batch paths), in its settlement currency (crypto-venues.md §1.1 Legacy PM, TV-D4):
 * - option: per underlying and strike, net = Σ signed option contracts × multiplier (coins, calls and puts and expiries
 *   together: the source says "per net short option per strike"); charge = optionContingencyPerNetShort × max(0, −net);
 * - futures: per underlying, offsetting = min(Σ long, Σ short) futures/perpetual notional in coin; charge =
 *   futuresContingency × offsetting.
 * Both are in coin of underlying; a linear (USDC-settled) row converts them at the index.
 */
export function legacyContingencies(plan: DeribitPmPlan, ids: ArrayLike<number>, quantities: ArrayLike<number>, currency: string): { option: number; futures: number } {
  const legacy = plan.legacy!;
  const { instruments, market } = plan.context;
  const netByStrike = new Map<string, { underlying: string; net: number }>();
  const futures = new Map<string, { long: number; short: number }>();
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k]!;
    const quantity = quantities[k]!;
    const spec = instruments.spec(id);
    if (spec.kind === 'option') {
      const key = `${spec.underlying}|${spec.strike}`;
      const e = netByStrike.get(key) ?? { underlying: spec.underlying, net: 0 };
      e.net += quantity * spec.multiplier;
      netByStrike.set(key, e);
    } else if (spec.kind === 'future' || spec.kind === 'perpetual') {
      const ref = plan.inputs[id]!.reference;
      const coin = quantity * (spec.settlement === 'inverse' ? spec.multiplier / ref : spec.multiplier);
      const e = futures.get(spec.underlying) ?? { long: 0, short: 0 };
      if (coin > 0) e.long += coin;
      else e.short -= coin;
      futures.set(spec.underlying, e);
    }
  }
  // Coin of underlying → settlement currency: 1 for the coin itself, else the underlying's price in that currency.
  const toSettlement = (underlying: string): number => (underlying === currency ? 1 : market.fxRate(underlying, currency));
  let option = 0;
  for (const { underlying, net } of netByStrike.values()) option += legacy.optionContingencyPerNetShort * Math.max(0, -net) * toSettlement(underlying);
  let fut = 0;
  for (const [underlying, { long, short }] of futures) fut += legacy.futuresContingency * Math.min(long, short) * toSettlement(underlying);
  return { option, futures: fut };
}
