import type { CascadeMarket } from './cascade-market.js';

/**
 * Intermarket relief rates for the cascade (docs/cascades.md "Intermarket relief"): a long leg in u and a short leg
 * in v offset when their daily returns are correlated — rate = cap × ρ_uv for ρ_uv ≥ minCorrelation, else 0. The
 * cap plays the part of the project's correlation-relief cap (EMIR RTS 153/2013 Art 27(4): at most 80 % of the
 * benefit; src/models/var/correlation-relief.ts). Same-underlying longs and shorts already net in a cross book.
 */
export interface ReliefSettings {
  readonly cap: number;
  readonly minCorrelation: number;
}

export const DEFAULT_RELIEF: ReliefSettings = { cap: 0.8, minCorrelation: 0.5 };

export function reliefRates(market: CascadeMarket, settings: ReliefSettings = DEFAULT_RELIEF): Float64Array {
  const U = market.underlyings.length;
  const out = new Float64Array(U * U);
  for (let u = 0; u < U; u++) {
    for (let v = 0; v < U; v++) {
      const rho = market.correlation[u * U + v]!;
      out[u * U + v] = u !== v && rho >= settings.minCorrelation ? Math.min(1, settings.cap * rho) : 0;
    }
  }
  return out;
}
