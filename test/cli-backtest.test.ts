import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli, tempFiles } from './cli-helpers.js';

const files = tempFiles();
const portfolio = files.write('bt.json', {
  account: 'bt',
  positions: [
    { instrument: 'BTC_USDC-PERPETUAL', quantity: 1 },
    { instrument: { symbol: 'ES-2030', kind: 'future', underlying: 'SPX', expiry: '2030-12-20', multiplier: 50 }, quantity: -2 },
  ],
});
const window = ['--from', '2020-01-02', '--to', '2020-03-31'];

describe('crossmargin backtest', () => {
  it('compares models side by side and writes a self-contained HTML report', async () => {
    const report = `${files.dir}/report.html`;
    const run = await cli('backtest', '--portfolio', portfolio, ...window, '--models', 'scenario-grid,hs-var', '--report', report);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^scenario-grid\s+[\d,.]+\s+\d+\/\d+/m);
    expect(run.out).toMatch(/^hs-var\s+[\d,.]+\s+\d+\/\d+/m);
    expect(run.out).toMatch(/covered the risk|No model passed/);
    const html = readFileSync(report, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/); // nothing to fetch at view time
    expect((html.match(/<svg /g) ?? []).length).toBe(5); // all margins, one per model, rolling vol, vol parameters
    expect(html).toContain('Kupiec POF');
    // The default horizon is 2 days: the independence tests use every 2nd decision day, and every face says so.
    expect(run.out).toMatch(/^independence and conditional coverage \(CC p\) on non-overlapping 2-day windows: every 2nd day from the first \(\d+ of \d+ days\)$/m);
    expect(html).toMatch(/Christoffersen tests on non-overlapping 2-day windows: every 2nd day from the first \(\d+ of \d+ days\)/);
  });

  it('--json gives the same data: dates, margins, realised P&L and statistics per model', async () => {
    const run = await cli('backtest', '--portfolio', portfolio, ...window, '--models', 'parametric-var', '--json');
    const r = JSON.parse(run.out) as { models: { model: string; walk: { dates: string[]; initialMargin: number[]; pnl: number[] }; summary: { T: number; exceptions: number; pof: { p: number } } }[] };
    const m = r.models[0]!;
    expect(m.model).toBe('parametric-var');
    expect(m.walk.dates.length).toBe(m.summary.T);
    expect(m.walk.initialMargin.length).toBe(m.summary.T);
    const exceptions = m.walk.pnl.filter((p, t) => -p > m.walk.initialMargin[t]!).length;
    expect(m.summary.exceptions).toBe(exceptions);
    const w = (m.summary as unknown as { independenceWindowing: { kind: string; horizon: number; observations: number } }).independenceWindowing;
    expect(w).toMatchObject({ kind: 'non-overlapping', horizon: 2, observations: Math.ceil(m.summary.T / 2) });
  });

  it('a model that cannot take the book shows its coded error in its row; the others still run', async () => {
    // deribit-sm covers inverse contracts only: the crypto-mixed sample holds a linear ETH perpetual.
    const args = ['backtest', '--portfolio', 'samples/crypto-mixed/portfolio.json', '--from', '2024-12-01', '--to', '2024-12-06', '--models', 'deribit-sm,scenario-grid'];
    const run = await cli(...args);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^scenario-grid\s+[\d,.]+\s+\d+\/\d+/m);
    expect(run.out).toMatch(/^deribit-sm\s.*error \[INSTRUMENT_SPEC_INVALID\].*ETH_USDC-PERPETUAL is linear-settled/m);
    const json = await cli(...args, '--json');
    expect(json.code).toBe(0);
    const r = JSON.parse(json.out) as { models: { model: string }[]; failed: { model: string; error: { code: string; message: string } }[] };
    expect(r.models.map((m) => m.model)).toEqual(['scenario-grid']);
    expect(r.failed).toEqual([{ model: 'deribit-sm', error: { code: 'INSTRUMENT_SPEC_INVALID', message: expect.stringContaining('ETH_USDC-PERPETUAL') as unknown } }]);
    // Every model failed: the first error's code and message, as before.
    const all = await cli('backtest', '--portfolio', 'samples/crypto-mixed/portfolio.json', '--from', '2024-12-01', '--to', '2024-12-06', '--models', 'deribit-sm');
    expect(all.code).toBe(5);
    expect(all.err).toMatch(/^error \[INSTRUMENT_SPEC_INVALID\]: .*deribit-sm/);
  });

  it('bad input gets one coded line', async () => {
    const bad = await cli('backtest', '--portfolio', portfolio, '--from', '2020-13-01', '--to', '2020-03-31');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^error \[USAGE_INVALID\]: --from/);
    const horizon = await cli('backtest', '--portfolio', portfolio, ...window, '--horizon', 'two');
    expect(horizon.err).toMatch(/--horizon/);
    const model = await cli('backtest', '--portfolio', portfolio, ...window, '--models', 'nope');
    expect(model.err).toMatch(/MODEL_UNKNOWN/);
  });
});
