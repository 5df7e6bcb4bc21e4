import type { CascadeMarket } from './cascade-market.js';
import { CascadeConfigSchema, type CascadeConfig, type CascadeConfigInput } from './cascade-config.js';

/** A small synthetic market (no files): BTC, ETH, SOL with round numbers; correlations BTC–ETH 0.8, others 0.6. */
export function testMarket(): CascadeMarket {
  return {
    underlyings: ['BTC', 'ETH', 'SOL'],
    prices: Float64Array.from([100_000, 4_000, 200]),
    sigma: Float64Array.from([0.03, 0.04, 0.05]),
    adv: Float64Array.from([2e9, 1e9, 3e8]),
    correlation: Float64Array.from([1, 0.8, 0.6, 0.8, 1, 0.6, 0.6, 0.6, 1]),
    asOf: ['2025-09-23', '2025-09-23', '2025-09-23'],
  };
}

export function testConfig(input: CascadeConfigInput = {}): CascadeConfig {
  return CascadeConfigSchema.parse({ underlyings: ['BTC', 'ETH', 'SOL'], accounts: 2_000, ...input });
}
