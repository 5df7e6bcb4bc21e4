import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../core/errors.js';
import { VolSurface, type SmileInput } from './vol-surface.js';

const F = 100;
const near: SmileInput = { tau: 0.25, forward: F, strikes: [80, 100, 120], vols: [0.6, 0.5, 0.55] };
const far: SmileInput = { tau: 1, forward: F, strikes: [80, 100, 120], vols: [0.5, 0.4, 0.45] };

describe('VolSurface', () => {
  it('is flat for an atm vol', () => {
    const s = VolSurface.flat(0.14);
    expect(s.volAt(0.01, 10, 5400)).toBe(0.14);
    expect(s.volAt(5, 100000, 5400)).toBe(0.14);
    expect(s.kind).toBe('flat');
  });

  it('is exact at the nodes', () => {
    const s = VolSurface.fromSmiles([far, near]);
    expect(s.volAt(0.25, 80, F)).toBe(0.6);
    expect(s.volAt(0.25, 100, F)).toBe(0.5);
    expect(s.volAt(1, 120, F)).toBe(0.45);
  });

  it('interpolates linearly in strike within a smile', () => {
    const s = VolSurface.fromSmiles([near]);
    expect(s.volAt(0.25, 90, F)).toBeCloseTo(0.55, 14);
    expect(s.volAt(0.25, 105, F)).toBeCloseTo(0.5 + 0.05 * 0.25, 14);
  });

  it('is flat beyond the outermost strikes', () => {
    const s = VolSurface.fromSmiles([near]);
    expect(s.volAt(0.25, 10, F)).toBe(0.6);
    expect(s.volAt(0.25, 1000, F)).toBe(0.55);
  });

  it('is linear in total variance across expiries (midpoint w is the average of node w)', () => {
    const s = VolSurface.fromSmiles([near, far]);
    const tMid = (near.tau + far.tau) / 2;
    for (const k of [70, 80, 90, 100, 110, 125]) {
      const w0 = near.tau * s.volAt(near.tau, k, F) ** 2;
      const w1 = far.tau * s.volAt(far.tau, k, F) ** 2;
      expect(s.totalVarianceAt(tMid, k, F)).toBeCloseTo((w0 + w1) / 2, 14);
    }
    // and explicitly at the ATM strike: w = (0.5²·0.25 + 0.4²·1)/2 at T = 0.625
    expect(s.volAt(0.625, 100, F)).toBeCloseTo(Math.sqrt((0.25 * 0.25 + 0.16) / 2 / 0.625), 14);
  });

  it('uses the first smile before the first expiry and the last smile after the last', () => {
    const s = VolSurface.fromSmiles([near, far]);
    expect(s.volAt(0.01, 100, F)).toBe(0.5);
    expect(s.volAt(0, 80, F)).toBe(0.6);
    expect(s.volAt(3, 100, F)).toBe(0.4);
    expect(s.volAt(3, 120, F)).toBe(0.45);
  });

  it('reads each smile at the same forward moneyness when forwards differ', () => {
    // Near smile anchored at F=100, far at F=110. At T between them with F(T)=105 and K=105 (ATM), each smile
    // is read at its own ATM strike: 100 and 110.
    const nearF: SmileInput = { tau: 0.25, forward: 100, strikes: [90, 100, 110], vols: [0.7, 0.5, 0.6] };
    const farF: SmileInput = { tau: 1, forward: 110, strikes: [99, 110, 121], vols: [0.6, 0.4, 0.5] };
    const s = VolSurface.fromSmiles([nearF, farF]);
    const w = (0.5 * 0.5 * 0.25 + 0.4 * 0.4 * 1) / 2;
    expect(s.volAt(0.625, 105, 105)).toBeCloseTo(Math.sqrt(w / 0.625), 14);
    // Past the last expiry with a forward of 220 (double the node's), K=242 maps to 121 on the far smile.
    expect(s.volAt(2, 242, 220)).toBeCloseTo(0.5, 14);
  });

  it('keeps every interpolated vol between the smallest and largest node vol (property)', () => {
    const smileArb = fc
      .tuple(
        fc.uniqueArray(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.double({ min: 0.05, max: 3, noNaN: true }), { minLength: 6, maxLength: 6 }),
        fc.double({ min: 50, max: 200, noNaN: true }),
      )
      .map(([ks, vs, fwd]) => {
        const strikes = [...ks].sort((a, b) => a - b);
        return { forward: fwd, strikes, vols: vs.slice(0, strikes.length) };
      });
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 4 }),
        fc.array(smileArb, { minLength: 4, maxLength: 4 }),
        fc.double({ min: 0, max: 4, noNaN: true }),
        fc.double({ min: 0.5, max: 500, noNaN: true }),
        fc.double({ min: 50, max: 200, noNaN: true }),
        (days, smiles, tau, strike, forward) => {
          const nodes = days.map((d, i) => ({ ...(smiles[i] as (typeof smiles)[number]), tau: d / 365 }));
          const all = nodes.flatMap((n) => n.vols);
          const lo = Math.min(...all);
          const hi = Math.max(...all);
          const v = VolSurface.fromSmiles(nodes).volAt(tau, strike, forward);
          expect(v).toBeGreaterThanOrEqual(lo * (1 - 1e-12));
          expect(v).toBeLessThanOrEqual(hi * (1 + 1e-12));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects malformed smiles with MARKET_DATA_INVALID naming the field', () => {
    const err = (fn: () => unknown): CrossmarginError => {
      try {
        fn();
      } catch (e) {
        if (e instanceof CrossmarginError) return e;
      }
      throw new Error('expected an error');
    };
    expect(err(() => VolSurface.fromSmiles([{ ...near, vols: [0.5, 0.5] }], 'u.vol.smiles')).field).toBe('u.vol.smiles.0.vols');
    expect(err(() => VolSurface.fromSmiles([{ ...near, strikes: [80, 120, 100] }])).field).toBe('vol.smiles.0.strikes.2');
    expect(err(() => VolSurface.fromSmiles([near, { ...far, tau: 0.25 }])).message).toContain('same expiry');
    expect(err(() => VolSurface.fromSmiles([{ ...near, tau: 0 }])).code).toBe('MARKET_DATA_INVALID');
    expect(err(() => VolSurface.flat(Number.NaN)).field).toBe('vol.atm');
  });
});
