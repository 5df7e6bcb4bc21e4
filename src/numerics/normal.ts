/**
 * Standard normal distribution function and density, accurate to about one ulp over the whole double range,
 * tails included.
 *
 * Why the care: option prices are checked against QuantLib to 1e-10 relative, and out-of-the-money prices and
 * greeks are differences of tail probabilities, so any relative error in N(x) for x ≪ 0 lands directly in them.
 *
 * N(x) = ½·erfc(−x/√2) with fdlibm's erfc (@stdlib). The naive version loses accuracy in the lower tail not in
 * erfc but in its argument: rounding −x/√2 to a double perturbs erfc by a relative ≈ x²·2⁻⁵³ (about 1e-13 at
 * x = −37). We recover the rounding error of the argument exactly (Dekker's two-product) and apply it as a
 * first-order correction, which brings the error back to ≈ 4e-16 relative. The density gets the same treatment:
 * exp(−x²/2) with x² rounded has relative error ≈ ½x²·2⁻⁵³, so x is split into a 16-fractional-bit head (whose
 * square is exact) and a small tail.
 *
 * Both functions are pure, allocation-free and never throw: NaN in gives NaN out, ±Infinity gives the limits.
 */

import erfc from '@stdlib/math-base-special-erfc';

/** 1/√(2π). */
const INV_SQRT_2PI = 0.3989422804014327;

/** 1/√2 as a double (head) and the rounding error of that double (tail): 1/√2 = C_HI + C_LO to ~1e-33. */
const C_HI = Math.SQRT1_2;
const C_LO = -4.833646656726457e-17;

/** Veltkamp splitting constant 2²⁷ + 1: splits a double into two halves with at most 26 significant bits each. */
const SPLIT = 134217729;
const C_HI_SPLIT = SPLIT * C_HI;
/** C_HI = C_HI_H + C_HI_L with 26-bit halves, so products with other 26-bit halves are exact. */
const C_HI_H = C_HI_SPLIT - (C_HI_SPLIT - C_HI);
const C_HI_L = C_HI - C_HI_H;

/** 2¹⁶: the density's exact-square head keeps 16 fractional bits (|x| < 39 ⇒ head has ≤ 22 bits ⇒ head² exact). */
const PDF_SCALE = 65536;
const PDF_INV_SCALE = 1 / 65536;

/**
 * Standard normal cumulative distribution function N(x) = P(Z ≤ x), Z ~ N(0, 1).
 * Relative error ≲ 5e-16 wherever the result is a normal (non-subnormal) double.
 */
export function normCdf(x: number): number {
  const z = -x * C_HI;
  const n0 = 0.5 * erfc(z);
  // Above −1 the argument's rounding moves N by less than an ulp; n0 === 0 covers the underflow and −Infinity.
  if (x >= -1 || n0 === 0) return n0;
  // u·C_HI − z exactly (two-product via Veltkamp split), plus the part of u/√2 the constant C_HI leaves out.
  const u = -x;
  const uSplit = SPLIT * u;
  const uH = uSplit - (uSplit - u);
  const uL = u - uH;
  const productError = uH * C_HI_H - z + uH * C_HI_L + uL * C_HI_H + uL * C_HI_L;
  const dz = productError + u * C_LO;
  // We evaluated N at x' = −√2·z instead of x; x − x' = −√2·dz. First-order correction N(x) ≈ N(x')(1 + r·(x − x'))
  // with r = n(x)/N(x), the inverse Mills ratio, which is ≈ |x| + 1/|x| in this tail; the correction is itself
  // ≲ 1e-13 relative, so the approximation of r costs nothing measurable.
  const r = u + 1 / u;
  return n0 * (1 - r * Math.SQRT2 * dz);
}

/**
 * Standard normal density n(x) = exp(−x²/2)/√(2π). Relative error ≲ 5e-16 wherever the result is a normal double.
 */
export function normPdf(x: number): number {
  const ax = Math.abs(x);
  // Near the centre the rounding of x² is harmless; beyond |x| ≈ 38.6 the result underflows to 0 anyway (and
  // this branch also passes NaN and ±Infinity through exp correctly).
  if (ax < 2 || !(ax < 39)) return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
  // x = h + l with h a multiple of 2⁻¹⁶: h² is exact, so exp(−h²/2) has an exact argument; the remainder
  // −l(h + l/2) is tiny (|l| ≤ 2⁻¹⁷, so |·| < 3e-4) and exp of it is a short Taylor series (next term < 1e-19).
  const h = Math.round(ax * PDF_SCALE) * PDF_INV_SCALE;
  const l = ax - h;
  const a = -l * (h + 0.5 * l);
  const expA = 1 + a * (1 + a * (0.5 + a * (1 / 6 + a * (1 / 24))));
  return INV_SQRT_2PI * Math.exp(-0.5 * h * h) * expA;
}
