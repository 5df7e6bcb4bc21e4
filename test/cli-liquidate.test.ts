import { describe, expect, it } from 'vitest';
import { cli, tempFiles } from './cli-helpers.js';

const MARKET = 'docs/examples/venues/market.json';
const DYDX = 'docs/examples/venues/liquidation-dydx.portfolio.json';
const DERIBIT = 'docs/examples/venues/liquidation-deribit.portfolio.json';

interface Json {
  stoppedBy: string;
  steps: { instrument: string; quantityClosed: number; realisedPnl: number; penalty: number }[];
  start: { equity: number };
  end: { equity: number };
  realisedPnl: number;
  penalties: number;
  insuranceFund: { before: number; after: number; covered: number };
  badDebt: number;
  rule: { slippage: number; incrementFraction: number };
}

describe('CLI: liquidate', () => {
  it('prints a readable report with the steps (dYdX: one close at the fillable price)', async () => {
    const run = await cli('liquidate', '--model', 'dydx-v4', '--portfolio', DYDX, '--market', MARKET, '--insurance-fund', '50');
    expect(run.code).toBe(0);
    // BTC at 60,000: MMR 1,800; ABR = 1 − 1,000/1,800; concession 60,000 × 0.1 × 0.03 × ABR = 80; fee 0.5 % = 300.
    expect(run.out).toMatch(/Stopped\s+healthy after 1 step/);
    expect(run.out).toMatch(/Insurance fund\s+50\.00 USDC → 350\.00 USDC/);
    expect(run.out).toMatch(/1\s+BTC_USDC-PERPETUAL\s+1\s+59,920 USDC\s+-80\.00\s+300\.00\s+620\.00\s+0\.00/);
  });

  it('--json prints the result; value is conserved; long runs are elided in the table', async () => {
    const json = await cli('liquidate', '--model', 'deribit-sm', '--portfolio', DERIBIT, '--market', MARKET, '--json');
    expect(json.code).toBe(0);
    const r = JSON.parse(json.out) as Json;
    expect(r.stoppedBy).toBe('healthy');
    expect(r.steps.length).toBeGreaterThan(30);
    expect(r.end.equity - r.start.equity).toBeCloseTo(r.realisedPnl - r.penalties, 12);
    const table = await cli('liquidate', '--model', 'deribit-sm', '--portfolio', DERIBIT, '--market', MARKET);
    expect(table.out).toMatch(/steps not shown \(--json lists all\)/);
    expect(table.out).toMatch(/Remaining positions BTC-PERPETUAL \d+/);
  });

  it('--rule overrides the venue rule; --params reaches the model', async () => {
    const json = await cli('liquidate', '--model', 'deribit-sm', '--portfolio', DERIBIT, '--market', MARKET, '--rule', 'docs/examples/venues/liquidation-rule.json', '--json');
    expect(json.code).toBe(0);
    const r = JSON.parse(json.out) as Json;
    expect(r.rule).toMatchObject({ slippage: 0.01, incrementFraction: 0.25 });
    expect(r.steps[0]!.quantityClosed).toBe(15000);
    expect(r.steps[0]!.realisedPnl).toBeLessThan(0);
    const files = tempFiles();
    const params = files.write('params.json', { futures: { BTC: { initialBase: 0.5, maintenanceBase: 0.5, initialIncrement: 0, maintenanceIncrement: 0, incrementStepCoins: 1 } } });
    const harsh = JSON.parse((await cli('liquidate', '--model', 'deribit-sm', '--portfolio', DERIBIT, '--market', MARKET, '--params', params, '--json')).out) as Json;
    // MM 50 % of the position: only an empty book is back above maintenance (equity 0.09 − 0.75 % × 10 = 0.015 BTC).
    expect(harsh.steps.reduce((s, x) => s + x.quantityClosed, 0)).toBe(60000);
    expect(harsh.end.equity).toBeCloseTo(0.015, 12);
  });

  it('bad input: exit codes and messages name the field', async () => {
    const fund = await cli('liquidate', '--model', 'dydx-v4', '--portfolio', DYDX, '--market', MARKET, '--insurance-fund', '-1');
    expect(fund.code).toBe(2);
    expect(fund.err).toMatch(/--insurance-fund/);
    const model = await cli('liquidate', '--model', 'nope', '--portfolio', DYDX, '--market', MARKET);
    expect(model.code).toBe(7);
    const files = tempFiles();
    const rule = files.write('rule.json', { penaltyRate: 3 });
    const bad = await cli('liquidate', '--model', 'dydx-v4', '--portfolio', DYDX, '--market', MARKET, '--rule', rule, '--json');
    expect(bad.code).toBe(7);
    expect(bad.err).toMatch(/penaltyRate/);
    const missing = await cli('liquidate', '--model', 'dydx-v4', '--portfolio', DYDX);
    expect(missing.code).toBe(2);
  });
});
