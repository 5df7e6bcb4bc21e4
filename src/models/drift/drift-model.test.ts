import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { computeMargin } from '../compute-margin.js';
import { driftAssetWeight, driftLiabilityWeight, driftPerpMarginRatio, driftPerpRatio, driftUnrealizedAssetWeight, driftWeightedUnrealizedPnl } from './drift-model.js';
import type { DriftPerpMarket, DriftSpotMarket } from './drift-params.js';
import { DRIFT_DEFAULT_SPOT_MARKETS } from './drift-params.js';

const SOL = DRIFT_DEFAULT_SPOT_MARKETS.SOL!;
const market = parseMarketSnapshot({ asOf: '2024-06-17T08:00:00Z', underlyings: { SOL: { index: 150 }, BTC: { index: 60000 } }, fx: { USDC: 1 } });

describe('drift', () => {
  it('TV-F1 (crypto-venues.md §6): 2,000 SOL initial asset weight = min(0.80, 0.96988) = 0.80', () => {
    expect(1.1 / (1 + 0.003 * Math.sqrt(2000))).toBeCloseTo(0.96988, 5);
    expect(driftAssetWeight(SOL, 2000, 'initial')).toBe(0.8);
    expect(driftAssetWeight(SOL, 2000, 'maintenance')).toBe(0.9);
  });

  it('size discount binds for a large deposit, at every margin type', () => {
    expect(driftAssetWeight(SOL, 40000, 'initial')).toBeCloseTo(1.1 / 1.6, 12);
    // Changed from 0.9 (the size discount used to apply to Initial only): protocol-v2 state/spot_market.rs get_asset_weight
    // applies calculate_size_discount_asset_weight to the Maintenance and Fill weights too (its unit test
    // spot_market_asset_weight gives 337 for Initial, Fill and Maintenance alike), so 1.1/(1 + 0.003·√40000) = 0.6875.
    expect(driftAssetWeight(SOL, 40000, 'maintenance')).toBeCloseTo(1.1 / 1.6, 12);
    expect(driftAssetWeight(SOL, 40000, 'fill')).toBeCloseTo(1.1 / 1.6, 12);
  });

  // protocol-v2 programs/drift/src/math/margin/tests.rs, `spot_market_asset_weight`: weights at 1e4, imf at 1e6, 6-decimal
  // token. SpotMarket::default() leaves the maintenance weights 0, so the Maintenance liability weight is the premium alone.
  const tv = (imfFactor: number): DriftSpotMarket => ({ initialAssetWeight: 0.9, maintenanceAssetWeight: 0, initialLiabilityWeight: 1.1, maintenanceLiabilityWeight: 0, imfFactor });
  it('protocol unit test spot_market_asset_weight: size discount / premium at the protocol fixed point', () => {
    expect(driftAssetWeight(tv(0), 1000, 'initial')).toBe(0.9);
    expect(driftLiabilityWeight(tv(0), 1000, 'initial')).toBe(1.1);
    expect(driftAssetWeight(tv(0.00001), 1000, 'initial')).toBe(0.9); // imf_factor 10
    expect(driftLiabilityWeight(tv(0.00001), 1000, 'initial')).toBe(1.1);
    expect(driftAssetWeight(tv(0.00001), 1000 * 1_000_000, 'initial')).toBe(0.8357); // "same_asset_weight_diff_imf_factor"
    expect(driftAssetWeight(tv(0.01), 1000, 'initial')).toBe(0.8357); // imf_factor 10,000
    expect(driftLiabilityWeight(tv(0.01), 1000, 'initial')).toBe(1.1962); // 11962
    expect(driftAssetWeight(tv(0.1), 1000, 'initial')).toBe(0.2642); // SPOT_IMF_PRECISION / 10 → 2642
    expect(driftLiabilityWeight(tv(0.1), 1000, 'initial')).toBe(4.0422); // 40422
    // The premium applies at Maintenance too: maint_lib_weight 31622 = 0·0.8 + 0.1·√1000 (at 1e4, rounded down).
    expect(driftLiabilityWeight(tv(0.1), 1000, 'maintenance')).toBe(3.1622);
    // spot_market2: init / maint asset weight 0.15 / 0.75, 100,000 tokens at 0.5: Initial 1500, Fill 4500, Maintenance 7500;
    // with imf 0.1 the discount binds at every type: 337.
    const m2: DriftSpotMarket = { initialAssetWeight: 0.15, maintenanceAssetWeight: 0.75, initialLiabilityWeight: 1.5, maintenanceLiabilityWeight: 1.25, imfFactor: 0 };
    expect(['initial', 'fill', 'maintenance'].map((t) => driftAssetWeight(m2, 100000, t as 'initial'))).toEqual([0.15, 0.45, 0.75]);
    expect(['initial', 'fill', 'maintenance'].map((t) => driftAssetWeight({ ...m2, imfFactor: 0.1 }, 100000, t as 'initial'))).toEqual([0.0337, 0.0337, 0.0337]);
  });

  it('protocol unit test calculate_user_equity_value_tests: unrealised-P&L asset weight (Initial, imf 0.001)', () => {
    // PerpMarket with unrealized_pnl_initial_asset_weight 10,000 (1.0) and unrealized_pnl_imf_factor 1,000; P&L in USDC.
    const perp: DriftPerpMarket = { marginRatioInitial: 0.1, marginRatioMaintenance: 0.05, imfFactor: 0.001, unrealizedPnlInitialAssetWeight: 1, unrealizedPnlMaintenanceAssetWeight: 1, unrealizedPnlImfFactor: 0.001 };
    expect(driftUnrealizedAssetWeight(perp, 22_699.050905, 'initial')).toBe(0.9559);
    const pnl = 24_282.786896;
    expect([1, 10, 100, 1000, 10000, 800000].map((k) => driftUnrealizedAssetWeight(perp, pnl * k, 'initial'))).toEqual([0.9516, 0.7368, 0.4299, 0.1855, 0.0663, 0.0078]);
    // Losses count in full; Maintenance takes the maintenance weight; initial weight 0 → 0 (get_unrealized_asset_weight).
    expect(driftUnrealizedAssetWeight(perp, -500, 'initial')).toBe(1);
    expect(driftUnrealizedAssetWeight({ ...perp, unrealizedPnlMaintenanceAssetWeight: 0.9 }, pnl, 'maintenance')).toBe(0.9);
    expect(driftUnrealizedAssetWeight({ ...perp, unrealizedPnlInitialAssetWeight: 0 }, pnl, 'fill')).toBe(0);
    // Initial: weighted positive P&L capped at MAX_POSITIVE_UPNL_FOR_INITIAL_MARGIN = 100 USDC (math/constants.rs).
    expect(driftWeightedUnrealizedPnl(perp, pnl, 'initial')).toBe(100);
    expect(driftWeightedUnrealizedPnl(perp, pnl, 'fill')).toBeCloseTo(pnl * 0.9516, 9);
  });

  it('perp ratio per margin type with the size premium at every type (hand-computed from perp_market.rs get_margin_ratio)', () => {
    // Initial 10 %, maintenance 5 %, imf 0.001, 10,000 base: Initial max(0.1, 0.08 + 0.1) = 0.18; Maintenance
    // max(0.05, 0.04 + 0.1) = 0.14; Fill from ⌊(1000 + 500)/2⌋ = 750: max(0.075, 0.06 + 0.1) = 0.16.
    const perp: DriftPerpMarket = { marginRatioInitial: 0.1, marginRatioMaintenance: 0.05, imfFactor: 0.001, unrealizedPnlInitialAssetWeight: 0, unrealizedPnlMaintenanceAssetWeight: 1, unrealizedPnlImfFactor: 0 };
    expect(driftPerpRatio(perp, 10000, 'initial')).toBe(0.18);
    expect(driftPerpRatio(perp, 10000, 'maintenance')).toBe(0.14);
    expect(driftPerpRatio(perp, 10000, 'fill')).toBe(0.16);
    expect(driftPerpRatio(perp, 100, 'maintenance')).toBe(0.05);
  });

  it('account: large spot deposit and borrow are size-adjusted at maintenance too (hand-computed)', () => {
    // A SOL spot position (a negative one is a borrow) next to 10,000,000 USDC of collateral.
    const spotSol = { symbol: 'SOL-SPOT', kind: 'spot', underlying: 'SOL', currency: 'USDC' };
    const doc = (sol: number) => ({ document: { account: 'x', currency: 'USDC', collateral: { USDC: 10_000_000 }, positions: [{ instrument: spotSol, quantity: sol }] } });
    const dep = computeMargin(doc(40000), market, 'drift');
    // 40,000 SOL at 150 = 6,000,000; weight 1.1/(1 + 0.003·200) = 0.6875 at Initial, Fill and Maintenance.
    expect(dep.details?.totalCollateralMaintenance).toBeCloseTo(6_000_000 * 0.6875 + 10_000_000, 4);
    expect(dep.details?.totalCollateralFill).toBeCloseTo(6_000_000 * 0.6875 + 10_000_000, 4);
    const bor = computeMargin(doc(-40000), market, 'drift');
    // Borrow: Maintenance max(1.1, 0.88 + 0.6) = 1.48 (was 1.1 before); Initial max(1.2, 0.96 + 0.6) = 1.56.
    expect(bor.maintenanceMargin).toBeCloseTo(6_000_000 * 1.48, 4);
    expect(bor.initialMargin).toBeCloseTo(6_000_000 * 1.56, 4);
    expect(bor.details?.marginRequirementFill).toBeCloseTo(6_000_000 * Math.max(1.15, 0.92 + 0.6), 4);
  });

  it('account: unrealised P&L from entry prices, weighted into collateral per type', () => {
    const doc = {
      document: {
        account: 'x',
        currency: 'USDC',
        collateral: { USDC: 10000 },
        positions: [{ instrument: { symbol: 'BTC-PERP', kind: 'perpetual', underlying: 'BTC', currency: 'USDC' }, quantity: 1, entryPrice: 50000 }],
      },
    };
    // Defaults (initialize_perp_market): initial weight 0, maintenance 1 → +0 at Initial / Fill, +10,000 at Maintenance.
    const r = computeMargin(doc, market, 'drift');
    expect(r.details?.totalCollateralInitial).toBeCloseTo(10000, 9);
    expect(r.details?.totalCollateralFill).toBeCloseTo(10000, 9);
    expect(r.details?.totalCollateralMaintenance).toBeCloseTo(20000, 9);
    // Initial weight 1, imf 0.001: weight 1.1/(1 + 0.001·√10,000) = 1 → +10,000, capped at 100 for Initial.
    const p = { params: { perpMarkets: { BTC: { marginRatioInitial: 0.1, marginRatioMaintenance: 0.05, imfFactor: 0, unrealizedPnlInitialAssetWeight: 1, unrealizedPnlImfFactor: 0.001 } } } };
    const w = computeMargin(doc, market, 'drift', p);
    expect(w.details?.totalCollateralInitial).toBeCloseTo(10100, 9);
    expect(w.details?.totalCollateralFill).toBeCloseTo(20000, 9);
    expect(w.initialMargin).toBeCloseTo(6000, 9);
  });

  it('TV-F2 (§6): LTV = 1 / liability weight: SOL initial 83.3 %, max 90.9 %', () => {
    expect((100 / driftLiabilityWeight(SOL, 1, 'initial')).toFixed(1)).toBe('83.3');
    expect((100 / driftLiabilityWeight(SOL, 1, 'maintenance')).toFixed(1)).toBe('90.9');
  });

  it('size premium on borrows and perps: max(w, 0.8·w + imf·√size)', () => {
    expect(driftLiabilityWeight(SOL, 100, 'initial')).toBe(1.2); // 0.96 + 0.03 < 1.2
    expect(driftLiabilityWeight(SOL, 40000, 'initial')).toBeCloseTo(0.96 + 0.6, 12);
    expect(driftPerpMarginRatio(0.1, 0.001, 10000)).toBeCloseTo(0.08 + 0.1, 12);
    expect(driftPerpMarginRatio(0.1, 0.001, 100)).toBe(0.1);
  });

  it('account: weighted collateral vs borrow and perp requirements, initial and maintenance', () => {
    const r = computeMargin(
      {
        document: {
          account: 'x',
          currency: 'USDC',
          collateral: { SOL: 2000, USDC: 10000 },
          positions: [{ instrument: { symbol: 'BTC-PERP', kind: 'perpetual', underlying: 'BTC', currency: 'USDC' }, quantity: -1 }],
        },
      },
      market,
      'drift',
      { params: { perpMarkets: { BTC: { marginRatioInitial: 0.1, marginRatioMaintenance: 0.05, imfFactor: 0 } } } },
    );
    expect(r.initialMargin).toBeCloseTo(6000, 8);
    expect(r.maintenanceMargin).toBeCloseTo(3000, 8);
    expect(r.details?.totalCollateralInitial).toBeCloseTo(2000 * 150 * 0.8 + 10000, 8);
    expect(r.details?.totalCollateralMaintenance).toBeCloseTo(2000 * 150 * 0.9 + 10000, 8);
    expect(r.details?.freeCollateral).toBeCloseTo(240000 + 10000 - 6000, 8);
    expect(r.details?.liquidatable).toBe(false);
  });

  it('rejects collateral in a token with no spot market, naming the field', () => {
    const doc = { document: { account: 'x', collateral: { DOGE: 5 }, positions: [{ instrument: 'BTC-PERPETUAL', quantity: 1 }] } };
    expect(() => computeMargin(doc, parseMarketSnapshot({ asOf: '2024-06-17T08:00:00Z', underlyings: { BTC: { index: 60000 } }, fx: { DOGE: 0.1, USDC: 1 } }), 'drift')).toThrow(
      /collateral\.DOGE/,
    );
  });
});
