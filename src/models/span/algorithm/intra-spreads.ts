import type { SpreadFormed } from '../../margin-result.js';
import type { SpanIntraLeg, SpanIntraSpread } from '../span-types.js';
import { availableDelta, consumeDelta, heldSide, selectBuckets, SPREAD_DIRECTIONS, SPREAD_NOISE, type DeltaLedger } from './delta-ledger.js';

export interface IntraSpreadResult {
  /** Σ n × chargeRate over the spreads formed, CC currency, ≥ 0 (methods/span.md §3 step 3). */
  readonly charge: number;
  /** Spreads in formation order. */
  readonly spreads: readonly SpreadFormed[];
}

/** A spread whose legs are all contract periods (series-to-series, Type E / pLeg). */
function isSeriesSpread(spread: SpanIntraSpread): boolean {
  return spread.legs.every((leg) => leg.period !== undefined);
}

/**
 * Processing order (§3 step 3): priority ascending; at equal priority series-to-series spreads before tier-to-tier
 * (and mixed) ones; otherwise the file order (stable sort).
 */
export function orderIntraSpreads(spreads: readonly SpanIntraSpread[]): SpanIntraSpread[] {
  return [...spreads].sort((a, b) => a.priority - b.priority || Number(isSeriesSpread(b)) - Number(isSeriesSpread(a)));
}

/**
 * Forms the intra-commodity (calendar) spreads of one combined commodity, consuming the ledger's remaining delta
 * (mutated in place; the caller owns the ledger).
 *
 * n = min over legs of available delta / ratio, where a side-A leg needs long and a side-B leg short delta — or, the
 * spread read the other way round, a side-A leg short and a side-B leg long delta: "A versus B" is long versus short
 * in either order, the spread forming on offsetting deltas of either sign (methods/span.md §3 step 3). n is
 * FRACTIONAL: composite deltas of options are fractional anyway, so rounding n down would charge a portfolio of
 * options nothing while the same delta in futures is charged; fractional n also keeps the charge linear in the
 * book (scaling the book by k scales the charge by k). A period leg reads the buckets of that period; a tier leg the
 * buckets of that intra tier, consumed in period order — the two views share the same buckets, so consuming either
 * updates the other.
 */
export function formIntraSpreads(cc: string, spreads: readonly SpanIntraSpread[], ledger: DeltaLedger): IntraSpreadResult {
  const inCc = selectBuckets(ledger, (b) => b.cc === cc);
  // Below this, n × ratio is float noise from netting opposite buckets (scale-free: 1e-12 of the gross delta).
  const noise = SPREAD_NOISE * inCc.reduce((sum, i) => sum + Math.abs(ledger.buckets[i]!.delta), 0);
  const legBuckets = (leg: SpanIntraLeg): number[] =>
    leg.period !== undefined
      ? inCc.filter((i) => ledger.buckets[i]!.period === leg.period)
      : inCc.filter((i) => ledger.buckets[i]!.intraTier === leg.tier);

  let charge = 0;
  const formed: SpreadFormed[] = [];
  for (const spread of orderIntraSpreads(spreads)) {
    const legs = spread.legs.map((leg) => ({ leg, buckets: legBuckets(leg) }));
    // Both directions (A long / B short, then A short / B long): at most one can form, since a leg's net delta has
    // one sign; trying +1 first keeps the A-long reading of the file.
    for (const direction of SPREAD_DIRECTIONS) {
      let n = Infinity;
      for (const { leg, buckets } of legs) n = Math.min(n, availableDelta(ledger, buckets, heldSide(leg.side, direction)) / leg.ratio);
      if (!(n > 0) || legs.every(({ leg }) => n * leg.ratio <= noise)) continue;
      const legsFormed = legs.map(({ leg, buckets }) => {
        const side = heldSide(leg.side, direction);
        const taken = consumeDelta(ledger, buckets, side, n * leg.ratio);
        return {
          cc,
          ...(leg.tier === undefined ? {} : { tier: leg.tier }),
          ...(leg.period === undefined ? {} : { period: leg.period }),
          side: leg.side,
          deltaConsumed: side === 'A' ? taken : 0 - taken,
        };
      });
      const spreadCharge = n * spread.chargeRate;
      charge += spreadCharge;
      formed.push({ type: 'intra', group: cc, priority: spread.priority, legs: legsFormed, count: n, charge: spreadCharge });
    }
  }
  return { charge, spreads: formed };
}
