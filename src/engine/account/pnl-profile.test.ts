import { describe, expect, it } from 'vitest';
import { accountTestMarket, ACCOUNT_TEST_MARKET_FILE } from './account-test-fixtures.js';
import { pnlProfile } from './pnl-profile.js';
import { shiftVol } from './shift-vol.js';

const market = accountTestMarket();

describe('pnlProfile', () => {
  it('a linear perpetual book gains quantity × move × index, whatever the vols do', () => {
    const doc = { account: 'p', currency: 'USD', mode: 'cross', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2 }], collateral: { USDC: 10_000 } };
    const profile = pnlProfile(doc, market, { priceMoves: [-0.1, 0, 0.2], volMoves: [-0.2, 0, 0.2] });
    expect(profile.underlyings).toEqual(['BTC']);
    for (const row of profile.pnl) {
      expect(row[0]).toBeCloseTo(2 * -0.1 * 66_000, 6);
      expect(row[1]).toBeCloseTo(0, 9);
      expect(row[2]).toBeCloseTo(2 * 0.2 * 66_000, 6);
    }
    expect(profile.worst.priceMove).toBe(-0.1);
    expect(profile.worst.pnl).toBeCloseTo(-13_200, 6);
  });

  it('a long call gains from higher vol at every price, and its worst point is price down with vol down', () => {
    const doc = { account: 'c', currency: 'USD', mode: 'cross', positions: [{ instrument: 'BTC-27DEC24-66000-C', quantity: 1 }], collateral: {} };
    const profile = pnlProfile(doc, market, { priceMoves: [-0.2, -0.1, 0, 0.1], volMoves: [-0.25, 0, 0.25] });
    const [down, same, up] = profile.pnl as [number[], number[], number[]];
    for (let p = 0; p < 4; p++) {
      expect(down[p]!).toBeLessThan(same[p]!);
      expect(same[p]!).toBeLessThan(up[p]!);
    }
    expect(same[2]).toBeCloseTo(0, 9);
    expect(profile.worst).toMatchObject({ priceMove: -0.2, volMove: -0.25 });
  });

  it('refuses moves at or below −100 % and names the field', () => {
    const doc = { account: 'p', currency: 'USD', mode: 'cross', positions: [], collateral: { USDC: 1 } };
    expect(() => pnlProfile(doc, market, { priceMoves: [0, -1] })).toThrow(/priceMoves\.1/);
    expect(() => pnlProfile(doc, market, { volMoves: [Number.NaN] })).toThrow(/volMoves\.0/);
  });
});

describe('shiftVol', () => {
  it('scales every smile vol and leaves prices alone', () => {
    const file = market.toJSON();
    const shifted = shiftVol(file, 'BTC', 1.2);
    expect(shifted.underlyings.BTC?.vol?.smiles?.[0]?.vols).toEqual([0.62 * 1.2, 0.55 * 1.2, 0.58 * 1.2]);
    expect(shifted.underlyings.BTC?.index).toBe(ACCOUNT_TEST_MARKET_FILE.underlyings.BTC?.index);
    expect(file.underlyings.BTC?.vol?.smiles?.[0]?.vols).toEqual([0.62, 0.55, 0.58]);
    expect(shiftVol(file, 'SPX', 0.5).underlyings.SPX?.vol?.atm).toBeCloseTo(0.07, 12);
  });

  it('names a missing underlying and a bad factor', () => {
    expect(() => shiftVol(market.toJSON(), 'DOGE', 1.1)).toThrow(/underlyings\.DOGE/);
    expect(() => shiftVol(market.toJSON(), 'BTC', 0)).toThrow(/volFactor/);
  });
});
