import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InstrumentTable } from '../../instruments/instrument-table.js';
import { parseMarketSnapshot, type MarketSnapshot } from '../../market/market-snapshot.js';
import { resolvePortfolio } from '../../portfolio/resolve-portfolio.js';
import type { MarginResult } from '../margin-result.js';
import { deribitPmModel } from './deribit-pm-model.js';
import { DeribitPmParamsSchema } from './deribit-pm-params.js';

/**
 * These hand-computed examples margin ETH with the top-level (BTC, 2024-06-17) values on purpose, so every call lists
 * ETH in `defaultsApplyTo`: without it an ETH book is refused for want of ETH parameters (deribit-pm-params.ts
 * requireOwnParameters). The figures are unchanged.
 */
function margin(document: unknown, market: MarketSnapshot, params: Record<string, unknown> = {}): MarginResult {
  const instruments = new InstrumentTable();
  const resolved = resolvePortfolio(document, instruments);
  return deribitPmModel.compile(DeribitPmParamsSchema.parse({ defaultsApplyTo: ['BTC', 'ETH'], ...params }), { instruments, market }).evaluate(resolved);
}

const market = parseMarketSnapshot(
  { asOf: '2024-06-17T08:00:00Z', underlyings: { BTC: { index: 66000, rate: 0, vol: { atm: 0.55 } }, ETH: { index: 3500, rate: 0, vol: { atm: 0.6 } } }, fx: { USDC: 1 } },
  'xpm-test',
);

/**
 * Hand-computed X:PM example (crypto-venues.md §1.1 X:PM; no published vector). Long 10 BTC of BTC-PERPETUAL (66,000
 * contracts × 10 USD at 66,000) and short 10 ETH of ETH-PERPETUAL (35,000 × 1 USD at 3,500); collateral 2 BTC, 20 ETH,
 * 100,000 USDC; haircuts ETH 10 %, USDC 2 %, BTC 0 (the 2024-06-17 BTC value).
 * S:PM per currency (inverse P&L q_coin × (1 − 1/(1+m)), pnl_offset 0):
 *   BTC: worst at −16 %: 10 × (1/0.84 − 1) = 1.904761905 BTC; roll 10 × 0.01 = 0.1 BTC; delta shock 0 (10 BTC ≪ 20M/66,000).
 *   ETH: worst at +16 %: 10 × (1 − 1/1.16) = 1.379310345 ETH; roll 0.1 ETH.
 * In USD: BTC worst 125,714.2857 + roll 6,600; ETH worst 4,827.5862 + roll 350.
 * sum:     RMM = 125,714.2857 + 4,827.5862 + 6,950 = 137,491.8719; MM = 0.8 × RMM.
 * aligned: BTC's loss is on the down side, ETH's on the up side (gains count 0), so the combined worst is the BTC one:
 *          RMM = 125,714.2857 + 6,950 = 132,664.2857.
 * Haircuts on IM: 20 × 3,500 × 10 % + 100,000 × 2 % = 7,000 + 2,000 = 9,000 USD.
 */
const book = {
  account: 'xpm',
  currency: 'USD',
  positions: [
    { instrument: 'BTC-PERPETUAL', quantity: 66000 },
    { instrument: 'ETH-PERPETUAL', quantity: -35000 },
  ],
  collateral: { BTC: 2, ETH: 20, USDC: 100000 },
};
const haircuts = { currencies: { ETH: { haircut: 0.1 }, USDC: { haircut: 0.02 } } };
const BTC_WORST_USD = 10 * (1 / 0.84 - 1) * 66000;
const ETH_WORST_USD = 10 * (1 - 1 / 1.16) * 3500;
const ROLL_USD = 6600 + 350;
const HAIRCUT_USD = 9000;

describe('deribit-pm X:PM (hand-computed from the S:PM legs and haircuts)', () => {
  it('sum: IM = Σ RMM_c × S_c + haircuts, MM = 0.8 × Σ RMM_c × S_c', () => {
    const r = margin(book, market, { mode: 'x-pm', ...haircuts });
    const rmm = BTC_WORST_USD + ETH_WORST_USD + ROLL_USD;
    expect(rmm).toBeCloseTo(137491.8719, 3);
    expect(r.initialMargin).toBeCloseTo(rmm + HAIRCUT_USD, 6);
    expect(r.maintenanceMargin).toBeCloseTo(0.8 * rmm, 6);
    const cross = r.details?.['cross'] as { haircutMargin: number; collateral: { asset: string; haircutUsd: number }[]; riskMatrixMargin: number };
    expect(cross.haircutMargin).toBeCloseTo(HAIRCUT_USD, 9);
    expect(cross.collateral.map((c) => [c.asset, c.haircutUsd])).toEqual([
      ['BTC', 0],
      ['ETH', expect.closeTo(7000, 9)],
      ['USDC', expect.closeTo(2000, 9)],
    ]);
    expect(r.components.filter((c) => c.name === 'collateralHaircut').map((c) => c.group)).toEqual(['ETH', 'USDC']);
    const currencies = r.details?.['currencies'] as { currency: string; worstCase: { bucket: number; side: string }; aggregatedRiskVectorsUsd: { standard: number[] } }[];
    expect(currencies.map((c) => [c.currency, c.worstCase.bucket, c.worstCase.side])).toEqual([
      ['BTC', 1, 'left'],
      ['ETH', 9, 'right'],
    ]);
    expect(currencies[0]!.aggregatedRiskVectorsUsd.standard[0]).toBeCloseTo(-BTC_WORST_USD, 6);
  });

  it('sum without haircuts equals S:PM stated in USD (each currency converted at its index)', () => {
    const x = margin(book, market, { mode: 'x-pm' });
    const s = margin(book, market, { mode: 's-pm' });
    expect(x.initialMargin).toBeCloseTo(s.initialMargin, 6);
    expect(x.maintenanceMargin).toBeCloseTo(s.maintenanceMargin, 6);
  });

  it('aligned: the USD vectors are added scenario by scenario; worst bucket 1, left', () => {
    const r = margin(book, market, { mode: 'x-pm', crossAggregation: 'aligned', ...haircuts });
    const rmm = BTC_WORST_USD + ROLL_USD;
    expect(r.initialMargin).toBeCloseTo(rmm + HAIRCUT_USD, 6);
    expect(r.maintenanceMargin).toBeCloseTo(0.8 * rmm, 6);
    const cross = r.details?.['cross'] as { worstCase: { bucket: number; side: string; source: string } };
    expect(cross.worstCase).toMatchObject({ bucket: 1, side: 'left', source: 'standard' });
    expect(r.components[0]).toMatchObject({ name: 'worstCase', group: 'CROSS' });
  });

  it('reports in USD and converts to the account currency (a BTC account: ÷ 66,000)', () => {
    const usd = margin(book, market, { mode: 'x-pm', ...haircuts });
    const btc = margin({ ...book, currency: 'BTC' }, market, { mode: 'x-pm', ...haircuts });
    expect(btc.initialMargin).toBeCloseTo(usd.initialMargin / 66000, 9);
    expect((btc.details?.['cross'] as { currency: string }).currency).toBe('USD');
  });

  it('refuses an isolated portfolio, naming the field', () => {
    expect(() => margin({ ...book, mode: 'isolated' }, market, { mode: 'x-pm' })).toThrow(/mode/);
  });

  it('aligned never exceeds sum, and haircuts never lower IM (property)', () => {
    const names = ['BTC-PERPETUAL', 'ETH-PERPETUAL', 'BTC-27DEC24-70000-C', 'ETH-27DEC24-3000-P', 'BTC-27DEC24'];
    const positions = fc.array(fc.record({ i: fc.integer({ min: 0, max: names.length - 1 }), q: fc.integer({ min: -50, max: 50 }).filter((q) => q !== 0) }), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(positions, fc.double({ min: 0, max: 1, noNaN: true }), (ps, h) => {
        const doc = { account: 'p', currency: 'USD', positions: ps.map((p) => ({ instrument: names[p.i], quantity: p.q * 100 })), collateral: { ETH: 5 } };
        const sum = margin(doc, market, { mode: 'x-pm' });
        const aligned = margin(doc, market, { mode: 'x-pm', crossAggregation: 'aligned' });
        const cut = margin(doc, market, { mode: 'x-pm', currencies: { ETH: { haircut: h } } });
        expect(aligned.initialMargin).toBeLessThanOrEqual(sum.initialMargin * (1 + 1e-12) + 1e-9);
        expect(cut.initialMargin).toBeGreaterThanOrEqual(sum.initialMargin - 1e-9);
        expect(cut.initialMargin - sum.initialMargin).toBeCloseTo(5 * 3500 * h, 6);
      }),
      { numRuns: 30 },
    );
  });
});

describe('deribit-pm open-orders margin (IM = RMM + open_orders_margin, §1.1)', () => {
  // Long 1 BTC (6,600 perp contracts at 66,000). Buy orders 6,600 and sell orders 13,200 contracts.
  // Buys filled: long 2 BTC → RMM 2 × (1/0.84 − 1) + 0.02; sells filled: net short 1 BTC → 1 × (1 − 1/1.16) + 0.01,
  // below today's RMM (1/0.84 − 1) + 0.01. The worse side is the buys: open-orders margin = (1/0.84 − 1) + 0.01.
  const doc = {
    account: 'oo',
    currency: 'BTC',
    positions: [{ instrument: 'BTC-PERPETUAL', quantity: 6600 }],
    openOrders: [
      { instrument: 'BTC-PERPETUAL', quantity: 6600 },
      { instrument: 'BTC-PERPETUAL', quantity: -13200 },
    ],
  };
  const base = 1 / 0.84 - 1 + 0.01;

  it('charges the worse side and leaves MM alone', () => {
    const r = margin(doc, market);
    expect(r.maintenanceMargin).toBeCloseTo(0.8 * base, 12);
    expect(r.initialMargin).toBeCloseTo(2 * base, 12);
    expect(r.components.find((c) => c.name === 'openOrdersMargin')?.value).toBeCloseTo(base, 12);
    expect(r.details?.['openOrders']).toEqual([{ group: 'BTC', currency: 'BTC', side: 'buy', margin: expect.closeTo(base, 12) }]);
  });

  it('reducing orders cost nothing; orders in a currency without positions are charged on their own', () => {
    const reducing = margin({ ...doc, openOrders: [{ instrument: 'BTC-PERPETUAL', quantity: -3300 }] }, market);
    expect(reducing.initialMargin).toBeCloseTo(base, 12);
    const eth = margin({ ...doc, currency: 'USD', openOrders: [{ instrument: 'ETH-PERPETUAL', quantity: -3500 }] }, market);
    // Short 1 ETH alone: (1 − 1/1.16) + 0.01 ETH, at 3,500 USD.
    expect(eth.initialMargin - eth.maintenanceMargin / 0.8).toBeCloseTo((1 - 1 / 1.16 + 0.01) * 3500, 6);
  });

  it('a bad order instrument is a coded error naming the field', () => {
    expect(() => margin({ ...doc, openOrders: [{ instrument: 'NOT A NAME', quantity: 1 }] }, market)).toThrow(/openOrders\.0\.instrument/);
  });
});

describe('deribit-pm: a currency without its own parameters (issue 20 item 7)', () => {
  const eth = { account: 'e', currency: 'ETH', positions: [{ instrument: 'ETH-PERPETUAL', quantity: -35000 }] };
  const compileRaw = (params: Record<string, unknown>) => {
    const instruments = new InstrumentTable();
    const resolved = resolvePortfolio(eth, instruments);
    return () => deribitPmModel.compile(DeribitPmParamsSchema.parse(params), { instruments, market }).evaluate(resolved);
  };

  it('an ETH book with neither ETH parameters nor ETH in defaultsApplyTo is refused, naming the field', () => {
    // The defaults are BTC's model_params (pme/simulate docs example, 2024-06-17); crypto-venues.md §1.1: "Other currencies
    // differ: read the day's model_params". No silent fallback to BTC's ±16 % range and zero P&L offset.
    expect(compileRaw({})).toThrow(/currencies\.ETH\.priceRange: deribit-pm has no ETH parameters/);
    try {
      compileRaw({})();
    } catch (e) {
      expect((e as { code: string; field: string }).code).toBe('MODEL_PARAMS_INVALID');
    }
    // A partial entry is refused too, naming the first missing field.
    expect(compileRaw({ currencies: { ETH: { priceRange: 0.2 } } })).toThrow(/currencies\.ETH\.volatilityRangeUp/);
  });

  it('ETH parameters given: the ETH range is used (hand-computed: short 10 ETH, worst at +20 % = 10 × (1 − 1/1.2))', () => {
    const own = { currencies: { ETH: { priceRange: 0.2, volatilityRangeUp: 0.5, volatilityRangeDown: 0.25, pnlOffset: 0, maxOffsetablePnl: 0 } } };
    const r = compileRaw(own)();
    // Inverse perp: q_coin × (1 − 1/(1+m)) at m = +0.2; roll shock 10 × 0.01 (min_annualised_move, T = 0).
    expect(r.maintenanceMargin).toBeCloseTo(0.8 * (10 * (1 - 1 / 1.2) + 0.1), 9);
    // Listing ETH in defaultsApplyTo accepts the top-level (BTC) values knowingly: ±16 %.
    expect(compileRaw({ defaultsApplyTo: ['BTC', 'ETH'] })().maintenanceMargin).toBeCloseTo(0.8 * (10 * (1 - 1 / 1.16) + 0.1), 9);
  });
});
