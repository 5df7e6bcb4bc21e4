import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectedShortfall } from '../../risk/expected-shortfall.js';
import { valueAtRisk } from '../../risk/value-at-risk.js';
import { lowestScenarios, tailOf } from './tail-scenarios.js';

describe('tail scenarios agree with the VaR / ES kernels', () => {
  it('N = 250 losses 1..250: VaR99 = 248 (3rd worst), ES97.5 = 247.36 over 6.25 scenarios', () => {
    const pnl = Float64Array.from({ length: 250 }, (_, i) => -(((i * 7919) % 250) + 1));
    const s = new Float64Array(250);
    expect(tailOf(pnl, 0, 250, 0.99, s).var).toBe(248);
    const t = tailOf(pnl, 0, 250, 0.975, s);
    expect(t.es).toBeCloseTo(247.36, 12);
    expect(Array.from(t.esWeights)).toEqual([1, 1, 1, 1, 1, 1, 0.25]);
    expect(Array.from(t.esScenarios).map((i) => -pnl[i]!)).toEqual([250, 249, 248, 247, 246, 245, 244]);
  });

  it('VaR and ES equal the kernels on random vectors (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e5, max: 1e5, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.constantFrom(0.9, 0.95, 0.975, 0.99), (values, alpha) => {
        const p = Float64Array.from(values);
        const s = new Float64Array(p.length);
        const t = tailOf(p, 0, p.length, alpha, s);
        expect(t.var).toBe(valueAtRisk(p, 0, p.length, alpha, s));
        expect(t.es).toBeCloseTo(expectedShortfall(p, 0, p.length, alpha, s), 6);
      }),
    );
  });

  it('lowestScenarios lists the k lowest, lowest first, ties by index', () => {
    const p = Float64Array.from([3, -1, -5, -1, 2]);
    expect(Array.from(lowestScenarios(p, 0, 5, 3, new Float64Array(5)))).toEqual([2, 1, 3]);
  });
});
