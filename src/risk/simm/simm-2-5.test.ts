import { describe, expect, it } from 'vitest';
import type { CrifRow } from '../../portfolio/crif/crif-row.js';
import { computeSimm } from './compute-simm.js';
import { BUNDLED_SIMM_VERSIONS, loadSimmParameters } from './load-simm-parameters.js';

// Published ISDA SIMM v2.5 figures, as read from OpenSourceRisk/Engine OREAnalytics/orea/simm/simmconfigurationisdav2_5.cpp
// @ 13364a2298787524a1c1e90f6c230384942887b4 and simmconcentrationisdav2_5.cpp @ 9a5919df100f71d420b0020ed8d2e6525e47fa65:
// IR regular-vol delta RW (10-day) 2w…30y = 115 112 96 74 66 61 56 52 53 57 60 66, low-vol (JPY) 15 18 9 11 13 15 18 20
// 19 19 20 23, high-vol 119 93 80 82 90 92 95 95 94 108 105 101; 1-day regular-vol 19 16 12 12 13 16 16 16 16 17 16 17.
// Equity RW bucket 1: 26 (10-day), 9.3 (1-day); equity bucket 1 delta threshold 10 USD mm/%. FX RW (USD calculation
// currency) regular 7.4, high 13.6 (1-day 1.8, 3.2); high-vol FX currencies BRL RUB TRY ZAR; ρ(regular, high) 0.27.
// IR delta threshold, regular vol well traded (USD EUR GBP): 230 USD mm/bp. ψ(IR, Equity) 0.28, ψ(IR, FX) 0.32.
// HVR_IR 0.44 (10-day), 0.51 (1-day).
const P10 = loadSimmParameters('2.5', '10d');
const P1 = loadSimmParameters('2.5', '1d');

let line = 1;
function row(r: Partial<CrifRow> & Pick<CrifRow, 'riskType' | 'qualifier' | 'amountUsd'>): CrifRow {
  line += 1;
  return { row: line, productClass: 'RatesFX', bucket: '', label1: '', label2: '', amount: r.amountUsd, amountCurrency: 'USD', ...r };
}
const ir = (ccy: string, tenor: string, amountUsd: number) => row({ riskType: 'Risk_IRCurve', qualifier: ccy, label1: tenor, label2: 'OIS', amountUsd });
const eq = (name: string, bucket: string, amountUsd: number, productClass: CrifRow['productClass'] = 'Equity') =>
  row({ productClass, riskType: 'Risk_Equity', qualifier: name, bucket, amountUsd });
const fx = (ccy: string, amountUsd: number) => row({ riskType: 'Risk_FX', qualifier: ccy, amountUsd });

describe('ISDA SIMM v2.5 parameters (data/simm/simm-2.5.json)', () => {
  it('is bundled and loads for both margin periods of risk', () => {
    expect(BUNDLED_SIMM_VERSIONS).toContain('2.5');
    expect(P10).toMatchObject({ version: '2.5', mpor: '10d', horizonDays: 14 });
    expect(P1).toMatchObject({ version: '2.5', mpor: '1d', horizonDays: 1.4, concentrationThresholds: null });
    expect(P10.concentrationThresholds).not.toBeNull();
    expect(P10.source).toContain('OpenSourceRisk/Engine');
    expect(P10.source).toContain('simmconfigurationisdav2_5.cpp @ 13364a2298787524a1c1e90f6c230384942887b4');
    expect(P10.source).toContain('simmconcentrationisdav2_5.cpp @ 9a5919df100f71d420b0020ed8d2e6525e47fa65');
  });

  it('IR delta risk weights per tenor, both periods', () => {
    expect(P10.ir.deltaRiskWeights.regular).toEqual([115, 112, 96, 74, 66, 61, 56, 52, 53, 57, 60, 66]);
    expect(P10.ir.deltaRiskWeights.low).toEqual([15, 18, 9, 11, 13, 15, 18, 20, 19, 19, 20, 23]);
    expect(P10.ir.deltaRiskWeights.high).toEqual([119, 93, 80, 82, 90, 92, 95, 95, 94, 108, 105, 101]);
    expect(P1.ir.deltaRiskWeights.regular).toEqual([19, 16, 12, 12, 13, 16, 16, 16, 16, 17, 16, 17]);
    expect(P10.ir.curvatureHvr).toBe(0.44);
    expect(P1.ir.curvatureHvr).toBe(0.51);
    expect(P10.ir.interCurrencyCorrelation).toBe(0.24);
    expect(P10.ir.subCurveCorrelation).toBe(0.99);
  });

  it('equity, FX, concentration and ψ spot figures', () => {
    expect(P10.equity.riskWeights['1']).toBe(26);
    expect(P10.equity.riskWeights.Residual).toBe(34);
    expect(P1.equity.riskWeights['1']).toBe(9.3);
    expect(P10.fx.riskWeights).toEqual({ regularRegular: 7.4, regularHigh: 13.6, highHigh: 14.6 });
    expect(P1.fx.riskWeights).toEqual({ regularRegular: 1.8, regularHigh: 3.2, highHigh: 3.4 });
    expect(P10.fxHighVolCurrencies).toEqual(['BRL', 'RUB', 'TRY', 'ZAR']);
    expect(P10.concentrationThresholds!.ir.delta).toEqual({ high: 33, regularWellTraded: 230, regularLessWellTraded: 44, low: 70 });
    expect(P10.concentrationThresholds!.equity.delta['1']).toBe(10);
    expect(P10.concentrationThresholds!.fx.delta).toEqual({ category1: 5100, category2: 1200, category3: 190 });
    // ψ ordered IR, CreditQ, CreditNonQ, Equity, Commodity, FX.
    expect(P10.riskClassCorrelation[0]).toEqual([1, 0.29, 0.13, 0.28, 0.46, 0.32]);
    expect(P1.riskClassCorrelation).toEqual(P10.riskClassCorrelation);
  });
});

describe('computeSimm on v2.5 (hand-computed)', () => {
  it('IR delta in one tenor: USD 5y 1,000,000 per bp × RW 52 = 52,000,000', () => {
    // CR = max(1, √(1e6 / 230e6)) = 1; one factor, K = |WS| = 52 × 1e6.
    expect(computeSimm([ir('USD', '5y', 1e6)], P10).total).toBeCloseTo(52_000_000, 2);
    // 1-day: RW 16, no concentration.
    expect(computeSimm([ir('USD', '5y', 1e6)], P1).total).toBeCloseTo(16_000_000, 2);
  });

  it('simm-lib README case (GBP 6m 200,000,000 → 13,400,000,000, RW 67) does not match v2.5: GBP 6m RW is 74', () => {
    // v2.5 regular-vol weights contain no 67 at any tenor, so the README figure is not a v2.5 figure.
    // v2.5: 200e6 < 230e6 (GBP threshold), CR = 1, WS = 74 × 200e6 = 14,800,000,000.
    expect(P10.ir.deltaRiskWeights.regular).not.toContain(67);
    expect(computeSimm([ir('GBP', '6m', 200_000_000)], P10).total).toBeCloseTo(14_800_000_000, 0);
  });

  it('equity delta in one bucket: bucket 1, 1,000,000 per % × RW 26 = 26,000,000', () => {
    // CR = max(1, √(1e6 / 10e6)) = 1.
    expect(computeSimm([eq('A', '1', 1e6)], P10).total).toBeCloseTo(26_000_000, 2);
    expect(computeSimm([eq('A', '1', 1e6)], P1).total).toBeCloseTo(9_300_000, 2); // 1-day RW 9.3
  });

  it('IR and equity delta in one product class combine with ψ(IR, Equity) = 0.28', () => {
    // √(52² + 26² + 2 × 0.28 × 52 × 26) × 1e6 = √(2704 + 676 + 757.12) × 1e6 = √4137.12 × 1e6 ≈ 64,320,448.
    const r = computeSimm([ir('USD', '5y', 1e6), eq('A', '1', 1e6, 'RatesFX')], P10);
    expect(r.total).toBeCloseTo(Math.sqrt(4137.12) * 1e6, 1);
    // In separate product classes the margins add: 52e6 + 26e6.
    expect(computeSimm([ir('USD', '5y', 1e6), eq('A', '1', 1e6)], P10).total).toBeCloseTo(78_000_000, 1);
  });

  it('concentration above the v2.5 thresholds', () => {
    // USD 5y 920e6 per bp against T = 230e6: CR = √4 = 2, WS = 52 × 920e6 × 2 = 95,680,000,000.
    expect(computeSimm([ir('USD', '5y', 920e6)], P10).total).toBeCloseTo(95_680_000_000, -1);
    // Equity bucket 1, 40e6 per % against T = 10e6: CR = 2, WS = 26 × 40e6 × 2 = 2,080,000,000.
    expect(computeSimm([eq('A', '1', 40e6)], P10).total).toBeCloseTo(2_080_000_000, 0);
  });

  it('FX delta: ZAR is high volatility in v2.5 (RW 13.6), ρ(regular, high) = 0.27', () => {
    // EUR 1e6 → 7.4e6, ZAR 1e6 → 13.6e6 (both below their thresholds 5100e6, 1200e6):
    // K = √(7.4² + 13.6² + 2 × 0.27 × 7.4 × 13.6) × 1e6 = √(54.76 + 184.96 + 54.3456) × 1e6 = √294.0656 × 1e6.
    expect(computeSimm([fx('ZAR', 1e6)], P10).total).toBeCloseTo(13_600_000, 2);
    expect(computeSimm([fx('EUR', 1e6), fx('ZAR', 1e6)], P10).total).toBeCloseTo(Math.sqrt(294.0656) * 1e6, 1);
  });
});
