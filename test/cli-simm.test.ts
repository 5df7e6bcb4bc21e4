import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../src/core/errors.js';
import { readCrifFile } from '../src/portfolio/crif/read-crif-file.js';
import { formatAmount } from '../src/cli/format-table.js';
import { cli, tempFiles } from './cli-helpers.js';

/**
 * `crossmargin simm` (issue 19 §3). The tree and the bad-file cases run the built launcher, as a user runs it
 * (`npx tsc -p tsconfig.build.json` first: dist/ is what bin/crossmargin.js loads); the option checks run in-process
 * (test/cli-helpers.ts), a process start each being most of a test's time.
 */

const SAMPLE = 'samples/crif/crif-sample.csv';

function bin(...args: string[]): { code: number | null; out: string; err: string } {
  const run = spawnSync(process.execPath, ['bin/crossmargin.js', ...args], { encoding: 'utf8' });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

interface JsonNode {
  name: string;
  level: string;
  amount: number;
  children: JsonNode[];
}

describe('crossmargin simm', () => {
  it('prints the tree with every product class of the file, the total equal to --json’s, and the ISDA line', () => {
    const text = bin('simm', '--crif', SAMPLE);
    expect(text.code, text.err).toBe(0);
    const json = bin('simm', '--crif', SAMPLE, '--json');
    expect(json.code, json.err).toBe(0);
    const result = JSON.parse(json.out) as { total: number; tree: JsonNode };

    const productClasses = new Set(readCrifFile(SAMPLE).flatMap((r) => (r.productClass === undefined ? [] : [r.productClass])));
    expect(productClasses.size).toBe(4);
    for (const pc of productClasses) expect(text.out).toMatch(new RegExp(`^  ${pc}\\s+product-class\\s+[\\d,.]+\\s+[\\d.]+%$`, 'm'));

    const total = formatAmount(result.total, 'USD');
    expect(text.out).toContain(`Initial margin     ${total} USD`);
    expect(text.out).toMatch(new RegExp(`^SIMM\\s+total\\s+${total.replace(/\./g, '\\.')}\\s+100\\.0%$`, 'm'));
    expect(text.out).toContain('ISDA SIMM v2.6, 10-day margin period of risk');
    expect(text.out).toMatch(/^Figures use the ISDA SIMM v2\.6 parameters; commercial use of ISDA SIMM is licensed by ISDA\.$/m);
    // Buckets are indented below their margin type; numbered ones are labelled.
    expect(text.out).toMatch(/^ {8}bucket 11\s+bucket\s/m);
  });

  it('--json prints the result: total, tree (total → product class → … → bucket), currency, version, mpor, rows', async () => {
    const run = bin('simm', '--crif', 'samples/crif/crif-sample.tsv', '--mpor', '1d', '--version', '2.6', '--json');
    expect(run.code, run.err).toBe(0);
    const result = JSON.parse(run.out) as { total: number; currency: string; version: string; mpor: string; rows: number; licence: string; tree: JsonNode };
    expect(result).toMatchObject({ currency: 'USD', version: '2.6', mpor: '1d', rows: readCrifFile('samples/crif/crif-sample.tsv').length });
    expect(result.licence).toMatch(/licensed by ISDA/);
    expect(result.tree.level).toBe('total');
    expect(result.tree.amount).toBe(result.total);
    const levels = new Set<string>();
    const walk = (n: JsonNode): void => {
      levels.add(n.level);
      expect(Number.isFinite(n.amount)).toBe(true);
      n.children.forEach(walk);
    };
    walk(result.tree);
    expect([...levels].sort()).toEqual(['bucket', 'margin-type', 'product-class', 'risk-class', 'total']);
    // Product classes (and add-ons) add up to the total.
    expect(result.tree.children.reduce((t, c) => t + c.amount, 0)).toBeCloseTo(result.total, 6);
    // The 1-day calibration gives another figure than the 10-day one.
    const tenDay = JSON.parse((await cli('simm', '--crif', SAMPLE, '--json')).out) as { total: number };
    expect(result.total).not.toBeCloseTo(tenDay.total, 0);
  });

  it('a bad CRIF file exits with SCHEMA_INVALID naming the row and the column; nothing on stdout', () => {
    const run = bin('simm', '--crif', 'samples/crif/crif-bad.csv');
    expect(run.code).toBe(ERROR_CATALOGUE.SCHEMA_INVALID.exitCode);
    expect(run.out).toBe('');
    expect(run.err.trim().split('\n')).toHaveLength(1);
    expect(run.err).toMatch(/^error \[SCHEMA_INVALID\]: samples\/crif\/crif-bad\.csv row 2 \(line 3\), column Label1: /);
    const json = bin('simm', '--crif', 'samples/crif/crif-bad.csv', '--json');
    expect(json.code).toBe(ERROR_CATALOGUE.SCHEMA_INVALID.exitCode);
    expect(JSON.parse(json.err)).toMatchObject({ error: { code: 'SCHEMA_INVALID', field: 'samples/crif/crif-bad.csv:3:Label1' } });
  });

  it('a broken file (a row with too few fields) is CSV_MALFORMED; a missing one FILE_NOT_FOUND', async () => {
    const files = tempFiles();
    const broken = files.write('broken.csv', 'ProductClass,RiskType,Qualifier,Bucket,Label1,Label2,Amount,AmountCurrency\nRatesFX,Risk_FX,EUR\n');
    const run = await cli('simm', '--crif', broken);
    expect(run.code).toBe(ERROR_CATALOGUE.CSV_MALFORMED.exitCode);
    expect(run.err).toMatch(/^error \[CSV_MALFORMED\]: .*broken\.csv/);
    const missing = await cli('simm', '--crif', 'nope.csv');
    expect(missing.code).toBe(ERROR_CATALOGUE.FILE_NOT_FOUND.exitCode);
    expect(missing.err).toMatch(/^error \[FILE_NOT_FOUND\]: nope\.csv/);
  });

  it('a bad --mpor or an unknown --version is refused naming the flag', async () => {
    const mpor = await cli('simm', '--crif', SAMPLE, '--mpor', '2d');
    expect(mpor.code).toBe(ERROR_CATALOGUE.MODEL_PARAMS_INVALID.exitCode);
    expect(mpor.out).toBe('');
    expect(mpor.err).toMatch(/^error \[MODEL_PARAMS_INVALID\]: --mpor: .*"2d".*10d, 1d/);
    const json = await cli('simm', '--crif', SAMPLE, '--mpor', '2d', '--json');
    expect(JSON.parse(json.err)).toMatchObject({ error: { code: 'MODEL_PARAMS_INVALID', field: '--mpor' } });
    const version = await cli('simm', '--crif', SAMPLE, '--version', '9.9');
    expect(version.code).toBe(ERROR_CATALOGUE.MODEL_PARAMS_INVALID.exitCode);
    expect(version.err).toMatch(/^error \[MODEL_PARAMS_INVALID\]: --version: SIMM version "9\.9" is not bundled \(bundled: [\d., ]*2\.6/);
    const noFile = await cli('simm');
    expect(noFile.code).toBe(2);
    expect(noFile.err).toMatch(/--crif <file>/);
  });

  it('--help shows the options and an example on the sample; the program’s own --version is unchanged', async () => {
    const help = await cli('simm', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: crossmargin simm \[options\]/);
    expect(help.out).toContain('--mpor <period>');
    expect(help.out).toMatch(/Examples:\n\s+crossmargin simm --crif samples\/crif\/crif-sample\.csv/);
    expect(help.out).toContain('licensed by ISDA');
    const version = await cli('--version');
    expect(version.code).toBe(0);
    expect(version.out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
