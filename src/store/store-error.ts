import { CrossmarginError, isCrossmarginError, type ErrorContext } from '../core/errors.js';
import type { StoreBackend } from './store.js';

/**
 * What went wrong in the store, independent of the catalogue code it maps to: not-found → NOT_FOUND (404),
 * conflict → CONFLICT (409), invalid → SCHEMA_INVALID (422), internal → INTERNAL (500). The mapping lives here, in one
 * place, so store code names the kind of failure and never a catalogue code.
 */
export type StoreErrorKind = 'not-found' | 'conflict' | 'invalid' | 'internal';

const CODE_OF_KIND = {
  'not-found': 'NOT_FOUND',
  conflict: 'CONFLICT',
  invalid: 'SCHEMA_INVALID',
  internal: 'INTERNAL',
} as const;

export function storeError(kind: StoreErrorKind, message: string, context: ErrorContext = {}): CrossmarginError {
  return new CrossmarginError(CODE_OF_KIND[kind], `store: ${message}`, {
    ...context,
    details: { ...context.details, storeError: kind },
  });
}

/** Each database's error codes for a violated unique key or foreign key (better-sqlite3's, PostgreSQL's SQLSTATE). */
const CONFLICT_CODES: ReadonlySet<unknown> = new Set(['SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_CONSTRAINT_UNIQUE', '23505']);
const MISSING_REFERENCE_CODES: ReadonlySet<unknown> = new Set(['SQLITE_CONSTRAINT_FOREIGNKEY', '23503']);

const BACKEND_NAME = { sqlite: 'SQLite', postgres: 'PostgreSQL' } as const;

/**
 * A database failure as a coded error. Constraint violations that slipped past the explicit checks (a concurrent
 * writer) become CONFLICT / NOT_FOUND; anything else is INTERNAL. Coded errors pass through unchanged.
 */
export function databaseFailure(error: unknown, backend: StoreBackend): CrossmarginError {
  if (isCrossmarginError(error)) return error;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (CONFLICT_CODES.has(code)) return storeError('conflict', message, { cause: error });
  if (MISSING_REFERENCE_CODES.has(code)) return storeError('not-found', `a referenced record does not exist (${message})`, { cause: error });
  return storeError('internal', `${BACKEND_NAME[backend]}: ${message}`, { cause: error });
}
