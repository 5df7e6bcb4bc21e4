/**
 * Fast standard normal distribution function for hot loops: W. J. Cody's rational Chebyshev approximations of
 * erf/erfc on a table-driven exp (exp-non-positive.ts), instead of normal.ts's fdlibm erfc (@stdlib), whose
 * JavaScript `exp` was about half of the revaluation kernel's time (and V8's Math.exp, a call into fdlibm, still
 * costs ~20 ns).
 *
 * Source of the approximations (coefficients as published; this implementation is our own):
 *   W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969) 631–637,
 *   with the coefficient sets of Cody's SPECFUN routine CALERF (netlib.org/specfun/erf, 1990).
 * Three ranges of y = |x|/√2:
 *   y ≤ 0.46875      erf(y)  = y·A(y²)/B(y²)                            (degree 4/4)
 *   0.46875 < y ≤ 4  erfc(y) = e^{−y²}·C(y)/D(y)                        (degree 8/8)
 *   y > 4            erfc(y) = e^{−y²}/y·(1/√π + y⁻²·P(y⁻²)/Q(y⁻²))     (degree 5/5)
 * The rational parts are accurate beyond double precision, so the error is that of their evaluation (a few ulps).
 *
 * The factor e^{−y²} = e^{−x²/2} is where accuracy is usually lost: x² rounded to a double has relative error
 * up to 2⁻⁵³, which exp turns into a relative error of ≈ ½x²·2⁻⁵³ (≈ 8e-14 at x = −37). Cody splits y into
 * sixteenths and pays a second exp; we instead recover the rounding error of x² exactly (Dekker's two-product)
 * and apply it as a first-order factor, which costs a few multiplications. The rational parts are barely
 * sensitive to the rounding of y (their logarithmic derivative is ≈ −1/y), so N(x) stays within a few ulps in
 * both tails without the argument correction normal.ts needs.
 *
 * Callers that already know e^{−x²/2} (Black-76: e^{−d2²/2} = e^{−d1²/2}·F/K) use `normCdfFromGaussian` and save
 * the exp. All functions are pure, allocation-free, never throw; NaN gives NaN, ±Infinity the limits.
 */

import { expNonPositive } from './exp-non-positive.js';

/** Below this |erf argument| the central erf approximation applies (Cody's THRESH). */
const THRESH = 0.46875;

/** 1/√π (Cody's SQRPI). */
const INV_SQRT_PI = 0.5641895835477563;

/** Veltkamp splitting constant 2²⁷ + 1: splits a double into two halves of at most 26 significant bits. */
const SPLIT = 134217729;

/**
 * Beyond this |x| the two-product is skipped: e^{−x²/2} < 1e-322 underflows anyway (and Infinity/NaN must not
 * reach the splitting, which would turn Infinity into NaN).
 */
const SPLIT_LIMIT = 38.5;

/**
 * e^{−x²/2}, accurate to ~1 ulp wherever the result is a normal double: x² = sq + err exactly (two-product),
 * e^{−(sq + err)/2} = e^{−sq/2}·(1 − err/2) with |err| ≤ 2⁻⁵³·sq, so the dropped err²/8 is below 1e-26.
 */
export function expNegHalfSquare(x: number): number {
  const ax = Math.abs(x);
  if (!(ax < SPLIT_LIMIT)) return Math.exp(-0.5 * ax * ax);
  const c = SPLIT * ax;
  const hi = c - (c - ax);
  const lo = ax - hi;
  const sq = ax * ax;
  const err = hi * hi - sq + 2 * hi * lo + lo * lo;
  return expNonPositive(-0.5 * sq) * (1 - 0.5 * err);
}

/** erf(z) for |z| ≤ 0.46875 (Cody's first range; coefficients A, B of CALERF). */
function erfCentral(z: number): number {
  const zz = z * z;
  const num = ((((0.185777706184603153 * zz + 3.1611237438705656) * zz + 113.864154151050156) * zz + 377.485237685302021) * zz) + 3209.37758913846947;
  const den = ((((zz + 23.6012909523441209) * zz + 244.024637934444173) * zz + 1282.61652607737228) * zz) + 2844.23683343917062;
  return (z * num) / den;
}

/**
 * erfc(y)·e^{y²} for y > 0.46875 (Cody's second and third ranges; coefficients C, D and P, Q of CALERF), written
 * as Horner polynomials in the order CALERF evaluates them.
 */
function erfcScaled(y: number): number {
  if (y <= 4) {
    const num = (((((((2.15311535474403846e-8 * y + 0.564188496988670089) * y + 8.88314979438837594) * y + 66.1191906371416295) * y + 298.635138197400131) * y + 881.95222124176909) * y + 1712.04761263407058) * y + 2051.07837782607147) * y + 1230.33935479799725;
    const den = (((((((y + 15.7449261107098347) * y + 117.693950891312499) * y + 537.181101862009858) * y + 1621.38957456669019) * y + 3290.79923573345963) * y + 4362.61909014324716) * y + 3439.36767414372164) * y + 1230.33935480374942;
    return num / den;
  }
  const w = 1 / (y * y);
  const num = (((((0.0163153871373020978 * w + 0.305326634961232344) * w + 0.360344899949804439) * w + 0.125781726111229246) * w + 0.0160837851487422766) * w) + 6.58749161529837803e-4;
  const den = (((((w + 2.56852019228982242) * w + 1.87295284992346047) * w + 0.527905102951428412) * w + 0.0605183413124413191) * w) + 0.00233520497626869185;
  return (INV_SQRT_PI - (w * num) / den) / y;
}

/**
 * N(x) given gaussian = e^{−x²/2} (only read when |x| > 0.46875·√2; pass any number below that). Same accuracy as
 * `normCdfCody` when `gaussian` is accurate. Lower tail: ½·erfc(|x|/√2); upper tail: 1 − ½·erfc(|x|/√2).
 */
export function normCdfFromGaussian(x: number, gaussian: number): number {
  const y = Math.abs(x) * Math.SQRT1_2;
  if (y <= THRESH) return 0.5 + 0.5 * erfCentral(x * Math.SQRT1_2);
  const tail = 0.5 * gaussian * erfcScaled(y);
  return x < 0 ? tail : 1 - tail;
}

/**
 * Standard normal cumulative distribution function N(x) = P(Z ≤ x), Z ~ N(0, 1), by Cody's approximations.
 * Relative error a few ulps (≲ 1e-15) wherever the result is a normal double; agrees with normal.ts's normCdf.
 */
export function normCdfCody(x: number): number {
  return normCdfFromGaussian(x, expNegHalfSquare(x));
}

/**
 * Complementary error function erfc(x) by Cody's approximations, with e^{−x²} from an exact square (as above).
 * Exposed so the approximation can be checked against fdlibm's erfc directly.
 */
export function erfcCody(x: number): number {
  const y = Math.abs(x);
  if (y <= THRESH) return 1 - erfCentral(x);
  // e^{−y²} = e^{−(√2·y)²/2}: √2·y rounds, so square y itself exactly instead.
  let gaussian: number;
  if (y < 27) {
    const c = SPLIT * y;
    const hi = c - (c - y);
    const lo = y - hi;
    const sq = y * y;
    const err = hi * hi - sq + 2 * hi * lo + lo * lo;
    gaussian = expNonPositive(-sq) * (1 - err);
  } else {
    gaussian = Math.exp(-y * y);
  }
  const tail = gaussian * erfcScaled(y);
  return x < 0 ? 2 - tail : tail;
}
