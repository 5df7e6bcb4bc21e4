import erfc from '@stdlib/math-base-special-erfc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { erfcCody, expNegHalfSquare, normCdfCody, normCdfFromGaussian } from './norm-cdf-cody.js';
import { normCdf, normPdf } from '../numerics/normal.js';

/**
 * [x, N(x), n(x)] from mpmath at 60 significant digits, rounded to the nearest double (the table of
 * normal.test.ts): the tails are where a plain ½·erfc(−x/√2) with e^{−x²} of a rounded square goes wrong.
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

/** erfc from mpmath at 50 digits around Cody's range boundaries (0.46875, 4) and in the far tail. */
const ERFC_REFERENCE: ReadonlyArray<readonly [number, number]> = [
  [0.1, 0.887537083981715],
  [0.46875, 0.507386526782062],
  [0.5, 0.4795001221869535],
  [1, 0.15729920705028513],
  [2.5, 0.0004069520174449589],
  [3.99, 1.6739211364520814e-8],
  [4, 1.541725790028002e-8],
  [4.01, 1.4196939421371052e-8],
  [6, 2.1519736712498913e-17],
  [10, 2.088487583762545e-45],
  [20, 5.395865611607901e-176],
  [26, 5.663192408856143e-296],
];

const SQRT_2PI = Math.sqrt(2 * Math.PI);
const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe('erfcCody', () => {
  it.each(ERFC_REFERENCE)('erfc(%d) matches the 50-digit value to a few ulps', (y, expected) => {
    expect(relativeError(erfcCody(y), expected)).toBeLessThanOrEqual(1e-15);
    expect(relativeError(erfcCody(-y), 2 - expected)).toBeLessThanOrEqual(2.3e-16);
  });

  it('agrees with fdlibm erfc (@stdlib) to 1e-14 relative on a dense grid, tails included', () => {
    let worst = 0;
    for (let x = -6; x <= 26.5; x += 1.37e-4) worst = Math.max(worst, relativeError(erfcCody(x), erfc(x)));
    expect(worst).toBeLessThanOrEqual(1e-14);
  });

  it('agrees with fdlibm erfc on arbitrary doubles', () => {
    fc.assert(
      fc.property(fc.double({ min: -30, max: 26.5, noNaN: true }), (x) => relativeError(erfcCody(x), erfc(x)) <= 1e-14),
      { numRuns: 20000 },
    );
  });

  it('has the right limits and propagates NaN', () => {
    expect(erfcCody(0)).toBe(1);
    expect(erfcCody(30)).toBe(0);
    expect(erfcCody(Number.POSITIVE_INFINITY)).toBe(0);
    expect(erfcCody(Number.NEGATIVE_INFINITY)).toBe(2);
    expect(erfcCody(Number.NaN)).toBeNaN();
  });
});

describe('normCdfCody', () => {
  it.each(REFERENCE)('N(%d) matches the 60-digit reference to a few ulps', (x, cdf) => {
    expect(relativeError(normCdfCody(x), cdf)).toBeLessThanOrEqual(2e-15);
  });

  it('agrees with normal.ts normCdf to 1e-14 relative from −37.5 to 9 (wherever N is a normal double)', () => {
    let worst = 0;
    for (let x = -37.5; x <= 9; x += 1.13e-4) worst = Math.max(worst, relativeError(normCdfCody(x), normCdf(x)));
    expect(worst).toBeLessThanOrEqual(1e-14);
  });

  it('is monotone across the boundaries of Cody’s ranges (±0.46875·√2, ±4·√2)', () => {
    for (const edge of [0.46875 * Math.SQRT2, 4 * Math.SQRT2]) {
      for (const sign of [-1, 1]) {
        let previous = normCdfCody(sign * edge - 1e-9);
        for (let k = -50; k <= 50; k++) {
          const value = normCdfCody(sign * edge + k * 2e-11);
          expect(value).toBeGreaterThanOrEqual(previous);
          previous = value;
        }
      }
    }
  });

  it('has the right limits and propagates NaN', () => {
    expect(normCdfCody(0)).toBe(0.5);
    expect(normCdfCody(-40)).toBe(0);
    expect(normCdfCody(40)).toBe(1);
    expect(normCdfCody(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(normCdfCody(Number.POSITIVE_INFINITY)).toBe(1);
    expect(normCdfCody(Number.NaN)).toBeNaN();
  });

  it('normCdfFromGaussian with the exact Gaussian factor is normCdfCody', () => {
    fc.assert(
      fc.property(fc.double({ min: -40, max: 40, noNaN: true }), (x) => normCdfFromGaussian(x, expNegHalfSquare(x)) === normCdfCody(x)),
    );
  });
});

describe('expNegHalfSquare', () => {
  it.each(REFERENCE)('e^{−x²/2} at %d matches the 60-digit density to a few ulps', (x, _cdf, pdf) => {
    expect(relativeError(expNegHalfSquare(x) / SQRT_2PI, pdf)).toBeLessThanOrEqual(1e-15);
  });

  it('agrees with normal.ts normPdf (also exact-square) on a dense grid', () => {
    let worst = 0;
    // ±37.5: beyond it the density approaches the subnormal range, where only absolute accuracy is meaningful.
    for (let x = -37.5; x <= 37.5; x += 1.7e-4) worst = Math.max(worst, relativeError(expNegHalfSquare(x) / SQRT_2PI, normPdf(x)));
    expect(worst).toBeLessThanOrEqual(1e-15);
  });

  it('underflows to 0 and propagates NaN', () => {
    expect(expNegHalfSquare(40)).toBe(0);
    expect(expNegHalfSquare(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(expNegHalfSquare(Number.NaN)).toBeNaN();
  });
});
