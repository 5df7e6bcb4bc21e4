import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../src/core/errors.js';
import { cli, tempFiles } from './cli-helpers.js';

const MARKET = 'samples/btc-options/market.json';
const files = tempFiles();
const INSTRUMENTS = ['BTC-26JUN20-10000-C', 'BTC-26JUN20-8000-P', 'BTC-25SEP20-12000-C', 'BTC-29MAY20-9000-P', 'BTC-PERPETUAL'];

/** 40 accounts: quantities from a fixed pattern, some coin-margined, some isolated. */
const documents = Array.from({ length: 40 }, (_, a) => ({
  account: `acct-${a}`,
  currency: a % 3 === 0 ? 'BTC' : 'USD',
  mode: a % 5 === 0 ? 'isolated' : 'cross',
  positions: INSTRUMENTS.map((instrument, i) => ({ instrument, quantity: instrument === 'BTC-PERPETUAL' ? ((a * 37) % 11) * 100 - 500 : ((a + i) % 7) - 3 })),
  collateral: { BTC: 2 + (a % 4) },
}));
const jsonl = files.write('book.jsonl', `${documents.map((d) => JSON.stringify(d)).join('\n')}\n`);
const array = files.write('book.json', documents);

const book = (path: string, ...more: string[]) => ['book', '--book', path, '--market', MARKET, '--model', 'scenario-grid', ...more];

describe('crossmargin book: a whole book in one batch', () => {
  it('--json gives every account the figures `margin` gives it alone (JSON lines and JSON array alike)', async () => {
    const run = await cli(...book(jsonl, '--json', '--threads', '2'));
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.out) as { account: string; currency: string; initialMargin: number; maintenanceMargin: number }[];
    expect(rows).toHaveLength(40);
    for (const a of [0, 1, 5, 39]) {
      const single = await cli('margin', '--portfolio', files.write(`one-${a}.json`, documents[a]), '--market', MARKET, '--model', 'scenario-grid', '--json');
      const r = JSON.parse(single.out) as { initialMargin: number; maintenanceMargin: number; currency: string };
      expect(rows[a]).toEqual({ account: `acct-${a}`, currency: r.currency, initialMargin: r.initialMargin, maintenanceMargin: r.maintenanceMargin });
    }
    const fromArray = await cli(...book(array, '--json', '--threads', '1'));
    expect(JSON.parse(fromArray.out)).toEqual(rows);
  });

  it('prints the largest margins, the path and the timings by default; --csv lists every account', async () => {
    const run = await cli(...book(jsonl, '--top', '3'));
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/Accounts\s+40/);
    expect(run.out).toMatch(/Path\s+batch, \d+ thread\(s\)/);
    expect(run.out).toMatch(/Largest initial margins \(3 of 40/);
    const csv = await cli(...book(jsonl, '--csv'));
    const lines = csv.out.trim().split('\n');
    expect(lines[0]).toBe('account,currency,initialMargin,maintenanceMargin');
    expect(lines).toHaveLength(41);
  });

  it('refuses bad input with one coded line naming the document and field, the option or the file', async () => {
    const expectFailure = async (args: string[], code: keyof typeof ERROR_CATALOGUE, mentions: RegExp) => {
      const run = await cli(...args);
      expect(run.code).toBe(ERROR_CATALOGUE[code].exitCode);
      expect(run.out).toBe('');
      expect(run.err.trim().split('\n')).toHaveLength(1);
      expect(run.err).toContain(`[${code}]`);
      expect(run.err).toMatch(mentions);
    };
    const bad = files.write('bad.jsonl', `${JSON.stringify(documents[0])}\n${JSON.stringify({ account: 'x', positions: [{ instrument: 'BTC-FOO', quantity: 1 }] })}\n`);
    await expectFailure(book(bad), 'INSTRUMENT_NAME_INVALID', /bad\.jsonl: line 2: positions\.0\.instrument/);
    const broken = files.write('broken.jsonl', `${JSON.stringify(documents[0])}\n{"account":\n`);
    await expectFailure(book(broken), 'JSON_MALFORMED', /broken\.jsonl: line 2/);
    await expectFailure(book(jsonl, '--threads', '0'), 'USAGE_INVALID', /--threads/);
    await expectFailure(book(jsonl, '--threads', '999'), 'USAGE_INVALID', /--threads/);
    // With --json the error itself is JSON.
    const both = await cli(...book(jsonl, '--json', '--csv'));
    expect(both.code).toBe(ERROR_CATALOGUE.USAGE_INVALID.exitCode);
    expect(JSON.parse(both.err)).toEqual({ error: { code: 'USAGE_INVALID', message: '--json and --csv: choose one', field: '--csv' } });
    await expectFailure(book(files.write('object.json', { account: 'x' })), 'SCHEMA_INVALID', /object\.json/);
  });
});
