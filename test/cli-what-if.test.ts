import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli, tempFiles } from './cli-helpers.js';

const crypto = ['--portfolio', 'samples/crypto-mixed/portfolio.json', '--market', 'samples/crypto-mixed/market.json'];
const options = ['--portfolio', 'samples/btc-options/portfolio.json', '--market', 'samples/btc-options/market.json'];

interface Figures {
  initialMargin: number;
  maintenanceMargin: number;
  equity: number;
  excess: number;
  state: string;
}
interface Report {
  tradeValue: number;
  before: Figures;
  after: Figures;
  change: { initialMargin: number; maintenanceMargin: number; equity: number; excess: number };
  positions: { instrument: string; quantity: number }[];
}

async function json<T>(...args: string[]): Promise<T> {
  const run = await cli(...args, '--json');
  expect(run.err).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.out) as T;
}

describe('crossmargin what-if', () => {
  it('closing a perpetual held at an entry price realises its P&L: equity unchanged, the P&L reported', async () => {
    const market = JSON.parse(readFileSync('samples/crypto-mixed/market.json', 'utf8')) as { underlyings: { SOL: { index: number } } };
    const mark = market.underlyings.SOL.index;
    const file = tempFiles().write('entry.json', { account: 'e1', currency: 'USD', positions: [{ instrument: 'SOL_USDC-PERPETUAL', quantity: 100, entryPrice: mark - 20 }], collateral: { USDC: 10_000 } });
    const r = await json<Report & { realisedPnl: number }>('what-if', '--portfolio', file, '--market', 'samples/crypto-mixed/market.json', '--trade', 'SOL_USDC-PERPETUAL=-100');
    expect(r.realisedPnl).toBeCloseTo(100 * 20, 6);
    expect(r.change.equity).toBeCloseTo(0, 6);
    expect(r.after.initialMargin).toBe(0);
    const table = await cli('what-if', '--portfolio', file, '--market', 'samples/crypto-mixed/market.json', '--trade', 'SOL_USDC-PERPETUAL=-100');
    expect(table.out).toContain('realising +2,000.00 USD of P&L from entry, kept in equity');
  });

  it('before is the account as `account` sees it; after is the account holding the traded book; change is their difference', async () => {
    const r = await json<Report>('what-if', ...crypto, '--trade', 'BTC-PERPETUAL=+1000', '--trade', 'SOL_USDC-PERPETUAL=-300', '--model', 'scenario-grid');
    const before = await json<{ initialMargin: number; maintenanceMargin: number; excess: number; state: string; equity: { equity: number } }>('account', ...crypto, '--model', 'scenario-grid');
    expect(r.before).toMatchObject({ initialMargin: before.initialMargin, maintenanceMargin: before.maintenanceMargin, equity: before.equity.equity, excess: before.excess, state: before.state });

    // The same book written by hand: the trades added to the held positions (BTC 25000 → 26000, SOL 900 → 600).
    const doc = JSON.parse(readFileSync('samples/crypto-mixed/portfolio.json', 'utf8')) as { positions: { instrument: string; quantity: number }[] };
    const traded = { ...doc, positions: doc.positions.map((p) => ({ ...p, quantity: p.quantity + (p.instrument === 'BTC-PERPETUAL' ? 1000 : p.instrument === 'SOL_USDC-PERPETUAL' ? -300 : 0) })) };
    const file = tempFiles().write('after.json', traded);
    const after = await json<{ initialMargin: number; maintenanceMargin: number }>('margin', '--portfolio', file, '--market', 'samples/crypto-mixed/market.json', '--model', 'scenario-grid');
    expect(r.after.initialMargin).toBeCloseTo(after.initialMargin, 6);
    expect(r.after.maintenanceMargin).toBeCloseTo(after.maintenanceMargin, 6);
    expect(r.after.initialMargin).not.toBeCloseTo(r.before.initialMargin, 0); // the trades do move the margin
    expect(r.positions.find((p) => p.instrument === 'BTC-PERPETUAL')?.quantity).toBe(26000);
    expect(r.positions.find((p) => p.instrument === 'SOL_USDC-PERPETUAL')?.quantity).toBe(600);
    // Perpetuals fill at the mark: no cost, equity unchanged; the margin change is all excess.
    expect(r.tradeValue).toBe(0);
    expect(r.change.equity).toBeCloseTo(0, 6);
    expect(r.change.initialMargin).toBeCloseTo(r.after.initialMargin - r.before.initialMargin, 9);
    expect(r.change.excess).toBeCloseTo(-r.change.initialMargin, 6);
  });

  it('an option bought at the mark pays its premium out of equity (equity unchanged, the position now worth the premium)', async () => {
    const r = await json<Report>('what-if', ...options, '--trade', 'BTC-25SEP20-10000-C=+5');
    expect(r.tradeValue).toBeGreaterThan(0);
    expect(r.after.equity).toBeCloseTo(r.before.equity, 9);
    expect(r.positions).toContainEqual({ instrument: 'BTC-25SEP20-10000-C', quantity: 5 });
  });

  it('prints before, after and change as a table', async () => {
    const run = await cli('what-if', ...crypto, '--trade', 'BTC-PERPETUAL=+1000');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^\s+before\s+after\s+change$/m);
    for (const row of ['initial margin', 'maintenance margin', 'equity \\(after haircuts\\)', 'excess \\(equity − IM\\)', 'state']) expect(run.out).toMatch(new RegExp(`^${row}\\s+\\S`, 'm'));
    expect(run.out).toMatch(/^initial margin\s+18,655\.06\s+[\d,.]+\s+\+[\d,.]+$/m);
  });

  it('a malformed or missing --trade is a coded usage error naming --trade', async () => {
    for (const trade of ['BTC-PERPETUAL', 'BTC-PERPETUAL=', 'BTC-PERPETUAL=lots', '=5', 'BTC-PERPETUAL=0', 'BTC-PERPETUAL=1e999']) {
      const run = await cli('what-if', ...crypto, '--trade', trade);
      expect(run.code, trade).toBe(2);
      expect(run.err, trade).toMatch(/^error \[USAGE_INVALID\]: --trade: /);
    }
    const none = await cli('what-if', ...crypto);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^error \[USAGE_INVALID\]: --trade: give at least one trade/);
    const name = await cli('what-if', ...crypto, '--trade', 'BTC-NOPE=1');
    expect(name.code).toBe(5);
    expect(name.err).toMatch(/^error \[INSTRUMENT_NAME_INVALID\]: --trade BTC-NOPE: /);
  });

  it('what-if --help is its own help, with examples', async () => {
    const run = await cli('what-if', '--help');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^Usage: crossmargin what-if \[options\]/);
    expect(run.out).toContain('--trade <instrument=qty>');
    expect(run.out).toMatch(/Examples:\n\s+crossmargin what-if --portfolio/);
  });
});

describe('crossmargin --version and unknown commands', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const run = await cli(flag);
      expect(run.code).toBe(0);
      expect(run.out).toBe(`${version}\n`);
    }
  });

  it('an unknown command is an error naming it and the known ones, even with --help', async () => {
    for (const args of [['nope'], ['nope', '--help'], ['whatif', '--portfolio', 'p.json']]) {
      const run = await cli(...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.out, args.join(' ')).toBe('');
      expect(run.err).toMatch(new RegExp(`^error \\[USAGE_INVALID\\]: unknown command "${args[0]}"; the commands are: margin, .*what-if.*keys`));
    }
    // Known commands and the root help are untouched.
    expect((await cli('--help')).code).toBe(0);
    expect((await cli('help', 'margin')).out).toMatch(/^Usage: crossmargin margin/);
  });
});
