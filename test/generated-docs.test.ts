import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { generatedBlocks, regenerateDocs, replaceBlock } from '../src/cli/generated-docs.js';
import { ERROR_CATALOGUE } from '../src/core/errors.js';
import { MODELS } from '../src/models/model-registry.js';
import { modelParameterDocs, paramsShape, parameterDocs } from '../src/models/parameter-docs.js';
import { cli } from './cli-helpers.js';

const read = (path: string): string => readFileSync(path, 'utf8');

/**
 * Code and docs must agree (issue 18): the generated blocks of the docs are made again in memory from the params
 * schemas and the error catalogue and compared with the committed files. On a failure run `npm run docs:generate`.
 */
describe('generated docs', () => {
  it.each(regenerateDocs(read).map((f) => [f.path, f.content] as const))('%s is up to date (npm run docs:generate)', (path, content) => {
    expect(read(path)).toBe(content);
  });

  it('every model has a generated parameter table, and architecture.md lists every model and every error code', () => {
    const paths = generatedBlocks().map((b) => `${b.path}#${b.name}`);
    for (const m of MODELS) expect(paths).toContain(`docs/models/${m.id}.md#params`);
    const architecture = read('docs/architecture.md');
    for (const m of MODELS) expect(architecture).toContain(`[\`${m.id}\`](models/${m.id}.md)`);
    for (const [code, d] of Object.entries(ERROR_CATALOGUE)) expect(architecture).toMatch(new RegExp(`\\| \`${code}\` \\| .* \\| ${d.httpStatus} \\| ${d.exitCode} \\|`));
  });

  it('a file without its markers is refused by name', () => {
    expect(() => replaceBlock('# no markers\n', { path: 'docs/x.md', name: 'params', content: '' })).toThrow(/docs\/x\.md: needs the markers/);
  });
});

describe('parameter docs come from the params schemas', () => {
  it.each(MODELS.map((m) => [m.id, m] as const))('%s: every top-level field is documented, with the default the schema fills in', (_id, model) => {
    const docs = modelParameterDocs(model);
    const shape = paramsShape(model.paramsSchema);
    expect(docs.map((p) => p.name)).toEqual(Object.keys(shape));
    const defaults = (model.paramsSchema as z.ZodType<Record<string, unknown>>).parse({});
    for (const p of docs) {
      expect(p.description.trim(), p.name).not.toBe('');
      if (p.default === 'none' || p.default.startsWith('none; ')) expect(defaults[p.name], p.name).toBeUndefined();
      else expect(JSON.parse(p.default), p.name).toEqual(defaults[p.name]);
    }
  });

  it('venue models document the dated-configuration source the schema really uses', () => {
    for (const id of ['deribit-pm', 'deribit-sm', 'dydx-v4', 'drift', 'mango-health', 'binance-pm', 'okx-pm']) {
      const model = MODELS.find((m) => m.id === id)!;
      const source = (model.paramsSchema as z.ZodType<{ source: string }>).parse({}).source;
      expect(modelParameterDocs(model).find((p) => p.name === 'source')?.default).toBe(JSON.stringify(source));
    }
  });

  it('a field without a description, or a default that is not JSON, is an error naming the field', () => {
    expect(() => parameterDocs(z.strictObject({ a: z.number().default(1) }))).toThrow(/a: the parameter has no description/);
    expect(() => parameterDocs(z.strictObject({ a: z.any().default(() => new Map()).meta({ description: 'x' }) }))).toThrow(/a: the default is not plain JSON/);
    expect(parameterDocs(z.strictObject({ a: z.number().optional().describe('x'), b: z.string().meta({ description: 'y' }) }))).toEqual([
      { name: 'a', description: 'x', default: 'none' },
      { name: 'b', description: 'y', default: 'required' },
    ]);
  });

  it('crossmargin models prints the same parameters, as text and as JSON', async () => {
    const json = JSON.parse((await cli('models', '--json')).out) as { id: string; parameters: unknown[] }[];
    expect(json.map((m) => m.id)).toEqual(MODELS.map((m) => m.id));
    for (const m of json) expect(m.parameters).toEqual(modelParameterDocs(MODELS.find((x) => x.id === m.id)!));
    const text = (await cli('models')).out;
    for (const model of MODELS) {
      for (const p of modelParameterDocs(model)) expect(text).toContain(`${p.description} (default ${p.default})`);
    }
  });
});
