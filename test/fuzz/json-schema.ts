import type { Prng } from './prng.js';

/**
 * The subset of JSON Schema (OpenAPI 3.0 flavour, as @fastify/swagger writes it from the zod schemas) the fuzzer
 * reads: enough to build a valid example of a body, a query string or path parameters, and to tell whether a
 * mutated request still conforms to the document.
 */
export interface JsonSchema {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly propertyNames?: JsonSchema;
  readonly items?: JsonSchema | readonly JsonSchema[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  /** OpenAPI 3.0: a boolean modifying minimum; JSON Schema 2019+: the bound itself. */
  readonly exclusiveMinimum?: boolean | number;
  readonly exclusiveMaximum?: boolean | number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly allOf?: readonly JsonSchema[];
  readonly default?: unknown;
  readonly nullable?: boolean;
}

/** A path into a value: property names and array indexes. */
export type ValuePath = readonly (string | number)[];

export function formatPath(path: ValuePath): string {
  return path.length === 0 ? '(root)' : path.join('.');
}

/** Follows `#/components/schemas/...` references of the OpenAPI document. */
export function resolveSchema(schema: JsonSchema, root: unknown): JsonSchema {
  let current = schema;
  for (let depth = 0; current.$ref !== undefined && depth < 32; depth++) {
    const parts = current.$ref.replace(/^#\//, '').split('/');
    let node: unknown = root;
    for (const part of parts) node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (node === undefined || typeof node !== 'object') return {};
    current = node as JsonSchema;
  }
  return current;
}

function types(schema: JsonSchema): readonly string[] | undefined {
  if (schema.type === undefined) return undefined;
  return typeof schema.type === 'string' ? [schema.type] : schema.type;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface Violation {
  readonly path: string;
  readonly rule: string;
}

export interface ValidateOptions {
  /** The OpenAPI document, for $ref. */
  readonly root?: unknown;
  /**
   * Query strings and path parameters arrive as strings; the service coerces them (zod `z.coerce.number()`:
   * `Number(text)`, finite) where the schema says number or integer.
   */
  readonly coerce?: boolean;
}

/**
 * Where `value` breaks `schema`. Deliberately *certain* rather than complete: it reports only what the document
 * states (a violation here means the service must refuse the request), and is lenient where the document cannot
 * say (oneOf counted as anyOf, unknown formats accepted). zod refinements the document does not show (a non-zero
 * quantity, ascending strikes) are not known here; the service may refuse more than this reports.
 */
export function validate(schema: JsonSchema, value: unknown, options: ValidateOptions = {}, path: ValuePath = []): Violation[] {
  const s = resolveSchema(schema, options.root);
  const out: Violation[] = [];
  const at = formatPath(path);
  const fail = (rule: string): Violation[] => {
    out.push({ path: at, rule });
    return out;
  };

  if (s.allOf !== undefined) for (const sub of s.allOf) out.push(...validate(sub, value, options, path));
  const branches = s.anyOf ?? s.oneOf;
  if (branches !== undefined && branches.length > 0) {
    const fits = branches.some((sub) => validate(sub, value, options, path).length === 0);
    if (!fits) fail(`matches none of ${branches.length} alternatives`);
  }
  if (value === null) {
    if (s.nullable === true || types(s)?.includes('null') === true) return out;
    if (types(s) !== undefined || s.enum !== undefined) return fail('null');
    return out;
  }
  if (s.enum !== undefined && !s.enum.some((e) => e === value)) return fail(`not one of ${JSON.stringify(s.enum)}`);
  if (s.const !== undefined && s.const !== value) return fail(`not ${JSON.stringify(s.const)}`);

  const t = types(s);
  if (t === undefined) return out;
  if (t.includes('number') || t.includes('integer')) {
    let n: number | undefined;
    if (typeof value === 'number') n = value;
    else if (options.coerce === true && typeof value === 'string') n = Number(value);
    if (n !== undefined) {
      if (!Number.isFinite(n)) return fail('not a finite number');
      if (t.includes('integer') && !t.includes('number') && !Number.isInteger(n)) return fail('not an integer');
      checkNumber(s, n, fail);
      return out;
    }
    if (t.length === 1 || (t.length === 2 && t.includes('number') && t.includes('integer'))) return fail(`expected ${t.join('|')}, got ${describeType(value)}`);
  }
  if (t.includes('string') && typeof value === 'string') {
    if (s.minLength !== undefined && value.length < s.minLength) return fail(`shorter than ${s.minLength}`);
    if (s.maxLength !== undefined && value.length > s.maxLength) return fail(`longer than ${s.maxLength}`);
    if (s.pattern !== undefined && !new RegExp(s.pattern).test(value)) return fail(`does not match ${s.pattern}`);
    return out;
  }
  if (t.includes('boolean') && typeof value === 'boolean') return out;
  if (t.includes('boolean') && options.coerce === true) return out; // coercion rules unknown: lenient
  if (t.includes('array') && Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems) return fail(`fewer than ${s.minItems} items`);
    if (s.maxItems !== undefined && value.length > s.maxItems) return fail(`more than ${s.maxItems} items`);
    const items = s.items;
    if (items !== undefined) {
      value.forEach((item, i) => {
        const sub = Array.isArray(items) ? (items as readonly JsonSchema[])[i] : (items as JsonSchema);
        if (sub !== undefined) out.push(...validate(sub, item, options, [...path, i]));
      });
    }
    return out;
  }
  if (t.includes('object') && isPlainObject(value)) {
    for (const key of s.required ?? []) if (!Object.hasOwn(value, key)) out.push({ path: formatPath([...path, key]), rule: 'required' });
    for (const [key, v] of Object.entries(value)) {
      const prop = s.properties?.[key];
      if (prop !== undefined && Object.hasOwn(s.properties ?? {}, key)) {
        out.push(...validate(prop, v, options, [...path, key]));
        continue;
      }
      if (s.additionalProperties === false) out.push({ path: formatPath([...path, key]), rule: 'unknown property' });
      else if (typeof s.additionalProperties === 'object') {
        if (s.propertyNames !== undefined) out.push(...validate(s.propertyNames, key, options, [...path, key]).map((x) => ({ ...x, rule: `property name ${x.rule}` })));
        out.push(...validate(s.additionalProperties, v, options, [...path, key]));
      }
    }
    return out;
  }
  return fail(`expected ${t.join('|')}, got ${describeType(value)}`);
}

function checkNumber(s: JsonSchema, n: number, fail: (rule: string) => unknown): void {
  if (s.minimum !== undefined) {
    if (s.exclusiveMinimum === true ? !(n > s.minimum) : !(n >= s.minimum)) fail(`below minimum ${s.minimum}${s.exclusiveMinimum === true ? ' (exclusive)' : ''}`);
  }
  if (typeof s.exclusiveMinimum === 'number' && !(n > s.exclusiveMinimum)) fail(`not above ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined) {
    if (s.exclusiveMaximum === true ? !(n < s.maximum) : !(n <= s.maximum)) fail(`above maximum ${s.maximum}${s.exclusiveMaximum === true ? ' (exclusive)' : ''}`);
  }
  if (typeof s.exclusiveMaximum === 'number' && !(n < s.exclusiveMaximum)) fail(`not below ${s.exclusiveMaximum}`);
}

export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Supplies a domain-aware valid value for a place in a request (an instrument name, the next market time, an
 * account id), or undefined to let the schema decide. `where` is `body`, `query` or `params`.
 */
export type ValueHint = (where: string, path: ValuePath, schema: JsonSchema) => unknown;

export interface GenerateOptions {
  readonly root?: unknown;
  readonly hint?: ValueHint;
  readonly where: string;
  /** Chance of including each optional property. */
  readonly optionalRate?: number;
}

const STRING_CANDIDATES = ['a1', 'BTC', 'abc', 'x', '0', '1', 'BTC,ETH', '0.1', 'buy', 'A', 'a-b_c.d'];

/** A value that conforms to `schema` (a hint first, then the schema's own rules), or undefined if none was found. */
export function generate(schema: JsonSchema, rng: Prng, options: GenerateOptions, path: ValuePath = [], depth = 0): unknown {
  const s = resolveSchema(schema, options.root);
  const hinted = options.hint?.(options.where, path, s);
  if (hinted !== undefined) return hinted;
  if (depth > 8) return undefined;
  if (s.const !== undefined) return s.const;
  if (s.enum !== undefined && s.enum.length > 0) return rng.pick(s.enum);
  const branches = s.anyOf ?? s.oneOf;
  if (branches !== undefined && branches.length > 0) return generate(branches[0] as JsonSchema, rng, options, path, depth + 1);
  if (s.allOf !== undefined && s.allOf.length > 0) return generate(Object.assign({}, ...s.allOf) as JsonSchema, rng, options, path, depth + 1);
  const t = types(s)?.find((x) => x !== 'null') ?? (s.properties !== undefined ? 'object' : undefined);
  switch (t) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const required = new Set(s.required ?? []);
      for (const [key, prop] of Object.entries(s.properties ?? {})) {
        if (!required.has(key) && !rng.chance(options.optionalRate ?? 0.5)) continue;
        const v = generate(prop, rng, options, [...path, key], depth + 1);
        if (v !== undefined) out[key] = v;
      }
      if (typeof s.additionalProperties === 'object' && s.properties === undefined) {
        const key = (options.hint?.(options.where, [...path, '*key*'], s) as string | undefined) ?? 'k1';
        const v = generate(s.additionalProperties, rng, options, [...path, key], depth + 1);
        if (v !== undefined) out[key] = v;
      }
      return out;
    }
    case 'array': {
      const items = Array.isArray(s.items) ? undefined : (s.items as JsonSchema | undefined);
      const n = Math.max(s.minItems ?? 0, rng.int(s.minItems ?? 0, Math.min((s.minItems ?? 0) + 2, s.maxItems ?? Infinity)), 1);
      if (items === undefined) return [];
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) {
        const v = generate(items, rng, options, [...path, i], depth + 1);
        if (v !== undefined) out.push(v);
      }
      return out;
    }
    case 'integer':
    case 'number': {
      const exclusiveLo = s.exclusiveMinimum === true || typeof s.exclusiveMinimum === 'number';
      const exclusiveHi = s.exclusiveMaximum === true || typeof s.exclusiveMaximum === 'number';
      const lo = typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum : (s.minimum ?? 0);
      const hi = typeof s.exclusiveMaximum === 'number' ? s.exclusiveMaximum : (s.maximum ?? lo + 10);
      if (t === 'integer') {
        const a = Math.ceil(exclusiveLo ? lo + 1e-9 : lo);
        const b = Math.floor(exclusiveHi ? hi - 1e-9 : hi);
        return rng.int(a, Math.max(a, Math.min(b, a + 10)));
      }
      const span = Math.min(hi - lo, 10);
      const x = Math.round((lo + span * (0.05 + 0.9 * rng.float())) * 1e6) / 1e6;
      return (exclusiveLo && x <= lo) || (exclusiveHi && x >= hi) ? lo + span / 2 : x;
    }
    case 'boolean':
      return rng.chance(0.5);
    case 'string': {
      if (s.format === 'date-time') return '2024-06-17T08:00:00Z';
      if (s.format === 'date') return '2024-06-17';
      const fits = (c: string): boolean =>
        (s.pattern === undefined || new RegExp(s.pattern).test(c)) && c.length >= (s.minLength ?? 0) && c.length <= (s.maxLength ?? Infinity);
      const start = rng.int(0, STRING_CANDIDATES.length - 1);
      for (let i = 0; i < STRING_CANDIDATES.length; i++) {
        const c = STRING_CANDIDATES[(start + i) % STRING_CANDIDATES.length] as string;
        if (fits(c)) return c;
      }
      const padded = 'a'.repeat(Math.max(1, s.minLength ?? 1));
      return fits(padded) ? padded : undefined;
    }
    default:
      return rng.chance(0.5) ? 'x' : 1;
  }
}
