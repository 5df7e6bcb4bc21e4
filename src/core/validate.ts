import type { z } from 'zod';
import { CrossmarginError, type ErrorCode } from './errors.js';

type Issue = z.core.$ZodIssue;

/** Dotted path of an issue; zod reports an unknown key on its parent object, so the key itself is appended. */
function issueField(issue: Issue): string {
  const path = issue.path.map((p) => String(p));
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0]);
  return path.join('.');
}

function issueMessage(issue: Issue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_key') return `invalid key: ${issue.issues[0]?.message ?? issue.message}`;
  return issue.message;
}

/**
 * Validates `value` against a zod schema (the same schemas guard CLI files and API bodies) and turns the first
 * problem into one coded error naming the field: `portfolio.json: positions.1.quantity: expected number`.
 * `field` is the dotted path (`underlyings.BTC.vol.smiles.0.vols.2`), or the source when the root is wrong.
 */
export function parseWithSchema<S extends z.ZodType>(schema: S, value: unknown, source?: string, code: ErrorCode = 'SCHEMA_INVALID'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue === undefined ? '' : issueField(issue);
  const where = field === '' ? '(root)' : field;
  const message = issue === undefined ? 'invalid' : issueMessage(issue);
  throw new CrossmarginError(code, `${source === undefined ? '' : `${source}: `}${where}: ${message}`, {
    ...(field === '' ? (source === undefined ? {} : { field: source }) : { field }),
    details: {
      ...(source === undefined ? {} : { source }),
      issues: result.error.issues.map((i) => ({ path: issueField(i), message: issueMessage(i) })),
    },
  });
}
