import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/store/open-store.js';
import { tempFiles } from './cli-helpers.js';

/** `stress --db` and `cascade --db`: the service's own accounts, read from its database, as the population. */
function crossmargin(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('node', ['bin/crossmargin.js', ...args], { encoding: 'utf8' });
}

const files = tempFiles();
const db = join(files.dir, 'service.db');
const market = files.write('market.json', {
  asOf: '2024-06-17T08:00:00Z',
  underlyings: { BTC: { index: 66_000, rate: 0, vol: { atm: 0.55 } }, ETH: { index: 3_500, rate: 0, vol: { atm: 0.7 } } },
  fx: { USDC: 1 },
});

beforeAll(async () => {
  const store = await openStore(db);
  const audit = (target: string) => ({ keyId: 'test', action: 'account.create', target, payload: {}, at: '2024-06-17T08:00:00Z' });
  await store.createAccount({ id: 's-long', currency: 'USD', mode: 'cross', ownerKeyId: undefined, positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2 }], collateral: { USDC: 30_000 } }, audit('s-long'));
  await store.createAccount({ id: 's-short', currency: 'USD', mode: 'cross', ownerKeyId: undefined, positions: [{ instrument: 'ETH_USDC-PERPETUAL', quantity: -20 }], collateral: { USDC: 12_000 } }, audit('s-short'));
  await store.close();
});


describe('the service’s accounts as a population (--db)', () => {
  it('stress --db stresses every stored account', () => {
    const run = crossmargin('stress', '--db', db, '--market', market, '--scenarios', 'crypto-down-40', '--json');
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { accounts: { account: string; outcomes: { scenario: string; loss: number }[] }[] };
    expect(report.accounts.map((a) => a.account).sort()).toEqual(['s-long', 's-short']);
    // crypto-down-40 moves BTC −30 % and ETH −40 %: 2 BTC long loses 0.3 × 2 × 66,000; the ETH short gains.
    const long = report.accounts.find((a) => a.account === 's-long')!;
    expect(long.outcomes[0]!.loss).toBeCloseTo(0.3 * 2 * 66_000, 6);
    expect(report.accounts.find((a) => a.account === 's-short')!.outcomes[0]!.loss).toBeLessThan(0);
  });

  it('cascade --db runs on the stored accounts', () => {
    const run = crossmargin('cascade', '--db', db, '--shock', 'BTC=-0.3', '--rounds', '3', '--json');
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { population: { source: string; accounts: number } };
    expect(report.population).toMatchObject({ accounts: 2, source: `service accounts (${db})` });
  });

  it('a missing database file is FILE_NOT_FOUND naming --db, and nothing is created', () => {
    const missing = join(files.dir, 'nope.db');
    const run = crossmargin('cascade', '--db', missing, '--json');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/FILE_NOT_FOUND/);
    expect(run.stderr).toContain('--db');
    expect(spawnSync('test', ['-e', missing]).status).not.toBe(0);
  });

  it('stress without --portfolio or --db says what to give', () => {
    const run = crossmargin('stress', '--market', market);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/USAGE_INVALID.*--portfolio <files\.\.\.> or --db/);
  });
});
