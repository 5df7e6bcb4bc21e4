import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../../../core/errors.js';
import { parseMarketSnapshot } from '../../../market/market-snapshot.js';
import { computeMargin } from '../../compute-margin.js';
import { SpanFileSchema } from '../span-file-schema.js';
import { detectSpanFormat, importSpanFile, importSpanText } from './import-span-file.js';

const emptyMarket = parseMarketSnapshot({ asOf: '1989-10-02T00:00:00Z', underlyings: {} });
const jsonFile = JSON.parse(readFileSync('docs/examples/span/mcmillan.span.json', 'utf8')) as unknown;
const book = (...positions: [string, number][]) => ({ document: { account: 'm', positions: positions.map(([instrument, quantity]) => ({ instrument, quantity })) } });
const margin = (file: unknown, positions: [string, number][]) =>
  computeMargin(book(...positions), emptyMarket, 'span', { riskParameters: file, riskParametersSource: 'test', params: { accountType: 'member' } });

/** JSON names → imported names (docs/span-import.md "Naming"). */
const NAMES: Record<string, string> = { SPZ9: 'SP 198912', 'SPZ9 410 C': 'SP 198912 C 410' };
const BOOKS: [string, number][][] = [[['SPZ9 410 C', 1]], [['SPZ9', 1], ['SPZ9 410 C', -1]], [['SPZ9', -3], ['SPZ9 410 C', 5]]];

const tmp = mkdtempSync(join(tmpdir(), 'span-import-'));
function write(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

async function importError(path: string): Promise<CrossmarginError> {
  try {
    await importSpanFile(path);
  } catch (error) {
    if (error instanceof CrossmarginError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('importSpanFile: the McMillan example (methods/span.md §6) in each format', () => {
  for (const file of ['samples/span/mcmillan.pa2', 'samples/span/mcmillan.spn']) {
    it(`${file} gives the same margins as the JSON form`, async () => {
      const { document, report } = await importSpanFile(file);
      expect(SpanFileSchema.safeParse(document).success).toBe(true);
      expect(report.exchanges).toEqual(['CME']);
      for (const positions of BOOKS) {
        const expected = margin(jsonFile, positions);
        const got = margin(document, positions.map(([s, q]) => [NAMES[s] ?? s, q]));
        expect(got.maintenanceMargin).toBeCloseTo(expected.maintenanceMargin, 9);
        expect(got.initialMargin).toBeCloseTo(expected.initialMargin, 9);
      }
      expect(margin(document, [['SP 198912 C 410', 1]]).maintenanceMargin).toBe(3990);
    });
  }

  it('pa2: maps prices, cvf, option style and ratios, and reports the records it skipped', async () => {
    const { document, report } = await importSpanFile('samples/span/mcmillan.pa2');
    const cc = SpanFileSchema.parse(document).combinedCommodities[0];
    expect(cc?.initialToMaintenance).toEqual({ member: 1, hedger: 1, speculator: 1 });
    expect(cc?.contracts[0]).toMatchObject({ symbol: 'SP 198912', kind: 'future', price: 410, cvf: 500 });
    expect(cc?.contracts[1]).toMatchObject({ symbol: 'SP 198912 C 410', kind: 'option', right: 'call', strike: 410, optionStyle: 'futures', ra: { d: 0.5 } });
    expect(report.unmapped).toEqual([expect.objectContaining({ item: 'record 5 (combined commodity groups)', count: 1 })]);
  });

  it('pa2: the Type 2 array decimal locator divides the arrays of its product', async () => {
    const lines = readFileSync('samples/span/mcmillan.pa2', 'utf8').split('\n');
    lines[2] = `${lines[2]!.slice(0, 51)}2${lines[2]!.slice(52)}`; // the OOF slot's locator (col 52)
    const { document } = await importSpanFile(write('locator.pa2', lines.join('\n')));
    const [future, call] = SpanFileSchema.parse(document).combinedCommodities[0]!.contracts;
    expect(future?.ra.a[13]).toBe(10000);
    expect(call?.ra.a[13]).toBe(39.9);
  });

  it('pa2: the limit-option-value flag (Type 2 col 19) becomes capAnov', async () => {
    const lines = readFileSync('samples/span/mcmillan.pa2', 'utf8').split('\n');
    lines[2] = `${lines[2]!.slice(0, 18)}Y${lines[2]!.slice(19)}`;
    const { document } = await importSpanFile(write('lov.pa2', lines.join('\n')));
    expect(SpanFileSchema.parse(document).combinedCommodities[0]).toMatchObject({ capAnov: true });
  });

  it('spn: reports unmapped elements with counts and reads curConv as FX', async () => {
    const { report } = await importSpanFile('samples/span/mcmillan.spn');
    expect(report.fx).toEqual({ EUR: 1.1 });
    const items = report.unmapped.map((u) => u.item);
    expect(items).toEqual(expect.arrayContaining(['clearingOrg/pbRateDef', 'ccDef/somTiers', 'fut/scanRate']));
    expect(report.unmapped.find((u) => u.item === 'fut/scanRate')?.count).toBe(1);
  });
});

describe('importSpanFile: tiers, intra and inter spreads, delivery, SOM, NOV (docs/examples/span/es-nq.span.json)', () => {
  const esNq = JSON.parse(readFileSync('docs/examples/span/es-nq.span.json', 'utf8')) as unknown;
  const rename: Record<string, string> = { ESM4: 'ES 202406', ESU4: 'ES 202409', ESH5: 'ES 202503', 'ESU4 5600 C': 'ES 202409 C 5600', NQU4: 'NQ 202409', NQZ4: 'NQ 202412' };
  const portfolios = ['docs/examples/span/es-nq.portfolio.json', 'docs/examples/span/es-nq-delivery.portfolio.json'].map(
    (f) => JSON.parse(readFileSync(f, 'utf8')) as { positions: { instrument: string; quantity: number }[] },
  );
  const run = (file: unknown, positions: [string, number][], accountType: string) =>
    computeMargin(book(...positions), emptyMarket, 'span', { riskParameters: file, riskParametersSource: 'test', params: { accountType } });
  for (const file of ['samples/span/es-nq.pa2', 'samples/span/es-nq.spn']) {
    it(`${file} gives the JSON form's margins, components and spreads`, async () => {
      const { document, report } = await importSpanFile(file);
      expect(report.fx).toEqual({ EUR: 1.08 });
      for (const p of portfolios) {
        for (const accountType of ['member', 'speculator']) {
          const positions = p.positions.map((x): [string, number] => [x.instrument, x.quantity]);
          const expected = run(esNq, positions, accountType);
          const got = run(document, positions.map(([sym, q]): [string, number] => [rename[sym] ?? sym, q]), accountType);
          expect(got.maintenanceMargin).toBeCloseTo(expected.maintenanceMargin, 8);
          expect(got.initialMargin).toBeCloseTo(expected.initialMargin, 8);
          expect(got.components.map((c) => [c.name, c.group, Number(c.value.toFixed(8))])).toEqual(expected.components.map((c) => [c.name, c.group, Number(c.value.toFixed(8))]));
          expect(got.spreads?.map((x) => [x.type, x.group, x.priority, Number(x.count.toFixed(9))])).toEqual(expected.spreads?.map((x) => [x.type, x.group, x.priority, Number(x.count.toFixed(9))]));
        }
      }
    });
  }
});

describe('importSpanFile: spread and tier variants', () => {
  const esNqLines = (): string[] => readFileSync('samples/span/es-nq.pa2', 'utf8').trimEnd().split('\n');
  const at = (line: string, col: number, text: string): string => `${line.padEnd(col - 1 + text.length).slice(0, col - 1)}${text}${line.slice(col - 1 + text.length)}`;
  const interOf = async (path: string) => SpanFileSchema.parse((await importSpanFile(path)).document).interSpreads;

  it('pa2 Type 6: method 04 is a scanning spread with its target and optional legs; F is a flat credit', async () => {
    const lines = esNqLines();
    const i = lines.findIndex((l) => l.startsWith('6 '));
    let scanning = at(lines[i]!, 89, '04');
    scanning = at(scanning, 95, 'ES    ');
    scanning = at(scanning, 38, 'N');
    const flat = at(at(lines[i]!, 101, 'F'), 10, '0012345');
    const spreads = await interOf(write('inter.pa2', [...lines.slice(0, i), scanning, flat, ...lines.slice(i + 1)].join('\n')));
    expect(spreads[0]).toMatchObject({ method: 'scanning', targetCc: 'ES', creditRate: 0.7, legs: [{ cc: 'ES', required: true }, { cc: 'NQ', required: false }] });
    expect(spreads[1]).toMatchObject({ method: 'delta', creditMethod: 'flat', flatAmount: 123.45 });
  });

  it('pa2 Type S: method 21 defines scan and inter tiers alike; WFPR 3 is SCANRANGE', async () => {
    const lines = esNqLines();
    const i = lines.findIndex((l) => l.startsWith('S '));
    const s21 = at(at(at(lines[i]!, 9, '2102'), 13, '01202409202409'), 27, '02202410202412');
    const { document } = await importSpanFile(write('tiers.pa2', [...lines.slice(0, i), at(s21, 83, '3'), ...lines.slice(i + 1)].join('\n')));
    const nq = SpanFileSchema.parse(document).combinedCommodities.find((c) => c.cc === 'NQ');
    const tiers = [
      { tier: 1, startPeriod: '202409', endPeriod: '202409' },
      { tier: 2, startPeriod: '202410', endPeriod: '202412' },
    ];
    expect(nq).toMatchObject({ scanTiers: tiers, interTiers: tiers, wfprMethod: 'SCANRANGE' });
  });

  it('XML sSpread: a scanning spread with its target; percent rates are read as fractions', async () => {
    const text = readFileSync('samples/span/es-nq.spn', 'utf8').replace(
      '</interSpreads>',
      '<sSpread><spread>2</spread><rate><r>1</r><val>50</val></rate><target><cc>NQ</cc></target><tLeg><cc>ES</cc><tn>1</tn><i>1</i></tLeg><tLeg><cc>NQ</cc><tn>1</tn><i>1</i></tLeg></sSpread></interSpreads>',
    );
    const spreads = await interOf(write('s.spn', text));
    expect(spreads[1]).toMatchObject({ priority: 2, method: 'scanning', targetCc: 'NQ', creditRate: 0.5 });
  });

  it('an inter spread naming a CC of another complex is dropped and reported', async () => {
    const text = readFileSync('samples/span/es-nq.spn', 'utf8').replace('<tLeg><cc>NQ</cc><tn>1</tn><rs>A</rs><i>2</i></tLeg>', '<tLeg><cc>YM</cc><tn>1</tn><rs>A</rs><i>2</i></tLeg>');
    const { document, report } = await importSpanFile(write('ym.spn', text));
    expect(SpanFileSchema.parse(document).interSpreads).toEqual([]);
    expect(report.unmapped).toEqual(expect.arrayContaining([expect.objectContaining({ item: 'inter spreads naming a CC not in the file', count: 1 })]));
  });
});

describe('importSpanFile: format detection and bad files', () => {
  it('detects by extension, then by content', () => {
    expect(detectSpanFormat('x.spn', '')).toBe('spn');
    expect(detectSpanFormat('x.pa2', '<')).toBe('pa2');
    expect(detectSpanFormat('x.dat', '  <?xml')).toBe('spn');
    expect(detectSpanFormat('x.dat', '{"a":1}')).toBe('json');
    expect(detectSpanFormat('x.dat', '0 CME')).toBe('pa2');
  });

  it('a bad pa2 field is MODEL_PARAMS_INVALID naming line, record and columns', async () => {
    const lines = readFileSync('samples/span/mcmillan.pa2', 'utf8').split('\n');
    lines[7] = `${lines[7]!.slice(0, 60)}x${lines[7]!.slice(61)}`;
    const e = await importError(write('bad-sign.pa2', lines.join('\n')));
    expect(e.code).toBe('MODEL_PARAMS_INVALID');
    expect(e.message).toMatch(/bad-sign\.pa2:8: record "81" array value 2 \(cols 61–65\): expected digits, got "x0000"/);
    expect(e.details).toMatchObject({ line: 8, record: 'record "81"' });
  });

  it('an 81 record without its 82 is refused', async () => {
    const lines = readFileSync('samples/span/mcmillan.pa2', 'utf8').trimEnd().split('\n');
    const e = await importError(write('no-82.pa2', lines.slice(0, -1).join('\n')));
    expect(e.message).toMatch(/no-82\.pa2:10: record "81" record pair: the file ends before the type 82 record/);
  });

  it('a bad XML value names the line and element', async () => {
    const text = readFileSync('samples/span/mcmillan.spn', 'utf8').replace('<a>-460</a>', '<a>abc</a>');
    const e = await importError(write('bad.spn', text));
    expect(e.code).toBe('MODEL_PARAMS_INVALID');
    expect(e.message).toMatch(/bad\.spn:\d+: <a> ra\/a: expected a number, got "abc"/);
  });

  it('XML with a wrong risk-array length or broken nesting is refused', async () => {
    const short = readFileSync('samples/span/mcmillan.spn', 'utf8').replace('<a>-460</a>', '');
    expect((await importError(write('short.spn', short))).message).toMatch(/<ra> a: expected 16 array values, got 15/);
    const nested = readFileSync('samples/span/mcmillan.spn', 'utf8').replace('</series>', '</serie>');
    expect((await importError(write('nest.spn', nested))).message).toMatch(/closing tag <\/serie> does not match <series>/);
    const truncated = readFileSync('samples/span/mcmillan.spn', 'utf8').split('</ccDef>')[0]!;
    expect((await importError(write('cut.spn', truncated))).message).toMatch(/cut\.spn:\d+: <ccDef> end of file: the file ends inside <ccDef> \(opened on line \d+\)/);
  });

  it('a missing file is FILE_NOT_FOUND', async () => {
    expect((await importError(join(tmp, 'nope.pa2'))).code).toBe('FILE_NOT_FOUND');
  });
});

describe('importSpanFile: streaming', () => {
  it('reads a generated 6 MB pa2 file chunk by chunk, reporting progress (bounded memory: test/cli-span-file.test.ts)', async () => {
    const lines = readFileSync('samples/span/mcmillan.pa2', 'utf8').trimEnd().split('\n');
    // Many skipped records between the real ones: the file grows, the imported document does not.
    const filler = `V CMEGA        202506  20250620${'0'.repeat(60)}`;
    const block = `${Array.from({ length: 10_000 }, () => filler).join('\r\n')}\r\n`;
    const path = join(tmp, 'big.pa2');
    writeFileSync(path, `${lines.slice(0, 7).join('\n')}\n`);
    for (let i = 0; i < 6; i += 1) writeFileSync(path, block, { flag: 'a' });
    writeFileSync(path, `${lines.slice(7).join('\n')}\n`, { flag: 'a' });
    let calls = 0;
    let last = 0;
    const { document, report } = await importSpanFile(path, {
      onProgress: (read, total) => {
        calls += 1;
        last = read / total;
      },
    });
    expect(report.unmapped.find((u) => u.item === 'record "V "')?.count).toBe(60_000);
    expect(calls).toBeGreaterThan(4);
    expect(last).toBe(1);
    expect(margin(document, [['SP 198912 C 410', 1]]).maintenanceMargin).toBe(3990);
  });
});

describe('importSpanText: the same readers fed from memory (POST /span/margin)', () => {
  const SAMPLES = ['samples/span/mcmillan.pa2', 'samples/span/mcmillan.spn', 'samples/span/es-nq.pa2', 'samples/span/es-nq.spn'];

  for (const file of SAMPLES) {
    it(`${file}: the same document and report as importSpanFile, whatever the chunk size`, async () => {
      const fromFile = await importSpanFile(file);
      const text = readFileSync(file, 'utf8');
      for (const chunkSize of [1, 7, 100, undefined]) {
        expect(importSpanText(text, file, chunkSize === undefined ? {} : { chunkSize })).toEqual(fromFile);
      }
      // Without an extension the content decides, as detectSpanFormat does; CRLF and a BOM change nothing.
      const bare = importSpanText(`\uFEFF${text.replace(/\n/g, '\r\n')}`, 'file', { chunkSize: 13 });
      expect(bare.document).toEqual(fromFile.document);
      expect(bare.report).toEqual(fromFile.report);
    });
  }

  it('reads the engine JSON as it is, and a forced format wins over detection', () => {
    const text = readFileSync('docs/examples/span/mcmillan.span.json', 'utf8');
    expect(importSpanText(text, 'file')).toEqual({ document: jsonFile, report: { format: 'json', records: 0, exchanges: [], unmapped: [], fx: {} } });
    expect(() => importSpanText(text, 'file', { format: 'pa2' })).toThrow(CrossmarginError);
    expect(() => importSpanText('{ nope', 'file')).toThrow(/^file: not valid JSON/);
  });

  it('errors name the source and the line, as from a file', () => {
    const lines = readFileSync('samples/span/mcmillan.pa2', 'utf8').split('\n');
    lines[7] = `${lines[7]!.slice(0, 60)}x${lines[7]!.slice(61)}`;
    let error: unknown;
    try {
      importSpanText(lines.join('\n'), 'file', { chunkSize: 5 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CrossmarginError);
    expect((error as CrossmarginError).code).toBe('MODEL_PARAMS_INVALID');
    expect((error as CrossmarginError).message).toMatch(/^file:8: record "81" array value 2 \(cols 61–65\): expected digits, got "x0000"/);
    expect((error as CrossmarginError).field).toBe('file:8');
  });

  it('does not split a character outside the basic plane between chunks', () => {
    const text = readFileSync('samples/span/mcmillan.spn', 'utf8').replace('</pointInTime>', '<note>\u{1F600}\u{1F600}</note></pointInTime>');
    expect(importSpanText(text, 'file.spn', { chunkSize: 1 })).toEqual(importSpanText(text, 'file.spn'));
  });
});
