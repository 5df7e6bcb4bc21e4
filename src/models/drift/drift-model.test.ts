import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { computeMargin } from '../compute-margin.js';
import { driftAssetWeight, driftLiabilityWeight, driftPerpMarginRatio } from './drift-model.js';
import { DRIFT_DEFAULT_SPOT_MARKETS } from './drift-params.js';

const SOL = DRIFT_DEFAULT_SPOT_MARKETS.SOL!;
const market = parseMarketSnapshot({ asOf: '2024-06-17T08:00:00Z', underlyings: { SOL: { index: 150 }, BTC: { index: 60000 } }, fx: { USDC: 1 } });

describe('drift', () => {
  it('TV-F1 (crypto-venues.md §6): 2,000 SOL initial asset weight = min(0.80, 0.96988) = 0.80', () => {
    expect(1.1 / (1 + 0.003 * Math.sqrt(2000))).toBeCloseTo(0.96988, 5);
    expect(driftAssetWeight(SOL, 2000, 'initial')).toBe(0.8);
    expect(driftAssetWeight(SOL, 2000, 'maintenance')).toBe(0.9);
  });

  it('size discount binds for a large deposit (Initial only)', () => {
    expect(driftAssetWeight(SOL, 40000, 'initial')).toBeCloseTo(1.1 / 1.6, 12);
    expect(driftAssetWeight(SOL, 40000, 'maintenance')).toBe(0.9);
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
