import { describe, expect, it } from 'vitest';
import { counterUniform } from '../../scenarios/monte-carlo/counter-rng.js';
import { cumulativeViolations, duEscancianoConditional, duEscancianoUnconditional } from './du-escanciano.js';

const f64 = (a: number[]): Float64Array => Float64Array.from(a);

describe('Du–Escanciano (backtesting.md §6)', () => {
  it('H_t = (α − u)·1{u ≤ α}/α', () => {
    const h = cumulativeViolations(f64([0, 0.01, 0.025, 0.5, 1]), 0.025);
    expect(Array.from(h)).toEqual([1, (0.025 - 0.01) / 0.025, 0, 0, 0]);
  });

  it('U_ES by hand on four PIT values', () => {
    const alpha = 0.25;
    // H = [1 − 0.1/0.25, 0, 0, 1 − 0.05/0.25] = [0.6, 0, 0, 0.8]; H̄ = 0.35; E = 0.125; Var = 0.25(1/3 − 1/16).
    const r = duEscancianoUnconditional(f64([0.1, 0.5, 0.9, 0.05]), alpha);
    const expected = (2 * (0.35 - 0.125)) / Math.sqrt(0.25 * (1 / 3 - 1 / 16));
    expect(r.statistic).toBeCloseTo(expected, 12);
    expect(r.pValue).toBeGreaterThan(0);
    expect(r.pValue).toBeLessThan(1);
  });

  it('C_ES(1) by hand', () => {
    const alpha = 0.5;
    const u = f64([0.1, 0.2, 0.9, 0.3, 0.8]);
    const h = Array.from(u, (v) => (v <= alpha ? (alpha - v) / alpha : 0)); // [0.8, 0.6, 0, 0.4, 0]
    const c = h.map((v) => v - alpha / 2);
    const g0 = c.reduce((s, v) => s + v * v, 0) / 5;
    let g1 = 0;
    for (let t = 1; t < 5; t++) g1 += c[t]! * c[t - 1]!;
    g1 /= 4;
    const r = duEscancianoConditional(u, alpha, 1);
    expect(r.statistic).toBeCloseTo(5 * (g1 / g0) ** 2, 12);
  });

  it('under H0 (i.i.d. uniform PITs) U_ES is about N(0, 1) and C_ES(1) about χ²(1)', () => {
    const runs = 400;
    const n = 500;
    let sumU = 0;
    let sumU2 = 0;
    let sumC = 0;
    let rejectU = 0;
    for (let r = 0; r < runs; r++) {
      const u = Float64Array.from({ length: n }, (_, t) => counterUniform(99, r, 0, t));
      const uncond = duEscancianoUnconditional(u, 0.025);
      sumU += uncond.statistic;
      sumU2 += uncond.statistic ** 2;
      if (uncond.pValue < 0.05) rejectU++;
      sumC += duEscancianoConditional(u, 0.025, 1).statistic;
    }
    const mean = sumU / runs;
    // With n α = 12.5 tail points the normal approximation is rough; generous bounds, still far from a wrong scale.
    expect(Math.abs(mean)).toBeLessThan(0.2);
    expect(sumU2 / runs - mean * mean).toBeGreaterThan(0.75);
    expect(sumU2 / runs - mean * mean).toBeLessThan(1.25);
    expect(rejectU / runs).toBeLessThan(0.1);
    expect(sumC / runs).toBeGreaterThan(0.6);
    expect(sumC / runs).toBeLessThan(1.4);
  });

  it('flags too much tail mass (PITs pushed into the lower tail)', () => {
    const u = Float64Array.from({ length: 1000 }, (_, t) => counterUniform(5, 0, 0, t) ** 1.5);
    const r = duEscancianoUnconditional(u, 0.025);
    expect(r.statistic).toBeGreaterThan(3);
    expect(r.pValue).toBeLessThan(0.01);
  });

  it('flags clustered tail violations', () => {
    const u = Float64Array.from({ length: 1000 }, (_, t) => (t >= 500 && t < 525 ? 0.001 : counterUniform(6, 0, 0, t) * 0.95 + 0.05));
    expect(duEscancianoConditional(u, 0.025, 1).pValue).toBeLessThan(1e-6);
  });

  it('no violation at all: every centred H is −α/2, perfectly autocorrelated, so C_ES(m) = n·m', () => {
    expect(duEscancianoConditional(f64([0.5, 0.6, 0.7, 0.2]), 0.025, 1).statistic).toBeCloseTo(4, 12);
    expect(duEscancianoConditional(f64([0.5, 0.6, 0.7, 0.2]), 0.025, 2).statistic).toBeCloseTo(8, 12);
  });

  it('rejects bad input', () => {
    expect(() => duEscancianoUnconditional(f64([0.5, 1.2]), 0.025)).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID', field: 'pit.1' }));
    expect(() => duEscancianoConditional(f64([0.5]), 0.025, 1)).toThrow(expect.objectContaining({ code: 'USAGE_INVALID', field: 'lags' }));
  });
});
