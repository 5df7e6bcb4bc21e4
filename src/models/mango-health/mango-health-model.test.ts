import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { computeMargin } from '../compute-margin.js';
import { mangoHealth, mangoPerpHealthPnl, type MangoPerpInput, type MangoTokenInput } from './mango-health-model.js';
import type { MangoPerpMarket, MangoToken } from './mango-health-params.js';

// crypto-venues.md §7 `test_health1`: token1 quote price 1, init/maint weight deltas 0.2/0.1; token2 price 5,
// deltas 0.5/0.3; perp on token2 with base weight deltas (0.2, 0.1), overall pnl weight deltas (0.05, 0.02), base lot 10.
const tokenWeights = (init: number, maint: number): MangoToken => ({
  initAssetWeight: 1 - init,
  maintAssetWeight: 1 - maint,
  initLiabWeight: 1 + init,
  maintLiabWeight: 1 + maint,
  confFilter: 0.1,
});
const perpWeights: MangoPerpMarket = {
  initBaseAssetWeight: 0.8,
  maintBaseAssetWeight: 0.9,
  initBaseLiabWeight: 1.2,
  maintBaseLiabWeight: 1.1,
  initOverallAssetWeight: 0.95,
  maintOverallAssetWeight: 0.98,
  confFilter: 0.1,
};
const tokens = (b1: number, b2: number): MangoTokenInput[] => [
  { token: 'T1', balance: b1, oraclePrice: 1, weights: tokenWeights(0.2, 0.1) },
  { token: 'T2', balance: b2, oraclePrice: 5, weights: tokenWeights(0.5, 0.3) },
];
const perp = (baseLots: number, quote: number, bidsLots = 0, asksLots = 0): MangoPerpInput => ({
  market: 'T2-PERP',
  settleToken: 'T1',
  baseLots,
  baseLotSize: 10,
  quote,
  bidsLots,
  asksLots,
  oraclePrice: 5,
  weights: perpWeights,
});

describe('mango-health', () => {
  it('§7 case 0: Init health 0.8·(100 + 95 + 10·50·0.8 − 131 − 350) − 75 = 16.2', () => {
    // The serum3 open orders (20, 15) enter §7's expression as +95 of token1; they are supplied here as a balance
    // (open orders are not modelled). Perp: 3 lots, quote −131, bids 7, asks 11.
    const p = perp(3, -131, 7, 11);
    expect(mangoPerpHealthPnl(p, 'init')).toBeCloseTo(-131 + 10 * 50 * 0.8 - 350, 12); // bids side is the worse: 50 < 70
    const h = mangoHealth(tokens(100 + 95, -10), [p], 'init');
    expect(h.health).toBeCloseTo(16.2, 10);
    expect(h.liabs).toBeCloseTo(75, 12);
    expect(h.ratio).toBeCloseTo((100 * 16.2) / 75, 10);
  });

  it('§7 case 2: perp −1 lot, quote +100 → 0.8·0.95·(100 − 1.2·50) = 30.4', () => {
    expect(mangoHealth(tokens(0, 0), [perp(-1, 100)], 'init').health).toBeCloseTo(30.4, 10);
    // Maint: 0.9 · 0.98 · (100 − 1.1·50); LiquidationEnd uses init weights like Init.
    expect(mangoHealth(tokens(0, 0), [perp(-1, 100)], 'maint').health).toBeCloseTo(0.9 * 0.98 * 45, 10);
    expect(mangoHealth(tokens(0, 0), [perp(-1, 100)], 'liquidationEnd').health).toBeCloseTo(30.4, 10);
  });

  it('§7 stable price: Init prices assets at min(oracle, stable), liabilities at max; Maint at oracle', () => {
    const t: MangoTokenInput[] = [
      { token: 'USDC', balance: 1000, oraclePrice: 1, weights: tokenWeights(0, 0) },
      { token: 'T2', balance: -10, oraclePrice: 5, stablePrice: 6, weights: tokenWeights(0.5, 0.3) },
    ];
    expect(mangoHealth(t, [], 'init').health).toBeCloseTo(1000 - 10 * 6 * 1.5, 12);
    expect(mangoHealth(t, [], 'maint').health).toBeCloseTo(1000 - 10 * 5 * 1.3, 12);
  });

  it('§7 deposit weight scaling (Init only): init_asset · min(1, start/(deposits·price))', () => {
    const w = { ...tokenWeights(0.2, 0.1), depositWeightScaleStartQuote: 250 };
    const t: MangoTokenInput[] = [{ token: 'T2', balance: 100, oraclePrice: 5, weights: w }];
    expect(mangoHealth(t, [], 'init').health).toBeCloseTo(500 * 0.8 * 0.5, 12);
    expect(mangoHealth(t, [], 'liquidationEnd').health).toBeCloseTo(500 * 0.8, 12);
  });

  const market = parseMarketSnapshot({ asOf: '2024-06-17T08:00:00Z', underlyings: { SOL: { index: 150 }, BTC: { index: 60000 } }, fx: { USDC: 1 } });
  const doc = {
    document: {
      account: 'm',
      currency: 'USDC',
      collateral: { USDC: 10000 },
      positions: [{ instrument: { symbol: 'BTC-PERP', kind: 'perpetual', underlying: 'BTC', currency: 'USDC' }, quantity: -1 }],
    },
  };

  it('account: IM = equity − health(Init), MM = equity − health(Maint)', () => {
    const r = computeMargin(doc, market, 'mango-health');
    // Short 1 BTC at 60,000, entry at mark: Init hupnl = 60,000·(1 − 1.2) = −12,000; Maint −6,000.
    expect(r.initialMargin).toBeCloseTo(12000, 8);
    expect(r.maintenanceMargin).toBeCloseTo(6000, 8);
    expect((r.details?.init as { health: number }).health).toBeCloseTo(10000 - 12000, 8);
    expect((r.details?.maint as { health: number }).health).toBeCloseTo(10000 - 6000, 8);
    expect(r.details?.liquidatable).toBe(false);
  });

  it('§7 oracle confidence: conf > confFilter·price is rejected with a coded error naming the market', () => {
    expect(() => computeMargin(doc, market, 'mango-health', { params: { oracleConfidence: { BTC: 6001 } } })).toThrow(/market BTC/);
    try {
      computeMargin(doc, market, 'mango-health', { params: { oracleConfidence: { BTC: 6001 } } });
    } catch (e) {
      expect((e as { code: string }).code).toBe('MARKET_DATA_INVALID');
    }
    expect(computeMargin(doc, market, 'mango-health', { params: { oracleConfidence: { BTC: 6000 } } }).initialMargin).toBeCloseTo(12000, 8);
  });
});
