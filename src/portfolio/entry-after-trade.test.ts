import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entryAfterTrade } from './entry-after-trade.js';

const linearPnl = (q: number, e: number, m: number) => q * (m - e);
const inversePnl = (q: number, e: number, m: number) => q * (1 / e - 1 / m);

describe('entryAfterTrade', () => {
  it('averages linear entries by quantity: 2 @ 100 then 1 @ 130 → 110', () => {
    expect(entryAfterTrade('linear', 2, 100, 1, 130)).toBeCloseTo(110, 12);
  });

  it('averages inverse entries harmonically: 10,000 @ 50,000 then 10,000 @ 25,000 → 33,333.33', () => {
    expect(entryAfterTrade('inverse', 10_000, 50_000, 10_000, 25_000)).toBeCloseTo(100_000 / 3, 6);
  });

  it('keeps the entry on a reduction, restarts it on a flip, clears it on a close', () => {
    expect(entryAfterTrade('linear', 5, 100, -2, 90)).toBe(100);
    expect(entryAfterTrade('linear', 5, 100, -8, 90)).toBe(90);
    expect(entryAfterTrade('linear', 5, 100, -5, 90)).toBeUndefined();
    expect(entryAfterTrade('linear', 0, undefined, 3, 70)).toBe(70);
    expect(entryAfterTrade('linear', 3, undefined, 1, 70)).toBeUndefined();
  });

  it('adding to a position keeps unrealised P&L additive at every mark (linear and inverse)', () => {
    const side = fc.constantFrom(1, -1);
    const size = fc.double({ min: 0.01, max: 1000, noNaN: true });
    const price = fc.double({ min: 1, max: 200_000, noNaN: true });
    fc.assert(
      fc.property(side, size, size, price, price, price, (s, a, b, e0, p, m) => {
        const q0 = s * a;
        const dq = s * b;
        const lin = entryAfterTrade('linear', q0, e0, dq, p)!;
        const inv = entryAfterTrade('inverse', q0, e0, dq, p)!;
        const linExpected = linearPnl(q0, e0, m) + linearPnl(dq, p, m);
        expect(Math.abs(linearPnl(q0 + dq, lin, m) - linExpected)).toBeLessThanOrEqual(1e-9 * (Math.abs(q0 * e0) + Math.abs(dq * p) + Math.abs((q0 + dq) * m)));
        const invExpected = inversePnl(q0, e0, m) + inversePnl(dq, p, m);
        expect(Math.abs(inversePnl(q0 + dq, inv, m) - invExpected)).toBeLessThanOrEqual(1e-9 * (Math.abs(q0 / e0) + Math.abs(dq / p) + Math.abs((q0 + dq) / m)));
      }),
    );
  });
});
