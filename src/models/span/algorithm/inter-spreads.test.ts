import { describe, expect, it } from 'vitest';
import type { SpanCombinedCommodity, SpanContract, SpanInterSpread } from '../span-types.js';
import { ccOf, combinedCommodity, contract, evaluate, futurePnl, pnlFromLosses, spanParams } from './span-test-fixtures.js';

// Two futures CCs in USD: ES (PSR 3,000) and NQ (PSR 6,000). An outright future has price risk = scan risk = PSR
// and no time/vol risk, so its NORMAL WFPR is the PSR per unit of delta (span.md §4 "Pure futures").
const ES = contract({ symbol: 'ESZ4', cc: 'ES', pnl: futurePnl(3000) });
const NQ = contract({ symbol: 'NQZ4', cc: 'NQ', pnl: futurePnl(6000) });
const esCc = (f: Partial<SpanCombinedCommodity> = {}) => combinedCommodity({ code: 'ES', ...f });
const nqCc = (f: Partial<SpanCombinedCommodity> = {}) => combinedCommodity({ code: 'NQ', ...f });

/** 2 ES long (side A, ratio 2) against 1 NQ short (side B, ratio 1). */
const esNq = (f: Partial<SpanInterSpread> = {}): SpanInterSpread => ({
  priority: 1,
  creditRate: 0.5,
  method: 'delta',
  creditMethod: 'wfpr',
  legs: [
    { cc: 'ES', tier: 1, ratio: 2, side: 'A', required: true },
    { cc: 'NQ', tier: 1, ratio: 1, side: 'B', required: true },
  ],
  ...f,
});

const run = (ccs: SpanCombinedCommodity[], spreads: SpanInterSpread[], positions: (readonly [SpanContract, number])[]) => {
  const contracts = [...new Set(positions.map(([c]) => c))];
  return evaluate(spanParams(ccs, contracts, spreads), positions);
};

describe('delta-based inter spreads (span.md §4)', () => {
  it('NORMAL: credit = rate × n × ratio × (price risk / |net delta|) per leg', () => {
    // ES: long 2, scan = price risk 6,000, delta 2 → WFPR 3,000. NQ: short 1, price risk 6,000, delta −1 → 6,000.
    // n = min(2 / 2, 1 / 1) = 1. Credits: ES 0.5 × 1 × 2 × 3,000 = 3,000; NQ 0.5 × 1 × 1 × 6,000 = 3,000.
    const r = run([esCc(), nqCc()], [esNq()], [[ES, 2], [NQ, -1]]);
    expect(ccOf(r, 'ES').interTiers[0]!.wfpr).toBe(3000);
    expect(ccOf(r, 'NQ').tiers[0]!.wfpr).toBe(6000);
    expect([ccOf(r, 'ES').interSpreadCredit, ccOf(r, 'NQ').interSpreadCredit]).toEqual([3000, 3000]);
    expect([ccOf(r, 'ES').riskMaintenance, ccOf(r, 'NQ').riskMaintenance]).toEqual([3000, 3000]);
    expect(r.spreads).toEqual([
      {
        type: 'inter',
        group: 'ES/NQ',
        priority: 1,
        legs: [
          { cc: 'ES', tier: 1, side: 'A', deltaConsumed: 2, credit: 3000 },
          { cc: 'NQ', tier: 1, side: 'B', deltaConsumed: -1, credit: 3000 },
        ],
        count: 1,
        credit: 6000,
      },
    ]);
  });

  it('NORMAL with an option leg: WFPR = price risk of the tier / |net delta| (McMillan call, delta 0.5)', () => {
    // McMillan long call (span.md §6): price risk 3,610; composite delta 0.5 → WFPR 7,220.
    // Short 1 ES (delta −1) against it, ratio 0.5 : 1 → n = min(0.5 / 0.5, 1 / 1) = 1.
    // Call CC credit 0.5 × 1 × 0.5 × 7,220 = 1,805; ES credit 0.5 × 1 × 1 × 3,000 = 1,500.
    const callLoss = [-460, 610, -2640, -1730, 1270, 2340, -5210, -4540, 2540, 3430, -8060, -7640, 3380, 3990, -3130, 1500];
    const call = contract({ symbol: 'SP 410 C', cc: 'SP', kind: 'option', right: 'call', compositeDelta: 0.5, pnl: pnlFromLosses(callLoss) });
    const spread = esNq({
      legs: [
        { cc: 'SP', tier: 1, ratio: 0.5, side: 'A', required: true },
        { cc: 'ES', tier: 1, ratio: 1, side: 'B', required: true },
      ],
    });
    const r = run([combinedCommodity({ code: 'SP' }), esCc()], [spread], [[call, 1], [ES, -1]]);
    expect(ccOf(r, 'SP').tiers[0]!.wfpr).toBe(7220);
    expect(ccOf(r, 'SP').interSpreadCredit).toBe(1805);
    expect(ccOf(r, 'ES').interSpreadCredit).toBe(1500);
    expect(ccOf(r, 'SP').riskMaintenance).toBe(3990 - 1805);
  });

  it('SCANRANGE: WFPR is the CC’s price scan range of the leg’s tier', () => {
    // ES range 2,500, NQ 5,000: ES 0.5 × 2 × 2,500 = 2,500; NQ 0.5 × 1 × 5,000 = 2,500.
    const r = run(
      [esCc({ wfprMethod: 'SCANRANGE', priceScanRange: [2500] }), nqCc({ wfprMethod: 'SCANRANGE', priceScanRange: [5000] })],
      [esNq()],
      [[ES, 2], [NQ, -1]],
    );
    expect([ccOf(r, 'ES').interSpreadCredit, ccOf(r, 'NQ').interSpreadCredit]).toEqual([2500, 2500]);
  });

  it('SCANRANGE_CAP: NORMAL capped at the scan range (caps ES, leaves NQ)', () => {
    // ES min(3,000, 2,500) = 2,500 → 2,500; NQ min(6,000, 7,000) = 6,000 → 3,000.
    const r = run(
      [esCc({ wfprMethod: 'SCANRANGE_CAP', priceScanRange: [2500] }), nqCc({ wfprMethod: 'SCANRANGE_CAP', priceScanRange: [7000] })],
      [esNq()],
      [[ES, 2], [NQ, -1]],
    );
    expect([ccOf(r, 'ES').interTiers[0]!.wfpr, ccOf(r, 'NQ').interTiers[0]!.wfpr]).toEqual([2500, 6000]);
    expect([ccOf(r, 'ES').interSpreadCredit, ccOf(r, 'NQ').interSpreadCredit]).toEqual([2500, 3000]);
  });

  it('a SCANRANGE method without the tier’s range is a parameter error naming the field', () => {
    expect(() => run([esCc({ wfprMethod: 'SCANRANGE' }), nqCc()], [esNq()], [[ES, 2], [NQ, -1]])).toThrow(
      /combinedCommodities\.ES\.priceScanRange\.0/,
    );
  });

  it('flat credit: n × flatAmount split equally over the legs’ CCs', () => {
    // Long 4 ES, short 2 NQ → n = 2; 2 × 400 = 800 → 400 to ES, 400 to NQ.
    const r = run([esCc(), nqCc()], [esNq({ creditMethod: 'flat', flatAmount: 400 })], [[ES, 4], [NQ, -2]]);
    expect([ccOf(r, 'ES').interSpreadCredit, ccOf(r, 'NQ').interSpreadCredit]).toEqual([400, 400]);
    expect(r.spreads[0]!.credit).toBe(800);
  });

  it('contracts in their delivery month contribute no delta; the rest of the leg still spreads', () => {
    // ES: long 2 Sep (in delivery) + long 2 Dec; NQ short 2. Only Dec's 2 count → n = min(2 / 2, 2 / 1) = 1.
    // ES scan 4 × 3,000 = 12,000, WFPR 12,000 / 4 = 3,000 → credit 0.5 × 2 × 3,000 = 3,000; NQ 0.5 × 1 × 6,000.
    const esSep = contract({ symbol: 'ESU4', cc: 'ES', period: '202409', inDelivery: true, pnl: futurePnl(3000) });
    const r = run([esCc(), nqCc()], [esNq()], [[esSep, 2], [ES, 2], [NQ, -2]]);
    expect(r.spreads[0]!.count).toBe(1);
    expect([ccOf(r, 'ES').interSpreadCredit, ccOf(r, 'NQ').interSpreadCredit]).toEqual([3000, 3000]);
    expect(ccOf(r, 'NQ').interTiers[0]!.remainingDelta).toBe(-1);
    // All of ES in delivery: no spread at all.
    expect(run([esCc(), nqCc()], [esNq()], [[esSep, 2], [NQ, -2]]).spreads).toEqual([]);
  });

  it('sides: long NQ against long ES (or short against short) forms nothing in either direction', () => {
    expect(run([esCc(), nqCc()], [esNq()], [[ES, 2], [NQ, 1]]).spreads).toEqual([]);
    expect(run([esCc(), nqCc()], [esNq()], [[ES, -2], [NQ, -1]]).spreads).toEqual([]);
  });

  // Both directions. CME's SPAN Inter Spreads report: "A or B refers to the side of the market on which a contract
  // must be to form a particular spread … 'A versus B' actually means 'Long versus Short'"
  // (https://cmegroupclientsite.atlassian.net/wiki/spaces/pubspan/pages/46923800/Inter+Spreads); the spread forms on
  // offsetting deltas of either sign in the ratio of the legs (methods/span.md §4). Hand-computed from that rule.
  it('reversed: short 2 ES against long 1 NQ gets the same credits as long 2 ES / short 1 NQ', () => {
    // n = min(2 / 2, 1 / 1) = 1; ES 0.5 × 2 × 3,000 = 3,000; NQ 0.5 × 1 × 6,000 = 3,000 (WFPR uses |net delta|).
    const r = run([esCc(), nqCc()], [esNq()], [[ES, -2], [NQ, 1]]);
    expect([ccOf(r, 'ES').interSpreadCredit, ccOf(r, 'NQ').interSpreadCredit]).toEqual([3000, 3000]);
    expect(r.spreads).toEqual([
      {
        type: 'inter',
        group: 'ES/NQ',
        priority: 1,
        legs: [
          { cc: 'ES', tier: 1, side: 'A', deltaConsumed: -2, credit: 3000 },
          { cc: 'NQ', tier: 1, side: 'B', deltaConsumed: 1, credit: 3000 },
        ],
        count: 1,
        credit: 6000,
      },
    ]);
    expect([ccOf(r, 'ES').interTiers[0]!.remainingDelta, ccOf(r, 'NQ').interTiers[0]!.remainingDelta]).toEqual([0, 0]);
  });

  it('reversed with an optional leg and a flat credit: the optional leg joins on the reversed side', () => {
    // Flat 900 per spread; legs ES A (required), NQ B (required), a third CC "YM" A optional. Book: ES −4, NQ +2, YM −1.
    // n = min(4 / 2, 2 / 1) = 2 (required legs); YM joins with its 1 short (A reversed = short) → 3 legs share 2 × 900.
    const YM = contract({ symbol: 'YMZ4', cc: 'YM', pnl: futurePnl(1500) });
    const flat = esNq({
      creditMethod: 'flat',
      flatAmount: 900,
      legs: [...esNq().legs, { cc: 'YM', tier: 1, ratio: 1, side: 'A', required: false }],
    });
    const r = run([esCc(), nqCc(), combinedCommodity({ code: 'YM' })], [flat], [[ES, -4], [NQ, 2], [YM, -1]]);
    expect(r.spreads[0]!.count).toBe(2);
    expect(r.spreads[0]!.legs.map((l) => [l.cc, l.deltaConsumed, l.credit])).toEqual([
      ['ES', -4, 600],
      ['NQ', 2, 600],
      ['YM', -1, 600],
    ]);
  });

  it('a book and its mirror image get the same inter credits (futures, whose arrays are symmetric)', () => {
    // An option book's mirror has a different scan risk (short options ≠ long options), so the mirror property is
    // stated for futures: ES +2.5 / NQ −1 against ES −2.5 / NQ +1, ratio 2 : 1 → n = min(2.5 / 2, 1) = 1 both ways.
    const direct = run([esCc(), nqCc()], [esNq()], [[ES, 2.5], [NQ, -1]]);
    const mirror = run([esCc(), nqCc()], [esNq()], [[ES, -2.5], [NQ, 1]]);
    expect(direct.spreads.map((s) => [s.count, s.credit])).toEqual([[1, 6000]]);
    expect(mirror.spreads.map((s) => [s.count, s.credit])).toEqual([[1, 6000]]);
    expect(mirror.combinedCommodities.map((c) => c.riskMaintenance)).toEqual(direct.combinedCommodities.map((c) => c.riskMaintenance));
  });

  // Super-intercommodity spreads: CME SPAN 09-01 (methods/span.md §4) — the WFPR of a delta-based super spread's leg
  // "will be capped at Scan Risk for Combined Commodity divided by initial delta for the spread leg". No published
  // worked example: hand-computed from that rule with McMillan's call (ch. 34: scan risk 3,990, here delta 0.5).
  it('super spread: a leg’s WFPR is capped at CC scan risk / initial delta (10,000 → 3,990 / 0.5 = 7,980)', () => {
    const callLoss = [-460, 610, -2640, -1730, 1270, 2340, -5210, -4540, 2540, 3430, -8060, -7640, 3380, 3990, -3130, 1500];
    const call = contract({ symbol: 'SP 410 C', cc: 'SP', kind: 'option', right: 'call', compositeDelta: 0.5, pnl: pnlFromLosses(callLoss) });
    const sp = combinedCommodity({ code: 'SP', wfprMethod: 'SCANRANGE', priceScanRange: [10_000] });
    const legs: SpanInterSpread['legs'] = [
      { cc: 'SP', tier: 1, ratio: 0.5, side: 'A', required: true },
      { cc: 'ES', tier: 1, ratio: 1, side: 'B', required: true },
    ];
    const book = [[call, 1], [ES, -1]] as const;
    // Ordinary spread: SP 0.5 × 1 × 0.5 × 10,000 = 2,500 (SCANRANGE ignores the option's own price risk); ES 1,500.
    const plain = run([sp, esCc()], [esNq({ legs })], [...book]);
    expect([ccOf(plain, 'SP').interSpreadCredit, ccOf(plain, 'ES').interSpreadCredit]).toEqual([2500, 1500]);
    // Super spread: SP WFPR min(10,000, 3,990 / 0.5) = 7,980 → 0.5 × 0.5 × 7,980 = 1,995; ES min(3,000, 3,000 / 1) = 3,000 → 1,500.
    const capped = run([sp, esCc()], [esNq({ legs, superSpread: true })], [...book]);
    expect([ccOf(capped, 'SP').interSpreadCredit, ccOf(capped, 'ES').interSpreadCredit]).toEqual([1995, 1500]);
    // Reversed (short call, long ES) forms too; the short call's scan risk 8,060 / 0.5 = 16,120 does not bind.
    const reversed = run([sp, esCc()], [esNq({ legs, superSpread: true })], [[call, -1], [ES, 1]]);
    expect(ccOf(reversed, 'SP').interSpreadCredit).toBe(2500);
  });

  it('a CC’s total credit is capped at scan + intra + delivery, so its risk never goes negative', () => {
    // SCANRANGE with an absurd 100,000 range at rate 1: ES asks 1 × 2 × 100,000 but only holds 6,000 of risk.
    const r = run([esCc({ wfprMethod: 'SCANRANGE', priceScanRange: [100_000] }), nqCc()], [esNq({ creditRate: 1 })], [[ES, 2], [NQ, -1]]);
    expect(ccOf(r, 'ES').interSpreadCredit).toBe(6000);
    expect(ccOf(r, 'ES').riskMaintenance).toBe(0);
    expect(r.spreads[0]!.credit).toBe(6000 + 6000); // NQ: 1 × 1 × 6,000, uncapped
  });

  it('optional legs join with what they have; required ones decide n', () => {
    // ES A (required) ratio 1, NQ B (required) ratio 1, CL B (optional) ratio 1. Account: ES +2, NQ −1, no CL.
    const spread = esNq({
      legs: [
        { cc: 'ES', tier: 1, ratio: 1, side: 'A', required: true },
        { cc: 'NQ', tier: 1, ratio: 1, side: 'B', required: true },
        { cc: 'CL', tier: 1, ratio: 1, side: 'B', required: false },
      ],
    });
    const r = run([esCc(), nqCc(), combinedCommodity({ code: 'CL' })], [spread], [[ES, 2], [NQ, -1]]);
    expect(r.spreads[0]!.count).toBe(1);
    expect(r.spreads[0]!.legs.map((l) => l.cc)).toEqual(['ES', 'NQ']);
  });
});

describe('scanning-based inter spreads (span.md §4.1)', () => {
  const scanning = (f: Partial<SpanInterSpread> = {}): SpanInterSpread => ({
    priority: 1,
    creditRate: 0.8,
    method: 'scanning',
    creditMethod: 'wfpr',
    targetCc: 'ES',
    legs: [
      { cc: 'ES', tier: 1, ratio: 1, side: 'A', required: true },
      { cc: 'NQ', tier: 1, ratio: 1, side: 'B', required: true },
    ],
    ...f,
  });

  it('combines the legs’ arrays with the gain allowance; the credit is shared by standalone scan risk', () => {
    // Long 1 ES (PSR 3,000), short 1 NQ (PSR 6,000), allowance 80 %: combined scan risk 3,600 at +3/3
    // (6,000 − 0.8 × 3,000). Standalone 3,000 + 6,000 = 9,000 → credit 5,400, shared 3,000 : 6,000 →
    // ES 1,800, NQ 3,600; risks ES 1,200 + NQ 2,400 = 3,600 = the combined scan risk.
    const r = run([esCc(), nqCc()], [scanning()], [[ES, 1], [NQ, -1]]);
    expect(ccOf(r, 'ES').interSpreadCredit).toBeCloseTo(1800, 9);
    expect(ccOf(r, 'NQ').interSpreadCredit).toBeCloseTo(3600, 9);
    expect(ccOf(r, 'ES').riskMaintenance + ccOf(r, 'NQ').riskMaintenance).toBeCloseTo(3600, 9);
    expect(r.spreads).toHaveLength(1);
    expect(r.spreads[0]).toMatchObject({ type: 'scanning', group: 'ES/NQ→ES', count: 1 });
    expect(r.spreads[0]!.credit).toBeCloseTo(5400, 9);
    expect(r.spreads[0]!.legs.map((l) => l.deltaConsumed)).toEqual([1, -1]);
  });

  it('absorbs the legs: a later delta spread on the same tiers finds no delta', () => {
    const r = run([esCc(), nqCc()], [scanning(), esNq({ priority: 2 })], [[ES, 2], [NQ, -1]]);
    expect(r.spreads.map((s) => s.type)).toEqual(['scanning']);
  });

  it('a missing required leg: nothing forms', () => {
    expect(run([esCc(), nqCc()], [scanning()], [[ES, 1]]).spreads).toEqual([]);
  });

  it('legs in different currencies are a parameter error', () => {
    expect(() => run([esCc(), nqCc({ currency: 'EUR' })], [scanning()], [[ES, 1], [NQ, -1]])).toThrow(/interSpreads\.0\.legs\.1\.cc/);
  });
});
