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
    // Speculator, long 2 ES + long 1 call: maintenance 6,000 + 3,990 − 4,000 = 5,990;
    // initial 1.35 × 6,000 + 1.35 × 3,990 − 4,000 = 9,486.5.
    const r = evaluate(params, [[es, 2], [CALL, 1]], 'speculator');
    expect(r.currencies[0]!.maintenance).toBe(5990);
    expect(r.currencies[0]!.initial).toBeCloseTo(9486.5, 9);
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
