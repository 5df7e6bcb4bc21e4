import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { floorFill, tradeCash, unpaidLosses, unpaidOf } from './liquidation-fills.js';
import { planLiquidation } from './liquidation-plan.js';
import { SimulatedExecutor, simulateFill } from './simulated-executor.js';

/** Test inputs (not market data). */
const market = parseMarketSnapshot({ asOf: '2024-06-17T08:00:00Z', underlyings: { BTC: { index: 66000, rate: 0, vol: { atm: 0.55 } } }, fx: { USDC: 1 } }, 'executor-test');
const doc = { account: 'x', currency: 'USD', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2, entryPrice: 70_000 }], collateral: { USDC: 20_000 } };

describe('SimulatedExecutor', () => {
  const plan = planLiquidation({ document: doc, market, model: 'scenario-grid', defaultRule: { penaltyRate: 0.001 } });

  it('fills each slice exactly as planned at the planning mark (deterministic)', async () => {
    expect(plan.slices.length).toBeGreaterThan(0);
    const executor = new SimulatedExecutor();
    for (const slice of plan.slices) {
      const fill = await executor.executeSlice(plan, slice);
      expect(fill).toEqual({
        planId: plan.id,
        slice: slice.index,
        instrument: slice.instrument,
        quantity: slice.quantity,
        price: slice.expected.price,
        cashDelta: expect.closeTo(slice.expected.cashDelta, 9),
        cashCurrency: 'USDC',
        penalty: slice.expected.penaltyCash,
      });
      expect(await executor.executeSlice(plan, slice)).toEqual(fill);
    }
  });

  it('at a live mark: the impact against the holder, cash realised from the entry price, fee on the new notional', async () => {
    const slice = plan.slices[0]!;
    const fill = await new SimulatedExecutor({ markOf: (symbol) => (symbol === 'BTC_USDC-PERPETUAL' ? 60_000 : undefined) }).executeSlice(plan, slice);
    // A long of 2 closes 0.5 at 60,000 × (1 − 0.005) = 59,700; from entry 70,000: 0.5 × −10,300 = −5,150.
    expect(fill.quantity).toBe(-0.5);
    expect(fill.price).toBeCloseTo(59_700, 9);
    expect(fill.penalty).toBeCloseTo(0.001 * 0.5 * 60_000, 9);
    expect(fill.cashDelta).toBeCloseTo(-5_150 - 30, 9);
    // A mark the executor cannot use falls back to the planning mark.
    expect(simulateFill(plan, slice, Number.NaN)).toEqual(simulateFill(plan, slice));
  });

  it('a short is bought back above the mark', () => {
    const short = planLiquidation({ document: { ...doc, positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: -2 }], collateral: { USDC: 10_000 } }, market, model: 'scenario-grid' });
    const fill = simulateFill(short, short.slices[0]!);
    expect(fill.quantity).toBe(0.5);
    expect(fill.price).toBeCloseTo(66_000 * 1.005, 9);
    expect(fill.cashDelta).toBeCloseTo(-0.5 * 66_000 * 0.005, 9);
  });
});

describe('floorFill and unpaid losses: a balance never goes below zero', () => {
  it('pays the trade, then the penalty, out of the balance; the rest is unpaid', () => {
    expect(floorFill(-100, 10, 1_000)).toEqual({ cashDelta: -110, fundReceived: 10, unpaid: 0 });
    // The fee comes out of what is left above zero only.
    expect(floorFill(-995, 10, 1_000)).toEqual({ cashDelta: -1_000, fundReceived: 5, unpaid: 0 });
    expect(floorFill(-1_300, 10, 1_000)).toEqual({ cashDelta: -1_000, fundReceived: 0, unpaid: 300 });
    expect(floorFill(250, 10, 0)).toEqual({ cashDelta: 240, fundReceived: 10, unpaid: 0 });
  });

  it('recovers each fill’s unpaid loss from what the store keeps (price, quantity, cash, fee, balance after)', () => {
    const bankrupt = planLiquidation({ document: { ...doc, collateral: { USDC: 7_000 } }, market, model: 'scenario-grid' });
    let balance = 7_000;
    const fills = bankrupt.slices.map((slice) => {
      const fill = simulateFill(bankrupt, slice);
      const trade = tradeCash(slice, fill.quantity, fill.price);
      const floored = floorFill(trade, fill.penalty, balance);
      balance = Math.max(0, balance + floored.cashDelta);
      return { applied: { slice: slice.index, quantity: fill.quantity, price: fill.price, cashDelta: floored.cashDelta, fundReceived: floored.fundReceived, balance }, unpaid: floored.unpaid };
    });
    fills.forEach((f) => expect(unpaidOf(bankrupt.slices[f.applied.slice]!, f.applied)).toBe(f.unpaid));
    const total = fills.reduce((s, f) => s + f.unpaid, 0);
    expect(total).toBeGreaterThan(0);
    // What the account could not pay is its expected negative end balance.
    expect(unpaidLosses(bankrupt.slices, fills.map((f) => f.applied))).toEqual({ byCurrency: { USDC: total }, value: total });
    expect(total).toBeCloseTo(-(bankrupt.expected.collateral['USDC'] ?? 0), 6);
  });
});
