import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MarginResultSchema } from '../src/models/margin-result.js';
import { cli, tempFiles } from './cli-helpers.js';

const files = tempFiles();
const coveredWrite = files.write('covered-write.json', {
  account: 'mcmillan-covered-write',
  positions: [
    { instrument: 'SP 198912', quantity: 1 },
    { instrument: 'SP 198912 C 410', quantity: -1 },
  ],
});

describe('CLI: span-file inspect and margin --span-file with exchange formats (docs/span-import.md)', () => {
  it('inspect lists exchanges, combined commodities, contracts and what was not mapped', async () => {
    const run = await cli('span-file', 'inspect', 'samples/span/es-nq.pa2');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/Exchange complex\s+EXCME/);
    expect(run.out).toMatch(/Exchanges\s+CME/);
    expect(run.out).toMatch(/^ES\s+USD\s+3\s+1\s+0\s+0\s+2\s+0\s+2\s+202406\s+500$/m);
    expect(run.out).toMatch(/^ES 202409 C 5600\s+ES\s+option\s+202409\s+93\.65\s+50\s+0\.37$/m);
    expect(run.out).toMatch(/record 5 \(combined commodity groups\)\s+1/);
  });

  it('inspect --json on an XML file', async () => {
    const run = await cli('span-file', 'inspect', 'samples/span/es-nq.spn', '--json');
    expect(run.code).toBe(0);
    const listing = JSON.parse(run.out) as { format: string; exchanges: string[]; combinedCommodities: { cc: string }[]; contracts: { symbol: string }[]; interSpreads: number; fx: Record<string, number> };
    expect(listing.format).toBe('spn');
    expect(listing.exchanges).toEqual(['CME']);
    expect(listing.combinedCommodities.map((c) => c.cc)).toEqual(['ES', 'NQ']);
    expect(listing.contracts).toHaveLength(6);
    expect(listing.interSpreads).toBe(1);
    expect(listing.fx).toEqual({ EUR: 1.08 });
  });

  it('margin --agreement with a market on its exchange SPAN file (riskFile): the span model\'s figure on that file', async () => {
    const market = files.write('empty-market.json', { asOf: '1989-10-02T00:00:00Z', underlyings: {} });
    const params = files.write('member.json', { accountType: 'member' });
    const viaAgreement = await cli('margin', '--agreement', 'samples/span/mcmillan-agreement.json', '--portfolio', coveredWrite, '--market', market, '--json');
    expect(viaAgreement.code, viaAgreement.err).toBe(0);
    const alone = await cli('margin', '--model', 'span', '--span-file', 'samples/span/mcmillan.pa2', '--params', params, '--portfolio', coveredWrite, '--market', market, '--json');
    expect(alone.code, alone.err).toBe(0);
    const [a, b] = [viaAgreement, alone].map((r) => MarginResultSchema.parse(JSON.parse(r.out)));
    expect(a!.initialMargin).toBe(b!.initialMargin);
    expect(a!.maintenanceMargin).toBe(b!.maintenanceMargin);
  });

  for (const file of ['samples/span/mcmillan.pa2', 'samples/span/mcmillan.spn']) {
    it(`margin --model span --span-file ${file} gives the McMillan covered write`, async () => {
      const run = await cli('margin', '--model', 'span', '--span-file', file, '--portfolio', coveredWrite, '--json');
      expect(run.code).toBe(0);
      const result = MarginResultSchema.parse(JSON.parse(run.out));
      expect(result.maintenanceMargin).toBe(6620);
      expect(run.err).toMatch(/not mapped \(`crossmargin span-file inspect/);
    });
  }

  it("without --market, the file's own FX rates (pa2 Type T) convert a EUR combined commodity", async () => {
    const text = readFileSync('samples/span/es-nq.pa2', 'utf8').replace('2 CME NQ    0USD$', '2 CME NQ    0EUR€');
    const nq = files.write('nq.json', { account: 'nq', currency: 'USD', positions: [{ instrument: 'NQ 202409', quantity: 1 }] });
    const run = await cli('margin', '--model', 'span', '--span-file', files.write('eur.pa2', text), '--portfolio', nq, '--json');
    expect(run.code).toBe(0);
    expect(MarginResultSchema.parse(JSON.parse(run.out)).maintenanceMargin).toBeCloseTo(31500 * 1.08, 6);
  });

  it('a bad file is exit 7 naming the line, record and field', async () => {
    const text = readFileSync('samples/span/mcmillan.pa2', 'utf8').replace('OOFC198912', 'OOFX198912');
    const run = await cli('span-file', 'inspect', files.write('bad.pa2', text));
    expect(run.code).toBe(7);
    expect(run.err).toMatch(/error \[MODEL_PARAMS_INVALID\]: .*bad\.pa2:10: record "81" option right \(col 29\): expected C or P, got "X"/);
  });

  it('a missing file is exit 3', async () => {
    expect((await cli('span-file', 'inspect', 'samples/span/nope.pa2')).code).toBe(3);
  });
});

// The bar is drawn only on a terminal: util-linux `script` gives the built CLI one (npx tsc -p tsconfig.build.json first).
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
function onTerminal(args: string): { code: number | null; out: string } {
  const run = spawnSync('script', ['-qec', `node bin/crossmargin.js ${args}`, '/dev/null'], { encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL' });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

describe(`span-file progress bar on a terminal${hasScript ? '' : ' (SKIPPED: no util-linux script)'}`, () => {
  it.skipIf(!hasScript)('is drawn while reading, and an error after it started exits with the coded error', () => {
    const good = onTerminal('span-file inspect samples/span/es-nq.spn');
    expect(good.code).toBe(0);
    expect(good.out).toContain('reading SPAN file');
    const text = readFileSync('samples/span/mcmillan.pa2', 'utf8').replace('OOFC198912', 'OOFX198912');
    const bad = onTerminal(`span-file inspect ${files.write('bad-tty.pa2', text)}`);
    expect(bad.code, `killed after 20 s, i.e. hung; output:\n${bad.out}`).toBe(7);
    expect(bad.out).toMatch(/error \[MODEL_PARAMS_INVALID\]/);
  });
});

describe('span-file: bounded memory (built code in dist/)', () => {
  it('imports a 16 MB XML file while its live heap stays within a few MB', () => {
    // Garbage aside (collected before each reading), what the reader keeps must not grow with the file.
    const text = readFileSync('samples/span/mcmillan.spn', 'utf8');
    const cut = text.indexOf('<exchange>');
    const path = join(files.dir, 'big.spn');
    writeFileSync(path, text.slice(0, cut));
    const filler = '<pbRateDef><r>1</r><isCust>1</isCust><acctType>SPEC</acctType><isM>0</isM><pbc>SPAN</pbc></pbRateDef>\n'.repeat(20_000);
    for (let i = 0; i < Math.ceil((16 * 1024 * 1024) / filler.length); i += 1) writeFileSync(path, filler, { flag: 'a' });
    writeFileSync(path, text.slice(cut), { flag: 'a' });
    const script = `
      const { importSpanFile } = await import(${JSON.stringify(join(process.cwd(), 'dist/src/models/span/import/import-span-file.js'))});
      let peak = 0, n = 0;
      global.gc();
      const base = process.memoryUsage().heapUsed;
      const { report } = await importSpanFile(process.argv[1], { onProgress: () => { if (++n % 2 === 0) { global.gc(); peak = Math.max(peak, process.memoryUsage().heapUsed - base); } } });
      console.log(JSON.stringify({ peak, chunks: n, pbRateDef: report.unmapped.find((u) => u.item === 'clearingOrg/pbRateDef').count }));`;
    const run = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script, path], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { peak: number; chunks: number; pbRateDef: number };
    expect(result.chunks).toBeGreaterThanOrEqual(16);
    expect(result.pbRateDef).toBeGreaterThan(150_000);
    expect(result.peak).toBeLessThan(8 * 1024 * 1024);
  });
});
