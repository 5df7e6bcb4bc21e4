import { describe, expect, it } from 'vitest';
import { SPAN_SCENARIO_LABELS } from '../span-types.js';
import { scanTierRisk } from './scan-risk.js';
import { ccOf, combinedCommodity, contract, evaluate, futurePnl, pnlFromLosses, spanParams } from './span-test-fixtures.js';

// methods/span.md §6: McMillan, Options as a Strategic Investment, ch. 34 — S&P 500 futures, $500/pt, PSR $10,000,
// extreme $7,000. SPAN loss convention (a gain is negative), scenarios 1..16.
const FUTURE_LOSS = [0, 0, -3330, -3330, 3330, 3330, -6670, -6670, 6670, 6670, -10000, -10000, 10000, 10000, -7000, 7000];
const CALL_LOSS = [-460, 610, -2640, -1730, 1270, 2340, -5210, -4540, 2540, 3430, -8060, -7640, 3380, 3990, -3130, 1500];
const COVERED_WRITE_LOSS = [460, -610, -690, -1600, 2060, 990, -1460, -2130, 4130, 3240, -1940, -2360, 6620, 6010, -3870, 5500];

describe('scanTierRisk — McMillan golden (span.md §6)', () => {
  it('long 1 Dec 410 call: scan risk 3,990 at scenario 14, time 75, vol 305, price 3,610', () => {
    const r = scanTierRisk(pnlFromLosses(CALL_LOSS));
    expect(r.scanRisk).toBe(3990);
    expect(r.activeScenario + 1).toBe(14);
    // time = (L1 + L2)/2 = (−460 + 610)/2 = 75; pair(14) = 13: vol = |3,990 − 3,380|/2 = 305;
    // price = (3,990 + 3,380)/2 − 75 = 3,610; and 3,610 + 305 + 75 = 3,990.
    expect(r.timeRisk).toBe(75);
    expect(r.volRisk).toBe(305);
    expect(r.priceRisk).toBe(3610);
    expect(r.priceRisk + r.volRisk + r.timeRisk).toBe(r.scanRisk);
  });

  it('covered write (+1 future, −1 call): scan risk 6,620 at scenario 13 (price −3/3, vol up)', () => {
    // The book's covered-write column is future − call, scenario by scenario.
    const combined = FUTURE_LOSS.map((f, s) => f - CALL_LOSS[s]!);
    expect(combined).toEqual(COVERED_WRITE_LOSS);
    const r = scanTierRisk(pnlFromLosses(combined));
    expect(r.scanRisk).toBe(6620);
    expect(r.activeScenario + 1).toBe(13);
    expect(SPAN_SCENARIO_LABELS[r.activeScenario]).toBe('price −3/3, vol up');
  });

  it('covered write through evaluateSpan, from the two contracts and the sign convention pnl = −loss', () => {
    const fut = contract({ symbol: 'SPZ', cc: 'SP', pnl: pnlFromLosses(FUTURE_LOSS) });
    const call = contract({ symbol: 'SPZ 410 C', cc: 'SP', kind: 'option', right: 'call', pnl: pnlFromLosses(CALL_LOSS), compositeDelta: 0.5 });
    const params = spanParams([combinedCommodity({ code: 'SP' })], [fut, call]);
    const sp = ccOf(evaluate(params, [[fut, 1], [call, -1]]), 'SP');
    expect(sp.scanRisk).toBe(6620);
    expect(sp.tiers[0]!.activeScenario).toBe(12); // 0-based: scenario 13
    expect(sp.riskMaintenance).toBe(6620);
    expect(ccOf(evaluate(params, [[call, 1]]), 'SP').scanRisk).toBe(3990);
  });
});

describe('scanTierRisk — rules', () => {
  it('an outright future has no time or vol risk: price risk = scan risk = the scan range', () => {
    const r = scanTierRisk(futurePnl(3000)); // long: worst at price −3/3 (index 12), tied with index 13
    expect(r).toEqual({ scanRisk: 3000, activeScenario: 12, priceRisk: 3000, volRisk: 0, timeRisk: 0 });
  });

  it('exact ties go to the lowest scenario index', () => {
    const pnl = new Float64Array(16);
    pnl[5] = -100;
    pnl[9] = -100;
    expect(scanTierRisk(pnl).activeScenario).toBe(5);
  });

  it('a tier that gains everywhere has scan risk 0 (the decomposition is reported unfloored)', () => {
    const pnl = new Float64Array(16).fill(50);
    pnl[3] = 20;
    const r = scanTierRisk(pnl);
    expect(r.scanRisk).toBe(0);
    expect(r.activeScenario).toBe(3); // smallest gain = largest (negative) loss
    expect(r.priceRisk + r.volRisk + r.timeRisk).toBe(-20);
  });

  it('rejects a P&L vector that is not 16 long', () => {
    expect(() => scanTierRisk(new Float64Array(15))).toThrow(/16/);
  });
});
