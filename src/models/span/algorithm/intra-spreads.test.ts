import { describe, expect, it } from 'vitest';
import type { SpanContract, SpanIntraSpread } from '../span-types.js';
import { buildDeltaLedger, netRemaining, selectBuckets } from './delta-ledger.js';
import { formIntraSpreads, orderIntraSpreads } from './intra-spreads.js';
import { contract } from './span-test-fixtures.js';

// One CC "CL": Sep and Dec 2024 in intra tier 1, Mar 2025 in tier 2, Jun 2025 in tier 3; futures, delta 1.
const fut = (period: string, intraTier: number, compositeDelta = 1): SpanContract =>
  contract({ symbol: `CL${period}${compositeDelta}`, cc: 'CL', period, intraTier, compositeDelta });
const SEP = fut('202409', 1);
const DEC = fut('202412', 1);
const MAR = fut('202503', 2);
const JUN = fut('202506', 3);

const ledgerOf = (positions: readonly (readonly [SpanContract, number])[]) =>
  buildDeltaLedger(positions.map(([c, quantity]) => ({ contract: c, quantity })));
const tierDelta = (ledger: ReturnType<typeof ledgerOf>, tier: number) => netRemaining(ledger, selectBuckets(ledger, (b) => b.intraTier === tier));
const periodDelta = (ledger: ReturnType<typeof ledgerOf>, period: string) =>
  netRemaining(ledger, selectBuckets(ledger, (b) => b.period === period));

const tierSpread = (priority: number, chargeRate: number, a: number, b: number): SpanIntraSpread => ({
  priority,
  chargeRate,
  legs: [
    { tier: a, ratio: 1, side: 'A' },
    { tier: b, ratio: 1, side: 'B' },
  ],
});

describe('formIntraSpreads', () => {
  it('tier-to-tier: long 3 in tier 1, short 2 in tier 2 → 2 spreads × 150 = 300; tier 1 keeps +1', () => {
    const ledger = ledgerOf([[SEP, 3], [MAR, -2]]);
    const r = formIntraSpreads('CL', [tierSpread(1, 150, 1, 2)], ledger);
    expect(r.charge).toBe(2 * 150);
    expect(r.spreads).toEqual([
      {
        type: 'intra',
        group: 'CL',
        priority: 1,
        legs: [
          { cc: 'CL', tier: 1, side: 'A', deltaConsumed: 2 },
          { cc: 'CL', tier: 2, side: 'B', deltaConsumed: -2 },
        ],
        count: 2,
        charge: 300,
      },
    ]);
    expect(tierDelta(ledger, 1)).toBe(1);
    expect(tierDelta(ledger, 2)).toBe(0);
  });

  // Both directions. CME's SPAN Intra Spreads report: the side "A or B refers to the side of the market on which a
  // contract must be to form a particular spread … 'A versus B' actually means 'Long versus Short'"
  // (https://cmegroupclientsite.atlassian.net/wiki/spaces/pubspan/pages/46727296/Intra+Spreads); SPAN forms spreads on
  // offsetting deltas of either sign (methods/span.md §3 step 3), so a calendar spread entered short near / long far
  // is charged as the same spread entered long near / short far. Hand-computed from that rule: no published example.
  it('reversed: short 3 in tier 1, long 2 in tier 2 → the same 2 spreads × 150 = 300; tier 1 keeps −1', () => {
    const ledger = ledgerOf([[SEP, -3], [MAR, 2]]);
    const r = formIntraSpreads('CL', [tierSpread(1, 150, 1, 2)], ledger);
    expect(r.spreads).toEqual([
      {
        type: 'intra',
        group: 'CL',
        priority: 1,
        legs: [
          { cc: 'CL', tier: 1, side: 'A', deltaConsumed: -2 },
          { cc: 'CL', tier: 2, side: 'B', deltaConsumed: 2 },
        ],
        count: 2,
        charge: 300,
      },
    ]);
    expect([tierDelta(ledger, 1), tierDelta(ledger, 2)]).toEqual([-1, 0]);
  });

  it('reversed series-to-series: short 4 Sep, long 3 Dec → 3 spreads × 40 = 120, as long 4 Sep / short 3 Dec', () => {
    const spread: SpanIntraSpread = { priority: 1, chargeRate: 40, legs: [{ period: '202409', ratio: 1, side: 'A' }, { period: '202412', ratio: 1, side: 'B' }] };
    const ledger = ledgerOf([[SEP, -4], [DEC, 3]]);
    const r = formIntraSpreads('CL', [spread], ledger);
    expect(r.charge).toBe(120);
    expect(r.spreads[0]!.legs.map((l) => [l.period, l.deltaConsumed])).toEqual([
      ['202409', -3],
      ['202412', 3],
    ]);
    expect([periodDelta(ledger, '202409'), periodDelta(ledger, '202412')]).toEqual([-1, 0]);
  });

  it('reversed ratio spread (A ratio 2 : B ratio 1): short 4 in tier 1, long 3 in tier 2 → n = min(4/2, 3/1) = 2', () => {
    const spread: SpanIntraSpread = { priority: 1, chargeRate: 80, legs: [{ tier: 1, ratio: 2, side: 'A' }, { tier: 2, ratio: 1, side: 'B' }] };
    const ledger = ledgerOf([[SEP, -4], [MAR, 3]]);
    const r = formIntraSpreads('CL', [spread], ledger);
    expect([r.spreads[0]!.count, r.charge]).toEqual([2, 160]);
    expect([tierDelta(ledger, 1), tierDelta(ledger, 2)]).toEqual([0, 1]);
  });

  it('a book and its mirror image (every quantity negated) pay the same intra charge, spread by spread', () => {
    const spreads = [tierSpread(2, 200, 1, 3), tierSpread(1, 100, 1, 2), { priority: 1, chargeRate: 7, legs: [{ period: '202409', ratio: 1, side: 'A' as const }, { period: '202412', ratio: 2, side: 'B' as const }] }];
    const book = [[SEP, 3], [DEC, -1], [MAR, -2], [JUN, 1.5]] as const;
    const direct = formIntraSpreads('CL', spreads, ledgerOf(book));
    const mirror = formIntraSpreads('CL', spreads, ledgerOf(book.map(([c, q]) => [c, -q] as const)));
    expect(mirror.charge).toBe(direct.charge);
    expect(mirror.spreads.map((s) => [s.priority, s.count, s.legs.map((l) => -l.deltaConsumed)])).toEqual(
      direct.spreads.map((s) => [s.priority, s.count, s.legs.map((l) => l.deltaConsumed)]),
    );
  });

  it('same-sign legs form nothing in either direction: long tier 1 and long tier 2', () => {
    expect(formIntraSpreads('CL', [tierSpread(1, 150, 1, 2)], ledgerOf([[SEP, 3], [MAR, 2]]))).toEqual({ charge: 0, spreads: [] });
    expect(formIntraSpreads('CL', [tierSpread(1, 150, 1, 2)], ledgerOf([[SEP, -3], [MAR, -2]]))).toEqual({ charge: 0, spreads: [] });
  });

  it('series-to-series: Sep/Dec inside one tier; period legs read and consume period deltas', () => {
    // long 4 Sep, short 3 Dec: 3 spreads × 40 = 120; Sep keeps +1, Dec 0, and tier 1 (= Sep + Dec) keeps +1.
    const ledger = ledgerOf([[SEP, 4], [DEC, -3]]);
    const spread: SpanIntraSpread = {
      priority: 1,
      chargeRate: 40,
      legs: [
        { period: '202409', ratio: 1, side: 'A' },
        { period: '202412', ratio: 1, side: 'B' },
      ],
    };
    const r = formIntraSpreads('CL', [spread], ledger);
    expect(r.charge).toBe(3 * 40);
    expect(r.spreads[0]!.legs.map((l) => [l.period, l.deltaConsumed])).toEqual([
      ['202409', 3],
      ['202412', -3],
    ]);
    expect([periodDelta(ledger, '202409'), periodDelta(ledger, '202412'), tierDelta(ledger, 1)]).toEqual([1, 0, 1]);
  });

  it('consuming a tier takes from its periods in period order, keeping both views consistent', () => {
    // Tier 1: Sep +2, Dec +1; tier 2: Mar −2. The tier spread takes 2 from tier 1: all of Sep, none of Dec.
    const ledger = ledgerOf([[DEC, 1], [SEP, 2], [MAR, -2]]);
    formIntraSpreads('CL', [tierSpread(1, 10, 1, 2)], ledger);
    expect([periodDelta(ledger, '202409'), periodDelta(ledger, '202412'), tierDelta(ledger, 1)]).toEqual([0, 1, 1]);
  });

  it('priority order: the higher-priority spread takes the delta a lower one wanted', () => {
    // Tier 1 +3, tier 2 −2, tier 3 −2. P1 (1/2 at 100) forms 2 → 200; P2 (1/3 at 200) finds tier 1 at +1 → 1 × 200.
    // Listed P2 first in the file: the order is by priority, not by file position. Total 400 (not 2 × 200 + 1 × 100).
    const ledger = ledgerOf([[SEP, 3], [MAR, -2], [JUN, -2]]);
    const r = formIntraSpreads('CL', [tierSpread(2, 200, 1, 3), tierSpread(1, 100, 1, 2)], ledger);
    expect(r.spreads.map((s) => [s.priority, s.count, s.charge])).toEqual([
      [1, 2, 200],
      [2, 1, 200],
    ]);
    expect(r.charge).toBe(400);
    expect(tierDelta(ledger, 3)).toBe(-1);
  });

  it('series-to-series spreads go before tier-to-tier ones at equal priority', () => {
    const series: SpanIntraSpread = { priority: 1, chargeRate: 5, legs: [{ period: '202409', ratio: 1, side: 'A' }, { period: '202503', ratio: 1, side: 'B' }] };
    const tier = tierSpread(1, 50, 1, 2);
    expect(orderIntraSpreads([tier, series])).toEqual([series, tier]);
    // Sep +1, Mar −1: the series spread (charge 5) forms, the tier spread then finds nothing.
    const r = formIntraSpreads('CL', [tier, series], ledgerOf([[SEP, 1], [MAR, -1]]));
    expect(r.charge).toBe(5);
  });

  it('fractional spreads with ratios: options with delta 0.5, legs 2 : 1', () => {
    // Tier 1: 3 options × 0.5 = +1.5; tier 2: short 1 future = −1. Spread A ratio 2, B ratio 1:
    // n = min(1.5 / 2, 1 / 1) = 0.75; charge 0.75 × 80 = 60; consumes 1.5 from tier 1 and 0.75 from tier 2.
    const opt = fut('202409', 1, 0.5);
    const ledger = ledgerOf([[opt, 3], [MAR, -1]]);
    const spread: SpanIntraSpread = { priority: 1, chargeRate: 80, legs: [{ tier: 1, ratio: 2, side: 'A' }, { tier: 2, ratio: 1, side: 'B' }] };
    const r = formIntraSpreads('CL', [spread], ledger);
    expect(r.spreads[0]!.count).toBe(0.75);
    expect(r.charge).toBe(60);
    expect([tierDelta(ledger, 1), tierDelta(ledger, 2)]).toEqual([0, -0.25]);
  });

  it('only touches its own CC', () => {
    const other = contract({ symbol: 'NG', cc: 'NG', period: '202503', intraTier: 2 });
    const ledger = ledgerOf([[SEP, 1], [other, -1]]);
    expect(formIntraSpreads('CL', [tierSpread(1, 10, 1, 2)], ledger).charge).toBe(0);
  });
});
