import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli } from './cli-helpers.js';

type JsonSchema = { type?: string; properties?: Record<string, JsonSchema>; required?: string[]; additionalProperties?: boolean | JsonSchema; items?: JsonSchema; anyOf?: JsonSchema[]; enum?: unknown[] };

/**
 * A structural check of a document against a JSON Schema: types, required keys, no unknown keys where the schema
 * closes the object, enums, array items, anyOf. Enough to show the published schema describes the real files.
 */
function problems(schema: JsonSchema, value: unknown, path = '(root)'): string[] {
  if (schema.anyOf !== undefined) return schema.anyOf.some((s) => problems(s, value, path).length === 0) ? [] : [`${path}: matches no anyOf branch`];
  if (schema.enum !== undefined && !schema.enum.includes(value)) return [`${path}: not one of ${JSON.stringify(schema.enum)}`];
  const type = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value === 'number' && Number.isInteger(value) && schema.type === 'integer' ? 'integer' : typeof value;
  if (schema.type !== undefined && schema.type !== type) return [`${path}: expected ${schema.type}, got ${type}`];
  if (Array.isArray(value)) return schema.items === undefined ? [] : value.flatMap((v, i) => problems(schema.items!, v, `${path}.${i}`));
  if (type !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  const out = (schema.required ?? []).filter((k) => !(k in record)).map((k) => `${path}.${k}: required`);
  for (const [k, v] of Object.entries(record)) {
    const sub = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    if (sub !== undefined) out.push(...problems(sub, v, `${path}.${k}`));
    else if (schema.additionalProperties === false) out.push(`${path}.${k}: not allowed`);
  }
  return out;
}

async function schemaOf(...args: string[]): Promise<JsonSchema & { $schema?: string; title?: string }> {
  const run = await cli('schema', ...args);
  expect(run.err).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.out) as JsonSchema;
}

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

describe('crossmargin schema', () => {
  it('--list and --help name every file type', async () => {
    const list = await cli('schema', '--list');
    const help = await cli('schema', '--help');
    for (const name of ['portfolio', 'market', 'market-update', 'params', 'param-set']) {
      expect(list.out).toMatch(new RegExp(`^ {2}${name} `, 'm'));
      expect(help.out).toContain(`  ${name} `);
    }
  });

  it('portfolio: draft 2020-12 with account and positions required; every sample and doc example validates; a misspelt key does not', async () => {
    const s = await schemaOf('portfolio');
    expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(s.required).toEqual(expect.arrayContaining(['account', 'positions']));
    expect(Object.keys(s.properties ?? {}).sort()).toEqual(['account', 'collateral', 'currency', 'mode', 'openOrders', 'positions']);
    const files = ['samples/btc-options/portfolio.json', 'samples/crypto-mixed/portfolio.json', 'samples/spx-futures-options/portfolio.json', 'docs/examples/mixed.portfolio.json'];
    for (const f of ['collateral', 'option', 'perpetual-future', 'spot']) files.push(`docs/examples/portfolio-format/${f}.portfolio.json`);
    for (const f of files) expect(problems(s, readJson(f)), f).toEqual([]);
    expect(problems(s, { account: 'a', postions: [] })).toEqual(['(root).positions: required', '(root).postions: not allowed']);
    // An inline spec is spelt out, not an open object: a wrong kind fails.
    expect(problems(s, { account: 'a', positions: [{ instrument: { symbol: 'X', kind: 'swap', underlying: 'BTC' }, quantity: 1 }] })).not.toEqual([]);
  });

  it('market and market-update: the sample markets validate', async () => {
    const market = await schemaOf('market');
    expect(market.required).toEqual(expect.arrayContaining(['asOf', 'underlyings']));
    const update = await schemaOf('market-update');
    for (const f of ['samples/btc-options/market.json', 'samples/crypto-mixed/market.json', 'samples/spx-futures-options/market.json']) {
      expect(problems(market, readJson(f)), f).toEqual([]);
      expect(problems(update, readJson(f)), f).toEqual([]);
    }
  });

  it("params --model: the model's parameters; a params example validates; without --model a coded error naming it", async () => {
    const s = await schemaOf('params', '--model', 'isolated-simple');
    expect(s.title).toBe('crossmargin params (isolated-simple)');
    expect(problems(s, readJson('docs/examples/isolated-simple.spx-override.params.json'))).toEqual([]);
    const run = await cli('schema', 'params');
    expect(run.code).toBe(2);
    expect(run.err).toBe('error [USAGE_INVALID]: schema params needs --model <id> (see `crossmargin models`)\n');
  });

  it("param-set: calibrate's format or {model, version, params}", async () => {
    const s = await schemaOf('param-set');
    expect(s.anyOf).toHaveLength(2);
    expect(s.anyOf?.[0]?.required).toEqual(expect.arrayContaining(['format', 'version', 'asOf', 'scanRanges']));
    expect(s.anyOf?.[1]?.required).toEqual(['model', 'version', 'params']);
    expect(problems(s, { model: 'span', version: 'v1', params: {} })).toEqual([]);
    expect(problems(s, { model: 'span', params: {} })).not.toEqual([]);
  });

  it('an unknown name is a coded error naming the argument and the known names', async () => {
    const run = await cli('schema', 'portfolios');
    expect(run.code).toBe(2);
    expect(run.out).toBe('');
    expect(run.err).toBe('error [USAGE_INVALID]: <name>: unknown file type "portfolios"; known: portfolio, market, market-update, params, param-set\n');
  });
});
