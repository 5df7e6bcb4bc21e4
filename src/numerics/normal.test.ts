import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { normCdf, normPdf } from './normal.js';

/**
 * [x, N(x), n(x)] computed with mpmath at 60 significant digits (mp.ncdf, mp.npdf) and rounded to the nearest
 * double. In the tails a plain ½·erfc(−x/√2) misses N by up to ~1e-13 relative and a plain exp(−x²/2)/√(2π)
 * misses n by up to ~5e-14 (−34.03, −36.48: the rounding of x² is amplified by x²/2).
 */
const REFERENCE: ReadonlyArray<readonly [number, number, number]> = [
  [-37.5, 4.605353009581955e-308, 1.7282337322841054e-306],
  [-36.48, 1.1509749158488375e-291, 4.201906853810398e-290],
  [-34.03, 4.011322260411284e-254, 1.3662296987499624e-252],
  [-27.77, 4.996953493827287e-170, 1.389448755621649e-168],
  [-30, 4.906713927148187e-198, 1.4736461348785476e-196],
  [-20.25, 1.77619986494957e-91, 3.6055338157275847e-90],
  [-12.5, 3.732564298877713e-36, 4.695195357975146e-35],
  [-10, 7.619853024160525e-24, 7.694598626706419e-23],
  [-8.125, 2.2368120644441053e-16, 1.8441627154166695e-15],
  [-6, 9.86587645037698e-10, 6.075882849823285e-9],
  [-4.5, 3.3976731247300603e-6, 1.5983741106905475e-5],
  [-3, 0.0013498980316300946, 0.0044318484119380075],
  [-2, 0.02275013194817921, 0.05399096651318805],
  [-1.25, 0.10564977366685525, 0.18264908538902191],
  [-0.75, 0.2266273523768682, 0.30113743215480443],
  [-0.1, 0.460172162722971, 0.39695254747701175],
  [0, 0.5, 0.3989422804014327],
  [0.3, 0.6179114221889527, 0.3813878154605241],
  [1, 0.8413447460685429, 0.24197072451914334],
  [2.5, 0.9937903346742238, 0.017528300493568537],
  [4, 0.9999683287581669, 0.00013383022576488534],
  [7.5, 0.9999999999999681, 2.4343205330290096e-13],
  [8.91, 1, 2.301458703205002e-18],
  [11.11, 1, 6.280151287954881e-28],
];

/** A few ulps: the whole point of normal.ts is ~1-ulp accuracy in the tails. */
const ULP_TOLERANCE = 1e-15;

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

describe('normCdf', () => {
  it.each(REFERENCE)('N(%d) matches the 60-digit reference to ~1 ulp', (x, cdf) => {
    expect(relativeError(normCdf(x), cdf)).toBeLessThanOrEqual(ULP_TOLERANCE);
  });

  it('is accurate in the lower tail where the naive ½·erfc(−x/√2) is not', () => {
    // At x = −37.5 the naive form is off by ≈ 1.4e-13; we must stay within a few ulps.
    expect(relativeError(normCdf(-37.5), 4.605353009581955e-308)).toBeLessThan(1e-15);
    expect(relativeError(normCdf(-30), 4.906713927148187e-198)).toBeLessThan(1e-15);
  });

  it('has the right limits and propagates NaN', () => {
    expect(normCdf(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(normCdf(Number.POSITIVE_INFINITY)).toBe(1);
    expect(normCdf(-40)).toBe(0);
    expect(normCdf(40)).toBe(1);
    expect(normCdf(Number.NaN)).toBeNaN();
  });

  it('satisfies N(x) + N(−x) = 1', () => {
    fc.assert(
      fc.property(fc.double({ min: -9, max: 9, noNaN: true }), (x) => {
        expect(Math.abs(normCdf(x) + normCdf(-x) - 1)).toBeLessThanOrEqual(2.3e-16);
      }),
    );
  });

  it('is non-decreasing', () => {
    fc.assert(
      fc.property(fc.double({ min: -38, max: 9, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (x, dx) => {
        expect(normCdf(x + dx)).toBeGreaterThanOrEqual(normCdf(x));
      }),
    );
  });

  it('has derivative normPdf (central difference)', () => {
    for (const x of [-5, -2, -0.5, 0, 0.7, 3]) {
      const h = 1e-5;
      const slope = (normCdf(x + h) - normCdf(x - h)) / (2 * h);
      expect(relativeError(slope, normPdf(x))).toBeLessThan(1e-8);
    }
  });
});

describe('normPdf', () => {
  it.each(REFERENCE)('n(%d) matches the 60-digit reference to ~1 ulp', (x, _cdf, pdf) => {
    expect(relativeError(normPdf(x), pdf)).toBeLessThanOrEqual(ULP_TOLERANCE);
  });

  it('is symmetric, and 0 at ±Infinity, NaN for NaN', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 40, noNaN: true }), (x) => {
        expect(normPdf(-x)).toBe(normPdf(x));
      }),
    );
    expect(normPdf(Number.POSITIVE_INFINITY)).toBe(0);
    expect(normPdf(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(normPdf(Number.NaN)).toBeNaN();
  });

  it('peaks at 1/√(2π)', () => {
    expect(normPdf(0)).toBe(1 / Math.sqrt(2 * Math.PI));
  });
});
