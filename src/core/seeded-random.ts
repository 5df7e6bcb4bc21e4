/**
 * Seeded pseudo-random numbers (DESIGN.md "Determinism": the engine uses no unseeded randomness).
 * mulberry32: 32-bit state, uniform on [0, 1), fast and good enough for benchmarks and bounded test inputs;
 * Monte Carlo models that need long streams per worker use counter-based streams built on top of it.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
