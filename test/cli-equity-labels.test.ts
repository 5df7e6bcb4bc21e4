import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Runs the compiled CLI (build first: npx tsc -p tsconfig.build.json).
const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'crossmargin.js');
const built = existsSync(join(root, 'dist', 'src', 'cli', 'commands', 'account-command.js'));
const sample = ['--portfolio', 'samples/crypto-mixed/portfolio.json', '--market', 'samples/crypto-mixed/market.json'];

function run(...args: string[]): string {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** The amount after `label` in a text report ("equity before haircuts   249,437.25 USD" → 249437.25). */
function figure(text: string, label: RegExp): number {
  const m = new RegExp(`${label.source}\\s+([\\d,]+\\.\\d+)`).exec(text);
  expect(m, `${label} in:\n${text}`).not.toBeNull();
  return Number(m![1]!.replace(/,/g, ''));
}

describe.skipIf(!built)('equity in `stress` and `account`: one labelled definition', () => {
  it('both report the same "equity before haircuts"; account also shows the (lower) equity after haircuts', () => {
    const account = run('account', ...sample, '--model', 'isolated-simple');
    const stress = run('stress', ...sample, '--scenarios', 'crypto-down-40');
    const accountJson = JSON.parse(run('account', ...sample, '--model', 'isolated-simple', '--json')) as { equity: { collateralValue: number; positionsValue: number; haircutAmount: number; equity: number } };
    const stressJson = JSON.parse(run('stress', ...sample, '--scenarios', 'crypto-down-40', '--json')) as { accounts: { equity: number }[] };

    const before = figure(account, /equity before haircuts/);
    const after = figure(account, /equity after haircuts/);
    expect(figure(stress, /equity before haircuts/)).toBe(before);
    expect(stress).not.toMatch(/equity after haircuts\s+[\d,]/);
    expect(stress).toMatch(/Equity is before collateral haircuts/);
    // The sample holds haircut collateral (BTC), so the two figures really differ and the label matters.
    expect(accountJson.equity.haircutAmount).toBeGreaterThan(0);
    expect(after).toBeCloseTo(accountJson.equity.equity, 2);
    expect(after).toBeLessThan(before);
    expect(accountJson.equity.equity).toBeCloseTo(accountJson.equity.collateralValue + accountJson.equity.positionsValue - accountJson.equity.haircutAmount, 6);
    expect(before).toBeCloseTo(accountJson.equity.collateralValue + accountJson.equity.positionsValue, 2);
    expect(stressJson.accounts[0]!.equity).toBeCloseTo(before, 2);
  });
});
