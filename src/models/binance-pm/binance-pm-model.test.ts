import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { computeMargin } from '../compute-margin.js';
import { binanceAdjustedEquity, binanceFuturesMM, binanceMarginMM, binanceProZone, binanceUnrealisedPnl } from './binance-pm-model.js';
import { BINANCE_DEFAULT_BRACKETS } from './binance-pm-params.js';

describe('binance-pm', () => {
  it('TV-B1 (crypto-venues.md §3): uPnL +600 USDT, −414 USDT, −0.05 BTC', () => {
    expect(binanceUnrealisedPnl('UM', -0.05, 52000, 40000)).toBeCloseTo(600, 9);
    expect(binanceUnrealisedPnl('UM', 0.04, 52350, 42000)).toBeCloseTo(-414, 9);
    expect(binanceUnrealisedPnl('CM', 10000, 50000, 40000)).toBeCloseTo(-0.05, 12);
  });

  it('TV-B1 (§3): 0.5 % bracket → futuresMM 10 USDT, 8.4 USDT, 0.00125 BTC', () => {
    expect(binanceFuturesMM(-0.05 * 40000, BINANCE_DEFAULT_BRACKETS).mm).toBeCloseTo(10, 9);
    expect(binanceFuturesMM(0.04 * 42000, BINANCE_DEFAULT_BRACKETS).mm).toBeCloseTo(8.4, 9);
    expect(binanceFuturesMM(10000 / 40000, BINANCE_DEFAULT_BRACKETS).mm).toBeCloseTo(0.00125, 12);
  });

  it('TV-B1 (§3): loans BTC 0.04 / ETH 15 → MarginMM 0.004 / 1.5 at 10 % (3x)', () => {
    expect(binanceMarginMM(0.04, 3)).toBeCloseTo(0.004, 12);
    expect(binanceMarginMM(15, 3)).toBeCloseTo(1.5, 12);
    expect(binanceMarginMM(100, 5)).toBeCloseTo(8, 12);
    expect(binanceMarginMM(100, 10)).toBeCloseTo(5, 12);
  });

  it('tiered maintenance: |MMR_bracket·notional| − cum is continuous at bracket floors', () => {
    const b = [
      { notionalFloor: 0, mmr: 0.005 },
      { notionalFloor: 50000, mmr: 0.01 },
      { notionalFloor: 250000, mmr: 0.02 },
    ];
    expect(binanceFuturesMM(100000, b)).toEqual({ mm: 100000 * 0.01 - 250, mmr: 0.01, cum: 250 });
    expect(binanceFuturesMM(250000, b).mm).toBeCloseTo(250000 * 0.01 - 250, 9);
    expect(binanceFuturesMM(300000, b).mm).toBeCloseTo(300000 * 0.02 - 250 - 2500, 9);
  });

  it('adjustedEquity = Σ min(v·rate, v); zones', () => {
    expect(binanceAdjustedEquity([{ value: 1000, collateralRate: 0.9 }, { value: -100, collateralRate: 0.9 }])).toBeCloseTo(800, 12);
    expect(binanceProZone(1.6)).toBe('free');
    expect(binanceProZone(1.3)).toBe('reminder');
    expect(binanceProZone(1.1)).toBe('reduce-only');
    expect(binanceProZone(1.02)).toBe('liquidation');
  });

  it('account: TV-B1 USDT-M perp short 0.05 BTC at mark 40,000 with a 0.04 BTC loan (negative spot position)', () => {
    const market = parseMarketSnapshot({ asOf: '2024-06-17T08:00:00Z', underlyings: { BTC: { index: 40000 } }, fx: { USDT: 1 } });
    const r = computeMargin(
      {
        document: {
          account: 'b',
          currency: 'USD',
          collateral: { USDT: 10000 },
          positions: [
            { instrument: { symbol: 'BTCUSDT', kind: 'perpetual', underlying: 'BTC', currency: 'USDT' }, quantity: -0.05 },
            { instrument: { symbol: 'BTC', kind: 'spot', underlying: 'BTC', currency: 'USDT' }, quantity: -0.04 },
          ],
        },
      },
      market,
      'binance-pm',
    );
    expect(r.maintenanceMargin).toBeCloseTo(10 + 0.004 * 40000, 9);
    expect(r.initialMargin).toBeCloseTo(2000 / 20 + (0.04 * 40000) / 2, 9);
    expect(r.details?.adjustedEquity).toBeCloseTo(10000 - 1600, 9);
    expect(r.details?.uniMMR).toBeCloseTo(8400 / 170, 9);
  });
});
