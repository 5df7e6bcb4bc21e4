import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../../core/errors.js';
import { parseAccountParams } from './account-params.js';
import { checkOrder, classifyAccount, marginRatio, type AccountState } from './account-state.js';

const plain = parseAccountParams({});
// initial 1,000, maintenance 800 in every case below.
const IM = 1000;
const MM = 800;

describe('classifyAccount', () => {
  it.each([
    [1500, 'healthy'],
    [1000, 'healthy'], // exactly at initial: safe side
    [999.99, 'margin-call'],
    [800, 'margin-call'], // exactly at maintenance: safe side
    [799.99, 'liquidation'],
    [0, 'liquidation'],
    [-50, 'liquidation'],
  ] as const)('equity %d → %s', (equity, state) => {
    const s = classifyAccount(equity, IM, MM, plain);
    expect(s.state).toBe(state);
    expect(s.reduceOnly).toBe(state !== 'healthy');
    expect(s.excess).toBe(equity - IM);
  });

  it('computes the margin ratio maintenance / equity (∞ at equity ≤ 0, 0 with no requirement)', () => {
    expect(classifyAccount(1600, IM, MM, plain).marginRatio).toBe(0.5);
    expect(marginRatio(0, MM)).toBe(Number.POSITIVE_INFINITY);
    expect(marginRatio(-1, MM)).toBe(Number.POSITIVE_INFINITY);
    expect(marginRatio(-1, 0)).toBe(0);
    expect(marginRatio(MM, MM)).toBe(1);
  });

  it('liquidation ⇔ margin ratio > 1 without a buffer (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 1e-3, max: 1e6, noNaN: true }), (equity, mm) => {
        const s = classifyAccount(equity, mm * 1.5, mm, plain);
        expect(s.state === 'liquidation').toBe(s.marginRatio > 1);
      }),
    );
  });

  it('margin-call hysteresis: back to healthy only at initial × (1 + buffer)', () => {
    const params = parseAccountParams({ marginCallBuffer: 0.1 }); // healthy again at 1,100
    const path: [number, AccountState][] = [
      [1200, 'healthy'],
      [1050, 'healthy'], // entering needs equity < initial; the buffer does not apply to a healthy account
      [990, 'margin-call'],
      [1050, 'margin-call'], // above initial but below 1,100: stays
      [1099.99, 'margin-call'],
      [1100, 'healthy'],
      [1050, 'healthy'],
      [700, 'liquidation'],
      [900, 'margin-call'], // out of liquidation, not yet healthy
      [1050, 'margin-call'],
      [1150, 'healthy'],
    ];
    let previous: AccountState | undefined;
    for (const [equity, expected] of path) {
      const s = classifyAccount(equity, IM, MM, params, previous);
      expect([equity, s.state]).toEqual([equity, expected]);
      previous = s.state;
    }
  });

  it('a liquidation buffer liquidates earlier, never later (more conservative)', () => {
    const params = parseAccountParams({ liquidationBuffer: 0.1 }); // liquidation below 880
    expect(classifyAccount(870, IM, MM, params).state).toBe('liquidation');
    expect(classifyAccount(870, IM, MM, plain).state).toBe('margin-call');
    expect(classifyAccount(881, IM, MM, params).state).toBe('margin-call');
    expect(classifyAccount(870, IM, MM, params).thresholds).toEqual({ liquidationBelow: expect.closeTo(880, 9), marginCallBelow: 1000 });
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        (equity, mm, extra, buffer) => {
          const without = classifyAccount(equity, mm * (1 + extra), mm, plain).state;
          const withBuffer = classifyAccount(equity, mm * (1 + extra), mm, parseAccountParams({ liquidationBuffer: buffer })).state;
          if (without === 'liquidation') expect(withBuffer).toBe('liquidation');
        },
      ),
    );
  });

  it('refuses non-finite inputs naming them', () => {
    expect(() => classifyAccount(Number.NaN, IM, MM, plain)).toThrow(CrossmarginError);
    expect(() => classifyAccount(1, Number.POSITIVE_INFINITY, MM, plain)).toThrow(/initialMargin/);
  });
});

describe('checkOrder', () => {
  it('lets a healthy account trade anything', () => {
    expect(checkOrder('healthy', 5, 100).allowed).toBe(true);
    expect(checkOrder('healthy', 0, -3).allowed).toBe(true);
  });

  it.each([
    [10, -4, true], // reduce a long
    [10, -10, true], // close a long
    [10, -11, false], // flip a long
    [10, 1, false], // add to a long
    [-10, 4, true], // reduce a short
    [-10, 10, true],
    [-10, 12, false],
    [-10, -1, false],
    [0, 1, false], // open
    [0, -1, false],
    [10, 0, true], // nothing
    [0, 0, true],
  ] as const)('reduce-only: position %d, order %d → %s', (position, order, allowed) => {
    for (const state of ['margin-call', 'liquidation'] as const) {
      const check = checkOrder(state, position, order);
      expect(check.allowed).toBe(allowed);
      expect(check.reason).toMatch(allowed ? /reduces|changes nothing/ : /reduce-only/);
    }
  });

  it('allows exactly the orders that neither grow |position| nor flip it (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -1000, max: 1000 }), (position, order) => {
        const after = position + order;
        const reduces = Math.abs(after) <= Math.abs(position) && after * position >= 0;
        expect(checkOrder('margin-call', position, order).allowed).toBe(reduces);
      }),
    );
  });
});
