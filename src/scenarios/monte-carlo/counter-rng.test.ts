import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  counterChiSquare,
  counterGamma,
  counterNormal,
  counterUniform,
  fillCounterNormals,
  GAMMA_PROPOSAL_STREAM,
  NORMAL_STREAM,
  philox4x32,
} from './counter-rng.js';

const hex = (block: Uint32Array): string => Array.from(block, (w) => w.toString(16).padStart(8, '0')).join(' ');

/** Sample mean, variance, skewness and excess kurtosis. */
function moments(xs: Float64Array): { mean: number; variance: number; skewness: number; kurtosis: number } {
  const n = xs.length;
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const x of xs) {
    const d = x - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return { mean, variance: m2, skewness: m3 / m2 ** 1.5, kurtosis: m4 / (m2 * m2) - 3 };
}

const N = 100_000;

describe('Philox4x32-10 block function', () => {
  it('matches the Random123 known-answer vectors', () => {
    expect(hex(philox4x32(0, 0, 0, 0, 0, 0))).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    expect(hex(philox4x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff))).toBe('408f276d 41c83b0e a20bc7c6 6d5451fd');
    expect(hex(philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0))).toBe('d16cfe09 94fdcceb 5001e420 24126ea1');
  });
});

describe('counter uniforms', () => {
  const u = new Float64Array(N);
  for (let i = 0; i < N; i++) u[i] = counterUniform(12345, i, NORMAL_STREAM, 0);

  it('lie in the open interval (0, 1)', () => {
    expect(Math.min(...u)).toBeGreaterThan(0);
    expect(Math.max(...u)).toBeLessThan(1);
  });
  it('have mean 1/2 and variance 1/12 on 1e5 draws (5 standard errors)', () => {
    const m = moments(u);
    expect(Math.abs(m.mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / N));
    // Var of the sample variance of U(0,1) = (1/80 − 1/144)/N.
    expect(Math.abs(m.variance - 1 / 12)).toBeLessThan(5 * Math.sqrt((1 / 80 - 1 / 144) / N));
  });
  it('pass a 100-bin χ² goodness-of-fit test (99.9 % critical value for 99 dof = 148.23)', () => {
    const bins = new Float64Array(100);
    for (const x of u) bins[Math.floor(x * 100)]! += 1;
    const expected = N / 100;
    let chi2 = 0;
    for (const b of bins) chi2 += (b - expected) ** 2 / expected;
    expect(chi2).toBeLessThan(148.23);
  });
  it('are serially uncorrelated across scenarios and across indices (|ρ| < 5/√N)', () => {
    let sxy = 0;
    for (let i = 0; i + 1 < N; i++) sxy += (u[i]! - 0.5) * (u[i + 1]! - 0.5);
    expect(Math.abs(sxy / (N - 1) / (1 / 12))).toBeLessThan(5 / Math.sqrt(N));
    let sIdx = 0;
    for (let i = 0; i < N; i++) sIdx += (counterUniform(7, 3, NORMAL_STREAM, i) - 0.5) * (counterUniform(7, 3, NORMAL_STREAM, i + 1) - 0.5);
    expect(Math.abs(sIdx / N / (1 / 12))).toBeLessThan(5 / Math.sqrt(N));
  });
});

describe('counter normals', () => {
  const z = new Float64Array(N);
  // Half the draws from different scenarios, half from different indices of one scenario: both axes must be normal.
  for (let i = 0; i < N / 2; i++) z[i] = counterNormal(2024, i, 1);
  fillCounterNormals(2024, 999_999, NORMAL_STREAM, z, N / 2, N / 2);

  it('have N(0,1) moments on 1e5 draws (5 standard errors)', () => {
    const m = moments(z);
    expect(Math.abs(m.mean)).toBeLessThan(5 / Math.sqrt(N));
    expect(Math.abs(m.variance - 1)).toBeLessThan(5 * Math.sqrt(2 / N));
    expect(Math.abs(m.skewness)).toBeLessThan(5 * Math.sqrt(6 / N));
    expect(Math.abs(m.kurtosis)).toBeLessThan(5 * Math.sqrt(24 / N));
  });
  it('put 1 % in each tail beyond ±2.3263 (binomial, 5 standard errors)', () => {
    let lower = 0;
    let upper = 0;
    for (const x of z) {
      if (x < -2.3263478740) lower++;
      if (x > 2.3263478740) upper++;
    }
    const se = Math.sqrt(0.01 * 0.99 * N);
    expect(Math.abs(lower - 0.01 * N)).toBeLessThan(5 * se);
    expect(Math.abs(upper - 0.01 * N)).toBeLessThan(5 * se);
  });
  it('fillCounterNormals is bit-identical to the scalar function, including an odd count', () => {
    const out = new Float64Array(9);
    fillCounterNormals(77, 5, NORMAL_STREAM, out, 0, 9);
    for (let k = 0; k < 9; k++) expect(Object.is(out[k], counterNormal(77, 5, k))).toBe(true);
  });
  it('the k-th normal of scenario s is a pure function of (seed, s, k): any evaluation order gives the same bits', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 40 }), fc.array(fc.tuple(fc.nat({ max: 1e6 }), fc.nat({ max: 64 })), { minLength: 1, maxLength: 50 }), (seed, keys) => {
        const forward = keys.map(([s, k]) => counterNormal(seed, s, k));
        // Interleave other draws (other seeds, streams, the Gamma sampler) and go backwards.
        const backward = [...keys].reverse().map(([s, k]) => {
          counterNormal(seed + 1, s, k);
          counterGamma(seed, s, 2.5);
          return counterNormal(seed, s, k);
        });
        backward.reverse();
        forward.forEach((v, i) => expect(Object.is(v, backward[i])).toBe(true));
      }),
    );
  });
  it('distinguishes seeds beyond 32 bits, scenarios and streams', () => {
    const base = counterNormal(5, 10, 0);
    expect(counterNormal(5 + 2 ** 32, 10, 0)).not.toBe(base);
    expect(counterNormal(5, 11, 0)).not.toBe(base);
    expect(counterNormal(5, 10, 0, GAMMA_PROPOSAL_STREAM)).not.toBe(base);
    expect(counterNormal(5, 10, 0)).toBe(base);
  });
});

describe('counter Gamma / χ² (Marsaglia–Tsang)', () => {
  it.each([2.5, 4, 5.5])('χ²_ν with ν = %s has mean ν and variance 2ν on 1e5 draws', (nu) => {
    const x = new Float64Array(N);
    for (let s = 0; s < N; s++) x[s] = counterChiSquare(31, s, nu);
    const m = moments(x);
    expect(Math.min(...x)).toBeGreaterThan(0);
    expect(Math.abs(m.mean - nu)).toBeLessThan(5 * Math.sqrt((2 * nu) / N));
    // Var of the sample variance ≈ (μ4 − σ⁴)/N with μ4 = 12ν(ν+4) for χ²_ν.
    expect(Math.abs(m.variance - 2 * nu)).toBeLessThan(5 * Math.sqrt((12 * nu * (nu + 4) - 4 * nu * nu) / N));
  });
  it('is deterministic per (seed, scenario) and NaN for shapes below 1', () => {
    expect(counterGamma(9, 4, 3.7)).toBe(counterGamma(9, 4, 3.7));
    expect(counterGamma(9, 4, 0.5)).toBeNaN();
  });
});
