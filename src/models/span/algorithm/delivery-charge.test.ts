import { describe, expect, it } from 'vitest';
import type { SpanIntraSpread } from '../span-types.js';
import { buildDeltaLedger } from './delta-ledger.js';
import { deliveryCharge } from './delivery-charge.js';
import { formIntraSpreads } from './intra-spreads.js';
import { ccOf, combinedCommodity, contract, evaluate, futurePnl, spanParams } from './span-test-fixtures.js';

const SEP = contract({ symbol: 'CLU4', cc: 'CL', period: '202409', inDelivery: true, pnl: futurePnl(3000) });
const DEC = contract({ symbol: 'CLZ4', cc: 'CL', period: '202412', pnl: futurePnl(3000) });
const CALENDAR: SpanIntraSpread = {
  priority: 1,
  chargeRate: 50,
  legs: [
    { period: '202409', ratio: 1, side: 'A' },
    { period: '202412', ratio: 1, side: 'B' },
  ],
};
const SEP_RATES = [{ period: '202409', spreadCharge: 20, outrightCharge: 100 }];

describe('deliveryCharge (span.md §3 step 4)', () => {
  it('charges spread-consumed and outright delta of the delivery month at their own rates', () => {
    // Long 5 Sep (spot month), short 3 Dec: the calendar spread consumes 3 of Sep, 2 stay outright.
    // Delivery = 3 × 20 + |2| × 100 = 260; Dec has no delivery rate.
    const ledger = buildDeltaLedger([
      { contract: SEP, quantity: 5 },
      { contract: DEC, quantity: -3 },
    ]);
    formIntraSpreads('CL', [CALENDAR], ledger);
    expect(deliveryCharge('CL', SEP_RATES, ledger)).toBe(3 * 20 + 2 * 100);
  });

  it('a short outright spot month is charged on |delta|; without positions in the month nothing', () => {
    const ledger = buildDeltaLedger([{ contract: SEP, quantity: -4 }]);
    expect(deliveryCharge('CL', SEP_RATES, ledger)).toBe(4 * 100);
    expect(deliveryCharge('CL', SEP_RATES, buildDeltaLedger([{ contract: DEC, quantity: 7 }]))).toBe(0);
  });

  it('enters the CC risk next to scan risk and the intra charge', () => {
    const cl = combinedCommodity({ code: 'CL', intraSpreads: [CALENDAR], deliveryRates: SEP_RATES });
    const r = ccOf(evaluate(spanParams([cl], [SEP, DEC]), [[SEP, 5], [DEC, -3]]), 'CL');
    // One scan tier: net +2 futures of PSR 3,000 → scan 6,000; intra 3 × 50 = 150; delivery 260.
    expect([r.scanRisk, r.intraSpreadCharge, r.deliveryCharge]).toEqual([6000, 150, 260]);
    expect(r.riskMaintenance).toBe(6000 + 150 + 260);
  });
});
