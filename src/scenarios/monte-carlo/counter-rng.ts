/**
 * Counter-based random numbers for Monte Carlo (DESIGN.md "Determinism"; methods/var-es.md §5: "seeded generator,
 * stream keyed by scenario index").
 *
 * Why counter-based: a sequential generator (mulberry32 in core/) makes draw k of scenario s depend on every draw
 * before it, so splitting scenarios across threads would change results. Here every number is a pure function of
 * (seed, scenario, stream, index): any thread may compute any scenario, in any order, and get the same bits.
 *
 * The block function is Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3",
 * SC 2011): a 10-round bijection of a 128-bit counter under a 64-bit key that passes TestU01 BigCrush. We key it with
 * the seed (low and high 32 bits, so any safe-integer seed is distinct) and put (pair index, scenario, stream, 0) in
 * the counter. One block yields 128 bits = two 53-bit uniforms = one Box–Muller pair of standard normals.
 *
 * Streams separate the uses within a scenario so they never share bits: stream 0 carries the scenario's normals ε,
 * streams 1 and 2 the Gamma (χ²) sampler's proposals and acceptance uniforms.
 *
 * Everything here is allocation-free: the block output lands in a module-level buffer (one per thread, since each
 * worker has its own module instance).
 */

/** Philox4x32 multipliers and Weyl key increments (Random123 constants). */
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** 2^32, 2^26 and 2^-53 as doubles. */
const TWO_32 = 4294967296;
const TWO_26 = 67108864;
const TWO_NEG_53 = 1.1102230246251565e-16;
const TWO_PI = 2 * Math.PI;

/** Stream numbers (the third counter word). */
export const NORMAL_STREAM = 0;
export const GAMMA_PROPOSAL_STREAM = 1;
export const GAMMA_ACCEPT_STREAM = 2;

/** Output of the last block call: four uint32 words. */
const block = new Uint32Array(4);

/** High 32 bits of the 64-bit product a·b of two uint32 (16-bit limbs keep every partial product exact in a double). */
function mulHi32(a: number, b: number): number {
  const aH = a >>> 16;
  const aL = a & 0xffff;
  const bH = b >>> 16;
  const bL = b & 0xffff;
  const lowLow = aL * bL;
  const highLow = aH * bL;
  const lowHigh = aL * bH;
  const carry = (lowLow >>> 16) + (highLow & 0xffff) + (lowHigh & 0xffff);
  return (aH * bH + (highLow >>> 16) + (lowHigh >>> 16) + (carry >>> 16)) >>> 0;
}

/**
 * Philox4x32-10 of counter (c0, c1, c2, c3) under key (k0, k1), all uint32; result in `block`. Exported for the
 * known-answer test.
 */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): Uint32Array {
  let x0 = c0 >>> 0;
  let x1 = c1 >>> 0;
  let x2 = c2 >>> 0;
  let x3 = c3 >>> 0;
  let key0 = k0 >>> 0;
  let key1 = k1 >>> 0;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      key0 = (key0 + W0) >>> 0;
      key1 = (key1 + W1) >>> 0;
    }
    const hi0 = mulHi32(M0, x0);
    const lo0 = Math.imul(M0, x0) >>> 0;
    const hi1 = mulHi32(M1, x2);
    const lo1 = Math.imul(M1, x2) >>> 0;
    x0 = (hi1 ^ x1 ^ key0) >>> 0;
    x1 = lo1;
    x2 = (hi0 ^ x3 ^ key1) >>> 0;
    x3 = lo0;
  }
  block[0] = x0;
  block[1] = x1;
  block[2] = x2;
  block[3] = x3;
  return block;
}

/** Uniform on the open interval (0, 1) from two words: 53 random bits, centred in their bin (never 0, never 1). */
function uniformFromWords(a: number, b: number): number {
  return ((a >>> 5) * TWO_26 + (b >>> 6) + 0.5) * TWO_NEG_53;
}

/** Low and high key words of a seed (a non-negative safe integer; validated by callers at the boundary). */
function seedLow(seed: number): number {
  return seed >>> 0;
}
function seedHigh(seed: number): number {
  return Math.floor(seed / TWO_32) >>> 0;
}

/** Fills `block` for (seed, scenario, stream, pair). */
function draw(seed: number, scenario: number, stream: number, pair: number): Uint32Array {
  return philox4x32(pair, scenario, stream, 0, seedLow(seed), seedHigh(seed));
}

/**
 * The `index`-th uniform on (0, 1) of `stream` in `scenario` under `seed`. Uniforms 2p and 2p+1 come from block p.
 */
export function counterUniform(seed: number, scenario: number, stream: number, index: number): number {
  const b = draw(seed, scenario, stream, Math.floor(index / 2));
  return index % 2 === 0 ? uniformFromWords(b[0]!, b[1]!) : uniformFromWords(b[2]!, b[3]!);
}

/**
 * The `index`-th standard normal of `stream` (default 0, the scenario's ε) in `scenario` under `seed`.
 * Box–Muller on the block's two uniforms u₁, u₂: r = √(−2 ln u₁), θ = 2π u₂; normal 2p = r cos θ, 2p+1 = r sin θ.
 * Exact (no approximation of Φ⁻¹); u₁ ≥ 2⁻⁵⁴ caps |z| at ≈ 8.7, far beyond any quantile we estimate.
 */
export function counterNormal(seed: number, scenario: number, index: number, stream: number = NORMAL_STREAM): number {
  const b = draw(seed, scenario, stream, Math.floor(index / 2));
  const r = Math.sqrt(-2 * Math.log(uniformFromWords(b[0]!, b[1]!)));
  const theta = TWO_PI * uniformFromWords(b[2]!, b[3]!);
  return index % 2 === 0 ? r * Math.cos(theta) : r * Math.sin(theta);
}

/**
 * Kernel: out[offset + j] = counterNormal(seed, scenario, j, stream) for j = 0..count−1, computing each Box–Muller
 * pair once. Bit-identical to the scalar function (same operations in the same order). No allocation.
 */
export function fillCounterNormals(seed: number, scenario: number, stream: number, out: Float64Array, offset: number, count: number): void {
  const k0 = seedLow(seed);
  const k1 = seedHigh(seed);
  for (let j = 0; j < count; j += 2) {
    const b = philox4x32(j / 2, scenario, stream, 0, k0, k1);
    const r = Math.sqrt(-2 * Math.log(uniformFromWords(b[0]!, b[1]!)));
    const theta = TWO_PI * uniformFromWords(b[2]!, b[3]!);
    out[offset + j] = r * Math.cos(theta);
    if (j + 1 < count) out[offset + j + 1] = r * Math.sin(theta);
  }
}

/** Attempts before the Gamma sampler gives up; acceptance is ≥ 95 % per attempt, so 1000 failures never happen. */
const GAMMA_MAX_ATTEMPTS = 1000;

/**
 * Gamma(shape, 1) for scenario `scenario`, shape ≥ 1, by Marsaglia–Tsang (ACM TOMS 26(3), 2000): d = shape − 1/3,
 * c = 1/√(9d); propose v = (1 + c·x)³ with x standard normal, accept when ln u < x²/2 + d − d·v + d·ln v.
 * Works for any real shape (non-integer ν included), no table or series. Deterministic although the number of
 * attempts varies: attempt j uses normal j of GAMMA_PROPOSAL_STREAM and uniform j of GAMMA_ACCEPT_STREAM, both pure
 * functions of (seed, scenario, j). Returns NaN for shape < 1 (callers validate).
 */
export function counterGamma(seed: number, scenario: number, shape: number): number {
  if (!(shape >= 1)) return NaN;
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (let j = 0; j < GAMMA_MAX_ATTEMPTS; j++) {
    const x = counterNormal(seed, scenario, j, GAMMA_PROPOSAL_STREAM);
    let v = 1 + c * x;
    if (v <= 0) continue;
    v = v * v * v;
    const u = counterUniform(seed, scenario, GAMMA_ACCEPT_STREAM, j);
    const x2 = x * x;
    // Squeeze first (cheap, accepts ~98 %), then the exact test.
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
  return NaN;
}

/** χ²_ν = 2·Gamma(ν/2, 1) for scenario `scenario`; ν ≥ 2 (Student-t scenarios need ν > 2 for a finite variance). */
export function counterChiSquare(seed: number, scenario: number, nu: number): number {
  return 2 * counterGamma(seed, scenario, nu / 2);
}
