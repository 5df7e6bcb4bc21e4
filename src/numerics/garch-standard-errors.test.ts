import { describe, expect, it } from 'vitest';
import { simulateGarch } from './garch-test-fixtures.js';
import { fitGarch11, garchLogLikelihood } from './volatility-filters.js';
import { garchStandardErrors } from './garch-standard-errors.js';

// A crypto-like daily GARCH(1,1): long-run vol √(ω/(1−α−β)) = √(2e-5/0.05) = 2 % a day.
const TRUE = { omega: 2e-5, alpha: 0.1, beta: 0.85 };
const returns = simulateGarch(3000, TRUE.omega, TRUE.alpha, TRUE.beta, 20240617);
const fit = fitGarch11(returns, { mean: 'zero' });

describe('garchStandardErrors (numerical Hessian of the log-likelihood)', () => {
  it('gives finite, positive errors on simulated data, with the truth within 3 SE', () => {
    const se = garchStandardErrors(returns, fit.params);
    for (const k of ['omega', 'alpha', 'beta'] as const) {
      const v = se[k];
      expect(v).toBeDefined();
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThan(0);
      expect(Math.abs(fit.params[k] - TRUE[k])).toBeLessThan(3 * (v as number));
    }
    // Sizes as asymptotic theory suggests for n = 3000: a few hundredths for α and β.
    expect(se.alpha).toBeLessThan(0.05);
    expect(se.beta).toBeLessThan(0.05);
  });

  it('the Hessian is symmetric, negative definite at the optimum, and matches an independent second difference', () => {
    const se = garchStandardErrors(returns, fit.params);
    const H = se.hessian;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(H[i]![j]).toBe(H[j]![i]);
    expect(H[0]![0]).toBeLessThan(0);
    expect(H[1]![1]).toBeLessThan(0);
    expect(H[2]![2]).toBeLessThan(0);
    // ∂²ℓ/∂β² directly on the unscaled returns, with a different step (1e-3 relative).
    const h = 1e-3 * fit.params.beta;
    const ell = (beta: number): number => garchLogLikelihood({ ...fit.params, beta }, returns);
    const direct = (ell(fit.params.beta + h) - 2 * ell(fit.params.beta) + ell(fit.params.beta - h)) / (h * h);
    expect(H[2]![2]).toBeCloseTo(direct, -Math.floor(Math.log10(Math.abs(direct))) + 2);
  });

  it('scales with the returns as the parameters do: SE(ω) × s², SE(α), SE(β) unchanged', () => {
    const s = 10;
    const scaled = returns.map((r) => r * s);
    const a = garchStandardErrors(returns, fit.params);
    const b = garchStandardErrors(scaled, { ...fit.params, omega: fit.params.omega * s * s });
    // Equal up to the rounding of r·s/scale vs r/scale inside the difference quotients.
    expect(Math.abs(b.omega! / a.omega! / (s * s) - 1)).toBeLessThan(1e-4);
    expect(Math.abs(b.alpha! / a.alpha! - 1)).toBeLessThan(1e-4);
    expect(Math.abs(b.beta! / a.beta! - 1)).toBeLessThan(1e-4);
  });

  it('does not depend much on the step (1e-3 vs 1e-5)', () => {
    const a = garchStandardErrors(returns, fit.params, { relativeStep: 1e-3 });
    const b = garchStandardErrors(returns, fit.params, { relativeStep: 1e-5 });
    expect(Math.abs(a.alpha! / b.alpha! - 1)).toBeLessThan(0.01);
    expect(Math.abs(a.beta! / b.beta! - 1)).toBeLessThan(0.01);
    expect(Math.abs(a.omega! / b.omega! - 1)).toBeLessThan(0.01);
  });

  it('reports no errors away from an optimum, where −H is not positive definite', () => {
    // A point far from the optimum with α + β ≈ 1: the likelihood is not locally concave there.
    const se = garchStandardErrors(returns, { mu: 0, omega: 1e-9, alpha: 0.001, beta: 0.998 });
    expect(se.omega).toBeUndefined();
    expect(se.alpha).toBeUndefined();
    expect(se.beta).toBeUndefined();
    // The Hessian itself is still reported, for diagnosis.
    expect(se.hessian.flat().every(Number.isFinite)).toBe(true);
  });

  it('rejects a step outside (0, 0.1)', () => {
    expect(() => garchStandardErrors(returns, fit.params, { relativeStep: 0 })).toThrow(/hessianStep/);
  });
});
