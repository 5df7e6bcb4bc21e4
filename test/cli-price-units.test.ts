import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Runs the compiled CLI (build first: npx tsc -p tsconfig.build.json).
const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'crossmargin.js');
const built = existsSync(join(root, 'dist', 'src', 'cli', 'commands', 'price-command.js'));
const market = ['--market', 'samples/btc-options/market.json'];

function run(...args: string[]): string {
  const r = spawnSync(process.execPath, [bin, 'price', ...market, ...args], { cwd: root, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

interface Priced {
  forward: number;
  greeks: { delta: number; gamma: number; vega: number; theta: number; deltaCoin: number; deltaUsd: number; thetaPerDay: number; vegaPerVolPoint: number };
}

/** The value cell of a `field  value` row. */
const cell = (out: string, field: string): number => {
  const row = out.split('\n').find((l) => l.startsWith(`${field} `));
  expect(row, `${field} in\n${out}`).toBeDefined();
  return Number(row!.slice(field.length).trim().replace(/,/g, ''));
};

describe.skipIf(!built)('crossmargin price: trader units', () => {
  it('inverse option: delta in coin = F·∂V/∂F, in USD = coin delta × F, theta per day, vega per vol point; raw kept in --json', () => {
    const j = JSON.parse(run('--instrument', 'BTC-26JUN20-10000-C', '--json')) as Priced;
    const { forward: f, greeks: g } = j;
    // Golden figures from the raw derivatives (an inverse option is worth coin: ∂V/∂F is tiny, F·∂V/∂F is N(d1) − V).
    expect(g.deltaCoin).toBeCloseTo(g.delta * f, 12);
    expect(g.deltaUsd).toBeCloseTo(g.delta * f * f, 8);
    expect(g.thetaPerDay).toBeCloseTo(g.theta / 365, 12);
    expect(g.vegaPerVolPoint).toBeCloseTo(g.vega / 100, 12);
    expect(g.deltaCoin).toBeGreaterThan(0);
    expect(g.deltaCoin).toBeLessThan(1);
    const table = run('--instrument', 'BTC-26JUN20-10000-C');
    expect(cell(table, 'delta (BTC)')).toBeCloseTo(g.deltaCoin, 5);
    expect(cell(table, 'delta (USD)') / g.deltaUsd).toBeCloseTo(1, 5);
    expect(cell(table, 'theta (BTC per day)') / g.thetaPerDay).toBeCloseTo(1, 5);
    expect(cell(table, 'vega (BTC per vol point)') / g.vegaPerVolPoint).toBeCloseTo(1, 5);
    expect(table).not.toMatch(/∂V\/∂F\)|per year|per 1\.00 vol/);
  });

  it('inverse perpetual: the coin delta is the face value in coin, the USD delta the face value', () => {
    const j = JSON.parse(run('--instrument', 'BTC-PERPETUAL', '--json')) as Priced;
    expect(j.greeks.delta).toBeLessThan(1e-6); // the raw ∂V/∂F: 10 USD face / F² coin per USD
    expect(j.greeks.deltaUsd).toBeCloseTo(10, 6);
    expect(j.greeks.deltaCoin).toBeCloseTo(10 / j.forward, 12);
  });
});
