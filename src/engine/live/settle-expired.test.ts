import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { nextExpiryMs, settleExpired } from './settle-expired.js';

const market = parseMarketSnapshot({ asOf: '2024-06-28T09:00:00Z', underlyings: { BTC: { index: 70_000, vol: { atm: 0.5 } } }, fx: { USDC: 1 } }, 'test');

describe('settleExpired', () => {
  it('settles coin-settled options at intrinsic value in coin, linear futures from their entry price, keeps the rest', () => {
    const doc = {
      account: 'a',
      currency: 'USD',
      mode: 'cross' as const,
      positions: [
        { instrument: 'BTC-28JUN24-60000-C', quantity: 2 },
        { instrument: 'BTC-28JUN24-80000-P', quantity: 1 },
        { instrument: 'BTC_USDC-PERPETUAL', quantity: 1 },
        { instrument: { symbol: 'BTCM4', kind: 'future' as const, underlying: 'BTC', expiry: '2024-06-28', multiplier: 5, settlement: 'linear' as const, currency: 'USD' }, quantity: 2, entryPrice: 69_000 },
      ],
      collateral: { USDC: 1_000 },
    };
    const out = settleExpired(doc, market);
    expect(out?.kind).toBe('settled');
    if (out?.kind !== 'settled') return;
    expect(out.doc.positions).toEqual([{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }]);
    // Calls: 2 × 10,000 / 70,000 BTC; puts: 10,000 / 70,000 BTC; future: 2 × 5 × (70,000 − 69,000) USD.
    expect(out.doc.collateral.BTC).toBeCloseTo(30_000 / 70_000, 14);
    expect(out.doc.collateral.USD).toBe(10_000);
    expect(out.doc.collateral.USDC).toBe(1_000);
    expect(out.settlements.map((s) => [s.instrument, s.kind, s.settlementPrice])).toEqual([
      ['BTC-28JUN24-60000-C', 'option', 70_000],
      ['BTC-28JUN24-80000-P', 'option', 70_000],
      ['BTCM4', 'future', 70_000],
    ]);
  });

  it('nothing expired: undefined; a debit beyond the balance: blocked, nothing settled', () => {
    const live = { account: 'a', currency: 'USD', mode: 'cross' as const, positions: [{ instrument: 'BTC-27DEC24-60000-C', quantity: 1 }], collateral: {} };
    expect(settleExpired(live, market)).toBeUndefined();
    expect(nextExpiryMs(live)).toBe(Date.parse('2024-12-27T08:00:00Z'));
    const short = { ...live, positions: [{ instrument: 'BTC-28JUN24-60000-C', quantity: -1 }], collateral: { BTC: 0.1 } };
    expect(settleExpired(short, market)).toMatchObject({ kind: 'blocked', field: 'collateral.BTC' });
    // An out-of-the-money short expires worthless: settled, nothing debited.
    const otm = { ...live, positions: [{ instrument: 'BTC-28JUN24-90000-C', quantity: -1 }], collateral: { BTC: 0.1 } };
    expect(settleExpired(otm, market)).toMatchObject({ kind: 'settled', doc: { positions: [], collateral: { BTC: 0.1 } } });
  });
});
