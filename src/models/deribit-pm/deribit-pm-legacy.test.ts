import { describe, expect, it } from 'vitest';
import { InstrumentTable } from '../../instruments/instrument-table.js';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { resolvePortfolio } from '../../portfolio/resolve-portfolio.js';
import type { MarginResult } from '../margin-result.js';
import { deribitPmModel } from './deribit-pm-model.js';
import { DeribitPmParamsSchema } from './deribit-pm-params.js';

const market = parseMarketSnapshot(
  {
    asOf: '2024-06-17T08:00:00Z',
    underlyings: { BTC: { index: 66000, rate: 0, forwards: { '2024-09-27': 67000, '2024-12-27': 68000 }, vol: { atm: 0.55 } } },
  },
  'tv-d4',
);

function legacy(positions: { instrument: string; quantity: number }[], params: Record<string, unknown> = {}): MarginResult {
  const instruments = new InstrumentTable();
  const resolved = resolvePortfolio({ account: 'tv-d4', currency: 'BTC', positions }, instruments);
  return deribitPmModel.compile(DeribitPmParamsSchema.parse({ variant: 'legacy', ...params }), { instruments, market }).evaluate(resolved);
}
const component = (r: MarginResult, name: string): number | undefined => r.components.find((c) => c.name === name)?.value;

describe('deribit-pm legacy variant: TV-D4 (crypto-venues.md §1.2)', () => {
  it('call +10, put −20 at the same strike → option contingency 10 × 0.01 = 0.1 BTC', () => {
    const r = legacy([
      { instrument: 'BTC-27DEC24-60000-C', quantity: 10 },
      { instrument: 'BTC-27DEC24-60000-P', quantity: -20 },
    ]);
    expect(component(r, 'optionContingency')).toBeCloseTo(0.1, 12);
    expect(component(r, 'futuresContingency')).toBe(0);
    // IM = MM (mmFactor 1) = max loss over the ±10 % × IV grid + contingencies.
    expect(r.initialMargin).toBeCloseTo((component(r, 'worstCase') as number) + 0.1, 12);
    expect(r.maintenanceMargin).toBeCloseTo(r.initialMargin, 12);
  });

  it('100 BTC long future A / 100 BTC short future B → futures contingency 1 % × 100 = 1 BTC', () => {
    // Inverse futures of 10 USD: 100 BTC at the forward F is 100 × F / 10 contracts.
    const r = legacy([
      { instrument: 'BTC-27SEP24', quantity: (100 * 67000) / 10 },
      { instrument: 'BTC-27DEC24', quantity: (-100 * 68000) / 10 },
    ]);
    expect(component(r, 'futuresContingency')).toBeCloseTo(1, 12);
    expect(component(r, 'optionContingency')).toBe(0);
    // 100 coins each way: under the same relative move the inverse legs offset exactly, so the grid charges nothing
    // and the contingency is the whole margin.
    expect(component(r, 'worstCase')).toBeCloseTo(0, 12);
    expect(r.initialMargin).toBeCloseTo(1, 12);
  });

  it('runs the legacy grid: ±10 %, IV shock 38 % × (30/DTE)^0.30, no extended table, no roll shock', () => {
    const r = legacy([{ instrument: 'BTC-PERPETUAL', quantity: 66000 }]);
    const btc = (r.details?.['currencies'] as { modelParams: Record<string, unknown>; aggregatedRiskVectors: { extended: number[] }; rollShock: number; worstCase: { value: number } }[])[0]!;
    expect(btc.modelParams).toMatchObject({ priceRange: 0.1, volatilityRangeUp: 0.38, shortTermVegaPower: 0.3, longTermVegaPower: 0.3 });
    expect(btc.aggregatedRiskVectors.extended).toEqual([]);
    expect(btc.rollShock).toBe(0);
    // Long 10 BTC inverse perp at −10 %: 10 × (1/0.9 − 1).
    expect(btc.worstCase.value).toBeCloseTo(10 * (1 / 0.9 - 1), 12);
    expect(r.details?.['variant']).toBe('legacy');
  });

  it('other legacy sources are the same structure with other values (±12.5 %, 2 % futures contingency)', () => {
    const r = legacy(
      [
        { instrument: 'BTC-27SEP24', quantity: (100 * 67000) / 10 },
        { instrument: 'BTC-27DEC24', quantity: (-100 * 68000) / 10 },
      ],
      { legacy: { priceRange: 0.125, futuresContingency: 0.02 } },
    );
    // The deribit.com example: long 100 BTC in A, short 100 BTC in B → 2 BTC.
    expect(component(r, 'futuresContingency')).toBeCloseTo(2, 12);
  });
});
