import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempFiles } from './cli-helpers.js';

// Runs the compiled CLI (build first: npx tsc -p tsconfig.build.json).
const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'crossmargin.js');
const built = existsSync(join(root, 'dist', 'src', 'cli', 'commands', 'stress-command.js'));

function run(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, 'stress', ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const files = tempFiles();
const market = files.write('market.json', {
  asOf: '2024-06-17T08:00:00Z',
  underlyings: { BTC: { index: 60000, rate: 0.03, vol: { atm: 0.55 } }, ETH: { index: 3000, rate: 0.03, vol: { atm: 0.65 } } },
  fx: { USDC: 1 },
});
const member = (account: string, btc: number, eth: number, usdc: number): unknown => ({
  account,
  currency: 'USD',
  positions: [
    { instrument: 'BTC_USDC-PERPETUAL', quantity: btc },
    { instrument: 'ETH_USDC-PERPETUAL', quantity: eth },
  ],
  collateral: { USDC: usdc },
});
const single = files.write('long.json', member('long', 2, 0, 30_000));
const population = files.write('population.json', [member('a', 5, -50, 40_000), member('b', -3, 20, 20_000), member('c', 1, 10, 100_000)]);
const scenarios = files.write('scenarios.json', {
  scenarios: [
    { kind: 'hypothetical', id: 'btc-down-25', moves: { BTC: -0.25 } },
    { kind: 'historical', id: 'ftx', label: 'FTX', from: '2022-11-08', to: '2022-11-10' },
    { kind: 'correlation-breakdown', id: 'split', legs: ['BTC', 'ETH'], spread: 0.3 },
  ],
});

interface Outcome {
  scenario: string;
  pnl: number;
  loss: number;
  lossBeyondMargin: number;
  deficit: number;
}
interface Report {
  model: string;
  scenarios: { id: string; noData: { underlying: string }[]; moves: { underlying: string; priceMove: number }[] }[];
  accounts: { account: string; equity: number; initialMargin: number; outcomes: Outcome[] }[];
  deficits: { scenario: string; accounts: { account: string; deficit: number }[] }[];
  cover?: { cover1: { amount: number; scenario?: string; members: { account: string }[] }; cover2: { amount: number; members: { account: string }[] } };
  reverse?: { account: string; equity: number; directional: { reachable: boolean; pnl: number; moves: Record<string, number>; mahalanobis?: number }; mostLikely?: { reachable: boolean; pnl: number; mahalanobis?: number } }[];
  notes: string[];
}

describe.skipIf(!built)('crossmargin stress (compiled CLI)', () => {
  it('prints readable tables for the built-in library by default', () => {
    const r = run('--portfolio', single, '--market', market);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^crypto-2020-03-12\s+historical\s+.*BTC −\d+\.\d%/m);
    expect(r.out).toMatch(/Account long \(USD\): equity before haircuts 30,000\.00/);
    expect(r.out).toMatch(/Accounts in deficit/);
    expect(r.out).toMatch(/equity-2008-10: BTC not moved — no close between 2008-10-01 and 2008-10-31/);
  });

  it('--scenarios file, a population in a JSON array, --cover and --json', () => {
    const r = run('--portfolio', population, single, '--market', market, '--scenarios', scenarios, '--cover', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as Report;
    expect(report.model).toBe('scenario-grid');
    expect(report.accounts.map((a) => a.account)).toEqual(['a', 'b', 'c', 'long']);
    expect(report.scenarios.map((s) => s.id)).toEqual(['btc-down-25', 'ftx', 'split:BTC-down', 'split:BTC-up']);
    // Hand check: long 2 BTC, −25 % → loss 2 × 60 000 × 0.25 = 30 000 = its equity, no deficit.
    const long = report.accounts[3]!;
    expect(long.outcomes[0]!.loss).toBeCloseTo(30_000, 6);
    expect(long.outcomes[0]!.deficit).toBeCloseTo(0, 6);
    for (const a of report.accounts) {
      for (const o of a.outcomes) {
        expect(o.deficit).toBeCloseTo(Math.max(0, o.loss - a.equity), 6);
        expect(o.lossBeyondMargin).toBeCloseTo(Math.max(0, o.loss - a.initialMargin), 6);
      }
    }
    report.deficits.forEach((d, s) => expect(d.accounts.map((x) => x.account).sort()).toEqual(report.accounts.filter((a) => a.outcomes[s]!.deficit > 0).map((a) => a.account).sort()));
    const cover = report.cover!;
    expect(cover.cover2.amount).toBeGreaterThanOrEqual(cover.cover1.amount);
    expect(cover.cover1.amount).toBeGreaterThan(0);
    const worst = Math.max(...report.scenarios.map((_, s) => Math.max(...report.accounts.map((a) => a.outcomes[s]!.lossBeyondMargin))));
    expect(cover.cover1.amount).toBeCloseTo(worst, 6);
    expect(report.scenarios[1]!.moves.find((m) => m.underlying === 'BTC')!.priceMove).toBeLessThan(-0.1);
  });

  it('--reverse --direction: the move exhausts equity; the most likely move is no farther in Mahalanobis distance', () => {
    const r = run('--portfolio', population, '--market', market, '--scenarios', 'crypto-2022-11-ftx', '--direction', 'BTC=-1,ETH=-1', '--horizon', '10', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as Report;
    for (const a of report.reverse!) {
      if (!a.directional.reachable) continue;
      expect(a.directional.pnl).toBeCloseTo(-a.equity, 3);
      expect(a.mostLikely!.reachable).toBe(true);
      expect(a.mostLikely!.pnl).toBeCloseTo(-a.equity, 3);
      expect(a.mostLikely!.mahalanobis!).toBeLessThanOrEqual(a.directional.mahalanobis! + 1e-9);
    }
    expect(report.reverse!.some((a) => a.directional.reachable)).toBe(true);
    const table = run('--portfolio', single, '--market', market, '--scenarios', 'crypto-2022-11-ftx', '--reverse');
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/Reverse stress: smallest joint move that exhausts equity/);
    // 2 BTC (120 000 USD) lose the 30 000 equity at −25 %; the ETH leg has quantity 0, so the gradient direction is BTC only.
    expect(table.out).toMatch(/long\s+30,000\.00\s+direction BTC=-1,ETH=0\s+BTC −25\.0%, ETH 0\.0%/);
    expect(table.out).toMatch(/most likely\s+BTC −25\.0%, ETH −\d/); // ETH moves with BTC by correlation: more likely
  });

  it('bad input exits non-zero with a coded error naming the field', () => {
    const unknown = run('--portfolio', single, '--market', market, '--scenarios', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/error \[USAGE_INVALID\]: --scenarios: no built-in scenario "nope"/);
    const direction = run('--portfolio', single, '--market', market, '--direction', 'BTC:-1');
    expect(direction.code).toBe(2);
    expect(direction.err).toMatch(/--direction/);
    const foreign = run('--portfolio', single, '--market', market, '--direction', 'SPX=-1');
    expect(foreign.code).toBe(2);
    expect(foreign.err).toMatch(/SPX is not an underlying of the portfolios/);
    const bad = run('--portfolio', single, '--market', market, '--scenarios', files.write('bad.json', { scenarios: [{ kind: 'hypothetical', id: 'x', moves: { BTC: -2 } }] }), '--json');
    expect(bad.code).toBe(4);
    expect(JSON.parse(bad.err)).toMatchObject({ error: { code: 'SCHEMA_INVALID' } });
    const missing = run('--portfolio', join(files.dir, 'missing.json'), '--market', market);
    expect(missing.code).toBe(3);
    const dup = run('--portfolio', single, single, '--market', market);
    expect(dup.code).toBe(2);
    expect(dup.err).toMatch(/account ids must be unique/);
  });
});
