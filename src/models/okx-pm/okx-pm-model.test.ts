import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../../core/errors.js';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { computeMargin } from '../compute-margin.js';
import type { MarginResult } from '../margin-result.js';
import { okxIncremental } from './okx-pm-components.js';
import { OKX_MR7_SCALING_TIER2 } from './okx-pm-params.js';
import { okxAccountMargins } from './okx-pm-unit.js';

/**
 * TV-O1 (crypto-venues.md §2): OKX position-builder docs example, 2025-01-15, BTC risk unit: BTC-USDT-SWAP −10
 * contracts (0.01 BTC each). OKX reports delta −9,704.9036898 USD (coins × BTC-USD index 97,049.036898) while its
 * MR1 grid is 0.1 BTC × 97,034.2437059… × move (the BTC-USDT index). The snapshot carries the USD index and the USDT
 * price that links the two (index_USD / index_USDT); the model prices USDT-margined contracts off index_USD / USDT
 * price and counts USDT at par (okx-pm-model.ts), which reproduces both numbers.
 */
const INDEX_USD = 97049.036898;
const INDEX_USDT = 1164.4109244719994 / 0.12 / 0.1;
const tvO1Market = parseMarketSnapshot({ asOf: '2025-01-15T10:26:41.642Z', underlyings: { BTC: { index: INDEX_USD } }, fx: { USDT: INDEX_USD / INDEX_USDT } }, 'tv-o1');
const SWAP = { symbol: 'BTC-USDT-SWAP', kind: 'perpetual', underlying: 'BTC', multiplier: 0.01, currency: 'USDT' };

interface Unit {
  riskUnit: string;
  mr1: number;
  mr2: number;
  mr3: number;
  mr4: number;
  mr5: number;
  mr6: number;
  mr7: number;
  mr7Raw: number;
  mr8: number;
  mr9: number;
  deltaUsd: number;
  derivMmr: number;
  borrowedUsd: number;
  mr1Scenarios: { spotShocks: number[]; volShockDown: number[]; volSame: number[]; volShockUp: number[] };
  mr6FinalResult: { move: number; pnl: number };
}

const units = (r: MarginResult): Unit[] => r.details?.['units'] as Unit[];
const unit = (r: MarginResult, name = 'BTC'): Unit => units(r).find((u) => u.riskUnit === name)!;

function margin(positions: unknown[], market = tvO1Market, params: unknown = {}, mode: 'cross' | 'isolated' = 'cross'): MarginResult {
  return computeMargin({ document: { account: 'okx', currency: 'USD', mode, positions } }, market, 'okx-pm', { params });
}

describe('okx-pm: TV-O1 BTC risk unit (crypto-venues.md §2)', () => {
  const r = margin([{ instrument: SWAP, quantity: -10 }]);
  const btc = unit(r);

  it('delta −9,704.9036898 USD', () => expect(btc.deltaUsd).toBeCloseTo(-9704.9036898, 7));

  it('MR1 = 1,164.4109244719994 at +12 %, vol up; volSame grid ±388.137 / 776.274 / 1,164.411', () => {
    expect(btc.mr1).toBeCloseTo(1164.4109244719994, 9);
    expect(r.components.find((c) => c.name === 'mr1')?.scenario?.label).toBe('MR1 spot +12%, volShockUp');
    const s = btc.mr1Scenarios;
    expect(s.spotShocks).toEqual([-0.12, -0.08, -0.04, 0, 0.04, 0.08, 0.12]);
    [1164.411, 776.274, 388.137, 0, -388.137, -776.274, -1164.411].forEach((x, k) => expect(s.volSame[k]).toBeCloseTo(x, 3));
  });

  it('MR6 = 1,164.4109244720003 (P&L −2,328.8218 at +24 %)', () => {
    expect(btc.mr6).toBeCloseTo(1164.4109244720003, 9);
    expect(btc.mr6FinalResult.move).toBe(0.24);
    expect(btc.mr6FinalResult.pnl).toBeCloseTo(-2328.8218, 4);
  });

  it('MR4 = 19.4098073796, MR7 = 43.67206660410001, MR2 = MR3 = MR5 = MR9 = 0', () => {
    expect(btc.mr4).toBeCloseTo(19.4098073796, 9);
    expect(btc.mr7).toBeCloseTo(43.67206660410001, 9);
    expect([btc.mr2, btc.mr3, btc.mr5, btc.mr8, btc.mr9]).toEqual([0, 0, 0, 0, 0]);
  });

  it('MMR = 1,183.8207318516; IMR = 1,538.9669514070802', () => {
    expect(r.maintenanceMargin).toBeCloseTo(1183.8207318516, 9);
    expect(r.initialMargin).toBeCloseTo(1538.9669514070802, 9);
    expect(btc.derivMmr).toBeCloseTo(1183.8207318516, 9);
  });

  it('explains itself: worst scenario, contribution, approximations, dated parameters', () => {
    expect(r.worstScenario?.label).toBe('BTC: MR1 spot +12%, volShockUp');
    expect(r.worstScenario?.pnl).toBeCloseTo(-1164.4109244719994, 9);
    expect(r.positions[0]!.contribution).toBeCloseTo(1164.4109244719994, 9);
    expect((r.details?.['approximations'] as string[]).some((a) => a.startsWith('mr2'))).toBe(true);
    expect(r.details?.['venueParams']).toMatchObject({ asOf: '2025-01-02', imrFactor: 1.3 });
  });
});

describe('okx-pm: TV-O2 MR7 scaling through the model (crypto-venues.md §2)', () => {
  it('MR = 40,000 and MR7 raw 30,000 → MR7 50,000 → MMR 50,000', () => {
    const market = parseMarketSnapshot({ asOf: '2025-01-15T00:00:00Z', underlyings: { BTC: { index: 100_000 } } }, 'tv-o2');
    const params = {
      mr1Tiers: { tier1: [0.04], tier2: [0.06], others: [0.08] },
      mr46Tiers: { tier1: { extremeMove: 0.08, annualisedMoveRisk: 0, minBasisMove: 0 }, tier2: { extremeMove: 0.36, annualisedMoveRisk: 0.15, minBasisMove: 0 }, others: { extremeMove: 0.5, annualisedMoveRisk: 0.3, minBasisMove: 0 } },
      mr7Rate: 0.03,
    };
    // 10 BTC-USD linear perpetuals of 1 BTC: Δ = 1,000,000 USD.
    const r = margin([{ instrument: { symbol: 'BTC-USD-LIN', kind: 'perpetual', underlying: 'BTC', currency: 'USD' }, quantity: 10 }], market, params);
    const btc = unit(r);
    expect(btc.mr1).toBeCloseTo(40_000, 6);
    expect(btc.mr6).toBeCloseTo(40_000, 6);
    expect(btc.mr7Raw).toBeCloseTo(30_000, 6);
    expect(btc.mr7).toBeCloseTo(50_000, 6);
    expect(r.maintenanceMargin).toBeCloseTo(50_000, 6);
    expect(r.initialMargin).toBeCloseTo(65_000, 6);
  });
});

describe('okx-pm: components on books', () => {
  const market = parseMarketSnapshot(
    {
      asOf: '2024-06-17T08:00:00Z',
      underlyings: { BTC: { index: 66000, rate: 0.03, vol: { atm: 0.55 } }, ETH: { index: 3500, vol: { atm: 0.6 } }, DOGE: { index: 0.12 } },
      fx: { USDT: 1, USDC: 0.99 },
    },
    'books',
  );
  const call = (expiry: string, q: number) => ({ instrument: `BTC-${expiry}-66000-C`, quantity: q });

  it('MR2: a long option loses time value (charged); a short option earns it (0); longer horizon, larger charge', () => {
    const long = unit(margin([call('28JUN24', 1)], market));
    const longer = unit(margin([call('28JUN24', 1)], market, { thetaHorizonDays: 3 }));
    expect(long.mr2).toBeGreaterThan(0);
    expect(longer.mr2).toBeGreaterThan(long.mr2);
    expect(unit(margin([call('28JUN24', -1)], market)).mr2).toBe(0);
  });

  it('MR3: a calendar spread pays for vega offset across expiries; one expiry pays nothing', () => {
    expect(unit(margin([call('28JUN24', 1)], market)).mr3).toBe(0);
    const spread = unit(margin([call('28JUN24', 1), call('27DEC24', -1)], market));
    expect(spread.mr3).toBeGreaterThan(0);
    expect(unit(margin([call('28JUN24', 1), call('27DEC24', -1)], market, { termStructureFactor: 0.5 })).mr3).toBeCloseTo(2 * spread.mr3, 9);
  });

  it('MR4: a dated future pays annualised move × T; MR5 scales with the rate shock on options', () => {
    const fut = unit(margin([{ instrument: 'BTC-27DEC24', quantity: 1000 }], market));
    const tau = (Date.UTC(2024, 11, 27, 8) - Date.UTC(2024, 5, 17, 8)) / (365 * 86_400_000);
    expect(fut.mr4).toBeCloseTo(Math.abs(fut.deltaUsd) * 0.05 * tau, 6);
    const opt = unit(margin([call('27DEC24', 2)], market));
    expect(opt.mr5).toBeGreaterThan(0);
    expect(unit(margin([call('27DEC24', 2)], market, { rateShock: 0.02 })).mr5).toBeCloseTo(2 * opt.mr5, 9);
  });

  it('MR8: short spot is borrowed coin, charged at the borrow tier; it adds to MMR', () => {
    const spot = { symbol: 'BTC-USDT', kind: 'spot', underlying: 'BTC', currency: 'USDT' };
    const r = margin([{ instrument: spot, quantity: -2 }], market);
    const btc = unit(r);
    expect(btc.borrowedUsd).toBeCloseTo(132_000, 6);
    expect(btc.mr8).toBeCloseTo(13_200, 6);
    expect(r.maintenanceMargin).toBeCloseTo(btc.derivMmr + 13_200, 6);
  });

  it('MR9: a USDC-margined perp hedging a coin-margined perp pays the depegged band rate; alone it pays nothing', () => {
    const usdc = { symbol: 'BTC-USDC-SWAP', kind: 'perpetual', underlying: 'BTC', multiplier: 0.01, currency: 'USDC' };
    const alone = unit(margin([{ instrument: usdc, quantity: 100 }], market));
    expect(alone.mr9).toBe(0);
    // BTC-PERPETUAL: 10 USD face, coin-margined → the USD leg. 66,000 USD of short delta against 66,000 of USDC delta.
    const hedged = unit(margin([{ instrument: usdc, quantity: 100 }, { instrument: 'BTC-PERPETUAL', quantity: -6600 }], market));
    expect(hedged.mr9).toBeCloseTo(Math.min(Math.abs(alone.deltaUsd), Math.abs(hedged.deltaUsd - alone.deltaUsd)) * 0.99 * 0.02, 6);
    expect(hedged.mr1).toBeLessThan(alone.mr1 * 0.05);
  });

  it('risk units are underlyings with their own tiers; isolated mode makes each position a unit', () => {
    const positions = [
      { instrument: { symbol: 'ETH-USDT-SWAP', kind: 'perpetual', underlying: 'ETH', multiplier: 0.1, currency: 'USDT' }, quantity: 10 },
      { instrument: { symbol: 'DOGE-USDT-SWAP', kind: 'perpetual', underlying: 'DOGE', multiplier: 1000, currency: 'USDT' }, quantity: -10 },
    ];
    const r = margin(positions, market);
    expect(units(r).map((u) => u.riskUnit).sort()).toEqual(['DOGE', 'ETH']);
    // ETH tier 1: 12 % × 3,500; DOGE MR1 others 25 % and MR6 tier 2: 0.5 × 36 %.
    expect(unit(r, 'ETH').mr1).toBeCloseTo(0.12 * 3500, 9);
    expect(unit(r, 'DOGE').mr1).toBeCloseTo(0.25 * 1200, 9);
    expect(unit(r, 'DOGE').mr6).toBeCloseTo(0.5 * 0.36 * 1200, 9);
    expect(r.maintenanceMargin).toBeCloseTo(units(r).reduce((s, u) => s + u.derivMmr, 0), 9);
    const hedge = [positions[0]!, { ...positions[0]!, quantity: -10 }];
    expect(margin(hedge, market).maintenanceMargin).toBeLessThan(margin(hedge, market, {}, 'isolated').maintenanceMargin);
  });

  it('rejects bad parameters with a coded error naming the field', () => {
    const bad = (params: unknown): unknown => {
      try {
        margin([{ instrument: SWAP, quantity: 1 }], tvO1Market, params);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const e = bad({ mr7Scaling: [{ fromUsd: 5, value: 1 }] }) as CrossmarginError;
    expect(e).toBeInstanceOf(CrossmarginError);
    expect(e.code).toBe('MODEL_PARAMS_INVALID');
    expect(e.message).toContain('mr7Scaling');
    expect((bad({ mr1Tiers: { tier1: [0.08, 0.04], tier2: [0.1], others: [0.1] } }) as CrossmarginError).code).toBe('MODEL_PARAMS_INVALID');
    expect((bad({ imrFactor: 0.5 }) as CrossmarginError).code).toBe('MODEL_PARAMS_INVALID');
  });
});

/**
 * TV-O3: the rest of the same OKX position-builder example as TV-O1 (docs-v5 "Position builder (new)",
 * POST /api/v5/account/position-builder, response ts 1736936801642 = 2025-01-15; stored copy of
 * https://www.okx.com/docs-v5/en/#trading-account-rest-api-position-builder-new dated 2026-06-29). Request:
 * BTC-USDT-SWAP −10 at avgPx 100,000, LTC-USDT-SWAP +10 at avgPx 8,000, 100 USDT. OKX's response: LTC unit delta
 * 1,019.5308, mr1 183.50672805719995 (−18 %, vol up), mr4 8.1562464, mr6 183.5067280572 (P&L −367.0134561144 at
 * −36 %), mr7 7.1367156, mmr 191.6629744572, imr 249.16186679436; USDT availEq −78,589.37 (the LTC loss) with
 * borrowImr 7,855.32188898 and account borrowMmr 1,571.064377796 (repeated as mr8 in both units); totalMmr
 * 2,946.5480841048, totalImr 9,643.45070718144. As in TV-O1 the LTC index in USD and in USDT give the USDT price of
 * that unit (101.95308 / 101.948182254); the liability converts at 0.99954 USD per USDT (its UPLs: 290.4963102 =
 * 290.63 × 0.99954, 78,943.6692 = 78,980 × 0.99954), so each part is checked on its own snapshot.
 */
describe('okx-pm: TV-O3 LTC unit, USDT borrowing and account totals (OKX position-builder example, 2025-01-15)', () => {
  const LTC_USD = 101.95308;
  const LTC_USDT = 183.50672805719995 / 0.18 / 10;
  const ltcMarket = parseMarketSnapshot({ asOf: '2025-01-15T10:26:41.642Z', underlyings: { LTC: { index: LTC_USD } }, fx: { USDT: LTC_USD / LTC_USDT } }, 'tv-o3');
  const LTC_SWAP = { symbol: 'LTC-USDT-SWAP', kind: 'perpetual', underlying: 'LTC', multiplier: 1, currency: 'USDT' };

  it('LTC (MR1 and MR4/MR6 tier 2): MR1 at −18 % vol up, MR6 at −36 %, MR4 floor 0.8 %, MR7 rate 0.7 %, mmr and imr', () => {
    const r = margin([{ instrument: LTC_SWAP, quantity: 10 }], ltcMarket);
    const ltc = unit(r, 'LTC');
    expect(ltc.deltaUsd).toBeCloseTo(1019.5308, 7);
    expect(ltc.mr1).toBeCloseTo(183.50672805719995, 9);
    expect(r.components.find((c) => c.name === 'mr1')?.scenario?.label).toBe('MR1 spot −18%, volShockUp');
    [-183.50672805719995, -122.33781870480001, -61.168909352399936, 0, 61.168909352399936, 122.33781870480001, 183.50672805719995].forEach((x, k) => expect(ltc.mr1Scenarios.volSame[k]).toBeCloseTo(x, 9));
    expect(ltc.mr6).toBeCloseTo(183.5067280572, 9);
    expect(ltc.mr6FinalResult).toMatchObject({ move: -0.36 });
    expect(ltc.mr6FinalResult.pnl).toBeCloseTo(-367.0134561144, 9);
    // The tier-2 floor (0.8 %) and MR7 rate (0.7 %) are read off these two numbers.
    expect(ltc.mr4).toBeCloseTo(8.1562464, 7);
    expect(ltc.mr7).toBeCloseTo(7.1367156, 7);
    expect(ltc.derivMmr).toBeCloseTo(191.6629744572, 7);
    expect(r.maintenanceMargin).toBeCloseTo(191.6629744572, 7);
    expect(r.initialMargin).toBeCloseTo(249.16186679436, 7);
  });

  it('USDT borrowing: −78,589.37 USDT at 0.99954 → borrowMmr 1,571.064377796 (2 %), borrowImr 7,855.32188898 (10 %)', () => {
    const usdtMarket = parseMarketSnapshot({ asOf: '2025-01-15T10:26:41.642Z', underlyings: { BTC: { index: INDEX_USD } }, fx: { USDT: 0.99954 } }, 'tv-o3-usdt');
    const r = margin([{ instrument: 'USDT', quantity: -78589.37 }], usdtMarket);
    const borrowing = r.details?.['borrowing'] as { mmr: number; imr: number; currencies: { currency: string; usd: number }[] };
    expect(borrowing.currencies.map((c) => c.currency)).toEqual(['USDT']);
    expect(borrowing.currencies[0]!.usd).toBeCloseTo(78553.2188898, 7);
    expect(borrowing.mmr).toBeCloseTo(1571.064377796, 9);
    expect(borrowing.imr).toBeCloseTo(7855.32188898, 8);
    expect(r.maintenanceMargin).toBeCloseTo(1571.064377796, 9);
    expect(r.initialMargin).toBeCloseTo(7855.32188898, 8);
    expect(r.components.find((c) => c.name === 'mr8')).toMatchObject({ group: 'account' });
  });

  it('account: totalMmr = Σ unit MMR + borrowMmr, totalImr = 1.3 × Σ unit MMR + borrowImr (OKX figures)', () => {
    const m = okxAccountMargins(1183.8207318516002 + 191.6629744572, { mmr: 1571.064377796, imr: 7855.32188898 }, 1.3, 1);
    expect(m.maintenanceMargin).toBeCloseTo(2946.5480841048, 9);
    expect(m.initialMargin).toBeCloseTo(9643.45070718144, 8);
  });

  it('through the model: both units report the account borrowing as mr8 and the totals follow the account rule', () => {
    // Hand-computed from the rule above on one snapshot (TV-O1's USDT price): the figures differ from OKX's only by the USDT rates.
    const market = parseMarketSnapshot({ asOf: '2025-01-15T10:26:41.642Z', underlyings: { BTC: { index: INDEX_USD }, LTC: { index: LTC_USD } }, fx: { USDT: INDEX_USD / INDEX_USDT } }, 'tv-o3-all');
    const r = margin([{ instrument: SWAP, quantity: -10 }, { instrument: LTC_SWAP, quantity: 10 }, { instrument: 'USDT', quantity: -78589.37 }], market);
    const borrowUsd = 78589.37 * (INDEX_USD / INDEX_USDT);
    const derivMmr = unit(r, 'BTC').derivMmr + unit(r, 'LTC').derivMmr;
    expect(unit(r, 'BTC').derivMmr).toBeCloseTo(1183.8207318516, 9);
    expect(unit(r, 'BTC').mr8).toBeCloseTo(0.02 * borrowUsd, 9);
    expect(unit(r, 'LTC').mr8).toBeCloseTo(0.02 * borrowUsd, 9);
    expect(r.maintenanceMargin).toBeCloseTo(derivMmr + 0.02 * borrowUsd, 9);
    expect(r.initialMargin).toBeCloseTo(1.3 * derivMmr + 0.1 * borrowUsd, 9);
  });

  it('MR7 tier-2 scaling (hand-computed from OKX article 4417291853837, second table): raw 20,000 → 7,000×1 + 9,000×2 + 4,000×3 = 37,000', () => {
    expect(okxIncremental(20_000, OKX_MR7_SCALING_TIER2)).toBeCloseTo(37_000, 9);
    const market = parseMarketSnapshot({ asOf: '2025-01-15T00:00:00Z', underlyings: { LTC: { index: 100 } } }, 'tv-o3-scaling');
    // 10,000 LTC of a USD-margined linear perpetual: Δ = 1,000,000 USD; raw MR7 = 2 % × Δ = 20,000.
    const tier2 = { rate: 0.02, optionRate: 0.007, scaling: OKX_MR7_SCALING_TIER2.map((t) => ({ ...t })) };
    const r = margin([{ instrument: { symbol: 'LTC-USD-LIN', kind: 'perpetual', underlying: 'LTC', currency: 'USD' }, quantity: 10_000 }], market, { mr7Tiers: { tier2, others: tier2 } });
    expect(unit(r, 'LTC').mr7Raw).toBeCloseTo(20_000, 6);
    expect(unit(r, 'LTC').mr7).toBeCloseTo(37_000, 6);
  });
});

/**
 * Resting orders (portfolio `openOrders`). OKX counts orders in the risk unit but publishes no formula for them: the
 * worst-side rule (okx-pm-model.ts) is a reconstruction and these figures are hand-computed from it on TV-O1, where
 * every charge of a BTC-USDT-SWAP book is proportional to its size: the sell side −10 − 6 = −16 contracts is 1.6 × TV-O1.
 */
describe('okx-pm: resting orders, worse side added to the unit (reconstruction, hand-computed)', () => {
  const tvO1Mmr = 1183.8207318516;

  it('cross: buy +4 and sell −6 against −10 → the sell side (−16) sets the unit: 1.6 × TV-O1', () => {
    const r = computeMargin(
      { document: { account: 'o', currency: 'USD', positions: [{ instrument: SWAP, quantity: -10 }], openOrders: [{ instrument: SWAP, quantity: 4 }, { instrument: SWAP, quantity: -6 }] } },
      tvO1Market,
      'okx-pm',
    );
    expect(r.maintenanceMargin).toBeCloseTo(1.6 * tvO1Mmr, 8);
    expect(r.initialMargin).toBeCloseTo(1.3 * 1.6 * tvO1Mmr, 8);
    expect((units(r)[0] as unknown as { openOrdersSide: string }).openOrdersSide).toBe('sell');
    // The position's contribution stays its own loss in the unit's stress.
    expect(r.positions).toHaveLength(1);
    expect(r.positions[0]!.contribution).toBeCloseTo(1164.4109244719994, 9);
  });

  it('an order that only reduces the unit never lowers its margin', () => {
    const r = computeMargin({ document: { account: 'o', currency: 'USD', positions: [{ instrument: SWAP, quantity: -10 }], openOrders: [{ instrument: SWAP, quantity: 4 }] } }, tvO1Market, 'okx-pm');
    expect(r.maintenanceMargin).toBeCloseTo(tvO1Mmr, 9);
    expect((units(r)[0] as unknown as { openOrdersSide: string }).openOrdersSide).toBe('none');
  });

  it('isolated: each order is a unit of its own; the side whose units total more (sell: 1 + 0.6) is added', () => {
    const r = computeMargin(
      { document: { account: 'o', currency: 'USD', mode: 'isolated', positions: [{ instrument: SWAP, quantity: -10 }], openOrders: [{ instrument: SWAP, quantity: 4 }, { instrument: SWAP, quantity: -6 }] } },
      tvO1Market,
      'okx-pm',
    );
    expect(r.maintenanceMargin).toBeCloseTo(1.6 * tvO1Mmr, 8);
    expect(units(r)).toHaveLength(2);
  });
});
