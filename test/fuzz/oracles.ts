import { ERROR_CATALOGUE } from '../../src/core/errors.js';
import { validate, type JsonSchema } from './json-schema.js';

/** What a failure is about; one `it` of the suite per kind. */
export type FindingKind =
  /** A 5xx answer, a request that threw out of inject, or one that did not finish in time. */
  | 'server-error'
  /** An error answer that is not `{code, message, field?, details?}` with a catalogue code (and its status). */
  | 'error-shape'
  /** A stack trace, a file path, a database error text or a raw internal message in an answer. */
  | 'leak'
  /** A non-2xx answer after which the store or the engine differs. */
  | 'state-changed'
  /** A request the OpenAPI document does not allow (or a method the path does not have) answered 2xx. */
  | 'accepted-invalid'
  /** A request without a valid key, or with a role that may not do it, answered 2xx. */
  | 'accepted-unauthorised'
  /** A value the domain cannot take (expired or unknown instrument, unpriced currency, absurd number) answered 2xx. */
  | 'accepted-hostile'
  /** A 2xx answer with a non-finite number, not JSON, or not matching the documented response schema. */
  | 'bad-success-body'
  /** After a 2xx change, a read of the changed state broke (5xx, leak, bad error body). */
  | 'broken-after-change'
  /** The exact retry of an accepted change (same idempotency key and content) was not a 2xx that changed nothing. */
  | 'not-idempotent'
  /** The store no longer restores an engine (a restart of the service would fail), or restores other accounts. */
  | 'not-restorable';

export const FINDING_KINDS: readonly FindingKind[] = [
  'server-error',
  'error-shape',
  'leak',
  'state-changed',
  'accepted-invalid',
  'accepted-unauthorised',
  'accepted-hostile',
  'bad-success-body',
  'broken-after-change',
  'not-idempotent',
  'not-restorable',
];

export interface Finding {
  readonly kind: FindingKind;
  /** Short, stable description used to group findings into classes (no request-specific values). */
  readonly what: string;
  readonly detail: string;
}

export interface Answer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly body: string;
}

/**
 * Internals that must never reach a client. Fuzz inputs are chosen not to contain any of these, so an input echoed
 * in a message is not mistaken for a leak.
 */
const LEAK_PATTERNS: readonly (readonly [RegExp, string])[] = [
  [/\n\s*at\s+\S/, 'stack trace'],
  [/\bat\s+(?:async\s+)?[\w$.<>[\]]*\s*\(?(?:file:\/\/|\/[\w.-]+\/|[A-Za-z]:\\)/, 'stack frame'],
  [/node_modules/, 'node_modules path'],
  [/\/work\//, 'repository path'],
  [/file:\/\//, 'file URL'],
  [/\.(?:ts|js|mjs|cjs):\d+/, 'source line reference'],
  [/SqliteError|SQLITE_[A-Z]/, 'SQLite error'],
  [
    /PostgreSQL:|duplicate key value violates|violates (?:unique|foreign key|check|not-null) constraint|syntax error at or near|relation "[^"]*" does not exist|column "[^"]*" (?:does not exist|of relation)|invalid input syntax for type|invalid byte sequence for encoding|current transaction is aborted|value too long for type|numeric field overflow|out of range for type|null value in column/,
    'PostgreSQL error',
  ],
  [/Internal error: /, 'raw internal message'],
  [/Cannot read propert|is not a function\b|Maximum call stack size|undefined is not |\b(?:TypeError|RangeError|ReferenceError)\b/, 'JavaScript exception text'],
];

export function findLeaks(text: string): string[] {
  return LEAK_PATTERNS.filter(([re]) => re.test(text)).map(([, name]) => name);
}

const CODES = new Set(Object.keys(ERROR_CATALOGUE));
const ALLOWED_ERROR_KEYS = new Set(['code', 'message', 'field', 'details']);
/** Codes fastify's own client errors are mapped to: they keep fastify's status (413, 415, 429, ...). */
const STATUS_FREE_CODES = new Set(['USAGE_INVALID', 'JSON_MALFORMED']);

function snippet(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
}

/** Checks one answer that is an error (status ≥ 400). */
export function checkErrorBody(answer: Answer): Finding[] {
  const status = answer.statusCode;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return [{ kind: 'error-shape', what: `${status} body is not JSON`, detail: snippet(answer.body) }];
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [{ kind: 'error-shape', what: `${status} body is not an object`, detail: snippet(answer.body) }];
  const b = body as Record<string, unknown>;
  const out: Finding[] = [];
  const code = b['code'];
  if (typeof code !== 'string' || !CODES.has(code)) {
    if (status !== 429) out.push({ kind: 'error-shape', what: `${status} code ${JSON.stringify(code)} is not in ERROR_CATALOGUE`, detail: snippet(answer.body) });
    return out;
  }
  if (typeof b['message'] !== 'string') out.push({ kind: 'error-shape', what: `${status} ${code}: message is not a string`, detail: snippet(answer.body) });
  if (b['field'] !== undefined && typeof b['field'] !== 'string') out.push({ kind: 'error-shape', what: `${status} ${code}: field is not a string`, detail: snippet(answer.body) });
  if (b['details'] !== undefined && (typeof b['details'] !== 'object' || b['details'] === null || Array.isArray(b['details']))) {
    out.push({ kind: 'error-shape', what: `${status} ${code}: details is not an object`, detail: snippet(answer.body) });
  }
  const extra = Object.keys(b).filter((k) => !ALLOWED_ERROR_KEYS.has(k));
  if (extra.length > 0) out.push({ kind: 'error-shape', what: `${status} ${code}: extra keys ${extra.join(', ')}`, detail: snippet(answer.body) });
  const expected = ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE].httpStatus;
  if (!STATUS_FREE_CODES.has(code) && expected !== status) {
    out.push({ kind: 'error-shape', what: `${code} answered with status ${status}, catalogue says ${expected}`, detail: snippet(answer.body) });
  }
  return out;
}

/** Paths of numbers that are not finite in a parsed JSON value (only a number literal beyond ±1.8e308 parses so). */
export function nonFiniteNumbers(value: unknown, path = '', out: string[] = []): string[] {
  if (typeof value === 'number' && !Number.isFinite(value)) out.push(path === '' ? '(root)' : path);
  else if (Array.isArray(value)) value.forEach((v, i) => nonFiniteNumbers(v, `${path}${path === '' ? '' : '.'}${i}`, out));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) nonFiniteNumbers(v, `${path}${path === '' ? '' : '.'}${k}`, out);
  return out;
}

/** Checks a 2xx answer: JSON (when it says so), finite numbers, and the documented response schema. */
export function checkSuccessBody(answer: Answer, schema: JsonSchema | undefined, doc: unknown): Finding[] {
  const type = String(answer.headers['content-type'] ?? '');
  if (!type.includes('json')) return [];
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return [{ kind: 'bad-success-body', what: `${answer.statusCode} body is not JSON`, detail: snippet(answer.body) }];
  }
  const out: Finding[] = [];
  const bad = nonFiniteNumbers(body);
  if (bad.length > 0) out.push({ kind: 'bad-success-body', what: 'non-finite number', detail: `at ${bad.slice(0, 5).join(', ')}` });
  if (schema !== undefined) {
    const violations = validate(schema, body, { root: doc });
    if (violations.length > 0) {
      out.push({
        kind: 'bad-success-body',
        what: `does not match the documented ${answer.statusCode} schema`,
        detail: violations
          .slice(0, 5)
          .map((v) => `${v.path}: ${v.rule}`)
          .join('; '),
      });
    }
  }
  return out;
}

/** The checks every answer gets: no 5xx, coded error bodies, no leaks. */
export function checkAnswer(answer: Answer): Finding[] {
  const out: Finding[] = [];
  if (answer.statusCode >= 500) out.push({ kind: 'server-error', what: `status ${answer.statusCode}`, detail: snippet(answer.body) });
  if (answer.statusCode >= 400) out.push(...checkErrorBody(answer));
  const leaks = findLeaks(answer.body);
  if (leaks.length > 0) out.push({ kind: 'leak', what: leaks.join(', '), detail: snippet(answer.body, 600) });
  return out;
}
