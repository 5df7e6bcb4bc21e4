import { CrossmarginError, type ErrorContext } from '../core/errors.js';

/**
 * What went wrong in the store, independent of the catalogue code it maps to. The catalogue has no store codes yet,
 * so the mapping lives here, in one place: when NOT_FOUND (404) / CONFLICT (409) codes are added, only this changes.
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
