import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { InstrumentTable } from '../../instruments/instrument-table.js';
import type { MarketSnapshot } from '../../market/market-snapshot.js';
import { resolvePortfolio } from '../../portfolio/resolve-portfolio.js';
import type { MarginResult } from '../margin-result.js';
import { deribitPmModel } from './deribit-pm-model.js';
import { TEST_INSTRUMENTS, testMarket } from '../model-test-fixtures.js';
import { deribitVolShockFactor, extendedScale } from './deribit-pm-model.js';

/** computeMargin for the (unregistered) model: resolve, compile, evaluate. */
function computeMargin(p: { document: unknown }, market: MarketSnapshot, _id: 'deribit-pm', options: { params?: unknown } = {}): MarginResult {
  const instruments = new InstrumentTable();
  const resolved = resolvePortfolio(p.document, instruments);
  const params = DeribitPmParamsSchema.parse(options.params ?? {});
  return deribitPmModel.compile(params, { instruments, market }).evaluate(resolved);
}
import { DERIBIT_PM_BTC_2024_06_17, DeribitPmParamsSchema } from './deribit-pm-params.js';

/**
 * TV-D1 (crypto-venues.md §1.2): Deribit's pme/simulate docs example, BTC S:PM, 2024-06-17 10:22 UTC.
 * The engine prices a perpetual off the snapshot index, so the index is set to the perpetual's mark 65,910.57 and the
 * 28JUN24 future's mark is given as its forward; positions are the published coin-equivalents × mark / 10 USD face.
 */
const PERP_MARK = 65910.57;
const FUT_MARK = 67371.75;
const PERP_COIN = 0.314538364;
const FUT_COIN = -0.001187534;
const tvD1Market = parseMarketSnapshot(
  {
    asOf: '2024-06-17T10:22:20.501Z',
    underlyings: { BTC: { index: PERP_MARK, rate: 0, forwards: { '2024-06-28T08:00:00Z': FUT_MARK }, vol: { atm: 0.45 } } },
  },
  'tv-d1',
);
const tvD1Portfolio = {
  document: {
    account: 'tv-d1',
    currency: 'BTC',
    mode: 'cross',
    positions: [
      { instrument: 'BTC-PERPETUAL', quantity: (PERP_COIN * PERP_MARK) / 10 },
      { instrument: 'BTC-28JUN24', quantity: (FUT_COIN * FUT_MARK) / 10 },
    ],
  },
};

interface CurrencyDetail {
  preAggregatedRiskVectors: { standard: number[]; extended: number[] };
  aggregatedRiskVectors: { standard: number[]; extended: number[] };
  worstCase: { value: number; index: number; bucket: number; side: string; source: string };
  rollShock: number;
  deltaShock: number;
  riskMatrixMargin: number;
}

describe('deribit-pm: TV-D1 (crypto-venues.md §1.2)', () => {
  const r = computeMargin(tvD1Portfolio, tvD1Market, 'deribit-pm');
  const btc = (r.details?.['currencies'] as CurrencyDetail[])[0]!;
  const vectors = r.details?.['initialRiskVectors'] as { standard: number[]; extended: number[] }[];

  it('perpetual initial risk vector: −16 % → −0.05991206933, +16 % → +0.04338460193', () => {
    expect(vectors[0]!.standard[0]).toBeCloseTo(-0.05991206933, 10);
    expect(vectors[0]!.standard[26]).toBeCloseTo(0.04338460193, 10);
    expect(vectors[1]!.standard[0]).toBeCloseTo(0.00022619695, 10);
  });

  it('perpetual extended vector = [−0.0599120693 ×2, +0.0433846019 ×6]', () => {
    const e = vectors[0]!.extended;
    expect(e).toHaveLength(8);
    e.slice(0, 2).forEach((x) => expect(x).toBeCloseTo(-0.0599120693, 9));
    e.slice(2).forEach((x) => expect(x).toBeCloseTo(0.0433846019, 9));
  });

  it('aggregated standard index 0 = −0.05968587238095239, up-moves 0, aggregated extended all 0', () => {
    expect(btc.aggregatedRiskVectors.standard[0]).toBeCloseTo(-0.05968587238095239, 11);
    btc.aggregatedRiskVectors.standard.slice(13).forEach((x) => expect(x).toBe(0));
    btc.aggregatedRiskVectors.extended.forEach((x) => expect(x).toBe(0));
  });

  it('worst case 0.05968587238095239, bucket 1, left, standard', () => {
    expect(btc.worstCase.value).toBeCloseTo(0.05968587238095239, 11);
    expect(btc.worstCase).toMatchObject({ bucket: 1, side: 'left', source: 'standard' });
    // Deribit reports index 1; the three vol entries of bucket 1 tie for delta-one and we keep the first (index 0).
    expect(btc.worstCase.index).toBe(0);
  });

  it('roll shock 0.00315725898, delta shock 0', () => {
    expect(btc.rollShock).toBeCloseTo(0.00315725898, 10);
    expect(btc.deltaShock).toBe(0);
  });

  it('MM 0.050274504784 = 0.8 × RMM; IM = RMM without mmp (0.06) and open orders (0.000018212)', () => {
    expect(btc.riskMatrixMargin).toBeCloseTo(0.06284313098, 9);
    expect(r.maintenanceMargin).toBeCloseTo(0.050274504784, 9);
    // Published IM 0.122861343 = RMM + mmp_margin 0.06 + open_orders_margin 0.000018212; a portfolio file has neither.
    expect(r.initialMargin).toBeCloseTo(0.122861343 - 0.06 - 0.000018212, 9);
    expect(r.components.map((c) => c.name)).toEqual(['worstCase', 'rollShock', 'deltaShock', 'correlationContingency']);
  });

  it('converts to the account currency at the index', () => {
    const usd = computeMargin({ document: { ...tvD1Portfolio.document, currency: 'USD' } }, tvD1Market, 'deribit-pm');
    expect(usd.maintenanceMargin).toBeCloseTo(r.maintenanceMargin * PERP_MARK, 6);
  });
});

describe('deribit-pm: pieces', () => {
  it('vol shock factor: (30/max(floor, DTE))^p, short power below 30 days, long from 30', () => {
    expect(deribitVolShockFactor(30, DERIBIT_PM_BTC_2024_06_17)).toBe(1);
    expect(deribitVolShockFactor(7.5, DERIBIT_PM_BTC_2024_06_17)).toBeCloseTo(Math.pow(4, 0.3), 12);
    expect(deribitVolShockFactor(120, DERIBIT_PM_BTC_2024_06_17)).toBeCloseTo(Math.pow(0.25, 0.13), 12);
    expect(deribitVolShockFactor(0.1, DERIBIT_PM_BTC_2024_06_17)).toBeCloseTo(Math.pow(30, 0.3), 12);
  });

  it('extended scaling makes inverse delta-one exactly the ±range P&L', () => {
    const f = DERIBIT_PM_BTC_2024_06_17;
    for (const m of f.extendedMoves) {
      const pnl = 1 - 1 / (1 + m);
      const range = Math.sign(m) * f.priceRange;
      expect(pnl * extendedScale(m, f, { settlement: 'inverse' })).toBeCloseTo(1 - 1 / (1 + range), 12);
    }
  });

  it('defaults carry asOf and source', () => {
    const p = DeribitPmParamsSchema.parse({});
    expect(p.asOf).toBe('2024-06-17');
    expect(p.source).toContain('pme/simulate');
  });

  it('positive-P&L offset: a long-only book with pnl_offset 1 and cap is charged only its losses', () => {
    const doc = { account: 't', currency: 'BTC', positions: [{ instrument: 'BTC-PERPETUAL', quantity: 1000 }] };
    const a = computeMargin({ document: doc }, tvD1Market, 'deribit-pm');
    const b = computeMargin({ document: doc }, tvD1Market, 'deribit-pm', { params: { pnlOffset: 1, maxOffsetablePnl: 0.001 } });
    expect(b.maintenanceMargin).toBeCloseTo(a.maintenanceMargin, 12);
    const agg = (b.details?.['currencies'] as CurrencyDetail[])[0]!.aggregatedRiskVectors.standard;
    expect(agg[26]).toBe(0.001);
  });

  it('a short option is charged, with the vol shock and the extended table', () => {
    const r = computeMargin({ document: { account: 't', currency: 'BTC', positions: [{ instrument: 'BTC-27DEC24-80000-C', quantity: -10 }] } }, testMarket(), 'deribit-pm');
    expect(r.maintenanceMargin).toBeGreaterThan(0);
    const w = (r.details?.['currencies'] as CurrencyDetail[])[0]!.worstCase;
    expect(w.side).toBe('right');
  });
});

describe('deribit-pm: properties', () => {
  const market = testMarket();
  const btcOnly = TEST_INSTRUMENTS.slice(0, 5);
  const book = fc.array(fc.record({ i: fc.integer({ min: 0, max: btcOnly.length - 1 }), q: fc.integer({ min: -500, max: 500 }) }), { minLength: 1, maxLength: 6 });
  const doc = (b: { i: number; q: number }[], k = 1) => ({ document: { account: 't', currency: 'BTC', positions: b.map((p) => ({ instrument: btcOnly[p.i], quantity: p.q * k })) } });

  it('margin ≥ 0 and MM = mm_factor × IM', () => {
    fc.assert(
      fc.property(book, (b) => {
        const r = computeMargin(doc(b), market, 'deribit-pm');
        expect(r.maintenanceMargin).toBeGreaterThanOrEqual(0);
        expect(r.maintenanceMargin).toBeCloseTo(0.8 * r.initialMargin, 12);
      }),
      { numRuns: 40 },
    );
  });

  it('scales by k without the fixed-USD dampener and the (quadratic) delta shock', () => {
    const params = { extendedDampenerUsd: 0, maxDeltaShock: 0 };
    fc.assert(
      fc.property(book, fc.double({ min: 0.1, max: 10, noNaN: true }), (b, k) => {
        const base = computeMargin(doc(b), market, 'deribit-pm', { params });
        const scaled = computeMargin(doc(b, k), market, 'deribit-pm', { params });
        expect(Math.abs(scaled.initialMargin - k * base.initialMargin)).toBeLessThanOrEqual(1e-9 * Math.max(1, scaled.initialMargin));
      }),
      { numRuns: 40 },
    );
  });
});
