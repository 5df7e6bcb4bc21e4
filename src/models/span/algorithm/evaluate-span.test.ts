import { describe, expect, it } from 'vitest';
import { evaluateSpan } from './evaluate-span.js';
import { ccOf, combinedCommodity, contract, evaluate, futurePnl, pnlFromLosses, spanParams } from './span-test-fixtures.js';

// McMillan Dec 410 call (span.md §6), SPAN loss convention; scan risk long 3,990, short 8,060 (scenario 11).
const CALL_LOSS = [-460, 610, -2640, -1730, 1270, 2340, -5210, -4540, 2540, 3430, -8060, -7640, 3380, 3990, -3130, 1500];
const CALL = contract({
  symbol: 'SP 410 C',
  cc: 'SP',
  kind: 'option',
  right: 'call',
  compositeDelta: 0.5,
  pnl: pnlFromLosses(CALL_LOSS),
  value: 4000,
  premiumStyle: true,
});

describe('evaluateSpan — scan tiers', () => {
  it('tiers are margined independently: a Sep/Dec calendar nets in one tier, not across two', () => {
    // Long 1 Sep, short 1 Dec, both PSR 3,000. One tier: the arrays cancel → 0. Two tiers: 3,000 + 3,000.
    const oneTier = [
      contract({ symbol: 'U', cc: 'CL', period: '202409', pnl: futurePnl(3000) }),
      contract({ symbol: 'Z', cc: 'CL', period: '202412', pnl: futurePnl(3000) }),
    ] as const;
    const twoTiers = [
      contract({ symbol: 'U', cc: 'CL', period: '202409', pnl: futurePnl(3000), scanTier: 1, interTier: 1 }),
      contract({ symbol: 'Z', cc: 'CL', period: '202412', pnl: futurePnl(3000), scanTier: 2, interTier: 2 }),
    ] as const;
    const cl = combinedCommodity({ code: 'CL' });
    expect(ccOf(evaluate(spanParams([cl], oneTier), [[oneTier[0], 1], [oneTier[1], -1]]), 'CL').scanRisk).toBe(0);
    const two = ccOf(evaluate(spanParams([cl], twoTiers), [[twoTiers[0], 1], [twoTiers[1], -1]]), 'CL');
    expect(two.scanRisk).toBe(6000);
    expect(two.tiers.map((t) => [t.tier, t.scanRisk, t.activeScenario, t.netDelta])).toEqual([
      [1, 3000, 12, 1], // long: worst at −3/3 (index 12)
      [2, 3000, 10, -1], // short: worst at +3/3 (index 10)
    ]);
  });

  it('scan tiers ≠ inter tiers: WFPR at CC level (Σ price risk / |CC net delta|), and no per-scan-tier wfpr', () => {
    // Scan tiers 1, 2 but one inter tier. Long 2 Sep (PSR 3,000), long 1 Dec (PSR 6,000):
    // price risk 6,000 + 6,000 = 12,000, net delta 3 → WFPR 4,000.
    const u = contract({ symbol: 'U', cc: 'CL', period: '202409', pnl: futurePnl(3000), scanTier: 1 });
    const z = contract({ symbol: 'Z', cc: 'CL', period: '202412', pnl: futurePnl(6000), scanTier: 2 });
    const r = ccOf(evaluate(spanParams([combinedCommodity({ code: 'CL' })], [u, z]), [[u, 2], [z, 1]]), 'CL');
    expect(r.interTiers).toEqual([{ tier: 1, priceRisk: 12000, netDelta: 3, wfpr: 4000, remainingDelta: 3 }]);
    expect(r.tiers.map((t) => t.wfpr)).toEqual([undefined, undefined]);
  });

  it('the caller must supply P&L for every held scan tier', () => {
    const f = contract({ symbol: 'F', cc: 'CL', pnl: futurePnl(3000) });
    const params = spanParams([combinedCommodity({ code: 'CL' })], [f]);
    const input = { positions: [{ contract: f, quantity: 1 }], scanTierPnl: () => undefined, accountType: 'member' as const };
    expect(() => evaluateSpan(params, input)).toThrow(/no scan tier P&L for CL tier 1/);
  });

  it('a position in an unknown CC is a parameter error naming the position', () => {
    const f = contract({ symbol: 'F', cc: 'XX', pnl: futurePnl(3000) });
    expect(() => evaluate(spanParams([combinedCommodity({ code: 'CL' })], []), [[f, 1]])).toThrow(/positions\.0\.contract\.cc/);
  });
});

describe('evaluateSpan — short option minimum', () => {
  it('SOM binds when it exceeds scan + intra + delivery − credit', () => {
    // Far OTM calls: one long gains 30 at +3/3 (index 10) → short 5 lose 150 there: scan 150;
    // SOM 'sum' 5 × 100 = 500 binds.
    const otm = new Float64Array(16);
    otm[10] = 30;
    const c = contract({ symbol: 'C', cc: 'SP', kind: 'option', right: 'call', pnl: otm, compositeDelta: 0.01 });
    const sp = combinedCommodity({ code: 'SP', somRate: 100, somMethod: 'sum' });
    const r = ccOf(evaluate(spanParams([sp], [c]), [[c, -5]]), 'SP');
    expect([r.scanRisk, r.shortOptionMinimum, r.riskMaintenance]).toEqual([150, 500, 500]);
  });

  it('SOM does not bind below the scan risk', () => {
    const sp = combinedCommodity({ code: 'SP', somRate: 100, somMethod: 'max' });
    const r = ccOf(evaluate(spanParams([sp], [CALL]), [[CALL, -1]]), 'SP');
    expect([r.scanRisk, r.shortOptionMinimum, r.riskMaintenance]).toEqual([8060, 100, 8060]);
  });
});

describe('evaluateSpan — net option value and currencies', () => {
  it('long options: NOV reduces the requirement, to 0 at most', () => {
    // Long 1 call: scan 3,990, NOV +4,000 → max(0, 3,990 − 4,000) = 0.
    const r = evaluate(spanParams([combinedCommodity({ code: 'SP' })], [CALL]), [[CALL, 1]]);
    expect(ccOf(r, 'SP').netOptionValue).toBe(4000);
    expect(r.currencies).toEqual([{ currency: 'USD', riskMaintenance: 3990, riskInitial: 3990, netOptionValue: 4000, maintenance: 0, initial: 0 }]);
  });

  it('short options: their value is added to the requirement', () => {
    // Short 1 call: scan 8,060 (scenario 11), NOV −4,000 → 8,060 + 4,000 = 12,060.
    const r = evaluate(spanParams([combinedCommodity({ code: 'SP' })], [CALL]), [[CALL, -1]]);
    expect(r.currencies[0]!.maintenance).toBe(12060);
  });

  it('per currency: NOV nets only within its currency', () => {
    // SP (USD): long 1 call → risk 3,990, NOV 4,000. FDAX (EUR): long 1 future PSR 3,000 → risk 3,000.
    // USD: max(0, 3,990 − 4,000) = 0; EUR: 3,000 — the USD option value does not cover the EUR risk.
    const fdax = contract({ symbol: 'FDAX', cc: 'FDAX', pnl: futurePnl(3000) });
    const ccs = [combinedCommodity({ code: 'SP' }), combinedCommodity({ code: 'FDAX', currency: 'EUR' })];
    const r = evaluate(spanParams(ccs, [CALL, fdax]), [[CALL, 1], [fdax, 1]]);
    expect(r.currencies.map((c) => [c.currency, c.maintenance])).toEqual([
      ['EUR', 3000],
      ['USD', 0],
    ]);
  });

  it('two CCs in one currency add up before NOV is subtracted', () => {
    // SP long call (3,990, NOV 4,000) + ES long future (3,000) in USD: 6,990 − 4,000 = 2,990.
    const es = contract({ symbol: 'ES', cc: 'ES', pnl: futurePnl(3000) });
    const r = evaluate(spanParams([combinedCommodity({ code: 'SP' }), combinedCommodity({ code: 'ES' })], [CALL, es]), [[CALL, 1], [es, 1]]);
    expect(r.currencies).toHaveLength(1);
    expect(r.currencies[0]!.maintenance).toBe(2990);
  });
});

// Long option value cap (LOV) and limited available NOV (capAnov), methods/span.md §3 steps 5 and 7.
// LOV: "a long option position can never be at risk for more than its premium" (SPAN Overview, "Span Margin
// Calculation" ch. 11, July 1999, https://www.scribd.com/document/37243333/Span-Margin-Calculation).
// capAnov: CME Combined Commodities report, "Limits on Avail NOV … If a Combined Commodity's Available Net Option
// Value has limits, it cannot be used to offset risk in another Combined Commodity"
// (https://cmegroupclientsite.atlassian.net/wiki/spaces/pubspan/pages/46498045/Combined+Commodities).
// The call is McMillan's Dec 410 call (ch. 34: "the call was trading at 8" × $500 = $4,000; scan risk 3,990).
// No published example applies either rule: the figures are hand-computed from the rules.
describe('evaluateSpan — long option value cap and available NOV', () => {
  const cheap = contract({ ...CALL, symbol: 'SP 410 C cheap', value: 3000 });

  it('a CC of long premium-style options only: risk capped at their value (3,990 → 3,000), requirement 0', () => {
    const r = evaluate(spanParams([combinedCommodity({ code: 'SP' })], [cheap]), [[cheap, 1]]);
    expect([ccOf(r, 'SP').scanRisk, ccOf(r, 'SP').riskMaintenance, ccOf(r, 'SP').netOptionValue]).toEqual([3990, 3000, 3000]);
    expect(r.currencies[0]!.maintenance).toBe(0);
  });

  it('McMillan call, speculator ratio 1.1: initial 1.1 × 3,990 = 4,389 capped at the $4,000 premium → initial 0', () => {
    const sp = combinedCommodity({ code: 'SP', initialToMaintenance: { member: 1, hedger: 1, speculator: 1.1 } });
    const r = evaluate(spanParams([sp], [CALL]), [[CALL, 1]], 'speculator');
    expect([ccOf(r, 'SP').riskMaintenance, ccOf(r, 'SP').riskInitial]).toEqual([3990, 4000]);
    expect([r.currencies[0]!.maintenance, r.currencies[0]!.initial]).toEqual([0, 0]);
  });

  it('no cap once the CC holds anything but long premium options (a future, a short option, a futures-style option)', () => {
    const fut = contract({ symbol: 'SPZ4', cc: 'SP', pnl: futurePnl(9000) });
    const futuresStyle = contract({ ...cheap, symbol: 'SP 410 C fs', premiumStyle: false });
    const sp = combinedCommodity({ code: 'SP' });
    // Long cheap call + short 1 future: scan risk is the combined array's, above 3,000, and stays uncapped.
    const withFuture = ccOf(evaluate(spanParams([sp], [cheap, fut]), [[cheap, 1], [fut, -1]]), 'SP');
    expect(withFuture.riskMaintenance).toBe(withFuture.scanRisk);
    expect(withFuture.riskMaintenance).toBeGreaterThan(3000);
    expect(ccOf(evaluate(spanParams([sp], [futuresStyle]), [[futuresStyle, 1]]), 'SP').riskMaintenance).toBe(3990);
  });

  it('capAnov: a CC’s excess option value no longer covers another CC (2,990 → 3,000)', () => {
    // SP long call: risk 3,990, NOV 4,000; ES long future: 3,000. Standard: 6,990 − 4,000 = 2,990.
    // SP with capAnov: its available NOV is min(4,000, 3,990) = 3,990 → 6,990 − 3,990 = 3,000 (ES's own risk).
    const es = contract({ symbol: 'ES', cc: 'ES', pnl: futurePnl(3000) });
    const book = [[CALL, 1], [es, 1]] as const;
    const standard = evaluate(spanParams([combinedCommodity({ code: 'SP' }), combinedCommodity({ code: 'ES' })], [CALL, es]), book);
    const capped = evaluate(spanParams([combinedCommodity({ code: 'SP', capAnov: true }), combinedCommodity({ code: 'ES' })], [CALL, es]), book);
    expect(standard.currencies[0]!.maintenance).toBe(2990);
    expect(capped.currencies[0]!.maintenance).toBe(3000);
    expect(capped.currencies[0]!.netOptionValue).toBe(4000); // reported NOV is unchanged; only what it may offset is
    expect(ccOf(capped, 'SP').availableNetOptionValue).toBe(3990);
  });

  it('capAnov never limits a negative NOV: short options add their full value', () => {
    const r = evaluate(spanParams([combinedCommodity({ code: 'SP', capAnov: true })], [CALL]), [[CALL, -1]]);
    expect(r.currencies[0]!.maintenance).toBe(12060);
  });
});

describe('evaluateSpan — initial margin', () => {
  const ratios = { member: 1, hedger: 1.1, speculator: 1.35 };
  const es = contract({ symbol: 'ES', cc: 'ES', pnl: futurePnl(3000) });
  const params = spanParams([combinedCommodity({ code: 'ES', initialToMaintenance: ratios }), combinedCommodity({ code: 'SP', initialToMaintenance: ratios })], [es, CALL]);

  it.each([
    ['member', 1],
    ['hedger', 1.1],
    ['speculator', 1.35],
  ] as const)('%s: initial = maintenance × %f per CC', (type, ratio) => {
    const r = evaluate(params, [[es, 2]], type);
    expect(ccOf(r, 'ES').riskInitial).toBeCloseTo(6000 * ratio, 9);
    expect(r.currencies[0]!.initial).toBeCloseTo(6000 * ratio, 9);
    expect(r.currencies[0]!.maintenance).toBe(6000);
  });

  it('NOV is subtracted from the initial risk as it is from the maintenance risk', () => {
    // Speculator, long 2 ES + short 1 call (SP holds no long option, so no LOV cap): maintenance 6,000 + 8,060 + 4,000
    // = 18,060; initial 1.35 × 6,000 + 1.35 × 8,060 + 4,000 = 22,981.
    const r = evaluate(params, [[es, 2], [CALL, -1]], 'speculator');
    expect(r.currencies[0]!.maintenance).toBe(18060);
    expect(r.currencies[0]!.initial).toBeCloseTo(22981, 9);
  });

  it('the long option value cap binds on the initial level too', () => {
    // Speculator, long 2 ES + long 1 call: maintenance 6,000 + 3,990 − 4,000 = 5,990; SP's initial risk
    // 1.35 × 3,990 = 5,386.5 is capped at the call's value 4,000 (SP holds only long options): 8,100 + 4,000 − 4,000.
    const r = evaluate(params, [[es, 2], [CALL, 1]], 'speculator');
    expect(r.currencies[0]!.maintenance).toBe(5990);
    expect(ccOf(r, 'SP').riskInitial).toBe(4000);
    expect(r.currencies[0]!.initial).toBeCloseTo(8100, 9);
  });

  it('a ratio below 1 is a parameter error naming the field', () => {
    const bad = spanParams([combinedCommodity({ code: 'ES', initialToMaintenance: { member: 0.9, hedger: 1, speculator: 1 } })], [es]);
    expect(() => evaluate(bad, [[es, 1]])).toThrow(/combinedCommodities\.ES\.initialToMaintenance\.member/);
  });
});

describe('evaluateSpan — positions', () => {
  it('nets a contract held twice, so SOM counts net shorts', () => {
    const sp = combinedCommodity({ code: 'SP', somRate: 100 });
    const r = ccOf(evaluate(spanParams([sp], [CALL]), [[CALL, -3], [CALL, 2]]), 'SP');
    expect(r.shortOptionMinimum).toBe(100);
    expect(r.scanRisk).toBe(8060);
  });

  it('an empty account needs nothing', () => {
    expect(evaluate(spanParams([combinedCommodity({ code: 'SP' })], [CALL]), [])).toEqual({ combinedCommodities: [], currencies: [], spreads: [] });
  });
});
