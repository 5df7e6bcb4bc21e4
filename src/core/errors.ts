/**
 * The one error catalogue of crossmargin (DESIGN.md "Errors").
 *
 * Every failure the engine can report is a `CrossmarginError` with a code from this table. The table fixes the
 * HTTP status the API answers with and the exit code the CLI ends with, so the same bad input gives the same
 * answer on every face. Messages name the offending field or file; `field` carries it machine-readably.
 */

export interface ErrorDefinition {
  /** Human summary of the error class; the thrown message adds the specifics. */
  readonly summary: string;
  /** HTTP status the server answers with. */
  readonly httpStatus: number;
  /** Process exit code the CLI ends with (sysexits-inspired, stable contract). */
  readonly exitCode: number;
  /** When the code is raised, where the summary alone is vague: the docs' error table (docs/architecture.md) shows it. */
  readonly detail?: string;
}

export const ERROR_CATALOGUE = {
  USAGE_INVALID: { summary: 'Invalid command-line usage', httpStatus: 400, exitCode: 2 },
  FILE_NOT_FOUND: { summary: 'Input file not found', httpStatus: 404, exitCode: 3 },
  FILE_UNREADABLE: { summary: 'Input file cannot be read', httpStatus: 400, exitCode: 3, detail: 'a directory, no permission' },
  FILE_UNWRITABLE: { summary: 'Output file cannot be written', httpStatus: 500, exitCode: 3 },
  JSON_MALFORMED: { summary: 'Input is not valid JSON', httpStatus: 400, exitCode: 4 },
  CSV_MALFORMED: { summary: 'CSV input is malformed', httpStatus: 400, exitCode: 4, detail: 'structure or header is wrong, or an option-chain value is unusable' },
  SCHEMA_INVALID: { summary: 'Input does not match its schema', httpStatus: 422, exitCode: 4, detail: 'portfolio, snapshot, request body, dates' },
  INSTRUMENT_NAME_INVALID: { summary: 'Instrument name cannot be parsed', httpStatus: 422, exitCode: 5, detail: 'the name does not follow the grammar (docs/instrument-names.md)' },
  INSTRUMENT_UNKNOWN: { summary: 'Instrument is not known', httpStatus: 422, exitCode: 5, detail: 'e.g. an inverse name on a coin without a known contract size' },
  INSTRUMENT_SPEC_INVALID: { summary: 'Instrument specification is invalid', httpStatus: 422, exitCode: 5, detail: 'or two specs conflict under one symbol' },
  INSTRUMENT_EXPIRED: { summary: 'Instrument has expired at the market date', httpStatus: 422, exitCode: 5, detail: 'it expires at or before the snapshot\'s asOf' },
  INSTRUMENT_NOT_LISTED: {
    summary: 'The venue does not list this instrument (no margin figure is given)',
    httpStatus: 422,
    exitCode: 5,
    detail: 'a venue model (dydx-v4, drift, mango-health) asked to margin an instrument the venue does not list (options); tables say "not listed on this venue"',
  },
  MARKET_UNDERLYING_MISSING: { summary: 'Underlying missing from the market snapshot', httpStatus: 422, exitCode: 6 },
  MARKET_FX_MISSING: { summary: 'Currency conversion rate missing from the market snapshot', httpStatus: 422, exitCode: 6, detail: 'no USD value for a currency that must be converted' },
  MARKET_VOL_MISSING: { summary: 'Volatility missing from the market snapshot', httpStatus: 422, exitCode: 6, detail: 'an option\'s underlying has no vol' },
  MARKET_DATA_INVALID: { summary: 'Market data is invalid', httpStatus: 422, exitCode: 6, detail: 'e.g. no option-chain expiry after asOf, or a snapshot older than the live market' },
  HISTORY_INVALID: { summary: 'Price history is invalid', httpStatus: 422, exitCode: 6, detail: 'price history or panel: bad date order, bad close, no shared date' },
  ACCOUNT_UNMARGINABLE: { summary: 'The account cannot be margined on the current market', httpStatus: 422, exitCode: 6 },
  REDUCE_ONLY: { summary: 'The account is reduce-only: the order would add risk', httpStatus: 422, exitCode: 6 },
  MODEL_UNKNOWN: { summary: 'Margin model is not known', httpStatus: 404, exitCode: 7 },
  MODEL_PARAMS_INVALID: { summary: 'Model parameters are invalid', httpStatus: 422, exitCode: 7 },
  UNAUTHENTICATED: { summary: 'Missing or invalid API key', httpStatus: 401, exitCode: 9 },
  FORBIDDEN: { summary: 'The API key may not do this', httpStatus: 403, exitCode: 9 },
  RATE_LIMITED: { summary: 'Too many requests: wait and retry', httpStatus: 429, exitCode: 9 },
  NOT_FOUND: { summary: 'The record does not exist', httpStatus: 404, exitCode: 8 },
  CONFLICT: { summary: 'The request conflicts with stored state', httpStatus: 409, exitCode: 8 },
  UNAVAILABLE: { summary: 'The cluster did not answer in time (a partition is moving, a worker is gone): retry (a write with the same idempotency key)', httpStatus: 503, exitCode: 10 },
  INTERNAL: { summary: 'Internal error', httpStatus: 500, exitCode: 70, detail: 'a bug or an unexpected failure; anything else that escapes is wrapped as this' },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface ErrorContext {
  /** Dotted path of the offending field (`positions.2.instrument.strike`), or a file path. */
  readonly field?: string;
  /** Anything else a caller may show (row number, allowed values, ...). */
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

export class CrossmarginError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = 'CrossmarginError';
    this.code = code;
    this.field = context.field;
    this.details = context.details;
  }

  get httpStatus(): number {
    return ERROR_CATALOGUE[this.code].httpStatus;
  }

  get exitCode(): number {
    return ERROR_CATALOGUE[this.code].exitCode;
  }

  /** Stable JSON form used by `--json` output and the API error body. */
  toJSON(): { code: ErrorCode; message: string; field?: string; details?: Readonly<Record<string, unknown>> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/** Wraps anything thrown into a catalogue error, so faces only ever deal with `CrossmarginError`. */
export function toCrossmarginError(error: unknown): CrossmarginError {
  if (error instanceof CrossmarginError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new CrossmarginError('INTERNAL', `Internal error: ${message}`, { cause: error });
}

export function isCrossmarginError(error: unknown): error is CrossmarginError {
  return error instanceof CrossmarginError;
}
