import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MarginResultSchema } from '../src/models/margin-result.js';
import { MODELS } from '../src/models/model-registry.js';
import { cli } from './cli-helpers.js';

describe('CLI: the contract subcommands', () => {
  it('margin --json prints a MarginResult', async () => {
    const run = await cli('margin', '--portfolio', 'samples/btc-options/portfolio.json', '--market', 'samples/btc-options/market.json', '--model', 'scenario-grid', '--json');
    expect(run.code).toBe(0);
    const result = MarginResultSchema.parse(JSON.parse(run.out));
    expect(result.model).toBe('scenario-grid');
    expect(result.currency).toBe('BTC');
    expect(result.initialMargin).toBeGreaterThan(0);
    expect(result.components[0]?.name).toBe('gridRisk');
    expect(result.positions).toHaveLength(5);
  });
  it('margin prints a readable report by default, with params applied', async () => {
    const run = await cli('margin', '--portfolio', 'samples/spx-futures-options/portfolio.json', '--market', 'samples/spx-futures-options/market.json', '--model', 'scenario-grid', '--params', 'samples/spx-futures-options/params/scenario-grid.json');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/Initial margin\s+[\d,.]+ USD/);
    expect(run.out).toMatch(/gridRisk\s+SPX/);
    expect(run.out).toMatch(/ESM0/);
  });
  it('models lists every model with its parameters', async () => {
    const run = await cli('models');
    expect(run.out).toMatch(/^isolated-simple\s+\S/m);
    expect(run.out).toMatch(/^scenario-grid\s+\S/m);
    expect(run.out).toMatch(/priceRange\s+.*default 0\.15/);
    const json = JSON.parse((await cli('models', '--json')).out) as { id: string; parameters: unknown[] }[];
    expect(json.map((m) => m.id)).toEqual(MODELS.map((m) => m.id));
    expect(json.map((m) => m.id)).toEqual(expect.arrayContaining(['isolated-simple', 'scenario-grid', 'span', 'tims']));
    expect(json.every((m) => m.parameters.length > 0)).toBe(true);
  });
  it('price gives the Deribit mark of an inverse option (coin per option)', async () => {
    const run = await cli('price', '--market', 'samples/btc-options/market.json', '--instrument', 'BTC-26JUN20-10000-C', '--json');
    expect(run.code).toBe(0);
    const r = JSON.parse(run.out) as { value: number; currency: string; vol: number };
    expect(r.currency).toBe('BTC');
    expect(r.vol).toBeCloseTo(0.8164, 10);
    // Deribit's mark in the chain CSV: 0.06363556 BTC (forward 9094.87 on that row; the snapshot uses the expiry median).
    expect(r.value).toBeCloseTo(0.06363556, 4);
  });
  it('samples margins every sample portfolio under every model', async () => {
    const run = await cli('samples', '--json');
    const runs = JSON.parse(run.out) as { sample: string; model: string; result?: unknown; error?: { code: string } }[];
    expect(runs).toHaveLength(3 * MODELS.length);
    expect(new Set(runs.map((r) => r.sample))).toEqual(new Set(['btc-options', 'crypto-mixed', 'spx-futures-options']));
    // Every clearing-house and VaR model margins every sample; a venue model may refuse a book it has no rule for.
    for (const r of runs) {
      if (r.result !== undefined) MarginResultSchema.parse(r.result);
      else expect(r.error?.code).toMatch(/^[A-Z_]+$/);
    }
    const general = ['isolated-simple', 'scenario-grid', 'span', 'tims', 'hs-var', 'fhs-es', 'parametric-var', 'mc-es'];
    expect(runs.filter((r) => general.includes(r.model)).every((r) => r.result !== undefined)).toBe(true);
  });
  it('snapshot builds a market file from the option chain that margin can use (underlying name upper-cased)', async () => {
    const run = await cli('snapshot', '--chain', 'data/deribit_btc_options_2020-05-21.csv', '--underlying', 'btc', '--as-of', '2020-05-21T23:21:00Z', '--rate', '0.01');
    expect(run.code).toBe(0);
    const file = JSON.parse(run.out) as { underlyings: Record<string, { rate: number; vol: { smiles: unknown[] } }> };
    expect(Object.keys(file.underlyings)).toEqual(['BTC']);
    expect(file.underlyings.BTC?.rate).toBe(0.01);
    expect(file.underlyings.BTC?.vol.smiles).toHaveLength(7);
  });
  it('margin --agreement margins a portfolio split across markets jointly, with capped relief', async () => {
    const dir = 'docs/examples/agreement';
    const run = await cli('margin', '--agreement', `${dir}/agreement.json`, '--portfolio', `${dir}/portfolio.json`, '--market', `${dir}/market.json`, '--json');
    expect(run.code).toBe(0);
    const r = MarginResultSchema.parse(JSON.parse(run.out));
    const value = (name: string) => r.components.filter((c) => c.name === name).reduce((a, c) => a + c.value, 0);
    expect(r.model).toBe('agreement');
    expect(value('agreementRelief')).toBeGreaterThan(0);
    expect(value('agreementRelief')).toBeLessThanOrEqual(value('reliefCap') + 1e-9);
    expect(r.initialMargin).toBeCloseTo(value('standaloneMargin') - value('agreementRelief'), 6);
  });
  it('margin --model span --span-file works without a market file', async () => {
    const run = await cli('margin', '--model', 'span', '--span-file', 'docs/examples/span/mcmillan.span.json', '--portfolio', 'docs/examples/span/long-call.portfolio.json');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/scanRisk\s+SP\s+3,990\.00\s+#14 price −3\/3, vol down/);
  });
  it('margin --model hs-var with --history prints the worst scenarios with dates', async () => {
    const run = await cli('margin', '--model', 'hs-var', '--history', 'data/btc_usd_daily.csv', '--portfolio', 'samples/btc-options/portfolio.json', '--market', 'samples/btc-options/market.json', '--json');
    expect(run.code).toBe(0);
    const r = MarginResultSchema.parse(JSON.parse(run.out));
    expect(r.worstScenario?.id).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect((r.details?.worstScenarios as unknown[]).length).toBe(5);
  });
  it('compare prints one row per model', async () => {
    const run = await cli('compare', '--portfolio', 'samples/crypto-mixed/portfolio.json', '--market', 'samples/crypto-mixed/market.json', '--models', 'scenario-grid,hs-var,mc-es', '--json');
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.out) as { model: string; result?: { initialMargin: number } }[];
    expect(rows.map((r) => r.model)).toEqual(['scenario-grid', 'hs-var', 'mc-es']);
    expect(rows.every((r) => (r.result?.initialMargin ?? 0) > 0)).toBe(true);
    const table = await cli('compare', '--portfolio', 'samples/crypto-mixed/portfolio.json', '--market', 'samples/crypto-mixed/market.json', '--models', 'scenario-grid,parametric-var');
    expect(table.out).toMatch(/^parametric-var\s+[\d,.]+\s+[\d,.]+\s+riskMeasure account/m);
  });
  it('account reports equity, margins, ratio, state and the liquidation price of a one-underlying book', async () => {
    const run = await cli('account', '--portfolio', 'samples/btc-options/portfolio.json', '--market', 'samples/btc-options/market.json', '--model', 'span', '--json');
    expect(run.code).toBe(0);
    const r = JSON.parse(run.out) as { equity: { equity: number }; state: string; marginRatio: number; liquidation: { underlying: string; price: number }; maintenanceMargin: number };
    expect(r.state).toBe('healthy');
    expect(r.marginRatio).toBeCloseTo(r.maintenanceMargin / r.equity.equity, 12);
    expect(r.liquidation.underlying).toBe('BTC');
    expect(r.liquidation.price).toBeGreaterThan(0);
    const table = await cli('account', '--portfolio', 'samples/btc-options/portfolio.json', '--market', 'samples/btc-options/market.json', '--model', 'span');
    expect(table.out).toMatch(/state\s+healthy/);
  });
  it('--help describes every subcommand', async () => {
    const run = await cli('--help');
    expect(run.code).toBe(0);
    for (const c of ['margin', 'models', 'price', 'samples', 'snapshot', 'compare', 'account']) expect(run.out).toContain(c);
    const sub = await cli('margin', '--help');
    expect(sub.out).toMatch(/--portfolio <file>/);
  });
  it('the built executable exits non-zero without a stack trace on a missing file', () => {
    const run = spawnSync('node', ['bin/crossmargin.js', 'margin', '--portfolio', 'nope.json', '--market', 'nope.json', '--model', 'scenario-grid'], { encoding: 'utf8' });
    expect(run.status).toBe(3);
    expect(run.stderr).toMatch(/^error \[FILE_NOT_FOUND\]: .*nope\.json/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
