import type { SpanContract } from '../span-types.js';

/**
 * Net delta of the account grouped by everything a spread rule can select on (methods/span.md §3 step 2): combined
 * commodity, contract period, intra / inter / scan tier and the delivery flag. A period leg, an intra tier leg, an
 * inter tier leg and a scanning leg each read a set of buckets, so the period view and the tier views stay
 * consistent by construction when one of them is consumed.
 */
export interface DeltaBucket {
  readonly cc: string;
  readonly period: string;
  readonly intraTier: number;
  readonly interTier: number;
  readonly scanTier: number;
  readonly inDelivery: boolean;
  /** Σ qty × compositeDelta of the positions in the bucket, futures-equivalents (sign as held). */
  readonly delta: number;
}

/** Buckets in canonical order (cc, period, tiers, delivery first) and what each has left after spreads so far. */
export interface DeltaLedger {
  readonly buckets: readonly DeltaBucket[];
  /** Remaining delta per bucket. Consumption only moves it towards 0, never across: |delta| − |remaining| is consumed. */
  readonly remaining: number[];
}

export interface NettedPosition {
  readonly contract: SpanContract;
  readonly quantity: number;
}

/** Relative size below which a remainder is float noise from consuming n × ratio (scale-free, so k-scaling holds). */
const RESIDUE = 1e-12;

/**
 * Spreads whose every leg would consume at most this share of the gross delta (Σ |bucket delta|) are float noise from
 * netting opposite buckets and are not formed (scale-free). Used by intra and inter spreads, and the batch path.
 */
export const SPREAD_NOISE = 1e-12;

function bucketKey(c: SpanContract): string {
  return [c.cc, c.period, c.intraTier, c.interTier, c.scanTier, c.inDelivery ? 0 : 1].join('\u0000');
}

/** Canonical bucket order (the ledger's): the batch path ranks its buckets with it too (span-book.ts). */
export function compareBuckets(a: Omit<DeltaBucket, 'delta'>, b: Omit<DeltaBucket, 'delta'>): number {
  if (a.cc !== b.cc) return a.cc < b.cc ? -1 : 1;
  if (a.period !== b.period) return a.period < b.period ? -1 : 1;
  if (a.intraTier !== b.intraTier) return a.intraTier - b.intraTier;
  if (a.interTier !== b.interTier) return a.interTier - b.interTier;
  if (a.scanTier !== b.scanTier) return a.scanTier - b.scanTier;
  // In-delivery delta first: intra spreads then use up delta that inter spreads could never use (§4 delivery rule).
  return Number(b.inDelivery) - Number(a.inDelivery);
}

/** Builds the ledger: position delta = qty × compositeDelta (the DSF is already in compositeDelta, span-types.ts). */
export function buildDeltaLedger(positions: readonly NettedPosition[]): DeltaLedger {
  const byKey = new Map<string, { contract: SpanContract; delta: number }>();
  for (const p of positions) {
    const key = bucketKey(p.contract);
    const entry = byKey.get(key);
    const d = p.quantity * p.contract.compositeDelta;
    if (entry === undefined) byKey.set(key, { contract: p.contract, delta: d });
    else entry.delta += d;
  }
  const buckets = [...byKey.values()]
    .map(({ contract: c, delta }): DeltaBucket => ({
      cc: c.cc,
      period: c.period,
      intraTier: c.intraTier,
      interTier: c.interTier,
      scanTier: c.scanTier,
      inDelivery: c.inDelivery,
      delta,
    }))
    .sort(compareBuckets);
  return { buckets, remaining: buckets.map((b) => b.delta) };
}

/** Indices of the buckets matching `select`, in ledger (period) order. */
export function selectBuckets(ledger: DeltaLedger, select: (b: DeltaBucket) => boolean): number[] {
  const out: number[] = [];
  ledger.buckets.forEach((b, i) => {
    if (select(b)) out.push(i);
  });
  return out;
}

/** Net remaining delta over some buckets. */
export function netRemaining(ledger: DeltaLedger, indices: readonly number[]): number {
  let sum = 0;
  for (const i of indices) sum += ledger.remaining[i]!;
  return sum;
}

/**
 * The two directions a spread forms in: +1 = side-A legs long and side-B legs short, −1 = side-A legs short and
 * side-B legs long. CME: a leg's side "refers to the side of the market on which a contract must be to form a
 * particular spread … 'A versus B' actually means 'Long versus Short'" (SPAN Intra/Inter Spreads reports); a long
 * calendar spread and a short one are the same offset, so SPAN forms spreads on offsetting deltas of either sign.
 */
export const SPREAD_DIRECTIONS = [1, -1] as const;

/** The side whose delta a leg of side `side` takes when the spread is formed in `direction`. */
export function heldSide(side: 'A' | 'B', direction: 1 | -1): 'A' | 'B' {
  return direction === 1 ? side : side === 'A' ? 'B' : 'A';
}

/** Delta a leg can still use: long delta for side A, short delta for side B (methods/span.md §3 step 3, §4), ≥ 0. */
export function availableDelta(ledger: DeltaLedger, indices: readonly number[], side: 'A' | 'B'): number {
  const net = netRemaining(ledger, indices);
  return Math.max(0, side === 'A' ? net : -net);
}

/**
 * Consumes up to `amount` (≥ 0, in |delta|) of side-`side` delta from the buckets, in ledger order, taking only from
 * buckets holding that sign so none crosses zero. Returns the amount taken (≤ amount up to a snapped float residue), and calls `onTake` per bucket.
 */
export function consumeDelta(
  ledger: DeltaLedger,
  indices: readonly number[],
  side: 'A' | 'B',
  amount: number,
  onTake?: (index: number, taken: number) => void,
): number {
  const sign = side === 'A' ? 1 : -1;
  let left = amount;
  let taken = 0;
  for (const i of indices) {
    if (left <= 0) break;
    const held = sign * ledger.remaining[i]!;
    if (held <= 0) continue;
    const take = Math.min(held, left);
    const rest = restAfterTake(held, take, ledger.buckets[i]!.delta);
    ledger.remaining[i] = sign * rest + 0; // `+ 0`: no negative zero
    left -= take;
    taken += held - rest;
    onTake?.(i, held - rest);
  }
  return taken;
}

/**
 * What a bucket holding `held` (> 0, on the side taken) keeps after `take` is taken from it: a remainder within
 * RESIDUE of the bucket's original |delta| is float noise and snaps to 0. Shared with the batch path (span-book.ts).
 */
export function restAfterTake(held: number, take: number, bucketDelta: number): number {
  const rest = held - take;
  return rest <= RESIDUE * Math.abs(bucketDelta) ? 0 : rest;
}
