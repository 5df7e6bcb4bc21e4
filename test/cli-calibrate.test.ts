import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseParameterSet } from '../src/calibration/parameter-set.js';
import { ERROR_CATALOGUE } from '../src/core/errors.js';
import { cli, tempFiles } from './cli-helpers.js';

const files = tempFiles();
const STRESS = ['--stressed-window', '2020-02-20:2020-04-30'];

/** One line naming the code on stderr, nothing on stdout, the catalogue's exit code, no stack trace. */
async function expectCleanFailure(args: string[], code: keyof typeof ERROR_CATALOGUE, mentions: RegExp): Promise<void> {
  const run = await cli(...args);
  expect(run.code).toBe(ERROR_CATALOGUE[code].exitCode);
  expect(run.out).toBe('');
  expect(run.err.trim().split('\n')).toHaveLength(1);
  expect(run.err).toContain(`[${code}]`);
  expect(run.err).toMatch(mentions);
  expect(run.err).not.toMatch(/\n\s+at /);
}

describe('crossmargin calibrate', () => {
  const first = join(files.dir, 'params-v1.json');

  it('writes a parameter set that parses with the schema and prints a summary', async () => {
    const run = await cli('calibrate', '--underlyings', 'BTC,ETH', '--as-of', '2024-06-14', ...STRESS, '--out', first);
    expect(run.code).toBe(0);
    expect(run.err).toBe(`wrote ${first} (parameter set v1 as of 2024-06-14)\n`);
    const set = parseParameterSet(JSON.parse(readFileSync(first, 'utf8')), first);
    expect(set.version).toBe(1);
    expect(set.asOf).toBe('2024-06-14');
    expect(set.createdFrom.underlyings).toEqual(['BTC', 'ETH']);
    // Sources are the bundled files, recorded relative to the project root, with their real SHA-256.
    const btc = set.createdFrom.sources.find((s) => s.file === 'data/btc_usd_daily.csv');
    expect(btc?.sha256).toBe(createHash('sha256').update(readFileSync('data/btc_usd_daily.csv')).digest('hex'));
    expect(set.createdFrom.sources.map((s) => s.file)).toEqual(['data/btc_usd_daily.csv', 'data/eth_usdt_binance_daily.csv']);

    expect(run.out).toMatch(/^Parameter set v1 as of 2024-06-14 \(BTC, ETH\)/);
    expect(run.out).toContain('Stressed window  2020-02-20..2020-04-30 (given');
    expect(run.out).toMatch(/Volatility \(annualised\) and GARCH\(1,1\)\nunderlying {2}EWMA vol/);
    expect(run.out).toMatch(/\nBTC +\d+\.\d% +\d+\.\d%/);
    expect(run.out).toContain('price no APC  price APC');
    expect(run.out).toContain(`${(set.scanRanges.underlyings.BTC!.span.priceScanRange * 100).toFixed(1)}%`);
    expect(run.out).toMatch(/BTC\/ETH +0\.\d{3}/);
    expect(run.out).toContain('Change log\n  - BTC price scan range');
    expect(run.out).toContain(': initial calibration');
  });

  it('--previous: version + 1, change-log lines and signals against it', async () => {
    const second = join(files.dir, 'params-v2.json');
    const run = await cli('calibrate', '--underlyings', 'BTC,ETH', '--as-of', '2025-06-30', ...STRESS, '--previous', first, '--out', second);
    expect(run.code).toBe(0);
    const set = parseParameterSet(JSON.parse(readFileSync(second, 'utf8')), second);
    expect(set.version).toBe(2);
    expect(set.supersedes).toMatchObject({ version: 1, asOf: '2024-06-14' });
    expect(run.out).toContain('supersedes v1 of 2024-06-14');
    const changes = run.out.split('\n').filter((l) => /^ {2}- .* → /.test(l));
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.length).toBe(set.changeLog.filter((e) => e.sentence.includes('→')).length);
    for (const e of set.changeLog) expect(run.out).toContain(e.sentence);
    expect(run.out).toMatch(/ {2}- (BTC|ETH) (price|vol) scan range .* → .*: EWMA vol (rose|fell|unchanged)/);
  });

  it('--json prints the set; --history names a file; --open-interest feeds activity and signals', async () => {
    const oi = files.write('oi.csv', 'date,underlying,open_interest\n2024-01-02,BTC,1000\n2024-06-13,BTC,4000\n');
    const run = await cli('calibrate', '--underlyings', 'BTC', '--history', 'BTC=data/btc_usd_daily.csv', '--as-of', '2024-06-14', ...STRESS, '--open-interest', oi, '--json');
    expect(run.code).toBe(0);
    expect(run.err).toBe('');
    const set = parseParameterSet(JSON.parse(run.out), 'stdout');
    expect(set.activity.BTC?.openInterest).toMatchObject({ latest: 4000, latestDate: '2024-06-13', average: 2500, observations: 2 });
    expect(set.signals.find((s) => s.kind === 'open-interest-change')?.values).toMatchObject({ current: 4000, calibrated: 2500, change: expect.closeTo(0.6, 12) });
    expect(set.createdFrom.sources.map((s) => s.file)).toEqual(['data/btc_usd_daily.csv', oi]);
  });

  it('is listed in --help', async () => {
    const run = await cli('calibrate', '--help');
    expect(run.code).toBe(0);
    expect(run.out).toContain('--stressed-window <from:to>');
    expect(run.out).toContain('--previous <file>');
  });
});

describe('crossmargin calibrate: bad input gives one coded line', () => {
  it('a malformed --stressed-window', async () => {
    await expectCleanFailure(['calibrate', '--underlyings', 'BTC', '--stressed-window', '2020-02-20-2020-04-30'], 'USAGE_INVALID', /--stressed-window.*FROM:TO/);
    await expectCleanFailure(['calibrate', '--underlyings', 'BTC', '--stressed-window', '2020-04-30:2020-02-20'], 'USAGE_INVALID', /from 2020-04-30 is after to 2020-02-20/);
  });
  it('a stressed window after --as-of (look-ahead)', async () => {
    await expectCleanFailure(['calibrate', '--underlyings', 'BTC', '--as-of', '2019-12-31', ...STRESS], 'MODEL_PARAMS_INVALID', /stressedWindow: .*look-ahead/);
  });
  it('an unknown underlying', async () => {
    await expectCleanFailure(['calibrate', '--underlyings', 'BTC,NOPE'], 'HISTORY_INVALID', /NOPE: no price history/);
  });
  it('a bad open-interest CSV', async () => {
    const bad = files.write('bad-oi.csv', 'date,underlying,open_interest\n2024-06-01,BTC,-5\n');
    await expectCleanFailure(['calibrate', '--underlyings', 'BTC', '--open-interest', bad], 'HISTORY_INVALID', /bad-oi\.csv row 1 \(line 2\), column open_interest/);
    const header = files.write('bad-header.csv', 'day,underlying,open_interest\n2024-06-01,BTC,5\n');
    await expectCleanFailure(['calibrate', '--underlyings', 'BTC', '--open-interest', header], 'CSV_MALFORMED', /bad-header\.csv/);
  });
  it('a --previous file that is not a parameter set', async () => {
    const prev = files.write('not-params.json', { format: 'something-else' });
    await expectCleanFailure(['calibrate', '--underlyings', 'BTC', '--previous', prev], 'SCHEMA_INVALID', /not-params\.json: format/);
  });
  it('bad numbers and dates', async () => {
    await expectCleanFailure(['calibrate', '--underlyings', 'BTC', '--coverage', 'high'], 'USAGE_INVALID', /--coverage: "high"/);
    await expectCleanFailure(['calibrate', '--underlyings', 'BTC', '--coverage', '1.5'], 'MODEL_PARAMS_INVALID', /coverage/);
    await expectCleanFailure(['calibrate', '--underlyings', 'BTC', '--lookback', '12.5'], 'USAGE_INVALID', /--lookback/);
    await expectCleanFailure(['calibrate', '--underlyings', 'BTC', '--as-of', '2024-02-30'], 'USAGE_INVALID', /--as-of: "2024-02-30"/);
    await expectCleanFailure(['calibrate', '--underlyings', 'BTC,'], 'USAGE_INVALID', /--underlyings/);
  });
});

describe('crossmargin calibrate --vol-forecaster', () => {
  it('a learned forecaster drives the vol scan range of an underlying without an implied-vol index', async () => {
    const base = await cli('calibrate', '--underlyings', 'BTC', '--as-of', '2024-06-14', '--json');
    const har = await cli('calibrate', '--underlyings', 'BTC', '--as-of', '2024-06-14', '--vol-forecaster', 'har', '--json');
    const vol = (out: string) => (JSON.parse(out) as { scanRanges: { underlyings: { BTC: { withoutApc: { volScanRange: number } } } } }).scanRanges.underlyings.BTC.withoutApc.volScanRange;
    expect(vol(har.out)).toBeGreaterThan(0);
    expect(vol(har.out)).not.toBe(vol(base.out));
    const bad = await cli('calibrate', '--underlyings', 'BTC', '--vol-forecaster', 'oracle');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--vol-forecaster/);
  });
});
