import { resolveSchema, type JsonSchema, type ValuePath } from './json-schema.js';
import {
  HOSTILE_INSTRUMENTS,
  HOSTILE_NUMBERS,
  HOSTILE_STRINGS,
  HOSTILE_TIMES,
  MALFORMED_JSON,
  NUMBER_STRINGS,
  RawJson,
  UNKNOWN_CURRENCIES,
  WRONG_CONTENT_TYPES,
  longString,
  toJsonText,
} from './hostile-values.js';
import { cloneJson, describeValue, encodeSafe, formatPath, nodesOf, replaceAt, setOwn, type DomainTag, type DraftRequest } from './fuzz-request.js';
import type { Operation } from './openapi-operations.js';
import type { Prng } from './prng.js';

export interface MutationContext {
  readonly doc: unknown;
  readonly bodyLimit: number;
  /** Every operation of the document (for methods a path does not have). */
  readonly operations: readonly Operation[];
}

/** One way of breaking a request. `apply` returns false when it found nothing to act on. */
export interface Mutator {
  readonly name: string;
  readonly weight: number;
  applies(d: DraftRequest): boolean;
  apply(d: DraftRequest, rng: Prng, ctx: MutationContext): boolean;
}

const hasJsonBody = (d: DraftRequest): boolean => d.op.body !== undefined && d.hasBody && d.bodyText === undefined;

/** The schema of the node at `path` of a value of `schema` (following properties, items and record values). */
export function schemaAt(schema: JsonSchema | undefined, path: ValuePath, doc: unknown): JsonSchema | undefined {
  let s = schema === undefined ? undefined : resolveSchema(schema, doc);
  for (const key of path) {
    if (s === undefined) return undefined;
    const branch = s.anyOf?.[0] ?? s.oneOf?.[0];
    if (branch !== undefined && s.properties === undefined && s.items === undefined) s = resolveSchema(branch, doc);
    if (typeof key === 'number') s = Array.isArray(s.items) ? undefined : (s.items as JsonSchema | undefined);
    else s = s.properties?.[key] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
    s = s === undefined ? undefined : resolveSchema(s, doc);
  }
  return s;
}

/** True for an object node whose schema is a record (free keys: currencies, underlyings, expiries). */
function isRecord(schema: JsonSchema | undefined): boolean {
  return schema !== undefined && schema.properties === undefined && typeof schema.additionalProperties === 'object';
}

const lastKey = (path: ValuePath): string | undefined => [...path].reverse().find((k): k is string => typeof k === 'string');

function pickNode(d: DraftRequest, rng: Prng, test: (value: unknown, path: ValuePath) => boolean): { path: ValuePath; value: unknown } | undefined {
  const nodes = nodesOf(d.body).filter((n) => test(n.value, n.path));
  return nodes.length === 0 ? undefined : rng.pick(nodes);
}

/** A node's path with array indexes as `#` and record keys as `*` (`underlyings.*.vol.smiles.#.strikes.#`). */
function fieldKey(d: DraftRequest, path: ValuePath, ctx: MutationContext): string {
  return path
    .map((k, i) => (typeof k === 'number' ? '#' : isRecord(schemaAt(d.op.body, path.slice(0, i), ctx.doc)) ? '*' : k))
    .join('.');
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RawJson);

function setBody(d: DraftRequest, path: ValuePath, value: unknown, note: string): void {
  d.body = replaceAt(d.body, path, value);
  d.notes.push(`body.${formatPath(path)} ← ${describeValue(value)} (${note})`);
}

function flag(d: DraftRequest, tag: DomainTag, location: 'body' | 'query' | 'params', path: ValuePath, value: unknown): void {
  d.flags.push({ tag, location, path, value });
}

function otherTypeValue(value: unknown, rng: Prng): unknown {
  if (typeof value === 'number' || value instanceof RawJson) return rng.pick([String(value instanceof RawJson ? value.text : value), 'NaN', true, null, [], {}, [1]]);
  if (typeof value === 'string') return rng.pick([123, 1e308, false, null, [], {}, [value]]);
  if (typeof value === 'boolean') return rng.pick(['true', 1, null]);
  if (Array.isArray(value)) return rng.pick(['x', 1, null, {}, value[0] ?? {}]);
  if (isObject(value)) return rng.pick(['x', 1, null, [], [value], true]);
  return rng.pick([0, '', {}, []]);
}

const INSTRUMENT_TAGS = {
  expired: 'instrument-expired',
  'unknown-underlying': 'instrument-unknown-underlying',
  malformed: 'instrument-malformed',
  noncanonical: 'instrument-noncanonical',
} as const;

const TIME_KEY = /(?:asOf|expiry|since|At)$/;

// ---- body ---------------------------------------------------------------------------------------------------------

const bodyMutators: Mutator[] = [
  {
    name: 'wrong-type',
    weight: 8,
    applies: hasJsonBody,
    apply(d, rng) {
      const n = pickNode(d, rng, () => true);
      if (n === undefined) return false;
      setBody(d, n.path, otherTypeValue(n.value, rng), 'wrong type');
      return true;
    },
  },
  {
    name: 'drop-field',
    weight: 5,
    applies: hasJsonBody,
    apply(d, rng, ctx) {
      const n = pickNode(d, rng, (v) => isObject(v) && Object.keys(v).length > 0);
      if (n === undefined) return false;
      const keys = Object.keys(n.value as object);
      const required = (schemaAt(d.op.body, n.path, ctx.doc)?.required ?? []).filter((k) => keys.includes(k));
      const key = required.length > 0 && rng.chance(0.7) ? rng.pick(required) : rng.pick(keys);
      d.body = replaceAt(d.body, [...n.path, key], undefined, true);
      d.notes.push(`body.${formatPath([...n.path, key])} removed`);
      return true;
    },
  },
  {
    name: 'extra-field',
    weight: 4,
    applies: hasJsonBody,
    apply(d, rng) {
      const n = pickNode(d, rng, (v) => isObject(v));
      if (n === undefined) return false;
      const key = rng.pick(['extra', 'unexpected', '__proto__', 'constructor', 'isAdmin', 'role', 'accountId', 'id', '$where', 'keyId', "'; DROP TABLE accounts;--", '']);
      const value = rng.pick<unknown>([1, 'x', null, {}, { polluted: true }, { prototype: { polluted: true } }, true]);
      const copy = cloneJson(n.value) as Record<string, unknown>;
      setOwn(copy, key, value);
      d.body = replaceAt(d.body, n.path, copy);
      d.notes.push(`body.${formatPath([...n.path, key])} added = ${describeValue(value)}`);
      return true;
    },
  },
  {
    name: 'hostile-number',
    weight: 10,
    applies: hasJsonBody,
    apply(d, rng, ctx) {
      // One field at random, then one of its numbers: `fx.USDC` is as likely as the many `strikes.#`.
      const numeric = nodesOf(d.body).filter((n) => typeof n.value === 'number' || n.value instanceof RawJson);
      const fields = [...new Set(numeric.map((n) => fieldKey(d, n.path, ctx)))];
      const field = fields.length > 0 ? rng.pick(fields) : undefined;
      const n = field !== undefined ? rng.pick(numeric.filter((x) => fieldKey(d, x.path, ctx) === field)) : pickNode(d, rng, (v) => !isObject(v) && !Array.isArray(v));
      if (n === undefined) return false;
      const value = rng.pick(HOSTILE_NUMBERS);
      setBody(d, n.path, value, 'hostile number');
      flag(d, 'number-absurd', 'body', n.path, value);
      return true;
    },
  },
  {
    name: 'number-as-string',
    weight: 4,
    applies: hasJsonBody,
    apply(d, rng) {
      const n = pickNode(d, rng, (v) => typeof v === 'number');
      if (n === undefined) return false;
      setBody(d, n.path, rng.chance(0.3) ? String(n.value) : rng.pick(NUMBER_STRINGS), 'number as string');
      return true;
    },
  },
  {
    name: 'hostile-string',
    weight: 7,
    applies: hasJsonBody,
    apply(d, rng) {
      const n = pickNode(d, rng, (v) => typeof v === 'string');
      if (n === undefined) return false;
      const value = rng.chance(0.1) ? longString(rng.pick([300, 10_000, 200_000])) : rng.pick(HOSTILE_STRINGS);
      setBody(d, n.path, value, 'hostile string');
      if (lastKey(n.path) === 'currency') flag(d, 'currency-unknown', 'body', n.path, value);
      // A bare code (`BTC`, `a1`) names a spot holding of that currency: refused only when the market cannot price it.
      if (lastKey(n.path) === 'instrument') flag(d, /^\s*[A-Za-z0-9]{1,16}\s*$/.test(value) ? 'instrument-unknown-underlying' : 'instrument-malformed', 'body', n.path, value);
      return true;
    },
  },
  {
    name: 'string-as-number',
    weight: 3,
    applies: hasJsonBody,
    apply(d, rng) {
      const n = pickNode(d, rng, (v) => typeof v === 'string');
      if (n === undefined) return false;
      setBody(d, n.path, rng.pick([0, 1, -1, 1e308, 2 ** 53 + 1, 0.5]), 'number where a string is expected');
      return true;
    },
  },
  {
    name: 'hostile-instrument',
    weight: 8,
    applies: (d) => hasJsonBody(d) && nodesOf(d.body).some((n) => lastKey(n.path) === 'instrument' && typeof n.value === 'string'),
    apply(d, rng) {
      const n = pickNode(d, rng, (v, p) => lastKey(p) === 'instrument' && typeof v === 'string');
      if (n === undefined) return false;
      const h = rng.pick(HOSTILE_INSTRUMENTS);
      setBody(d, n.path, h.name, `${h.tag} instrument`);
      flag(d, INSTRUMENT_TAGS[h.tag], 'body', n.path, h.name);
      return true;
    },
  },
  {
    name: 'unknown-currency',
    weight: 5,
    applies: (d) => hasJsonBody(d) && nodesOf(d.body).some((n) => ['collateral', 'currency'].includes(String(n.path.at(-1)))),
    apply(d, rng) {
      const n = pickNode(d, rng, (_v, p) => ['collateral', 'currency'].includes(String(p.at(-1))));
      if (n === undefined) return false;
      const currency = rng.pick(UNKNOWN_CURRENCIES);
      if (n.path.at(-1) === 'currency') {
        setBody(d, n.path, currency, 'unknown currency');
        flag(d, 'currency-unknown', 'body', n.path, currency);
        return true;
      }
      if (!isObject(n.value)) return false;
      const copy = cloneJson(n.value);
      setOwn(copy, currency, rng.pick([100, 1, 0.5, 1_000_000]));
      d.body = replaceAt(d.body, n.path, copy);
      d.notes.push(`body.${formatPath(n.path)}[${JSON.stringify(currency)}] added (unknown currency)`);
      flag(d, 'currency-unknown', 'body', [...n.path, currency], currency);
      return true;
    },
  },
  {
    name: 'hostile-time',
    weight: 4,
    applies: (d) => hasJsonBody(d) && nodesOf(d.body).some((n) => TIME_KEY.test(String(n.path.at(-1))) && typeof n.value === 'string'),
    apply(d, rng) {
      const n = pickNode(d, rng, (v, p) => TIME_KEY.test(String(p.at(-1))) && typeof v === 'string');
      if (n === undefined) return false;
      setBody(d, n.path, rng.pick(HOSTILE_TIMES), 'hostile time');
      return true;
    },
  },
  {
    name: 'hostile-key',
    weight: 4,
    applies: hasJsonBody,
    apply(d, rng, ctx) {
      const n = pickNode(d, rng, (v, p) => isObject(v) && isRecord(schemaAt(d.op.body, p, ctx.doc)));
      if (n === undefined) return false;
      const obj = n.value as Record<string, unknown>;
      const keys = Object.keys(obj);
      const key = rng.chance(0.5) ? rng.pick(HOSTILE_STRINGS) : rng.pick(HOSTILE_TIMES);
      const copy: Record<string, unknown> = {};
      // Rename one key (keeping its value), or add the key with a copy of some value.
      const renamed = keys.length > 0 && rng.chance(0.5) ? rng.pick(keys) : undefined;
      for (const k of keys) if (k !== renamed) setOwn(copy, k, obj[k]);
      setOwn(copy, key, cloneJson(renamed === undefined ? (keys.length > 0 ? obj[rng.pick(keys)] : 1) : obj[renamed]));
      d.body = replaceAt(d.body, n.path, copy);
      d.notes.push(`body.${formatPath(n.path)}: key ${describeValue(key)} ${renamed === undefined ? 'added' : `instead of ${renamed}`}`);
      if (n.path.at(-1) === 'collateral') flag(d, 'currency-unknown', 'body', [...n.path, key], key);
      return true;
    },
  },
  {
    name: 'array-shape',
    weight: 4,
    applies: (d) => hasJsonBody(d) && nodesOf(d.body).some((n) => Array.isArray(n.value)),
    apply(d, rng) {
      const n = pickNode(d, rng, (v) => Array.isArray(v));
      if (n === undefined) return false;
      const arr = n.value as unknown[];
      const first = arr[0];
      const variants: [string, () => unknown][] = [
        ['empty array', () => []],
        ['item repeated', () => Array.from({ length: rng.int(2, 40) }, () => cloneJson(first ?? 1))],
        ['nested array', () => [arr]],
        ['1,000 items', () => Array.from({ length: 1_000 }, () => cloneJson(first ?? 1))],
        ['null item', () => [...arr, null]],
      ];
      const [what, make] = rng.pick(variants);
      const value = make();
      d.body = replaceAt(d.body, n.path, value);
      d.notes.push(`body.${formatPath(n.path)} ← ${what}`);
      return true;
    },
  },
  {
    name: 'duplicate-key',
    weight: 2,
    applies: (d) => hasJsonBody(d) && isObject(d.body) && Object.keys(d.body).length > 0,
    apply(d, rng) {
      const text = toJsonText(d.body);
      const key = rng.pick(Object.keys(d.body as object));
      const value = rng.pick<unknown>(['x', -1, null, 1e308, [], {}]);
      const dup = `${JSON.stringify(key)}:${toJsonText(value)}`;
      const last = rng.chance(0.5);
      d.bodyText = last ? `${text.slice(0, -1)},${dup}}` : `{${dup},${text.slice(1)}`;
      d.notes.push(`body: key ${key} repeated ${last ? 'after' : 'before'} the original with ${describeValue(value)}`);
      return true;
    },
  },
  {
    name: 'malformed-json',
    weight: 6,
    applies: (d) => d.op.body !== undefined,
    apply(d, rng) {
      const valid = d.hasBody ? (d.bodyText ?? toJsonText(d.body)) : '{}';
      const choice = rng.int(0, 2);
      const text = choice === 0 ? rng.pick(MALFORMED_JSON) : choice === 1 ? valid.slice(0, rng.int(0, Math.max(0, valid.length - 1))) : `${valid}${rng.pick([',', '}', ' x', 'null', '\u0000'])}`;
      d.hasBody = true;
      d.bodyText = text;
      d.contentType = 'application/json';
      d.notes.push(`body text ← ${describeValue(text)} (malformed JSON)`);
      return true;
    },
  },
  {
    name: 'oversized-body',
    weight: 1,
    applies: (d) => d.op.body !== undefined,
    apply(d, rng, ctx) {
      const over = ctx.bodyLimit + rng.int(1, 64 * 1024);
      const base = isObject(d.body) ? d.body : {};
      const padded = cloneJson(base);
      setOwn(padded, 'padding', longString(over));
      d.hasBody = true;
      d.bodyText = rng.chance(0.5) ? toJsonText(padded) : `${' '.repeat(over)}${toJsonText(base)}`;
      d.contentType = 'application/json';
      d.notes.push(`body padded to ${d.bodyText.length} bytes (over the ${ctx.bodyLimit}-byte limit)`);
      return true;
    },
  },
  {
    name: 'wrong-content-type',
    weight: 4,
    applies: (d) => d.op.body !== undefined && d.hasBody,
    apply(d, rng) {
      const odd = ['APPLICATION/JSON', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'application/json;;', 'application/json, text/plain'];
      d.contentType = rng.chance(0.75) ? rng.pick(WRONG_CONTENT_TYPES) : rng.pick(odd);
      d.notes.push(`content-type ← ${d.contentType}`);
      return true;
    },
  },
  {
    name: 'no-content-type',
    weight: 1,
    applies: (d) => d.op.body !== undefined && d.hasBody,
    apply(d) {
      d.contentType = undefined;
      d.notes.push('no content-type');
      return true;
    },
  },
  {
    name: 'no-body',
    weight: 2,
    applies: (d) => d.op.body !== undefined && d.hasBody,
    apply(d, rng) {
      d.hasBody = false;
      d.bodyText = undefined;
      if (rng.chance(0.5)) d.contentType = undefined;
      d.notes.push(`no body${d.contentType === undefined ? ', no content-type' : ''}`);
      return true;
    },
  },
  {
    name: 'non-object-body',
    weight: 3,
    applies: hasJsonBody,
    apply(d, rng) {
      const value = rng.pick<unknown>([[], 'x', 1, null, true, [d.body], 1e308]);
      d.body = value;
      d.notes.push(`body ← ${describeValue(value)}`);
      return true;
    },
  },
  {
    name: 'deep-nesting',
    weight: 1,
    applies: hasJsonBody,
    apply(d, rng) {
      const depth = rng.pick([1_000, 20_000, 100_000]);
      const deep = new RawJson(rng.chance(0.5) ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
      const n = pickNode(d, rng, () => true) ?? { path: [], value: d.body };
      d.body = replaceAt(d.body, n.path, deep);
      d.notes.push(`body.${formatPath(n.path)} ← nesting ${depth} deep`);
      return true;
    },
  },
];

// ---- path ---------------------------------------------------------------------------------------------------------

const RAW_PARAM_VALUES = ['..', '.', '%', '%zz', '%00', '%2F', 'a/b', '', 'a?b=c', 'a#b', 'a%20b', '%E2%80%AE', '%ED%A0%80', ';', 'a;b', '%2e%2e', '*', '%C0%AE'];

const pathMutators: Mutator[] = [
  {
    name: 'param-hostile',
    weight: 6,
    applies: (d) => d.op.pathParams.length > 0 && d.pathOverride === undefined,
    apply(d, rng) {
      const p = rng.pick(d.op.pathParams);
      const value = rng.weighted<() => string>([
        [() => rng.pick(HOSTILE_STRINGS), 6],
        [() => 'a'.repeat(rng.int(100, 128)), 2],
        [() => longString(rng.int(129, 2_000), 'b'), 1],
        [() => rng.pick(NUMBER_STRINGS), 1],
        [() => rng.pick(['no-such-thing', 'A1', 'a1 ', 'a1.', '0', '-1', 'a1:a1']), 2],
      ])();
      d.params[p.name] = value;
      d.notes.push(`params.${p.name} ← ${describeValue(value)}`);
      return true;
    },
  },
  {
    name: 'param-raw',
    weight: 3,
    applies: (d) => d.op.pathParams.length > 0 && d.pathOverride === undefined,
    apply(d, rng) {
      const p = rng.pick(d.op.pathParams);
      const value = rng.pick(RAW_PARAM_VALUES);
      d.params[p.name] = value;
      d.rawParams.add(p.name);
      d.notes.push(`params.${p.name} ← ${describeValue(value)} (verbatim, not encoded)`);
      return true;
    },
  },
  {
    name: 'wrong-method',
    weight: 2,
    applies: () => true,
    apply(d, rng, ctx) {
      const have = new Set(ctx.operations.filter((o) => o.template === d.op.template).map((o) => o.method));
      if (have.has('GET')) have.add('HEAD'); // fastify answers HEAD for every GET route
      const others = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'].filter((m) => !have.has(m));
      if (others.length === 0) return false;
      d.method = rng.pick(others);
      d.mustReject.push(`${d.method} is not an operation of ${d.op.template}`);
      d.notes.push(`method ← ${d.method}`);
      return true;
    },
  },
  {
    name: 'path-variant',
    weight: 1,
    applies: () => true,
    apply(d, rng) {
      const filled = d.op.template.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeSafe(d.params[name] ?? '') ?? 'x');
      const variant = rng.pick([`${filled}/`, filled.toUpperCase(), `/${filled}`, `/api${filled}`, `${filled}/..`, `${filled}%2F`, `${filled}/x`, `${filled};x`]);
      d.pathOverride = variant;
      d.unknown.push('a path the document does not list');
      d.notes.push(`path ← ${variant}`);
      return true;
    },
  },
];

// ---- query --------------------------------------------------------------------------------------------------------

const hasQuery = (d: DraftRequest): boolean => d.op.queryParams.length > 0 && d.rawQuery === undefined;

function setQuery(d: DraftRequest, name: string, value: string, note: string): void {
  d.query = [...d.query.filter(([k]) => k !== name), [name, value]];
  d.notes.push(`query.${name} ← ${describeValue(value)} (${note})`);
}

const queryMutators: Mutator[] = [
  {
    name: 'query-wrong-value',
    weight: 6,
    applies: hasQuery,
    apply(d, rng) {
      const p = rng.pick(d.op.queryParams);
      const value = rng.weighted<() => string>([
        [() => rng.pick(NUMBER_STRINGS), 3],
        [() => rng.pick(['1e308', '-1', '0', '2.5', '9007199254740993', '-0', '1001', '999999999999', '5e-324', '00010']), 3],
        [() => rng.pick(HOSTILE_STRINGS), 3],
        [() => longString(rng.pick([300, 5_000])), 1],
      ])();
      setQuery(d, p.name, value, 'wrong value');
      return true;
    },
  },
  {
    name: 'query-drop',
    weight: 3,
    applies: (d) => hasQuery(d) && d.query.length > 0,
    apply(d, rng) {
      const required = d.op.queryParams.filter((p) => p.required && d.query.some(([k]) => k === p.name)).map((p) => p.name);
      const name = required.length > 0 && rng.chance(0.7) ? rng.pick(required) : rng.pick(d.query)[0];
      d.query = d.query.filter(([k]) => k !== name);
      d.notes.push(`query.${name} removed`);
      return true;
    },
  },
  {
    name: 'query-duplicate',
    weight: 2,
    applies: (d) => hasQuery(d) && d.query.length > 0,
    apply(d, rng) {
      const [k, v] = rng.pick(d.query);
      const again = rng.chance(0.5) ? v : rng.pick(['x', '1', '', 'sell']);
      d.query = [...d.query, [k, again]];
      d.notes.push(`query.${k} repeated (${describeValue(again)})`);
      return true;
    },
  },
  {
    name: 'query-extra',
    weight: 2,
    applies: (d) => d.rawQuery === undefined,
    apply(d, rng) {
      const [k, v] = rng.pick<[string, string]>([
        ['extra', '1'],
        ['__proto__', 'x'],
        ['constructor', 'x'],
        ['limit[]', '1'],
        ['key', 'cmk_0000000000000000_nope'],
        ['', 'x'],
        ["'; DROP TABLE audit_log;--", '1'],
      ]);
      d.query = [...d.query, [k, v]];
      d.notes.push(`query: extra ${describeValue(k)}=${describeValue(v)}`);
      return true;
    },
  },
  {
    name: 'query-raw',
    weight: 2,
    applies: () => true,
    apply(d, rng) {
      const base = d.query.map(([k, v]) => `${encodeSafe(k) ?? 'x'}=${encodeSafe(v) ?? 'x'}`).join('&');
      const junk = rng.pick(['%zz', 'a=%', '&&&', '=', '&=&', 'x=%00', '%E0%A4%A', `${'q'.repeat(20_000)}=1`, 'a[b]=1', 'side=buy;side=sell', '+=+', '%2B%2B=%2B']);
      d.rawQuery = base === '' ? junk : rng.chance(0.5) ? `${base}&${junk}` : `${junk}&${base}`;
      d.notes.push(`query string ← ${describeValue(d.rawQuery)} (verbatim)`);
      return true;
    },
  },
  {
    name: 'query-hostile-instrument',
    weight: 5,
    applies: (d) => hasQuery(d) && d.op.queryParams.some((p) => p.name === 'instrument'),
    apply(d, rng) {
      const h = rng.pick(HOSTILE_INSTRUMENTS);
      setQuery(d, 'instrument', h.name, `${h.tag} instrument`);
      flag(d, INSTRUMENT_TAGS[h.tag], 'query', ['instrument'], h.name);
      return true;
    },
  },
  {
    name: 'query-hostile-time',
    weight: 2,
    applies: (d) => hasQuery(d) && d.op.queryParams.some((p) => p.name === 'since'),
    apply(d, rng) {
      setQuery(d, 'since', rng.pick(HOSTILE_TIMES), 'hostile time');
      return true;
    },
  },
];

export const MUTATORS: readonly Mutator[] = [...bodyMutators, ...pathMutators, ...queryMutators];

/** Applies `count` mutators (weighted among those that apply); returns the names applied. */
export function mutate(d: DraftRequest, count: number, rng: Prng, ctx: MutationContext, mutators: readonly Mutator[] = MUTATORS): string[] {
  const applied: string[] = [];
  for (let i = 0; i < count; i++) {
    const candidates = mutators.filter((m) => m.applies(d));
    if (candidates.length === 0) break;
    const m = rng.weighted(candidates.map((c) => [c, c.weight] as const));
    if (m.apply(d, rng, ctx)) applied.push(m.name);
  }
  return applied;
}
