import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempFiles } from './cli-helpers.js';

/** Runs the compiled executable (build first: `npx tsc -p tsconfig.build.json`). */
function crossmargin(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('node', ['bin/crossmargin.js', 'cascade', ...args], { encoding: 'utf8' });
}

describe.skipIf(!existsSync(join('dist', 'src', 'cli', 'commands', 'cascade-command.js')))('CLI: crossmargin cascade (built dist/)', () => {
  it('--compare --json runs the four variants on one generated population; conservation holds', () => {
    const run = crossmargin('--accounts', '800', '--seed', '3', '--shock', 'BTC=-0.2,ETH=-25%', '--rounds', '6', '--insurance-fund', '50000', '--compare', '--json');
    expect(run.status).toBe(0);
    const r = JSON.parse(run.stdout) as { population: { accounts: number }; shock: Record<string, number>; runs: { label: string; rounds: unknown[]; conservation: { error: number }; totals: { accountsLiquidated: number } }[] };
    expect(r.population.accounts).toBe(800);
    expect(r.shock).toMatchObject({ BTC: -0.2, ETH: -0.25, SOL: 0, SPX: 0 });
    expect(r.runs.map((x) => x.label)).toEqual(['cross, relief on', 'cross, relief off', 'isolated, relief on', 'isolated, relief off']);
    for (const x of r.runs) {
      expect(x.rounds).toHaveLength(6);
      expect(x.conservation.error).toBeLessThan(1e-6);
    }
    expect(r.runs[3]!.totals.accountsLiquidated).toBeGreaterThan(r.runs[1]!.totals.accountsLiquidated);
    // Deterministic given the seed.
    expect(crossmargin('--accounts', '800', '--seed', '3', '--shock', 'BTC=-0.2,ETH=-25%', '--rounds', '6', '--insurance-fund', '50000', '--compare', '--json').stdout).toBe(run.stdout);
  });

  it('prints a table by default and writes a self-contained HTML report', () => {
    const files = tempFiles();
    const html = join(files.dir, 'cascade.html');
    const run = crossmargin('--accounts', '500', '--rounds', '4', '--report', 'html', html);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Liquidation cascade: 500 accounts/);
    expect(run.stdout).toMatch(/cross, relief off\s+\d+/);
    // The internal conservation check is in --json only; amounts carry thousands separators.
    expect(run.stdout).not.toContain('conservation');
    expect(run.stdout).toMatch(/\d,\d{3}/);
    expect(run.stderr).toContain(`wrote ${html}`);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<svg');
    expect(page).toContain('Loss distribution');
    expect(page).not.toMatch(/<script|<link/);
  });

  it('reads a population of portfolio files', () => {
    const files = tempFiles();
    files.write('a.json', { account: 'a', currency: 'USD', mode: 'cross', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], collateral: { USDC: 9000 } });
    files.write('b.json', { account: 'b', currency: 'USD', mode: 'cross', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], collateral: { USDC: 60_000 } });
    const run = crossmargin('--population', files.dir, '--shock', 'BTC=-0.1', '--rounds', '3', '--json');
    expect(run.status).toBe(0);
    const r = JSON.parse(run.stdout) as { population: { accounts: number }; runs: { totals: { accountsLiquidated: number } }[] };
    expect(r.population.accounts).toBe(2);
    // a: 9,000 − 10 % of ~112,000 is negative equity; b keeps 48,800 over a 8 % margin of ~100,800.
    expect(r.runs[0]!.totals.accountsLiquidated).toBe(1);
  });

  it('exits non-zero with a coded error on bad input', () => {
    const bad = crossmargin('--shock', 'BTC:-0.2');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^error \[USAGE_INVALID\]: --shock/);
    const unknown = crossmargin('--accounts', '100', '--shock', 'DOGE=-0.2', '--json');
    expect(unknown.status).toBe(2);
    expect(JSON.parse(unknown.stderr)).toMatchObject({ error: { code: 'USAGE_INVALID', field: 'shock.DOGE' } });
    const rounds = crossmargin('--rounds', '0');
    expect(rounds.status).toBe(2);
    expect(rounds.stderr).toMatch(/rounds/);
    expect(crossmargin('--report', 'pdf', 'x.pdf').stderr).toMatch(/--report: expected "html <path>"/);
  });
});
