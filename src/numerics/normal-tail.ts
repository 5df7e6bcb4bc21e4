import normalQuantileStdlib from '@stdlib/stats-base-dists-normal-quantile';
import { normPdf } from './normal.js';

/**
 * Standard normal tail factors for parametric VaR / ES (methods/var-es.md §4 table):
 * z_α = Φ⁻¹(α) and ES_α/σ = φ(z_α)/(1−α), for a loss that is N(0, σ²). α = 0.99 → z = 2.3263478740,
 * ES/σ = 2.6652142203. Φ⁻¹ is @stdlib's (Wichura AS241-class accuracy), φ the ulp-accurate density of normal.ts.
 */
export interface NormalTail {
  /** z_α = Φ⁻¹(α): VaR in units of σ. */
  readonly z: number;
  /** φ(z_α)/(1−α): ES in units of σ. */
  readonly esFactor: number;
}

/** Φ⁻¹(p) for p in (0, 1); NaN outside. */
export function normalQuantile(p: number): number {
  return normalQuantileStdlib(p, 0, 1);
}

/** Tail factors at confidence α in (0, 1); callers validate α. */
export function normalTail(alpha: number): NormalTail {
  const z = normalQuantile(alpha);
  return { z, esFactor: normPdf(z) / (1 - alpha) };
}
