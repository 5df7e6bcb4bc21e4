import { parseWithSchema } from '../core/validate.js';
import type { InstrumentSpec } from '../instruments/instrument-spec.js';
import type { InstrumentTable } from '../instruments/instrument-table.js';
import { resolveInstrument } from '../instruments/resolve-instrument.js';
import { readJsonFile } from '../market/read-input-file.js';
import { PortfolioFileSchema, type PortfolioFile } from './portfolio-schema.js';

export interface ResolvedPosition {
  /** Id in the instrument table the portfolio was resolved against. */
  readonly instrument: number;
  /** Signed contracts, long positive. */
  readonly quantity: number;
  /** Input field for error messages (`positions.2.instrument`). */
  readonly field: string;
}

export interface ResolvedPortfolio {
  readonly account: string;
  readonly currency: string;
  readonly mode: 'cross' | 'isolated';
  readonly positions: readonly ResolvedPosition[];
  readonly collateral: Readonly<Record<string, number>>;
  /** Where the portfolio came from (a file path), for messages. */
  readonly source: string | undefined;
}

/**
 * Validates a portfolio document and interns its instruments into `table`. Errors name the field.
 * `catalogue` holds instruments a risk-parameter file defines (SPAN contracts by symbol): a string instrument
 * found there is taken from it before venue-name parsing is tried.
 */
export function resolvePortfolio(
  input: unknown,
  table: InstrumentTable,
  source?: string,
  catalogue?: ReadonlyMap<string, InstrumentSpec>,
): ResolvedPortfolio {
  const file: PortfolioFile = parseWithSchema(PortfolioFileSchema, input, source);
  const positions = file.positions.map((p, i): ResolvedPosition => {
    const field = `positions.${i}.instrument`;
    const named = source === undefined ? field : `${source}: ${field}`;
    const known = typeof p.instrument === 'string' ? catalogue?.get(p.instrument) : undefined;
    return { instrument: table.add(known ?? resolveInstrument(p.instrument, named), named), quantity: p.quantity, field };
  });
  return { account: file.account, currency: file.currency, mode: file.mode, positions, collateral: file.collateral, source };
}

/** Reads and resolves a portfolio file (FILE_NOT_FOUND / JSON_MALFORMED name the path). */
export function loadPortfolio(path: string, table: InstrumentTable): ResolvedPortfolio {
  return resolvePortfolio(readJsonFile(path), table, path);
}
