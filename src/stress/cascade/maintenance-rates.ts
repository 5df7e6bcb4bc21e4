import { InstrumentTable } from '../../instruments/instrument-table.js';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { buildScenarioMatrix } from '../../models/scenario-pipeline.js';
import type { ScenarioGridParams } from '../../models/scenario-grid/scenario-grid-params.js';
import { scenarioGridSet } from '../../models/scenario-grid/scenario-grid-model.js';

/**
 * Maintenance margin of the cascade (docs/cascades.md "Maintenance margin"): the `scenario-grid` model's worst loss
 * over its price × vol grid (docs/models/scenario-grid.md), run through the shared scenario pipeline once per round
 * on that round's prices. Every cascade position is delta-one and linear, so a position of q units has scenario
 * P&L q · pnl₁[s] where pnl₁ is one long unit's; its worst loss is therefore exact from two numbers per underlying:
 *
 *   longLoss[u]  = max(0, max_s −pnl₁[u, s])   USD per unit held long
 *   shortLoss[u] = max(0, max_s  pnl₁[u, s])   USD per unit held short
 *
 * and the kernel charges q · longLoss (q > 0) or −q · shortLoss (q < 0) with no per-account revaluation.
 */
export interface MaintenanceRates {
  /** Fills `longLoss` and `shortLoss` (length U, USD per unit) for the given prices (USD per unit). */
  compute(prices: Float64Array, longLoss: Float64Array, shortLoss: Float64Array): void;
}

export function compileMaintenanceRates(underlyings: readonly string[], params: ScenarioGridParams): MaintenanceRates {
  const table = new InstrumentTable();
  // One long linear perpetual of 1 unit per underlying, settled in USD: its P&L is the price move in USD.
  for (const u of underlyings) table.add({ symbol: `${u}-CASCADE-UNIT`, kind: 'perpetual', underlying: u, multiplier: 1, settlement: 'linear', currency: 'USD' });
  const set = scenarioGridSet(params, underlyings);
  const S = set.count;
  return {
    compute(prices, longLoss, shortLoss) {
      const snapshot: Record<string, unknown> = {};
      underlyings.forEach((u, i) => (snapshot[u] = { index: prices[i], vol: { atm: 0.5 } }));
      const market = parseMarketSnapshot({ asOf: '2025-01-01T00:00:00Z', underlyings: snapshot, fx: { USD: 1 } }, 'cascade prices');
      const matrix = buildScenarioMatrix({ instruments: table, market }, set);
      for (let i = 0; i < underlyings.length; i++) {
        let down = 0;
        let up = 0;
        for (let s = 0; s < S; s++) {
          const v = matrix.pnl[i * S + s]!;
          if (-v > down) down = -v;
          if (v > up) up = v;
        }
        longLoss[i] = down;
        shortLoss[i] = up;
      }
    },
  };
}
