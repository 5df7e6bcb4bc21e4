import { formatPath, validate, type ValuePath } from './json-schema.js';
import { RawJson, toJsonText } from './hostile-values.js';
import type { Operation } from './openapi-operations.js';

/** Who sends a request: one of the fixture's keys, or a request without a usable key. */
export type PrincipalKind = 'admin' | 'risk-officer' | 'account-holder' | 'no-key' | 'bad-header' | 'revoked-key';

/** Why a value a mutation put in may have to be refused even though the document allows it. */
export type DomainTag = 'instrument-expired' | 'instrument-unknown-underlying' | 'instrument-malformed' | 'instrument-noncanonical' | 'currency-unknown' | 'number-absurd';

export interface DomainFlag {
  readonly tag: DomainTag;
  readonly location: 'body' | 'query' | 'params';
  readonly path: ValuePath;
  readonly value: unknown;
}

/** A request being built: a valid example first, then mutated in place. */
export interface DraftRequest {
  readonly op: Operation;
  principal: PrincipalKind;
  /** For `bad-header`: the Authorization header sent. */
  authHeader?: string;
  method: string;
  params: Record<string, string>;
  /** Path parameters inserted verbatim (not percent-encoded). */
  rawParams: Set<string>;
  /** The whole path, replacing the template (routes the document does not have). */
  pathOverride?: string;
  query: [string, string][];
  /** The whole query string, verbatim (malformed encodings). */
  rawQuery?: string;
  hasBody: boolean;
  /** JSON value of the body (RawJson nodes written verbatim). */
  body: unknown;
  /** The body text, verbatim, replacing `body`. */
  bodyText?: string;
  contentType: string | undefined;
  /** What the mutations did, in order (shown in failure messages). */
  readonly notes: string[];
  readonly flags: DomainFlag[];
  /** Reasons the request must be refused, known when a mutation made it (a method the path does not have, …). */
  readonly mustReject: string[];
  /** Reasons the document cannot tell whether the request is acceptable. */
  readonly unknown: string[];
}

export interface PreparedRequest {
  readonly draft: DraftRequest;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly payload: string | undefined;
  /** Violations of the OpenAPI document: the request must be refused. */
  readonly violations: readonly string[];
  /** Why the document cannot tell whether the request is acceptable. */
  readonly unknown: readonly string[];
  readonly conformance: 'valid' | 'invalid' | 'unknown';
}

export function newDraft(op: Operation, principal: PrincipalKind): DraftRequest {
  return {
    op,
    principal,
    method: op.method,
    params: {},
    rawParams: new Set(),
    query: [],
    hasBody: false,
    body: undefined,
    contentType: undefined,
    notes: [],
    flags: [],
    mustReject: [],
    unknown: [],
  };
}

/** encodeURIComponent, or undefined for text it cannot encode (lone surrogates). */
export function encodeSafe(text: string): string | undefined {
  try {
    return encodeURIComponent(text);
  } catch {
    return undefined; // lone surrogates
  }
}

const JSON_TYPES = new Set(['application/json', 'application/json;charset=utf-8']);

/** True for content types fastify certainly does not parse as a JSON object. */
function clearlyNotJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const t = contentType.toLowerCase().split(';')[0]?.trim() ?? '';
  return t !== 'application/json' && !t.endsWith('+json');
}

/** Parses a body as fastify does (secure-json-parse: BOM stripped; `__proto__` / `constructor.prototype` refused). */
export function parseJsonBody(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(t);
  } catch {
    return { ok: false, reason: 'body is not valid JSON' };
  }
  if (/"__proto__"\s*:/.test(t) || /"constructor"\s*:\s*\{[^}]*"prototype"\s*:/.test(t)) return { ok: false, reason: 'body has a prototype-poisoning key' };
  return { ok: true, value };
}

/** Turns a draft into what is sent, and says whether it conforms to the document. */
export function prepare(draft: DraftRequest, options: { readonly doc: unknown; readonly bodyLimit: number }): PreparedRequest {
  const { op } = draft;
  const violations: string[] = [];
  const unknown: string[] = [...draft.unknown];

  let path = draft.pathOverride;
  // Off the operation's path (or method) the operation's schemas say nothing: the request is judged by what the
  // mutation knew (DraftRequest.mustReject) and by the generic oracles only.
  const offRoute = path !== undefined || draft.method !== op.method;
  if (offRoute) unknown.push('not the operation as documented (path or method changed)');
  if (path === undefined) {
    path = op.template.replace(/\{([^}]+)\}/g, (_m, name: string) => {
      const value = draft.params[name] ?? '';
      if (draft.rawParams.has(name)) return value;
      return encodeSafe(value) ?? value;
    });
    for (const p of op.pathParams) {
      const value = draft.params[p.name] ?? '';
      if (draft.rawParams.has(p.name) || encodeSafe(value) === undefined) {
        unknown.push(`path parameter ${p.name} sent verbatim`);
        continue;
      }
      if (!offRoute) for (const v of validate(p.schema, value, { root: options.doc, coerce: true })) violations.push(`params.${p.name}: ${v.rule}`);
    }
  }

  let query = '';
  if (draft.rawQuery !== undefined) {
    query = draft.rawQuery;
    unknown.push('query string sent verbatim');
  } else if (draft.query.length > 0) {
    query = draft.query.map(([k, v]) => `${encodeSafe(k) ?? k}=${encodeSafe(v) ?? v}`).join('&');
  }
  if (draft.rawQuery === undefined && !offRoute) {
    const seen: Record<string, string | string[]> = {};
    for (const [k, v] of draft.query) {
      const prev = seen[k];
      seen[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
      if (encodeSafe(k) === undefined || encodeSafe(v) === undefined) unknown.push(`query ${k} has a lone surrogate`);
    }
    for (const p of op.queryParams) {
      const value = seen[p.name];
      if (value === undefined) {
        if (p.required) violations.push(`query.${p.name}: required`);
        continue;
      }
      for (const v of validate(p.schema, value, { root: options.doc, coerce: true })) violations.push(`query.${p.name}: ${v.rule}`);
    }
    const declared = new Set(op.queryParams.map((p) => p.name));
    const extra = Object.keys(seen).filter((k) => !declared.has(k));
    if (extra.length > 0) unknown.push(`query keys the document does not list (${extra.join(', ')})`);
  }

  let payload: string | undefined;
  if (draft.hasBody) payload = draft.bodyText ?? toJsonText(draft.body);
  if (offRoute) {
    // judged by the generic oracles only
  } else if (op.body !== undefined) {
    if (payload === undefined) {
      if (op.bodyRequired) violations.push('body: required');
    } else if (Buffer.byteLength(payload) > options.bodyLimit) {
      violations.push(`body: ${Buffer.byteLength(payload)} bytes, over the ${options.bodyLimit}-byte limit`);
    } else if (clearlyNotJson(draft.contentType)) {
      violations.push(`body: content type ${draft.contentType ?? '(none)'} is not JSON`);
    } else if (!JSON_TYPES.has((draft.contentType ?? '').toLowerCase().replace(/\s+/g, ''))) {
      unknown.push(`content type ${draft.contentType ?? ''}`);
    } else {
      const parsed = parseJsonBody(payload);
      if (!parsed.ok) violations.push(`body: ${parsed.reason}`);
      else for (const v of validate(op.body, parsed.value, { root: options.doc })) violations.push(`body.${v.path}: ${v.rule}`);
    }
  } else if (payload !== undefined) {
    unknown.push('a body on an operation that takes none');
  }

  const headers: Record<string, string> = {};
  if (draft.contentType !== undefined && payload !== undefined) headers['content-type'] = draft.contentType;
  const url = query === '' ? path : `${path}?${query}`;
  const conformance = violations.length > 0 ? 'invalid' : unknown.length > 0 ? 'unknown' : 'valid';
  return { draft, method: draft.method, url, headers, payload, violations, unknown, conformance };
}

/** A copy of a draft to send again (its notes say so); the body is deep-copied. */
export function copyDraft(d: DraftRequest, note: string): DraftRequest {
  return {
    ...d,
    params: { ...d.params },
    rawParams: new Set(d.rawParams),
    query: d.query.map(([k, v]) => [k, v] as [string, string]),
    body: cloneJson(d.body),
    notes: [...d.notes, note],
    flags: [...d.flags],
    mustReject: [...d.mustReject],
    unknown: [...d.unknown],
  };
}

/** A deep copy that keeps RawJson nodes and own `__proto__` keys. */
export function cloneJson<T>(value: T): T {
  if (value instanceof RawJson || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) setOwn(out, k, cloneJson((value as Record<string, unknown>)[k]));
  return out as T;
}

/** `obj[key] = value` as an own property, even for `__proto__`. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Every node of a JSON value with its path (root first). */
export function nodesOf(value: unknown, path: ValuePath = [], out: { path: ValuePath; value: unknown }[] = []): { path: ValuePath; value: unknown }[] {
  out.push({ path, value });
  if (value instanceof RawJson) return out;
  if (Array.isArray(value)) value.forEach((v, i) => nodesOf(v, [...path, i], out));
  else if (typeof value === 'object' && value !== null) for (const k of Object.keys(value)) nodesOf((value as Record<string, unknown>)[k], [...path, k], out);
  return out;
}

/** A copy of `root` with the node at `path` replaced (or, with `remove`, deleted). */
export function replaceAt(root: unknown, path: ValuePath, value: unknown, remove = false): unknown {
  if (path.length === 0) return value;
  const copy = cloneJson(root) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (remove) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else if (Array.isArray(node)) node[last as number] = value;
  else setOwn(node as Record<string, unknown>, String(last), value);
  return copy;
}

export function describeValue(value: unknown): string {
  const text = value instanceof RawJson ? value.text : typeof value === 'string' ? JSON.stringify(value) : toJsonText(value);
  return text.length > 80 ? `${text.slice(0, 77)}…(${text.length} chars)` : text;
}

export { formatPath };
