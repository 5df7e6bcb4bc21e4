import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { computeMargin } from '../compute-margin.js';
import { dydxInitialMarginFraction, dydxInitialMarginPpm, dydxLiquidationPrice } from './dydx-v4-model.js';

const perp = (u: string) => ({ symbol: `${u}-USD`, kind: 'perpetual', underlying: u, multiplier: 1, currency: 'USDC' });
const market = (prices: Record<string, number>) =>
  parseMarketSnapshot({ asOf: '2024-06-17T08:00:00Z', underlyings: Object.fromEntries(Object.entries(prices).map(([k, v]) => [k, { index: v }])), fx: { USDC: 1 } });

describe('dydx-v4', () => {
  it('TV-X1 (crypto-venues.md §5): isolated short 3 at 3,000, equity 1,000, MMF 5 % → liquidation price 3,174.60', () => {
    expect(dydxLiquidationPrice(1000, -3, 3000, 0.05)).toBeCloseTo(10000 / 3.15, 10);
    const r = computeMargin(
      { document: { account: 'x', currency: 'USDC', mode: 'isolated', collateral: { USDC: 1000 }, positions: [{ instrument: perp('ETH'), quantity: -3 }] } },
      market({ ETH: 3000 }),
      'dydx-v4',
      { params: { markets: { ETH: { initialMarginFraction: 0.1, maintenanceFraction: 0.5 } } } },
    );
    const m = (r.details?.markets as { liquidationPrice: number; maintenanceMarginFraction: number }[])[0]!;
    expect(m.maintenanceMarginFraction).toBeCloseTo(0.05, 12);
    expect(m.liquidationPrice.toFixed(2)).toBe('3174.60');
    expect(r.maintenanceMargin).toBeCloseTo(9000 * 0.05, 9);
  });

  it('TV-X2 (§5, lib_test.go case 2): 0.7 at 5,555, IM 100 bps, MF 50 % → IMR 38,885,000, MMR 19,442,500 quantums', () => {
    const r = computeMargin(
      { document: { account: 'x', currency: 'USDC', positions: [{ instrument: perp('BTC'), quantity: 0.7 }] } },
      market({ BTC: 5555 }),
      'dydx-v4',
      { params: { markets: { BTC: { initialMarginFraction: 0.01, maintenanceFraction: 0.5 } } } },
    );
    expect(r.details?.initialMarginQuoteQuantums).toBe(38_885_000);
    expect(r.details?.maintenanceMarginQuoteQuantums).toBe(19_442_500);
    expect(r.initialMargin).toBeCloseTo(38.885, 9);
    expect(r.maintenanceMargin).toBeCloseTo(19.4425, 9);
  });

  it('scales the IMF with open interest between the tier caps; MMR is not scaled (§5)', () => {
    const tier = { initialMarginFraction: 0.1, maintenanceFraction: 0.5, openInterestLower: 20e6, openInterestUpper: 50e6 };
    expect(dydxInitialMarginFraction(tier, 10e6)).toBe(0.1);
    expect(dydxInitialMarginFraction(tier, 35e6)).toBeCloseTo(0.1 + 0.5 * 0.9, 12);
    expect(dydxInitialMarginFraction(tier, 60e6)).toBe(1);
    expect(dydxInitialMarginFraction({ ...tier, openInterestUpper: 0 }, 60e6)).toBe(0.1);
    const r = computeMargin(
      { document: { account: 'x', currency: 'USDC', positions: [{ instrument: perp('SOL'), quantity: 100 }] } },
      market({ SOL: 150 }),
      'dydx-v4',
      { params: { markets: { SOL: { liquidityTier: 'small-cap', openInterest: 35e6 } } } },
    );
    expect(r.initialMargin).toBeCloseTo(15000 * 0.55, 8);
    expect(r.maintenanceMargin).toBeCloseTo(15000 * 0.05, 8);
  });

  it('rounds the OI-adjusted IMF down to whole ppm (v4-chain liquidity_tier_test.go, TestGetAdjustedInitialMarginPpm)', () => {
    // dydxprotocol/v4-chain protocol/x/perpetuals/types/liquidity_tier.go GetAdjustedInitialMarginPpm: base + (1e6 − base)
    // × (OI − lower)/(upper − lower), big.Int Div (rounded down). The test's caps and OI are quote quantums (USDC 1e-6):
    // lower 1,000,000, upper 2,000,000, OI 1,234,567, base 200,000 ppm → 0.2 + 0.234567 × 0.8 = 0.3876536 → 387,653 ppm.
    const tier = { initialMarginFraction: 0.2, maintenanceFraction: 0.5, openInterestLower: 1, openInterestUpper: 2 };
    expect(dydxInitialMarginPpm(tier, 1.234567)).toBe(387_653n);
    expect(dydxInitialMarginFraction(tier, 1.234567)).toBe(0.387653);
    // The same test's other cases: zero OI, within bounds (1,500,000 → 600,000), at / above the caps, no upper cap.
    expect(dydxInitialMarginPpm(tier, 0)).toBe(200_000n);
    expect(dydxInitialMarginPpm(tier, 1.5)).toBe(600_000n);
    expect(dydxInitialMarginPpm(tier, 1)).toBe(200_000n);
    expect(dydxInitialMarginPpm(tier, 2)).toBe(1_000_000n);
    expect(dydxInitialMarginPpm(tier, 2.5)).toBe(1_000_000n);
    expect(dydxInitialMarginPpm({ ...tier, openInterestLower: 0, openInterestUpper: 0 }, 1.5)).toBe(200_000n);
  });

  it('IMR of the rounded IMF, rounded up (liquidity_tier_test.go GetInitialMarginQuoteQuantums, "realistic numbers")', () => {
    // 500,000 quote quantums (0.5 USDC), base 20 %, caps 25,000,000 / 60,000,000 USDC, OI 28,123,456.789123 USDC:
    // IMF = 200,000 + ⌊800,000 × 3,123,456,789,123 / 35,000,000,000,000⌋ = 271,393 ppm; IMR = ⌈500,000 × 0.271393⌉ = 135,697.
    const r = computeMargin(
      { document: { account: 'x', currency: 'USDC', positions: [{ instrument: perp('BTC'), quantity: 0.5 }] } },
      market({ BTC: 1 }),
      'dydx-v4',
      { params: { markets: { BTC: { initialMarginFraction: 0.2, maintenanceFraction: 0.5, openInterestLower: 25e6, openInterestUpper: 60e6, openInterest: 28_123_456.789123 } } } },
    );
    const m = (r.details?.markets as { initialMarginFraction: number }[])[0]!;
    expect(m.initialMarginFraction).toBe(0.271393);
    expect(r.details?.initialMarginQuoteQuantums).toBe(135_697);
  });

  it('cross: sums markets and holds the other markets’ MMR fixed in the liquidation price', () => {
    const r = computeMargin(
      {
        document: {
          account: 'x',
          currency: 'USDC',
          collateral: { USDC: 5000 },
          positions: [
            { instrument: perp('ETH'), quantity: -3 },
            { instrument: perp('BTC'), quantity: 0.1 },
          ],
        },
      },
      market({ ETH: 3000, BTC: 60000 }),
      'dydx-v4',
    );
    // large-cap default: IMF 5 %, MMF 3 %.
    expect(r.initialMargin).toBeCloseTo((9000 + 6000) * 0.05, 8);
    expect(r.maintenanceMargin).toBeCloseTo((9000 + 6000) * 0.03, 8);
    const eth = (r.details?.markets as { market: string; liquidationPrice: number }[]).find((m) => m.market === 'ETH')!;
    expect(eth.liquidationPrice).toBeCloseTo((5000 + 9000 - 6000 * 0.03) / (3 * 0.03 + 3), 8);
  });

  it('accepts only USDC collateral, naming the field; records the dated parameters', () => {
    const doc = { document: { account: 'x', collateral: { BTC: 1 }, positions: [{ instrument: perp('BTC'), quantity: 1 }] } };
    expect(() => computeMargin(doc, market({ BTC: 60000 }), 'dydx-v4')).toThrow(/collateral\.BTC/);
    const ok = computeMargin({ document: { account: 'x', positions: [{ instrument: perp('BTC'), quantity: 1 }] } }, market({ BTC: 60000 }), 'dydx-v4', {
      params: { asOf: '2025-02-01', source: 'mainnet query' },
    });
    expect(ok.details?.venueParams).toEqual({ asOf: '2025-02-01', source: 'mainnet query' });
  });

  it('rejects an unknown liquidity tier, naming the market', () => {
    const doc = { document: { account: 'x', positions: [{ instrument: perp('BTC'), quantity: 1 }] } };
    expect(() => computeMargin(doc, market({ BTC: 60000 }), 'dydx-v4', { params: { markets: { BTC: { liquidityTier: 'mega' } } } })).toThrow(/markets\.BTC\.liquidityTier/);
  });
});
