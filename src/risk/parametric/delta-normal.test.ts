import tPdf from '@stdlib/stats-base-dists-t-pdf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../../core/errors.js';
import { buildMonteCarloScenarios } from '../../scenarios/monte-carlo/monte-carlo-scenarios.js';
import { expectedShortfall } from '../expected-shortfall.js';
import { valueAtRisk } from '../value-at-risk.js';
import { deltaNormal, portfolioVarianceInto } from './delta-normal.js';
import { normalQuantile, normalTail } from '../../numerics/normal-tail.js';
import { studentTRisk } from './student-t-risk.js';

function errorOf(f: () => unknown): CrossmarginError {
  try {
    f();
  } catch (e) {
    if (e instanceof CrossmarginError) return e;
    throw e;
  }
  throw new Error('expected a CrossmarginError');
}

function sum(a: Float64Array): number {
  let s = 0;
  for (const x of a) s += x;
  return s;
}

describe('normal tail factors (var-es.md §4 table)', () => {
  it.each([
    [0.95, 1.644853627, 2.0627128075],
    [0.975, 1.9599639845, 2.3378027922],
    [0.99, 2.326347874, 2.6652142203],
    [0.995, 2.5758293035, 2.8919486054],
    [0.999, 3.0902323062, 3.3670900771],
  ])('α = %s → z = %s, ES/σ = %s', (alpha, z, es) => {
    const tail = normalTail(alpha);
    expect(tail.z).toBeCloseTo(z, 10);
    expect(tail.esFactor).toBeCloseTo(es, 10);
  });
  it('ES97.5 / VaR99 (normal) = 1.0049239919', () => {
    expect(normalTail(0.975).esFactor / normalTail(0.99).z).toBeCloseTo(1.0049239919, 10);
  });
  it('Φ⁻¹ is odd: Φ⁻¹(1−α) = −Φ⁻¹(α)', () => {
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326347874, 10);
  });
});

describe('deltaNormal: the §4 vector', () => {
  // vols [0.02, 0.03], ρ = 0.5 → Σ = [[4e-4, 3e-4], [3e-4, 9e-4]].
  const covariance = Float64Array.of(0.0004, 0.0003, 0.0003, 0.0009);
  const exposures = Float64Array.of(1_000_000, -500_000);

  it('σ_P = 18027.756377, VaR99 1d = 41938.832722, component VaR [32260.640555, 9678.192167]', () => {
    const r = deltaNormal({ exposures, covariance, alpha: 0.99 });
    expect(r.sigma).toBeCloseTo(18027.756377, 6);
    expect(r.valueAtRisk).toBeCloseTo(41938.832722, 6);
    expect(r.componentVaR[0]).toBeCloseTo(32260.640555, 6);
    expect(r.componentVaR[1]).toBeCloseTo(9678.192167, 6);
    expect(sum(r.componentVaR)).toBeCloseTo(r.valueAtRisk, 8);
  });
  it('ES97.5 1d = 42145.339196; components sum to it', () => {
    const r = deltaNormal({ exposures, covariance, alpha: 0.975 });
    expect(r.expectedShortfall).toBeCloseTo(42145.339196, 6);
    expect(sum(r.componentES)).toBeCloseTo(r.expectedShortfall, 8);
  });
  it('VaR99 10d (√10) = 132622.233811', () => {
    const r = deltaNormal({ exposures, covariance, alpha: 0.99, horizonDays: 10 });
    expect(r.valueAtRisk).toBeCloseTo(132622.233811, 6);
    expect(r.sigma).toBeCloseTo(Math.sqrt(3.25e8 * 10), 8);
    expect(sum(r.componentVaR)).toBeCloseTo(r.valueAtRisk, 7);
  });
  it('delta-t: the same σ_P with unit-variance t factors (ν = 4: VaR99 = 2.6494919068 σ)', () => {
    const r = deltaNormal({ exposures, covariance, alpha: 0.99, studentTDof: 4 });
    expect(r.valueAtRisk / r.sigma).toBeCloseTo(2.6494919068, 9);
    expect(r.expectedShortfall / r.sigma).toBeCloseTo(3.6915104857, 9);
    expect(sum(r.componentES)).toBeCloseTo(r.expectedShortfall, 8);
  });
  it('no exposure: zero risk and zero components (no 0/0)', () => {
    const r = deltaNormal({ exposures: new Float64Array(2), covariance, alpha: 0.99 });
    expect(r.valueAtRisk).toBe(0);
    expect(Array.from(r.componentVaR)).toEqual([0, 0]);
  });
  it('portfolioVarianceInto writes Σw and returns wᵀΣw', () => {
    const sw = new Float64Array(2);
    // wᵀΣw = 4e8 − 3e8 + 2.25e8.
    expect(portfolioVarianceInto(exposures, covariance, 2, sw)).toBeCloseTo(3.25e8, 4);
    expect(Array.from(sw)).toEqual([250, -150]);
  });
  it('bad inputs are MODEL_PARAMS_INVALID naming the field', () => {
    expect(errorOf(() => deltaNormal({ exposures, covariance: Float64Array.of(1, 0, 0), alpha: 0.99 })).field).toBe('covariance');
    expect(errorOf(() => deltaNormal({ exposures: Float64Array.of(1, Number.NaN), covariance, alpha: 0.99 })).field).toBe('exposures[1]');
    expect(errorOf(() => deltaNormal({ exposures, covariance, alpha: 99 })).field).toBe('alpha');
    expect(errorOf(() => deltaNormal({ exposures, covariance, alpha: 0.99, horizonDays: -1 })).field).toBe('horizonDays');
    // A non-PSD covariance: w along the negative eigenvector gives wᵀΣw < 0.
    expect(errorOf(() => deltaNormal({ exposures: Float64Array.of(1, 1), covariance: Float64Array.of(1, -2, -2, 1), alpha: 0.99 })).field).toBe('covariance');
    expect(errorOf(() => deltaNormal({ exposures, covariance, alpha: 0.99, studentTDof: 2 })).field).toBe('studentTDof');
  });
});

/** Random PSD covariance B·Bᵀ·scale from fast-check entries. */
function psd(n: number, entries: number[]): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += entries[i * n + k]! * entries[j * n + k]!;
      a[i * n + j] = s * 1e-4;
      a[j * n + i] = s * 1e-4;
    }
  }
  return a;
}

const book = fc.integer({ min: 1, max: 5 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    b: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n * n, maxLength: n * n }),
    w: fc.array(fc.double({ min: -1e7, max: 1e7, noNaN: true }), { minLength: n, maxLength: n }),
    alpha: fc.constantFrom(0.95, 0.975, 0.99, 0.995),
  }),
);

describe('deltaNormal properties', () => {
  it('Euler components sum to VaR and to ES', () => {
    fc.assert(
      fc.property(book, ({ n, b, w, alpha }) => {
        const r = deltaNormal({ exposures: Float64Array.from(w), covariance: psd(n, b), alpha });
        const tol = 1e-9 * Math.max(1, r.valueAtRisk, r.expectedShortfall, ...w.map(Math.abs));
        expect(Math.abs(sum(r.componentVaR) - r.valueAtRisk)).toBeLessThan(tol);
        expect(Math.abs(sum(r.componentES) - r.expectedShortfall)).toBeLessThan(tol);
        expect(r.expectedShortfall).toBeGreaterThanOrEqual(r.valueAtRisk);
      }),
    );
  });
  it('σ_P scales linearly with the book: σ(k·w) = |k|·σ(w); components scale by k', () => {
    fc.assert(
      fc.property(book, fc.double({ min: -100, max: 100, noNaN: true }), ({ n, b, w, alpha }, k) => {
        const covariance = psd(n, b);
        const r = deltaNormal({ exposures: Float64Array.from(w), covariance, alpha });
        const scaled = deltaNormal({ exposures: Float64Array.from(w, (x) => k * x), covariance, alpha });
        const tol = 1e-9 * Math.max(1, Math.abs(k) * r.sigma);
        expect(Math.abs(scaled.sigma - Math.abs(k) * r.sigma)).toBeLessThan(tol);
        if (k > 0 && r.sigma > 0) {
          r.componentVaR.forEach((c, i) => expect(Math.abs(scaled.componentVaR[i]! - k * c)).toBeLessThan(1e-9 * Math.max(1, k * r.valueAtRisk)));
        }
      }),
    );
  });
  it('σ_P is subadditive: σ(w₁ + w₂) ≤ σ(w₁) + σ(w₂)', () => {
    fc.assert(
      fc.property(book, fc.array(fc.double({ min: -1e7, max: 1e7, noNaN: true }), { minLength: 5, maxLength: 5 }), ({ n, b, w, alpha }, w2) => {
        const covariance = psd(n, b);
        const a = Float64Array.from(w);
        const c = Float64Array.from(w2.slice(0, n));
        const both = Float64Array.from(w, (x, i) => x + c[i]!);
        const s = (e: Float64Array): number => deltaNormal({ exposures: e, covariance, alpha }).sigma;
        expect(s(both)).toBeLessThanOrEqual(s(a) + s(c) + 1e-6 * (1 + s(a) + s(c)));
      }),
    );
  });
});

describe('Monte Carlo agrees with delta-normal (var-es.md §5: within 3·SE)', () => {
  it('linear P&L wᵀx over MC log returns: empirical VaR99 and ES97.5 vs the closed form', () => {
    const paths = 100_000;
    const vols = Float64Array.of(0.02, 0.03);
    const set = buildMonteCarloScenarios({
      underlyings: ['BTC', 'ETH'],
      vols,
      correlation: Float64Array.of(1, 0.5, 0.5, 1),
      paths,
      seed: 7,
      distribution: 'normal',
      horizonDays: 1,
    });
    const w = Float64Array.of(1_000_000, -500_000);
    const pnl = new Float64Array(paths);
    for (let s = 0; s < paths; s++) pnl[s] = w[0]! * Math.log1p(set.priceMove[s]!) + w[1]! * Math.log1p(set.priceMove[paths + s]!);
    const closed = deltaNormal({ exposures: w, covariance: Float64Array.of(0.0004, 0.0003, 0.0003, 0.0009), alpha: 0.99 });
    const scratch = new Float64Array(paths);
    const mcVaR = valueAtRisk(pnl, 0, paths, 0.99, scratch);
    // SE(VaR_1%)/σ = 0.01181 at N = 1e5 (§5).
    expect(Math.abs(mcVaR - closed.valueAtRisk)).toBeLessThan(3 * 0.01181 * closed.sigma);
    const closedEs = deltaNormal({ exposures: w, covariance: Float64Array.of(0.0004, 0.0003, 0.0003, 0.0009), alpha: 0.975 });
    // ES standard error is of the same order as VaR's; 3 × the 1 % VaR SE is a generous bound at 2.5 %.
    expect(Math.abs(expectedShortfall(pnl, 0, paths, 0.975, scratch) - closedEs.expectedShortfall)).toBeLessThan(3 * 0.01181 * closed.sigma);
  });
  it('Student-t MC (ν = 5) agrees with delta-t', () => {
    const paths = 100_000;
    const set = buildMonteCarloScenarios({ underlyings: ['BTC'], vols: Float64Array.of(0.02), paths, seed: 11, distribution: 't', dof: 5, horizonDays: 1 });
    const pnl = new Float64Array(paths);
    for (let s = 0; s < paths; s++) pnl[s] = 1e6 * Math.log1p(set.priceMove[s]!);
    const closed = deltaNormal({ exposures: Float64Array.of(1e6), covariance: Float64Array.of(0.0004), alpha: 0.99, studentTDof: 5 });
    const t = studentTRisk(5, 0.99);
    expect(closed.valueAtRisk / closed.sigma).toBeCloseTo(t.valueAtRisk, 12);
    // Quantile SE √(p(1−p)/N)/f(q) with f the unit-variance t density at the 1 % quantile (in units of σ).
    const scale = Math.sqrt(3 / 5);
    const density = tPdf(t.valueAtRisk / scale, 5) / scale;
    const se = Math.sqrt((0.01 * 0.99) / paths) / density;
    expect(Math.abs(valueAtRisk(pnl, 0, paths, 0.99, new Float64Array(paths)) - closed.valueAtRisk)).toBeLessThan(3 * se * closed.sigma);
  });
});
