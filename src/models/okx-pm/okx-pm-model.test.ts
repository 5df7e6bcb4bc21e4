import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../../core/errors.js';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { computeMargin } from '../compute-margin.js';
import type { MarginResult } from '../margin-result.js';

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
