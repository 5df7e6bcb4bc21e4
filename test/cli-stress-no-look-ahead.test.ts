import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempFiles } from './cli-helpers.js';

// Runs the compiled CLI (build first: npx tsc -p tsconfig.build.json).
const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'crossmargin.js');
const built = existsSync(join(root, 'dist', 'src', 'cli', 'commands', 'stress-command.js'));

function stressJson(...args: string[]): ReverseReport {
  const r = spawnSync(process.execPath, [bin, 'stress', ...args, '--json'], { cwd: root, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as ReverseReport;
}

interface ReverseReport {
  reverse: { account: string; mostLikely?: { logMoves: Record<string, number>; mahalanobis?: number }; covariance?: { from: string; to: string; days: number } }[];
}

const files = tempFiles();
const MARKET_DATE = '2024-06-17';
// Perpetuals without entry prices are worth 0: equity and P&L do not depend on the market date, only the history does.
const underlyings = { BTC: { index: 60000, rate: 0.03, vol: { atm: 0.55 } }, ETH: { index: 3000, rate: 0.03, vol: { atm: 0.65 } } };
const oldMarket = files.write('old-market.json', { asOf: `${MARKET_DATE}T08:00:00Z`, underlyings, fx: { USDC: 1 } });
const newMarket = files.write('new-market.json', { asOf: '2025-09-24T00:00:00Z', underlyings, fx: { USDC: 1 } });
const portfolio = files.write('portfolio.json', {
  account: 'long',
  currency: 'USD',
  positions: [
    { instrument: 'BTC_USDC-PERPETUAL', quantity: 2 },
    { instrument: 'ETH_USDC-PERPETUAL', quantity: 10 },
  ],
  collateral: { USDC: 40_000 },
});

/** The bundled CSV with every row after `date` removed (the header kept). */
function truncated(name: string, file: string, date: string): string {
  const lines = readFileSync(join(root, file), 'utf8').trimEnd().split('\n');
  return files.write(name, `${[lines[0], ...lines.slice(1).filter((l) => l.slice(0, 10) <= date)].join('\n')}\n`);
}

describe.skipIf(!built)('crossmargin stress --reverse: no look-ahead', () => {
  it('an old market uses history up to its date: same as the history truncated there, different from the full history', () => {
    const btc = truncated('btc.csv', 'data/btc_usd_daily.csv', MARKET_DATE);
    const eth = truncated('eth.csv', 'data/eth_usdt_binance_daily.csv', MARKET_DATE);
    const base = ['--portfolio', portfolio, '--scenarios', 'crypto-2022-11-ftx', '--reverse'];
    const bundled = stressJson(...base, '--market', oldMarket).reverse[0]!;
    const explicit = stressJson(...base, '--market', oldMarket, '--history', `BTC=${btc},ETH=${eth}`).reverse[0]!;
    const full = stressJson(...base, '--market', newMarket).reverse[0]!;

    expect(bundled.covariance?.to).toBe(MARKET_DATE);
    expect(bundled.covariance).toEqual(explicit.covariance);
    expect(bundled.mostLikely).toEqual(explicit.mostLikely);
    // The bundled history goes on past the old market's date: the uncut covariance ends later and gives another move.
    expect(full.covariance!.to > MARKET_DATE).toBe(true);
    expect(full.mostLikely!.logMoves['BTC']).not.toBeCloseTo(bundled.mostLikely!.logMoves['BTC']!, 6);
  });
});
