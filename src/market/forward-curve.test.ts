import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../core/errors.js';
import { MS_PER_YEAR } from '../core/dates.js';
import { ForwardCurve } from './forward-curve.js';

const asOfMs = Date.parse('2024-06-17T08:00:00Z');
const at = (years: number): number => asOfMs + years * MS_PER_YEAR;

describe('ForwardCurve', () => {
  it('returns the index at or before asOf', () => {
    const curve = new ForwardCurve({ asOfMs, index: 100, rate: 0.05, forwards: [{ expiryMs: at(1), forward: 110 }] });
    expect(curve.forward(asOfMs)).toBe(100);
    expect(curve.forward(at(-0.5))).toBe(100);
    expect(curve.forwardAtTau(0)).toBe(100);
  });

  it('uses index·e^{rate·T} when there are no forwards', () => {
    const curve = new ForwardCurve({ asOfMs, index: 66000, rate: 0.05 });
    expect(curve.forward(at(0.5))).toBeCloseTo(66000 * Math.exp(0.025), 8);
    expect(curve.forward(at(2))).toBeCloseTo(66000 * Math.exp(0.1), 8);
    expect(new ForwardCurve({ asOfMs, index: 5400, rate: 0 }).forward(at(3))).toBe(5400);
  });

  it('returns an explicit forward exactly at its expiry, ignoring the rate', () => {
    const expiry = Date.parse('2024-06-28T08:00:00Z');
    const curve = new ForwardCurve({ asOfMs, index: 66000, rate: 0.2, forwards: [{ expiryMs: expiry, forward: 66150 }] });
    expect(curve.forward(expiry)).toBe(66150);
  });

  it('interpolates the implied carry linearly in T between quotes', () => {
    // carries: ln(102/100)/0.5 and ln(110/100)/1.5
    const curve = new ForwardCurve({
      asOfMs,
      index: 100,
      rate: 0,
      forwards: [
        { expiryMs: at(1.5), forward: 110 },
        { expiryMs: at(0.5), forward: 102 },
      ],
    });
    const r0 = Math.log(1.02) / 0.5;
    const r1 = Math.log(1.1) / 1.5;
    const rMid = (r0 + r1) / 2;
    expect(curve.carryRate(1)).toBeCloseTo(rMid, 14);
    expect(curve.forward(at(1))).toBeCloseTo(100 * Math.exp(rMid * 1), 10);
    const r075 = r0 + (r1 - r0) * 0.25;
    expect(curve.forward(at(0.75))).toBeCloseTo(100 * Math.exp(r075 * 0.75), 10);
  });

  it('holds the carry flat beyond the first and last quotes', () => {
    const curve = new ForwardCurve({
      asOfMs,
      index: 100,
      rate: 0.5,
      forwards: [
        { expiryMs: at(0.5), forward: 102 },
        { expiryMs: at(1.5), forward: 110 },
      ],
    });
    const r0 = Math.log(1.02) / 0.5;
    const r1 = Math.log(1.1) / 1.5;
    expect(curve.forward(at(0.25))).toBeCloseTo(100 * Math.exp(r0 * 0.25), 10);
    expect(curve.forward(at(3))).toBeCloseTo(100 * Math.exp(r1 * 3), 10);
  });

  it('passes through every quote (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 3650 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.double({ min: 0.5, max: 2, noNaN: true }), { minLength: 6, maxLength: 6 }),
        (days, ratios) => {
          const index = 1000;
          const quotes = days.map((d, i) => ({ expiryMs: asOfMs + d * 86_400_000, forward: index * (ratios[i] as number) }));
          const curve = new ForwardCurve({ asOfMs, index, rate: 0.03, forwards: quotes });
          for (const q of quotes) {
            expect(curve.forward(q.expiryMs)).toBe(q.forward);
            const tau = (q.expiryMs - asOfMs) / MS_PER_YEAR;
            expect(curve.forwardAtTau(tau) / q.forward).toBeCloseTo(1, 10);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects invalid quotes with MARKET_DATA_INVALID naming the field', () => {
    const bad = (input: ConstructorParameters<typeof ForwardCurve>[0]): CrossmarginError => {
      try {
        new ForwardCurve(input);
      } catch (e) {
        if (e instanceof CrossmarginError) return e;
      }
      throw new Error('expected an error');
    };
    expect(bad({ asOfMs, index: -1, rate: 0, field: 'underlyings.X' }).field).toBe('underlyings.X.index');
    expect(bad({ asOfMs, index: 1, rate: Number.NaN, field: 'underlyings.X' }).field).toBe('underlyings.X.rate');
    const past = bad({ asOfMs, index: 1, rate: 0, forwards: [{ expiryMs: asOfMs, forward: 1 }] });
    expect(past.code).toBe('MARKET_DATA_INVALID');
    expect(past.message).toContain('not after asOf');
  });
});
