import type { SpreadFormed } from '../../margin-result.js';
import type { SpanInterLeg, SpanInterSpread } from '../span-types.js';
import { availableDelta, consumeDelta, heldSide, selectBuckets, SPREAD_DIRECTIONS, SPREAD_NOISE, type DeltaLedger } from './delta-ledger.js';
import { scanningSpreadRisk } from './scanning-spread-risk.js';

/** One scanning tier the account holds: its portfolio P&L (engine sign) and standalone scan risk. */
export interface HeldScanTier {
  readonly pnl: Float64Array;
  readonly scanRisk: number;
}

export interface InterSpreadInput {
  readonly spreads: readonly SpanInterSpread[];
  /** Remaining deltas after the intra spreads; consumed in place. */
  readonly ledger: DeltaLedger;
  /** WFPR of (cc, inter tier), CC currency per unit of delta (methods/span.md §4). */
  readonly wfpr: (cc: string, interTier: number) => number;
  /** The WFPR a leg of a super spread gets: wfpr capped at the CC's scan risk / the leg's initial delta (SPAN 09-01). */
  readonly superWfpr: (cc: string, interTier: number) => number;
  /** The account's scan tier (cc, scan tier), undefined when it holds nothing there. */
  readonly scanTier: (cc: string, scanTier: number) => HeldScanTier | undefined;
  /** Most a CC may be credited: scan + intra + delivery, CC currency. */
  readonly creditRoom: ReadonlyMap<string, number>;
}

export interface InterSpreadResult {
  /** Credit granted per CC (after the room cap), CC currency. */
  readonly creditByCc: ReadonlyMap<string, number>;
  readonly spreads: readonly SpreadFormed[];
}

type Leg = SpreadFormed['legs'][number];

/** The spread's id in results: legs' CCs joined by '/', and the target for scanning spreads (`ZS/ZM→ZS`). */
function spreadId(spread: SpanInterSpread): string {
  const legs = spread.legs.map((l) => l.cc).join('/');
  return spread.method === 'scanning' ? `${legs}→${spread.targetCc ?? ''}` : legs;
}

/** Legs that must be present; a spread with no leg flagged required needs all of them. */
export function isRequired(spread: SpanInterSpread, leg: SpanInterLeg): boolean {
  return leg.required || spread.legs.every((l) => !l.required);
}

const tierKey = (cc: string, tier: number): string => `${cc}\u0000${tier}`;

/**
 * Inter-commodity spreads across combined commodities in priority order (stable: file order at equal priority),
 * delta-based (§4) and scanning-based (§4.1) interleaved.
 *
 * Delta spreads: a leg reads the remaining delta of its (cc, inter tier) outside the delivery month — contracts in
 * delivery contribute no delta (CME rule, §4) while the rest of the spread may still form. n = min over the required
 * legs of available delta / ratio (side A long and B short, or the spread read the other way round: A short and B
 * long — "A versus B" is long versus short in either order, delta-ledger.ts SPREAD_DIRECTIONS), fractional as for intra spreads; an optional leg joins
 * with what it has, up to n × ratio. Credit per leg = rate × delta taken × WFPR(leg), or for 'flat' spreads
 * n × flatAmount split equally over the legs that took part; it goes to the leg's CC.
 *
 * Scanning spreads: each leg is one scan tier (leg.tier names the scan tier — only scan tiers have arrays); the legs'
 * tier arrays are combined with the gain allowance and the credit Σ standalone − combined (≥ 0, see
 * scanningSpreadRisk) is shared among the legs' CCs in proportion to their standalone scan risk, so every leg CC ends
 * at its share of the combined risk. With one currency (validated) the total equals carrying the combined risk on
 * the target CC, while no CC's own risk ever rises. The legs' remaining deltas are consumed (the whole tier is
 * absorbed); a tier already used by an earlier inter spread, or absorbed, cannot join another scanning spread.
 *
 * Every credit is capped by the CC's remaining room (scan + intra + delivery − credits so far), so no CC's risk goes
 * below zero; a spread's reported credit is what was actually granted.
 */
export function formInterSpreads(input: InterSpreadInput): InterSpreadResult {
  const { ledger } = input;
  const room = new Map(input.creditRoom);
  const creditByCc = new Map<string, number>();
  const used = new Set<string>();
  const formed: SpreadFormed[] = [];
  const noise = SPREAD_NOISE * ledger.buckets.reduce((sum, b) => sum + Math.abs(b.delta), 0);

  const grant = (cc: string, credit: number): number => {
    const granted = Math.min(credit, room.get(cc) ?? 0);
    if (!(granted > 0)) return 0;
    room.set(cc, (room.get(cc) ?? 0) - granted);
    creditByCc.set(cc, (creditByCc.get(cc) ?? 0) + granted);
    return granted;
  };

  const deltaSpread = (spread: SpanInterSpread, direction: 1 | -1): void => {
    const legs = spread.legs.map((leg) => {
      const side = heldSide(leg.side, direction);
      const buckets = selectBuckets(ledger, (b) => b.cc === leg.cc && b.interTier === leg.tier && !b.inDelivery);
      return { leg, side, buckets, available: availableDelta(ledger, buckets, side) };
    });
    let n = Infinity;
    for (const l of legs) if (isRequired(spread, l.leg)) n = Math.min(n, l.available / l.leg.ratio);
    const joining = legs.filter((l) => l.available > 0);
    if (!(n > 0) || joining.length < 2 || joining.every((l) => n * l.leg.ratio <= noise)) return;
    const taken = joining.map(({ leg, side, buckets }) =>
      consumeDelta(ledger, buckets, side, n * leg.ratio, (i) => used.add(tierKey(leg.cc, ledger.buckets[i]!.scanTier))),
    );
    let credit = 0;
    const legCredit = joining.map(({ leg }, j) => {
      const wfpr = spread.superSpread === true ? input.superWfpr(leg.cc, leg.tier) : input.wfpr(leg.cc, leg.tier);
      const asked = deltaLegCredit(spread, n, joining.length, taken[j]!, wfpr);
      const granted = grant(leg.cc, asked);
      credit += granted;
      return granted;
    });
    const legsFormed: Leg[] = joining.map(({ leg, side }, j) => ({
      cc: leg.cc,
      tier: leg.tier,
      side: leg.side,
      deltaConsumed: side === 'A' ? taken[j]! : 0 - taken[j]!,
      credit: legCredit[j]!,
    }));
    formed.push({ type: 'inter', group: spreadId(spread), priority: spread.priority, legs: legsFormed, count: n, credit });
  };

  const scanningSpread = (spread: SpanInterSpread): void => {
    const seen = new Set<string>();
    const joining: { leg: SpanInterLeg; held: HeldScanTier }[] = [];
    for (const leg of spread.legs) {
      const key = tierKey(leg.cc, leg.tier);
      const held = seen.has(key) || used.has(key) ? undefined : input.scanTier(leg.cc, leg.tier);
      seen.add(key);
      if (held !== undefined) joining.push({ leg, held });
      else if (isRequired(spread, leg)) return;
    }
    if (joining.length < 2) return;
    const standalone = joining.reduce((sum, l) => sum + l.held.scanRisk, 0);
    const combined = scanningSpreadRisk(
      joining.map((l) => l.held.pnl),
      spread.creditRate,
    );
    const total = scanningCredit(standalone, combined);
    let credit = 0;
    const legsFormed: Leg[] = joining.map(({ leg, held }) => {
      used.add(tierKey(leg.cc, leg.tier));
      const granted = grant(leg.cc, scanningLegCredit(total, held.scanRisk, standalone));
      credit += granted;
      // The whole tier is absorbed: its remaining non-delivery delta is consumed.
      const buckets = selectBuckets(ledger, (b) => b.cc === leg.cc && b.scanTier === leg.tier && !b.inDelivery);
      let delta = 0;
      for (const i of buckets) {
        delta += ledger.remaining[i]!;
        ledger.remaining[i] = 0;
      }
      return { cc: leg.cc, tier: leg.tier, side: leg.side, deltaConsumed: delta + 0, credit: granted };
    });
    formed.push({ type: 'scanning', group: spreadId(spread), priority: spread.priority, legs: legsFormed, count: 1, credit });
  };

  const ordered = [...input.spreads].sort((a, b) => a.priority - b.priority);
  for (const spread of ordered) {
    if (spread.method === 'scanning') scanningSpread(spread);
    else for (const direction of SPREAD_DIRECTIONS) deltaSpread(spread, direction);
  }
  return { creditByCc, spreads: formed };
}

/**
 * Credit a delta spread's leg asks for (§4), CC currency, before the room cap: 'flat' spreads n × flatAmount split
 * equally over the `joining` legs; 'wfpr' spreads rate × delta taken × the leg's WFPR. Shared with span-book.ts.
 */
export function deltaLegCredit(spread: SpanInterSpread, n: number, joining: number, taken: number, wfpr: number): number {
  return spread.creditMethod === 'flat' ? (n * (spread.flatAmount ?? 0)) / joining : spread.creditRate * taken * wfpr;
}

/** Total credit of a scanning spread (§4.1): the legs' standalone scan risks summed less the combined risk, ≥ 0. */
export function scanningCredit(standalone: number, combined: number): number {
  return standalone > 0 ? Math.max(0, standalone - combined) : 0;
}

/** A scanning leg's share of the total credit, in proportion to its standalone scan risk (before the room cap). */
export function scanningLegCredit(total: number, scanRisk: number, standalone: number): number {
  return total > 0 ? (total * scanRisk) / standalone : 0;
}
