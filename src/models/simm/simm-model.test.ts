import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { parseCrif } from '../../portfolio/crif/read-crif.js';
import { formatCrif } from '../../portfolio/crif/write-crif.js';
import { black76Price } from '../../pricing/black76-price.js';
import { inverseOptionPrice } from '../../pricing/inverse-option.js';
import { computeSimm, loadSimmParameters } from '../../risk/simm/index.js';
import { computeMargin } from '../compute-margin.js';
import { readDetails } from '../define-model.js';
import type { MarginResult } from '../margin-result.js';
import { testMarket } from '../model-test-fixtures.js';
import { SimmDetailsSchema, type SimmCrifRow, type SimmDetails } from './simm-details.js';
import { vegaTenorWeights } from './simm-sensitivities.js';

const market = testMarket();

function simm(document: unknown, params: unknown = {}, m = market): { result: MarginResult; details: SimmDetails } {
  const result = computeMargin({ document }, m, 'simm', { params });
  const details = readDetails(SimmDetailsSchema, result);
  if (details === undefined) throw new Error('no details');
  return { result, details };
}

const sum = (rows: readonly SimmCrifRow[], riskType: string, label1?: string): number =>
  rows.filter((r) => r.riskType === riskType && (label1 === undefined || r.label1 === label1)).reduce((t, r) => t + r.amountUsd, 0);

const expiryMs = (date: string): number => Date.parse(`${date}T08:00:00Z`);

describe('simm on crossmargin books: sensitivities', () => {
  it('a linear perpetual: delta is 1 % of the notional in USD; an inverse perpetual: 1 % of its USD face', () => {
    const { details } = simm({ account: 'a', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2 }] });
    expect(details.crif).toHaveLength(1);
    expect(details.crif[0]).toMatchObject({ productClass: 'Equity', riskType: 'Risk_Equity', qualifier: 'BTC', bucket: 'Residual', amountCurrency: 'USD' });
    expect(details.crif[0]!.amountUsd).toBeCloseTo(2 * 66000 * 0.01, 8); // 1 coin per contract, USDC at 1
    // Coin-settled: V_usd = V_coin × S and the bump moves S too, so the USD face value is a linear exposure.
    const inverse = simm({ account: 'a', positions: [{ instrument: 'BTC-PERPETUAL', quantity: -1000 }] }).details;
    expect(sum(inverse.crif, 'Risk_Equity')).toBeCloseTo(-1000 * 10 * 0.01, 8);
    expect(sum(inverse.crif, 'Risk_EquityVol')).toBe(0);
  });

  it('a linear option: delta V(1.01 F) − V(F) and vega V(σ + 1 pt) − V(σ) as finite differences of the pricer, vega split by tenor', () => {
    const btc = market.underlying('BTC');
    const t = expiryMs('2024-12-27');
    const F = btc.forward(t);
    const vol = btc.vol(t, 80000);
    const tau = (t - market.asOfMs) / (365 * 86400000);
    const df = Math.exp(-btc.rate * tau);
    const v = (f: number, s: number): number => black76Price(true, f, 80000, tau, s, df);
    const q = 3;
    const { details } = simm({ account: 'a', positions: [{ instrument: 'BTC_USDC-27DEC24-80000-C', quantity: q }] });
    expect(sum(details.crif, 'Risk_Equity')).toBeCloseTo(q * (v(1.01 * F, vol) - v(F, vol)), 6);
    const vega = q * (v(F, vol + 0.01) - v(F, vol));
    expect(sum(details.crif, 'Risk_EquityVol')).toBeCloseTo(vega, 6);
    // 193 days: between the 6m (182.5 d) and 1y (365 d) tenors, linearly.
    const days = tau * 365;
    const w6m = (365 - days) / (365 - 182.5);
    expect(sum(details.crif, 'Risk_EquityVol', '6m')).toBeCloseTo(vega * w6m, 6);
    expect(sum(details.crif, 'Risk_EquityVol', '1y')).toBeCloseTo(vega * (1 - w6m), 6);
  });

  it('an inverse option: the USD delta includes the coin itself moving (V_coin(1.01 F) × 1.01 S − V_coin(F) × S)', () => {
    const btc = market.underlying('BTC');
    const t = expiryMs('2024-12-27');
    const F = btc.forward(t);
    const vol = btc.vol(t, 60000);
    const tau = (t - market.asOfMs) / (365 * 86400000);
    const df = Math.exp(-btc.rate * tau);
    const v = (f: number, s: number): number => inverseOptionPrice(true, f, 60000, tau, s, df);
    const S = btc.index;
    const { details } = simm({ account: 'a', positions: [{ instrument: 'BTC-27DEC24-60000-C', quantity: -2 }] });
    expect(sum(details.crif, 'Risk_Equity')).toBeCloseTo(-2 * (v(1.01 * F, vol) * 1.01 * S - v(F, vol) * S), 6);
    expect(sum(details.crif, 'Risk_EquityVol')).toBeCloseTo(-2 * (v(F, vol + 0.01) - v(F, vol)) * S, 6);
  });

  it('collateral: a non-USD currency is FX delta (1 % of its USD value); stablecoins count as USD; coins follow their mapping', () => {
    const m = parseMarketSnapshot({ asOf: '2024-06-17T08:00:00Z', underlyings: { BTC: { index: 66000 } }, fx: { USDC: 0.999, EUR: 1.08 } });
    const { details, result } = simm({ account: 'a', positions: [], collateral: { EUR: 1000, USDC: 5000, BTC: 0.5 } }, {}, m);
    expect(details.crif.find((r) => r.riskType === 'Risk_FX')).toMatchObject({ productClass: 'RatesFX', qualifier: 'EUR', tradeId: 'collateral.EUR', amountUsd: 1000 * 1.08 * 0.01 });
    expect(details.crif.some((r) => r.qualifier === 'USDC')).toBe(false);
    expect(sum(details.crif, 'Risk_Equity')).toBeCloseTo(0.5 * 66000 * 0.01, 8);
    expect(details.mappings).toEqual(
      expect.arrayContaining([
        { name: 'EUR', riskClass: 'FX', bucket: '', source: 'currency', teamChoice: false },
        { name: 'USDC', riskClass: 'None', bucket: '', source: 'stablecoin', teamChoice: true },
        { name: 'BTC', riskClass: 'Equity', bucket: 'Residual', source: 'default', teamChoice: true },
      ]),
    );
    // FX: RW 7.4 per 1 % (EUR regular vol, v2.6 10d); Equity residual RW 50. Two product classes, summed.
    expect(result.initialMargin).toBeCloseTo(7.4 * 10.8 + 50 * 330, 6);
    expect(details.approximations.join(' ')).toMatch(/BTC: mapped to Equity bucket Residual \(team's choice/);
  });

  it('mapping overrides: Commodity bucket 16, or FX with vega on the <name>USD pair', () => {
    const doc = { account: 'a', positions: [{ instrument: 'BTC_USDC-27DEC24-80000-C', quantity: 1 }] };
    const commodity = simm(doc, { underlyings: { BTC: { riskClass: 'Commodity', bucket: '16' } } }).details;
    expect(new Set(commodity.crif.map((r) => `${r.productClass}/${r.riskType}/${r.bucket}`))).toEqual(new Set(['Commodity/Risk_Commodity/16', 'Commodity/Risk_CommodityVol/16']));
    const fx = simm(doc, { defaultMapping: { riskClass: 'FX' } }).details;
    expect(new Set(fx.crif.map((r) => `${r.productClass}/${r.riskType}/${r.qualifier}`))).toEqual(new Set(['RatesFX/Risk_FX/BTC', 'RatesFX/Risk_FXVol/BTCUSD']));
    // The option's premium is held in USDC, a stablecoin: counted as dollars, and said so.
    expect(fx.approximations).toEqual([expect.stringMatching(/^BTC: mapped to FX \(team's choice/), expect.stringMatching(/^USDC: counted as US dollars/)]);
  });

  it('refuses bad mappings and versions, naming the field', () => {
    const doc = { account: 'a', positions: [{ instrument: 'BTC-PERPETUAL', quantity: 1 }], collateral: { USDC: 10 } };
    expect(() => simm(doc, { defaultMapping: { riskClass: 'Commodity', bucket: 'Residual' } })).toThrow(/defaultMapping\.bucket/);
    expect(() => simm(doc, { underlyings: { BTC: { riskClass: 'FX', bucket: '1' } } })).toThrow(/underlyings\.BTC\.bucket/);
    expect(() => simm(doc, { underlyings: { USDC: { riskClass: 'FX' } } })).toThrow(/underlyings\.USDC\.riskClass.*three-letter/);
    expect(() => simm(doc, { version: '2.4' })).toThrow(/version/);
    expect(() => simm(doc, { mpor: '5d' })).toThrow(/mpor/);
  });

  it('vega tenors: before 2w all on 2w, after 30y all on 30y, on a tenor all on it', () => {
    expect(vegaTenorWeights(3)).toEqual([{ label: '2w', weight: 1 }]);
    expect(vegaTenorWeights(40 * 365)).toEqual([{ label: '30y', weight: 1 }]);
    expect(vegaTenorWeights(365)).toEqual([{ label: '1y', weight: 1 }]);
    const w = vegaTenorWeights(21);
    expect(w.map((x) => x.label)).toEqual(['2w', '1m']);
    expect(w[0]!.weight).toBeCloseTo((365 / 12 - 21) / (365 / 12 - 14), 12);
  });
});

describe('simm on crossmargin books: margins', () => {
  const book = {
    account: 'rt',
    currency: 'USD',
    positions: [
      { instrument: 'BTC-PERPETUAL', quantity: 5000 },
      { instrument: 'BTC-27DEC24-60000-C', quantity: -3 },
      { instrument: 'BTC_USDC-27DEC24-80000-C', quantity: 4 },
      { instrument: { symbol: 'SPX-SEP24-5000-P', kind: 'option', underlying: 'SPX', expiry: '2024-09-20', strike: 5000, right: 'put', multiplier: 100 }, quantity: -7 },
    ],
    collateral: { BTC: 1.5, USDC: 20000 },
  };

  it('round trip: portfolio → CRIF text → parseCrif → computeSimm equals the model’s initial margin', () => {
    const { result, details } = simm(book);
    const rows = parseCrif(formatCrif(details.crif), 'round-trip.csv');
    expect(rows).toHaveLength(details.crif.length);
    const again = computeSimm(rows, loadSimmParameters('2.6', '10d'));
    expect(again.total).toBe(result.initialMargin);
    expect(again.total).toBe(details.totalUsd);
    expect(result.initialMargin).toBeGreaterThan(0);
    const oneDay = simm(book, { mpor: '1d' });
    expect(computeSimm(parseCrif(formatCrif(oneDay.details.crif), 'x'), loadSimmParameters('2.6', '1d')).total).toBe(oneDay.result.initialMargin);
  });

  it('cross: components are the product classes and add up; isolated: each position alone, summed', () => {
    const cross = simm(book).result;
    expect(cross.components.map((c) => c.group).sort()).toEqual(['Equity']);
    expect(cross.components.reduce((t, c) => t + c.value, 0)).toBeCloseTo(cross.initialMargin, 8);
    expect(cross.maintenanceMargin).toBe(cross.initialMargin);
    const isolated = simm({ ...book, mode: 'isolated' }).result;
    expect(isolated.components.map((c) => c.name)).toEqual(['positionMargin', 'positionMargin', 'positionMargin', 'positionMargin', 'collateralMargin']);
    expect(isolated.initialMargin).toBeCloseTo(isolated.components.reduce((t, c) => t + c.value, 0), 8);
    // Position contributions are each position's own SIMM: in isolated mode the position components.
    expect(isolated.positions.map((p) => p.contribution)).toEqual(isolated.components.slice(0, 4).map((c) => c.value));
  });

  it('converts the USD figure into the account currency at the snapshot', () => {
    const usd = simm(book).result.initialMargin;
    const inBtc = simm({ ...book, currency: 'BTC', collateral: { USD: 0, BTC: 1.5, USDC: 20000 } }).result;
    expect(inBtc.currency).toBe('BTC');
    expect(inBtc.initialMargin).toBeCloseTo(usd / 66000, 10);
  });

  it('property: doubling every position (and the collateral) doubles every sensitivity', () => {
    const instruments = ['BTC-PERPETUAL', 'BTC-27DEC24', 'BTC-27DEC24-60000-C', 'BTC-28JUN24-66000-C', 'BTC_USDC-PERPETUAL', 'BTC_USDC-27DEC24-80000-C'];
    fc.assert(
      fc.property(
        fc.array(fc.record({ instrument: fc.constantFrom(...instruments), quantity: fc.integer({ min: -20_000, max: 20_000 }) }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 100 }),
        (positions, btc) => {
          const once = simm({ account: 'p', positions, collateral: { BTC: btc } }).details.crif;
          const twice = simm({ account: 'p', positions: positions.map((p) => ({ ...p, quantity: 2 * p.quantity })), collateral: { BTC: 2 * btc } }).details.crif;
          expect(twice.map((r) => `${r.tradeId}/${r.riskType}/${r.label1}`)).toEqual(once.map((r) => `${r.tradeId}/${r.riskType}/${r.label1}`));
          twice.forEach((r, k) => expect(r.amountUsd).toBeCloseTo(2 * once[k]!.amountUsd, 6));
        },
      ),
      { numRuns: 25 },
    );
  });
});
