import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { computeMargin } from '../compute-margin.js';
import { mangoHealth, mangoPerpHealthPnl, mangoWeightScaling, type MangoPerpInput, type MangoTokenInput } from './mango-health-model.js';
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

  it('§7 deposit weight scaling (Init only): init_asset · min(1, start/(bank deposits·price))', () => {
    // Input changed, figure kept: the scale now compares the start with the bank's total deposits (Mango v4
    // programs/mango-v4/src/state/bank.rs scaled_init_asset_weight uses native_deposits() of the bank), so the test
    // states the bank's total (here this account is the whole bank: 100 T2 = 500 quote → scale 250/500 = 0.5).
    const w = { ...tokenWeights(0.2, 0.1), depositWeightScaleStartQuote: 250, bankTotalDeposits: 100 };
    const t: MangoTokenInput[] = [{ token: 'T2', balance: 100, oraclePrice: 5, weights: w }];
    expect(mangoHealth(t, [], 'init').health).toBeCloseTo(500 * 0.8 * 0.5, 12);
    expect(mangoHealth(t, [], 'liquidationEnd').health).toBeCloseTo(500 * 0.8, 12);
  });

  it('bank.rs scaled_init_asset_weight, worked figure of the health client test: 500 · 1.0 · (600 / (500 + 300)) = 375', () => {
    // mango-v4 programs/mango-v4/src/health/client.rs, max-borrow test "that includes init weight scaling": the bank holds
    // 500 deposits + 300 potential serum tokens (counted by that program version), deposit_weight_scale_start_quote 600,
    // price 1, init asset weight 1.0 → "token0 health contrib is 500 * 1.0 * 1.0 * (600 / (500 + 300)) = 375".
    const w: MangoToken = { initAssetWeight: 1, maintAssetWeight: 1, initLiabWeight: 1.2, maintLiabWeight: 1.1, confFilter: 0.1, depositWeightScaleStartQuote: 600, bankTotalDeposits: 800 };
    expect(mangoHealth([{ token: 'T0', balance: 500, oraclePrice: 1, weights: w }], [], 'init').health).toBeCloseTo(375, 9);
    expect(mangoWeightScaling(w, 1, 500).assetScale).toBe(0.75);
  });

  it('a small account in a large bank is scaled by the bank totals (hand-computed from bank.rs; liab price for both)', () => {
    // 100 T2 at 5 (500 quote) in a bank with 1,000,000 T2 deposits: 5,000,000 quote vs start 1,000,000 → × 0.2.
    // Before this fix the account's own 500 quote was compared with the start: no scaling, Init 400 (overstated).
    const w = { ...tokenWeights(0.2, 0.1), depositWeightScaleStartQuote: 1_000_000, bankTotalDeposits: 1_000_000, borrowWeightScaleStartQuote: 300_000, bankTotalBorrows: 100_000 };
    expect(mangoHealth([{ token: 'T2', balance: 100, oraclePrice: 5, weights: w }], [], 'init').health).toBeCloseTo(500 * 0.8 * 0.2, 9);
    // Borrow 10 T2, oracle 5, stable 6: Init liab price 6; bank borrows 100,000 × 6 = 600,000 vs start 300,000 → × 2:
    // Init liability 10 · 6 · 1.2 · 2 = 144. Maint and LiquidationEnd are unscaled.
    const b: MangoTokenInput[] = [{ token: 'T2', balance: -10, oraclePrice: 5, stablePrice: 6, weights: w }];
    expect(mangoHealth(b, [], 'init').health).toBeCloseTo(-10 * 6 * 1.2 * 2, 9);
    expect(mangoHealth(b, [], 'liquidationEnd').health).toBeCloseTo(-10 * 5 * 1.2, 9);
    expect(mangoHealth(b, [], 'maint').health).toBeCloseTo(-10 * 5 * 1.1, 9);
    // The deposit scale is priced at the liab price too (health/cache.rs): 1,000,000 × 6 vs 1,000,000 → 1/6.
    expect(mangoWeightScaling(w, 6, 100).assetScale).toBeCloseTo(1 / 6, 12);
  });

  it('bank totals absent: no scaling, and the result says so (details.tokens[].weightScaling, approximations)', () => {
    const market2 = parseMarketSnapshot({ asOf: '2024-06-17T08:00:00Z', underlyings: { SOL: { index: 150 } }, fx: { USDC: 1 } });
    const doc2 = { document: { account: 'm', currency: 'USDC', collateral: { USDC: 1000, SOL: 100 }, positions: [] } };
    const sol = { initAssetWeight: 0.8, maintAssetWeight: 0.9, initLiabWeight: 1.2, maintLiabWeight: 1.1, depositWeightScaleStartQuote: 5000 };
    const r = computeMargin(doc2, market2, 'mango-health', { params: { tokens: { USDC: { initAssetWeight: 1, maintAssetWeight: 1, initLiabWeight: 1, maintLiabWeight: 1 }, SOL: sol } } });
    const tok = (r.details?.tokens as { token: string; weightScaling: string; initAssetWeightScale: number }[]).find((t) => t.token === 'SOL')!;
    expect(tok.initAssetWeightScale).toBe(1);
    expect(tok.weightScaling).toMatch(/bankTotalDeposits absent/);
    expect(r.details?.approximations).toEqual([expect.stringMatching(/SOL: deposit weight scaling not applied \(tokens\.SOL\.bankTotalDeposits absent\)/)]);
    expect(r.initialMargin).toBeCloseTo(15000 * 0.2, 9);
    // With the bank's total (1,000 SOL = 150,000 quote vs 5,000): scale 1/30 → IM = 15,000 − 15,000·0.8/30.
    const s = computeMargin(doc2, market2, 'mango-health', { params: { tokens: { USDC: { initAssetWeight: 1, maintAssetWeight: 1, initLiabWeight: 1, maintLiabWeight: 1 }, SOL: { ...sol, bankTotalDeposits: 1000 } } } });
    expect(s.initialMargin).toBeCloseTo(15000 - (15000 * 0.8) / 30, 9);
    expect(s.details?.approximations).toBeUndefined();
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
