import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './cli-helpers.js';

/**
 * docs/portfolio-format.md cannot rot: every example file is margined through the CLI, the figure the doc quotes is
 * the one the CLI prints, and the JSON the doc shows is the file.
 */
const DIR = 'docs/examples/portfolio-format';
const MARKET = 'samples/crypto-mixed/market.json';
const doc = readFileSync('docs/portfolio-format.md', 'utf8');
const examples = readdirSync(DIR).filter((f) => f.endsWith('.portfolio.json')).sort();
const docJson = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1] ?? '') as { account: string });

describe('docs/portfolio-format.md examples', () => {
  it('covers perpetual/future, option, spot and collateral, and links each file', () => {
    expect(examples).toEqual(['collateral.portfolio.json', 'option.portfolio.json', 'perpetual-future.portfolio.json', 'spot.portfolio.json']);
    for (const f of examples) expect(doc).toContain(`(examples/portfolio-format/${f})`);
  });

  it.each(examples)('%s: the doc shows the file as it is', (file) => {
    const content = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as { account: string };
    expect(docJson.find((j) => j.account === content.account)).toEqual(content);
  });

  it.each(examples)('%s margins under scenario-grid and the doc quotes the initial margin printed', async (file) => {
    const run = await cli('margin', '--portfolio', join(DIR, file), '--market', MARKET, '--model', 'scenario-grid');
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const line = /^Initial margin .*$/m.exec(run.out)?.[0];
    expect(line).toMatch(/^Initial margin +[\d,.]+ (USD|BTC)$/);
    expect(doc).toContain(`\n${line}\n`);
    const json = await cli('margin', '--portfolio', join(DIR, file), '--market', MARKET, '--model', 'scenario-grid', '--json');
    expect((JSON.parse(json.out) as { initialMargin: number }).initialMargin).toBeGreaterThan(0);
  });

  it('links the instrument-name and market-data docs, which exist', () => {
    for (const link of ['instrument-names.md', 'market-data.md', 'accounts.md']) {
      expect(doc).toContain(`](${link})`);
      expect(() => readFileSync(join('docs', link))).not.toThrow();
    }
  });
});
