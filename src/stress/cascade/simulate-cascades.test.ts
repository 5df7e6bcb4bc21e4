import { describe, expect, it } from 'vitest';
import { renderCascadeHtml } from './cascade-html.js';
import { testConfig, testMarket } from './cascade-test-fixtures.js';
import { simulateCascades } from './simulate-cascades.js';

describe('simulateCascades', () => {
  const report = simulateCascades(testConfig({ compare: true, shock: { BTC: -0.2, ETH: -0.25 } }), { market: testMarket() });

  it('runs cross/isolated × relief on/off on one population', () => {
    expect(report.runs.map((r) => r.label)).toEqual(['cross, relief on', 'cross, relief off', 'isolated, relief on', 'isolated, relief off']);
    expect(report.population).toMatchObject({ accounts: 2000, source: 'generated (seed 1)' });
    expect(report.shock).toEqual({ BTC: -0.2, ETH: -0.25, SOL: 0 });
    for (const run of report.runs) {
      expect(run.rounds).toHaveLength(20);
      expect(run.conservation.error).toBeLessThan(1e-9);
      expect(run.lossDistribution.accounts).toBe(2000);
    }
    // Relief needs a shared pool: isolated pools hold one position each, so relief changes nothing there.
    expect(report.runs[2]!.totals).toEqual(report.runs[3]!.totals);
    // Netting and relief both lower requirements: cross with relief liquidates least in the first round.
    const first = report.runs.map((r) => r.rounds[0]!.accountsLiquidated);
    expect(first[0]).toBeLessThanOrEqual(first[1]!);
    expect(first[1]).toBeLessThan(first[3]!);
    expect(report.reliefRates).toContainEqual({ long: 'BTC', short: 'ETH', rate: expect.closeTo(0.64, 12) });
  });

  it('keeps conservation with accounts that start underwater (entry prices above today’s price)', () => {
    const portfolios = [
      { document: { account: 'under', currency: 'USD', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1, entryPrice: 130_000 }], collateral: { USDC: 5_000 } }, source: 'under' },
      { document: { account: 'fine', currency: 'USD', positions: [{ instrument: 'ETH_USDC-PERPETUAL', quantity: -10, entryPrice: 4_500 }], collateral: { USDC: 20_000 } }, source: 'fine' },
    ];
    const r = simulateCascades(testConfig({ compare: true, shock: { BTC: -0.1 } }), { market: testMarket(), portfolios, portfoliosSource: 'test' });
    expect(r.population).toMatchObject({ accounts: 2, source: 'test' });
    for (const run of r.runs) {
      expect(run.conservation.error).toBeLessThan(1e-9);
      // 5,000 − 30,000 of unrealised loss: liquidated in the first round, whatever the variant.
      expect(run.rounds[0]!.accountsLiquidated).toBeGreaterThanOrEqual(1);
    }
  });

  it('refuses a shock on an underlying the population does not hold', () => {
    expect(() => simulateCascades(testConfig({ shock: { DOGE: -0.5 } }), { market: testMarket() })).toThrow(expect.objectContaining({ code: 'USAGE_INVALID', field: 'shock.DOGE' }));
  });

  it('renders a self-contained HTML report with round charts and loss histograms', () => {
    const html = renderCascadeHtml(report);
    expect(html).toContain('<h2>Cascade over rounds</h2>');
    expect(html).toContain('Pools liquidated per round');
    expect(html).toContain('cross, relief off: accounts by loss');
    expect((html.match(/<svg /g) ?? []).length).toBe(4 + 4 + 4);
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org)/);
  });
});
