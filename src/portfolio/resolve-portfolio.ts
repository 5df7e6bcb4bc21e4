import { CrossmarginError } from '../core/errors.js';
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
  /**
   * A position of the book (`positions`, `openOrders`), or collateral held as a spot position (for models that value
   * collateral under their scenarios: `collateral.<currency>`).
   */
  readonly role: 'position' | 'collateral';
  /** Average entry price of a future or perpetual, in its quote (portfolio-schema.ts); undefined when not given. */
  readonly entryPrice?: number;
}

export interface ResolvedPortfolio {
  readonly account: string;
  readonly currency: string;
  readonly mode: 'cross' | 'isolated';
  readonly positions: readonly ResolvedPosition[];
  readonly collateral: Readonly<Record<string, number>>;
  /** Resting orders (signed contracts, + buy), when the file lists any; `field` is `openOrders.<i>.instrument`. */
  readonly openOrders?: readonly ResolvedPosition[];
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
  options: { readonly collateralAsPositions?: boolean } = {},
): ResolvedPortfolio {
  const file: PortfolioFile = parseWithSchema(PortfolioFileSchema, input, source);
  const prefix = source === undefined ? '' : `${source}: `;
  const positions = file.positions.map((p, i): ResolvedPosition => {
    const field = `positions.${i}.instrument`;
    const known = typeof p.instrument === 'string' ? catalogue?.get(p.instrument) : undefined;
    const spec = known ?? resolveInstrument(p.instrument, prefix + field);
    if (p.entryPrice !== undefined && spec.kind !== 'future' && spec.kind !== 'perpetual') {
      // An option's premium and a spot holding's value are in equity in full: an entry price would count them twice.
      throw new CrossmarginError('SCHEMA_INVALID', `${prefix}positions.${i}.entryPrice: an entry price applies to futures and perpetuals, not to ${spec.kind} ${spec.symbol}`, {
        field: `positions.${i}.entryPrice`,
      });
    }
    return { instrument: table.add(spec, prefix + field), quantity: p.quantity, field, role: 'position', ...(p.entryPrice === undefined ? {} : { entryPrice: p.entryPrice }) };
  });
  if (options.collateralAsPositions === true) positions.push(...collateralPositions(file, table, prefix));
  const openOrders = (file.openOrders ?? []).map((o, i): ResolvedPosition => {
    const field = `openOrders.${i}.instrument`;
    const known = typeof o.instrument === 'string' ? catalogue?.get(o.instrument) : undefined;
    return { instrument: table.add(known ?? resolveInstrument(o.instrument, prefix + field), prefix + field), quantity: o.quantity, field, role: 'position' };
  });
  return { account: file.account, currency: file.currency, mode: file.mode, positions, collateral: file.collateral, ...(openOrders.length > 0 ? { openOrders } : {}), source };
}

/**
 * Collateral as spot holdings (DESIGN.md: "Collateral is part of the book"), so scenario models value it under
 * every scenario and a coin-margined account is stressed on both sides. The account currency is left out: its
 * value in itself never moves. A currency without an underlying in the market (USDC) is held at its fx rate.
 */
function collateralPositions(file: PortfolioFile, table: InstrumentTable, prefix: string): ResolvedPosition[] {
  return Object.entries(file.collateral)
    .filter(([currency, amount]) => currency !== file.currency && amount !== 0)
    .map(([currency, amount]) => {
      const field = `collateral.${currency}`;
      return { instrument: table.add(resolveInstrument(currency, prefix + field), prefix + field), quantity: amount, field, role: 'collateral' };
    });
}

/** Reads and resolves a portfolio file (FILE_NOT_FOUND / JSON_MALFORMED name the path). */
export function loadPortfolio(path: string, table: InstrumentTable): ResolvedPortfolio {
  return resolvePortfolio(readJsonFile(path), table, path);
}
