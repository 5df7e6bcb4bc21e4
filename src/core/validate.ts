import type { z } from 'zod';
import { CrossmarginError, type ErrorCode } from './errors.js';

/** Dotted field path (`positions.2.quantity`) of a zod issue, prefixed by the input's name when given. */
function issuePath(path: readonly PropertyKey[], source: string | undefined): string {
  const dotted = path.map((p) => String(p)).join('.');
  if (source === undefined) return dotted === '' ? '(root)' : dotted;
  return dotted === '' ? source : `${source}: ${dotted}`;
}

/**
 * Validates `value` against a zod schema (the same schemas guard CLI files and API bodies) and turns the first
 * problem into one coded error that names the field, e.g. `portfolio.json: positions.1.quantity: expected number`.
 */
export function parseWithSchema<S extends z.ZodType>(
  schema: S,
  value: unknown,
  source?: string,
  code: ErrorCode = 'SCHEMA_INVALID',
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issuePath(issue?.path ?? [], source);
  const fieldOnly = issue === undefined ? undefined : issue.path.map((p) => String(p)).join('.');
  throw new CrossmarginError(code, `${field}: ${issue?.message ?? 'invalid'}`, {
    field: fieldOnly === '' ? source : fieldOnly,
    details: { issues: result.error.issues.map((i) => ({ path: i.path.map((p) => String(p)).join('.'), message: i.message })) },
  });
}

/** A finite number (zod's `number` already rejects NaN; this also rejects ±Infinity). */
export function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}
