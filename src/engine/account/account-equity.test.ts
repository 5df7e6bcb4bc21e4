import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InstrumentTable } from '../../instruments/instrument-table.js';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { priceInstrument } from '../../pricing/instrument-pricer.js';
import { parseDeribitName } from '../../instruments/parse-deribit-name.js';
import { resolvePortfolio } from '../../portfolio/resolve-portfolio.js';
import { accountEquity, collateralAsPositions } from './account-equity.js';
import { parseAccountParams } from './account-params.js';
import { scaleUnderlying } from './scale-underlying.js';
import { accountTestMarket } from './account-test-fixtures.js';

const market = accountTestMarket();

function equityOf(doc: unknown, accountParams?: unknown, base?: typeof market, on = market) {
  const table = new InstrumentTable();
  const resolved = resolvePortfolio(doc, table);
  return accountEquity(resolved, table, on, parseAccountParams(accountParams), base === undefined ? {} : { base });
}

describe('accountEquity', () => {
  it('values the DESIGN.md collateral by hand: 1.2 BTC at 66,000 with a 5 % haircut, 50,000 USDC', () => {
    const e = equityOf({ account: 'a', positions: [], collateral: { BTC: 1.2, USDC: 50000 } });
    // 1.2 × 66,000 = 79,200; haircut 5 % = 3,960; USDC at 1 with no haircut.
    expect(e.collateralValue).toBeCloseTo(129_200, 9);
    expect(e.haircutAmount).toBeCloseTo(3_960, 9);
    expect(e.positionsValue).toBe(0);
    expect(e.equity).toBeCloseTo(125_240, 9);
    expect(e.perCurrency).toEqual([
      { currency: 'BTC', balance: 1.2, fxRate: 66000, value: 79_200, haircut: 0.05, haircutAmount: expect.closeTo(3_960, 9), valueAfterHaircut: expect.closeTo(75_240, 9) },
      { currency: 'USDC', balance: 50000, fxRate: 1, value: 50_000, haircut: 0, haircutAmount: 0, valueAfterHaircut: 50_000 },
    ]);
  });

  it('states equity in the account currency (a BTC account: its own BTC is not haircut, USDC is worth 1/66,000 BTC)', () => {
    const e = equityOf({ account: 'a', currency: 'BTC', positions: [], collateral: { BTC: 1.2, USDC: 66000 } });
    expect(e.currency).toBe('BTC');
    expect(e.haircutAmount).toBe(0);
    expect(e.equity).toBeCloseTo(2.2, 12);
  });

  it('adds option premiums (long positive, short negative), spot holdings, and futures at 0', () => {
    const call = 'BTC-27DEC24-66000-C'; // inverse: premium in BTC per contract
    const premiumBtc = priceInstrument(parseDeribitName(call), market).value;
    const e = equityOf({
      account: 'a',
      positions: [
        { instrument: call, quantity: -3 },
        { instrument: 'BTC', quantity: 0.5 },
        { instrument: 'BTC-PERPETUAL', quantity: 1000 },
      ],
      collateral: { USDC: 10000 },
    });
    expect(e.positions.map((p) => p.basis)).toEqual(['premium', 'holding', 'variation']);
    expect(e.positions[0]?.value).toBeCloseTo(-3 * premiumBtc * 66000, 6);
    expect(e.positions[1]?.value).toBeCloseTo(33_000, 9);
    expect(e.positions[2]?.value).toBe(0);
    expect(e.equity).toBeCloseTo(10000 - 3 * premiumBtc * 66000 + 33_000, 6);
  });

  it('values futures and perpetuals by their P&L from a base market (inverse P&L converts at the shifted price)', () => {
    const shifted = parseMarketSnapshot(scaleUnderlying(market.toJSON(), 'BTC', 1.1));
    const doc = {
      account: 'a',
      positions: [
        { instrument: 'BTC-PERPETUAL', quantity: 1000 }, // 10,000 USD face: gains 10,000 × (1.1 − 1) = 1,000 USD
        { instrument: 'BTC_USDC-PERPETUAL', quantity: -2 }, // loses 2 × 6,600 = 13,200 USDC
        // 1,000 USD face on the forward: 1,000 × (1/F − 1/1.1F) coin, worth × 1.1 S: 100 × S/F USD.
        { instrument: 'BTC-27DEC24', quantity: 100 },
      ],
    };
    const e = equityOf(doc, undefined, market, shifted);
    expect(e.positions[0]?.value).toBeCloseTo(1000, 8);
    expect(e.positions[1]?.value).toBeCloseTo(-13_200, 8);
    expect(e.positions[2]?.value).toBeCloseTo((100 * 66000) / 67980, 8);
    // No base: marked to market, worth 0.
    expect(equityOf(doc, undefined, undefined, shifted).positionsValue).toBe(0);
  });

  it('counts unrealised P&L from an entry price (linear and inverse), also on a shifted market', () => {
    const doc = {
      account: 'a',
      positions: [
        { instrument: 'BTC_USDC-PERPETUAL', quantity: 2, entryPrice: 60_000 }, // 2 × (66,000 − 60,000) = 12,000 USDC
        // 10,000 USD face entered at 50,000: 10,000 × (1/50,000 − 1/66,000) BTC, worth × 66,000 USD = 3,200 USD.
        { instrument: 'BTC-PERPETUAL', quantity: 1000, entryPrice: 50_000 },
        { instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }, // no entry price: its P&L is in collateral already
      ],
    };
    const e = equityOf(doc);
    expect(e.positions[0]?.value).toBeCloseTo(12_000, 8);
    expect(e.positions[1]?.value).toBeCloseTo(3_200, 8);
    expect(e.positions[2]?.value).toBe(0);
    const shifted = parseMarketSnapshot(scaleUnderlying(market.toJSON(), 'BTC', 0.5));
    // From the entry to the shifted mark 33,000: 2 × (33,000 − 60,000); the base market only matters without an entry.
    expect(equityOf(doc, undefined, market, shifted).positions[0]?.value).toBeCloseTo(-54_000, 8);
  });

  it('refuses an entry price on an option, naming the field', () => {
    expect(() => equityOf({ account: 'a', positions: [{ instrument: 'BTC-27DEC24-66000-C', quantity: 1, entryPrice: 5_000 }] })).toThrow(/positions\.0\.entryPrice/);
  });

  it('haircuts never raise equity, and more haircut never gives more equity (property)', () => {
    const currencies = ['BTC', 'ETH', 'USDC', 'USDT', 'USD'] as const;
    const withEth = parseMarketSnapshot({ ...market.toJSON(), underlyings: { ...market.toJSON().underlyings, ETH: { index: 3500 } } });
    const balance = fc.double({ min: 0, max: 1e7, noNaN: true });
    const haircut = fc.double({ min: 0, max: 1, noNaN: true });
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...currencies), balance),
        fc.dictionary(fc.constantFrom(...currencies), fc.tuple(haircut, haircut)),
        fc.constantFrom('USD', 'BTC', 'USDC'),
        (collateral, pairs, currency) => {
          const doc = { account: 'a', currency, positions: [{ instrument: 'BTC-27DEC24-70000-P', quantity: -1 }], collateral };
          const low = Object.fromEntries(Object.entries(pairs).map(([c, [a, b]]) => [c, Math.min(a, b)]));
          const high = Object.fromEntries(Object.entries(pairs).map(([c, [a, b]]) => [c, Math.max(a, b)]));
          const zero = Object.fromEntries(currencies.map((c) => [c, 0]));
          const table = new InstrumentTable();
          const resolved = resolvePortfolio(doc, table);
          const eq = (h: Record<string, number>) =>
            accountEquity(resolved, table, withEth, parseAccountParams({ haircuts: h, defaultHaircut: 0 })).equity;
          const none = eq(zero);
          const lowCut = eq({ ...zero, ...low });
          const highCut = eq({ ...zero, ...high });
          const slack = 1e-9 * Math.max(1, Math.abs(none));
          expect(lowCut).toBeLessThanOrEqual(none + slack);
          expect(highCut).toBeLessThanOrEqual(lowCut + slack);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('collateralAsPositions', () => {
  it('maps every currency but the account currency to a bare-code spot holding, skipping zero balances', () => {
    expect(collateralAsPositions({ BTC: 1.2, USDC: 50000, USD: 100, ETH: 0 }, 'USD')).toEqual([
      { instrument: 'BTC', quantity: 1.2 },
      { instrument: 'USDC', quantity: 50000 },
    ]);
    expect(collateralAsPositions({ BTC: 1.2, USDC: 50000 }, 'BTC')).toEqual([{ instrument: 'USDC', quantity: 50000 }]);
  });

  it('gives names the instruments layer parses as spot holdings', () => {
    for (const p of collateralAsPositions({ BTC: 1, USDC: 2, ETH: 3 }, 'USD')) {
      const spec = parseDeribitName(p.instrument);
      expect(spec.kind).toBe('spot');
      expect(spec.underlying).toBe(p.instrument);
    }
  });
});
