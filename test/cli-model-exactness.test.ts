import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempFiles } from './cli-helpers.js';

// Runs the compiled CLI (build first: npx tsc -p tsconfig.build.json).
const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'crossmargin.js');
const built = existsSync(join(root, 'dist', 'src', 'cli', 'commands', 'compare-command.js'));
const options = ['--portfolio', 'samples/btc-options/portfolio.json', '--market', 'samples/btc-options/market.json'];

function run(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

interface Row {
  model: string;
  fidelity: { level: string; tag: string; note: string };
  result?: { initialMargin: number };
  error?: { code: string; message: string };
}

/** The table line of one model. */
const line = (out: string, model: string): string => out.split('\n').find((l) => l.startsWith(`${model} `)) ?? '';

describe.skipIf(!built)('exactness tags, "not listed on this venue", and the venue FX message', () => {
  it('compare: a tag per row in the table and in --json, with a footnote for each tag shown', () => {
    const models = 'span,deribit-pm,binance-pm,okx-pm';
    const table = run('compare', ...options, '--models', models);
    expect(table.code, table.err).toBe(0);
    expect(table.out).toMatch(/exactness/);
    expect(line(table.out, 'deribit-pm')).toMatch(/reconstructed/);
    expect(line(table.out, 'binance-pm')).toMatch(/placeholder/);
    expect(line(table.out, 'span')).not.toMatch(/approx\.|reconstructed|placeholder/);
    expect(table.out).toMatch(/^ {2}reconstructed: the venue does not publish the whole method/m);
    expect(table.out).toMatch(/^ {2}placeholder: default parameters include values the venue does not publish/m);
    const rows = JSON.parse(run('compare', ...options, '--models', models, '--json').out) as Row[];
    expect(Object.fromEntries(rows.map((r) => [r.model, r.fidelity.level]))).toEqual({ span: 'exact', 'deribit-pm': 'reconstruction', 'binance-pm': 'placeholder', 'okx-pm': 'reconstruction' });
    // binance-pm carries the options as coins of underlying (details.approximations): its row adds "approx.".
    expect(rows.find((r) => r.model === 'binance-pm')?.fidelity.tag).toBe('placeholder, approx.');
    expect(rows.find((r) => r.model === 'span')?.fidelity.tag).toBe('');
  });

  it('compare: options on dYdX, Drift and Mango say "not listed on this venue" instead of a number', () => {
    const table = run('compare', ...options, '--models', 'dydx-v4,drift,mango-health');
    expect(table.code, table.err).toBe(0);
    for (const m of ['dydx-v4', 'drift', 'mango-health']) {
      expect(line(table.out, m)).toMatch(/not listed on this venue/);
      expect(line(table.out, m)).not.toMatch(/\d,\d{3}\.\d|\d\.\d{6}/);
    }
    const rows = JSON.parse(run('compare', ...options, '--models', 'dydx-v4,drift,mango-health', '--json').out) as Row[];
    for (const r of rows) {
      expect(r.result).toBeUndefined();
      expect(r.error?.code).toBe('INSTRUMENT_NOT_LISTED');
      expect(r.error?.message).toMatch(/BTC-26JUN20-\d+-[CP] is not listed on (dYdX v4|Drift|Mango v4)/);
    }
  });

  it('models and margin show the tag; margin --json carries it', () => {
    const models = run('models');
    expect(models.out).toMatch(/^drift \[placeholder\]/m);
    expect(models.out).toMatch(/^span {2}/m);
    expect(models.out).toMatch(/exactness: reconstruction — .*deribit-pm\.md/);
    const list = JSON.parse(run('models', '--json').out) as { id: string; fidelity: { level: string } }[];
    expect(list.every((m) => ['exact', 'approximation', 'reconstruction', 'placeholder'].includes(m.fidelity.level))).toBe(true);
    expect(run('margin', ...options, '--model', 'deribit-pm').out).toMatch(/^Exactness +reconstructed — /m);
    expect(run('margin', ...options, '--model', 'scenario-grid').out).toMatch(/^Exactness +exact$/m);
    expect((JSON.parse(run('margin', ...options, '--model', 'okx-pm', '--json').out) as Row).fidelity.level).toBe('reconstruction');
  });

  it('a BTC-settled book on a USDC venue: the FX error names the conversion and the rate it needs', () => {
    const files = tempFiles();
    const market = files.write('market.json', { asOf: '2024-06-17T08:00:00Z', underlyings: { BTC: { index: 60000, rate: 0.03 } } });
    const portfolio = files.write('portfolio.json', { account: 'coin', currency: 'BTC', positions: [{ instrument: 'BTC-PERPETUAL', quantity: 10000 }], collateral: { BTC: 1 } });
    const rows = JSON.parse(run('compare', '--portfolio', portfolio, '--market', market, '--models', 'dydx-v4,drift', '--json').out) as Row[];
    for (const r of rows) {
      expect(r.error?.code).toBe('MARKET_FX_MISSING');
      expect(r.error?.message).toMatch(/values the account in USDC, its quote currency; converting BTC-PERPETUAL's USD price to USDC needs the USD value of USDC/);
      expect(r.error?.message).toMatch(/"USDC": 1/);
    }
  });
});
