import { describe, expect, it } from 'vitest';
import type { CrifRow } from '../../portfolio/crif/crif-row.js';
import { computeSimm } from './compute-simm.js';
import { loadSimmParameters } from './load-simm-parameters.js';

// Published ISDA SIMM v2.6 figures used below (data/simm/simm-2.6.json, 10-day): IR regular-vol RW 1y 66, 5y 60,
// 6m 71, 30y 67; ρ(1y, 5y) = 0.79; γ between currencies 0.32; USD IR delta threshold 330 USD mm/bp; equity bucket 1
// RW 30, ρ 0.18, threshold 3 USD mm/%; equity HVR 0.6, vega RW 0.45; FX RW 7.4; ψ(IR, FX) = 0.14; base-correlation
// RW 10, ρ 0.29. Normal quantiles: Φ⁻¹(0.99) = 2.3263478740408408, Φ⁻¹(0.995) = 2.5758293035489004.
const P = loadSimmParameters('2.6', '10d');
const Q99 = 2.3263478740408408;
const Q995 = 2.5758293035489004;

let line = 1;
function row(r: Partial<CrifRow> & Pick<CrifRow, 'riskType' | 'qualifier' | 'amountUsd'>): CrifRow {
  line += 1;
  return { row: line, productClass: 'RatesFX', bucket: '', label1: '', label2: '', amount: r.amountUsd, amountCurrency: 'USD', ...r };
}
const ir = (ccy: string, tenor: string, amountUsd: number, label2 = 'OIS') => row({ riskType: 'Risk_IRCurve', qualifier: ccy, label1: tenor, label2, amountUsd });
const eq = (name: string, bucket: string, amountUsd: number) => row({ productClass: 'Equity', riskType: 'Risk_Equity', qualifier: name, bucket, amountUsd });

describe('computeSimm (ISDA SIMM v2.6, 10-day)', () => {
  it('simm-lib README case: GBP IR delta 200,000,000 × RW 67 = 13,400,000,000 (v2.6: 67 is the regular-vol 30y weight)', () => {
    // simm-lib's 6m figure implies RW 67; in v2.6 the regular-vol (GBP) 6m weight is 71 and 67 belongs to 30y.
    // CR = max(1, √(2e8 / 330e6)) = 1, one factor: K = |WS| = 67 × 2e8.
    expect(computeSimm([ir('GBP', '30y', 200_000_000)], P).total).toBeCloseTo(13_400_000_000, 0);
    expect(computeSimm([ir('GBP', '6m', 200_000_000)], P).total).toBeCloseTo(71 * 200_000_000, 0);
  });

  it('IR, one currency, two tenors: K = √(WS1² + WS2² + 2ρ WS1 WS2)', () => {
    // WS = 66 × 1e6 = 66e6 and 60 × (−5e5) = −30e6; K² = 66² + 30² − 2 × 0.79 × 66 × 30 = 2127.6 (× 1e12).
    const r = computeSimm([ir('USD', '1y', 1e6), ir('USD', '5y', -5e5)], P);
    expect(r.total).toBeCloseTo(Math.sqrt(2127.6) * 1e6, 2); // 46,125,914.6 USD (docs/models/simm.md worked example)
    const delta = r.tree.children[0]!.children[0]!.children[0]!;
    expect(delta.name).toBe('Delta');
    expect(delta.children.map((b) => b.name)).toEqual(['USD']);
  });

  it('IR, two sub-curves of one tenor are correlated by φ = 0.993', () => {
    // WS = 60e6 and −60e6: K² = 2 × 60² × (1 − 0.993) = 50.4 (× 1e12).
    expect(computeSimm([ir('USD', '5y', 1e6), ir('USD', '5y', -1e6, 'Libor3m')], P).total).toBeCloseTo(Math.sqrt(50.4) * 1e6, 2);
  });

  it('IR, two currencies: √(K1² + K2² + 2 γ S1 S2), γ = 0.32', () => {
    // USD and EUR 5y, 1e6 each: K = S = 60e6; margin = 60e6 × √(2 + 2 × 0.32) = 60e6 × √2.64.
    expect(computeSimm([ir('USD', '5y', 1e6), ir('EUR', '5y', 1e6)], P).total).toBeCloseTo(60e6 * Math.sqrt(2.64), 1);
  });

  it('IR concentration above the threshold: CR = √(|Σs| / T)', () => {
    // USD 10y 660e6 per bp against T = 330e6: CR = √2, WS = 60 × 660e6 × √2.
    expect(computeSimm([ir('USD', '10y', 660e6)], P).total).toBeCloseTo(60 * 660e6 * Math.SQRT2, -1);
  });

  it('equity, one bucket with two names and two buckets', () => {
    // Bucket 1: WS = 30e6 and 60e6, ρ 0.18: K² = 900 + 3600 + 2 × 0.18 × 1800 = 5148 (× 1e12).
    expect(computeSimm([eq('A', '1', 1e6), eq('B', '1', 2e6)], P).total).toBeCloseTo(Math.sqrt(5148) * 1e6, 2);
    // Buckets 1 and 2 (RW 30, 33), γ(1, 2) = 0.18: √(30² + 33² + 2 × 0.18 × 30 × 33) = √2345.4 (× 1e6).
    expect(computeSimm([eq('A', '1', 1e6), eq('C', '2', 1e6)], P).total).toBeCloseTo(Math.sqrt(2345.4) * 1e6, 2);
  });

  it('equity residual bucket is added linearly and has ρ = 0 between names', () => {
    // 1e5 per % each, below the residual threshold 0.37e6 (CR = 1). Residual RW 50: WS 5e6 and 5e6, ρ = 0 →
    // K_res = √2 × 5e6; bucket 1: 30 × 1e5 = 3e6; total 3e6 + √2 × 5e6.
    const r = computeSimm([eq('A', '1', 1e5), eq('X', 'Residual', 1e5), eq('Y', 'Residual', 1e5)], P);
    expect(r.total).toBeCloseTo(3e6 + Math.SQRT2 * 5e6, 1);
  });

  it('equity concentration above the threshold', () => {
    // Bucket 1, T = 3e6 per %: s = 12e6 → CR = √4 = 2, WS = 30 × 12e6 × 2 = 720e6.
    expect(computeSimm([eq('A', '1', 12e6)], P).total).toBeCloseTo(720e6, 0);
  });

  it('equity vega and curvature; a negative curvature is floored at 0', () => {
    // σ = 30 × √(365/14) / Φ⁻¹(0.99); vega 1e5 per vol point at 1y expiry.
    const sigma = (30 * Math.sqrt(365 / 14)) / Q99;
    const vr = 0.6 * sigma * 1e5; // VR = HVR × σ × vega; |VR| ≪ 210e6, so VCR = 1
    const vega = 0.45 * vr; // WS = VRW × VR
    const cvr = 0.5 * (14 / 365) * sigma * 1e5; // CVR = SF(1y) × σ × vega
    // One factor, θ = 0: Curvature = CVR + λ × CVR with λ = Φ⁻¹(0.995)² − 1.
    const curvature = cvr * Q995 * Q995;
    const vol = (amountUsd: number) => row({ productClass: 'Equity', riskType: 'Risk_EquityVol', qualifier: 'A', bucket: '1', label1: '1y', amountUsd });
    const long = computeSimm([vol(1e5)], P);
    expect(long.total).toBeCloseTo(vega + curvature, 4);
    const types = long.tree.children[0]!.children[0]!.children;
    expect(types.map((t) => t.name)).toEqual(['Vega', 'Curvature']);
    expect(types[1]!.amount).toBeCloseTo(curvature, 4);
    // Short vega: CVR < 0, θ = −1, λ = 1: max(−|CVR| + |CVR|, 0) = 0; only the vega margin remains.
    const short = computeSimm([vol(-1e5)], P);
    expect(short.tree.children[0]!.children[0]!.children[1]!.amount).toBe(0);
    expect(short.total).toBeCloseTo(vega, 4);
  });

  it('IR curvature is scaled by HVR_IR⁻² (0.47⁻²)', () => {
    // IR vol USD 1y expiry, 1e6: CVR = 0.5 × 14/365 × 1e6; curvature = CVR × Φ⁻¹(0.995)² / 0.47²; vega = 0.23 × 1e6.
    const cvr = 0.5 * (14 / 365) * 1e6;
    const r = computeSimm([row({ riskType: 'Risk_IRVol', qualifier: 'USD', label1: '1y', amountUsd: 1e6 })], P);
    expect(r.total).toBeCloseTo(0.23e6 + (cvr * Q995 * Q995) / 0.47 ** 2, 4);
  });

  it('base correlation: RW 10, ρ 0.29 between index families', () => {
    // WS = 1e6 and 2e6: √(1 + 4 + 2 × 0.29 × 2) = √6.16 (× 1e6).
    const bc = (q: string, amountUsd: number) => row({ productClass: 'Credit', riskType: 'Risk_BaseCorr', qualifier: q, amountUsd });
    const r = computeSimm([bc('CDX IG', 1e5), bc('iTraxx Main', 2e5)], P);
    expect(r.total).toBeCloseTo(Math.sqrt(6.16) * 1e6, 2);
    expect(r.tree.children[0]!.children[0]!.children[0]!.name).toBe('BaseCorr');
  });

  it('product class: IR and FX combine with ψ = 0.14', () => {
    // IR K = 60e6 (USD 5y 1e6); FX EUR delta 1e6 per %: 7.4e6; √(60² + 7.4² + 2 × 0.14 × 60 × 7.4) (× 1e6).
    const r = computeSimm([ir('USD', '5y', 1e6), row({ riskType: 'Risk_FX', qualifier: 'EUR', amountUsd: 1e6 })], P);
    expect(r.total).toBeCloseTo(Math.sqrt(3600 + 54.76 + 124.32) * 1e6, 2);
  });

  it('add-ons: product multiplier, notional factor (percent) and fixed amount', () => {
    // SIMM_Equity = 30e6; multiplier 1.5 adds 15e6; 2 % of 1e8 notional adds 2e6; fixed 0.5e6 → 47.5e6.
    const rows = [
      eq('A', '1', 1e6),
      row({ productClass: undefined, riskType: 'Param_ProductClassMultiplier', qualifier: 'Equity', amountUsd: 1.5 }),
      row({ productClass: undefined, riskType: 'Param_AddOnNotionalFactor', qualifier: 'Exotic', amountUsd: 2 }),
      row({ productClass: undefined, riskType: 'Notional', qualifier: 'Exotic', amountUsd: 1e8 }),
      row({ productClass: undefined, riskType: 'Param_AddOnFixedAmount', qualifier: '', amountUsd: 5e5 }),
    ];
    const r = computeSimm(rows, P);
    expect(r.total).toBeCloseTo(47.5e6, 2);
    expect(r.tree.children.map((c) => c.name)).toEqual(['Equity', 'AddOn']);
  });

  it('a row SIMM cannot place is SCHEMA_INVALID naming the row and the column', () => {
    const bad = { ...ir('USD', '7y', 1e6), row: 7 };
    expect(() => computeSimm([ir('USD', '1y', 1), bad], P)).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID', message: expect.stringContaining('row 7: label1') }));
    const badBucket = { ...eq('A', '13', 1), row: 4 };
    expect(() => computeSimm([badBucket], P)).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID', field: 'row 4.bucket' }));
  });

  it('the 1-day calibration has no concentration: USD 10y 660e6 → RW_1d(10y) × s', () => {
    // 1-day regular-vol 10y RW 18; concentration disabled, CR = 1.
    expect(computeSimm([ir('USD', '10y', 660e6)], loadSimmParameters('2.6', '1d')).total).toBeCloseTo(18 * 660e6, -1);
  });
});

describe('loadSimmParameters', () => {
  it('refuses a version that is not bundled, naming the field', () => {
    expect(() => loadSimmParameters('2.7' as '2.6', '10d')).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'version' }));
  });
  it('carries its source citation', () => {
    expect(P.source).toContain('OpenSourceRisk/Engine');
    expect(P.ir.deltaRiskWeights.regular[11]).toBe(67);
  });
});
