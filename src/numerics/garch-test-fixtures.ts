import { mulberry32 } from '../core/seeded-random.js';

/** Standard normal draws from mulberry32 uniforms by Box–Muller (deterministic for a seed). */
export function normalStream(seed: number): () => number {
  const u = mulberry32(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const z = spare;
      spare = undefined;
      return z;
    }
    const u1 = 1 - u(); // (0, 1]: ln(0) excluded
    const u2 = u();
    const radius = Math.sqrt(-2 * Math.log(u1));
    spare = radius * Math.sin(2 * Math.PI * u2);
    return radius * Math.cos(2 * Math.PI * u2);
  };
}

/** A GARCH(1,1) path, zero mean: ε_t = σ_t z_t, σ²_t = ω + αε²_{t−1} + βσ²_{t−1}, started at the long-run variance. */
export function simulateGarch(n: number, omega: number, alpha: number, beta: number, seed: number, burnIn = 500): Float64Array {
  const z = normalStream(seed);
  const out = new Float64Array(n);
  let s2 = omega / (1 - alpha - beta);
  let e = 0;
  for (let t = -burnIn; t < n; t++) {
    if (t > -burnIn) s2 = omega + alpha * e * e + beta * s2;
    e = Math.sqrt(s2) * z();
    if (t >= 0) out[t] = e;
  }
  return out;
}
