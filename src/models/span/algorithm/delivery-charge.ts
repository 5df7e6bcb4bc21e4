import type { SpanDeliveryRate } from '../span-types.js';
import { selectBuckets, type DeltaLedger } from './delta-ledger.js';

/**
 * Spot-month (delivery) charge of one combined commodity, Type 4 method 10 (methods/span.md §3 step 4), CC currency:
 * Σ over the delivery periods of consumedBySpreads × spreadCharge + |remainingOutright| × outrightCharge.
 *
 * Read from the ledger after the intra spreads (and before inter spreads, which never use delivery delta, §4):
 * consumed = Σ (|delta| − |remaining|) over the period's buckets — consumption never crosses zero, so that is
 * exactly what intra spreads took — and outright = |Σ remaining| of the period.
 */
export function deliveryCharge(cc: string, rates: readonly SpanDeliveryRate[], ledger: DeltaLedger): number {
  let charge = 0;
  for (const rate of rates) {
    const buckets = selectBuckets(ledger, (b) => b.cc === cc && b.period === rate.period);
    let consumed = 0;
    let outright = 0;
    for (const i of buckets) {
      consumed += Math.abs(ledger.buckets[i]!.delta) - Math.abs(ledger.remaining[i]!);
      outright += ledger.remaining[i]!;
    }
    charge += deliveryRateCharge(rate, consumed, outright);
  }
  return charge;
}

/** One delivery period's charge: delta consumed by intra spreads × spreadCharge + |outright| × outrightCharge. */
export function deliveryRateCharge(rate: SpanDeliveryRate, consumed: number, outright: number): number {
  return consumed * rate.spreadCharge + Math.abs(outright) * rate.outrightCharge;
}
