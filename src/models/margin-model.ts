import type { z } from 'zod';
import type { InstrumentTable } from '../instruments/instrument-table.js';
import type { MarketSnapshot } from '../market/market-snapshot.js';
import type { ResolvedPortfolio } from '../portfolio/resolve-portfolio.js';
import type { MarginResult } from './margin-result.js';

/** One documented parameter, for `crossmargin models` and docs/models/. */
export interface ParameterDoc {
  readonly name: string;
  readonly description: string;
  /** Default as JSON text. */
  readonly default: string;
}

/** Everything a model compiles against: the interned instruments of the books it will see, and today's market. */
export interface ModelContext {
  readonly instruments: InstrumentTable;
  readonly market: MarketSnapshot;
  /** Names the input field of an instrument for error messages (`positions.2.instrument`). */
  readonly fieldOf?: (instrumentId: number) => string;
}

/** A compiled model: the typed-array plan (scenario P&L matrix, rates) shared by every account it evaluates. */
export interface CompiledModel {
  evaluate(portfolio: ResolvedPortfolio): MarginResult;
}

/**
 * A margin method: config schema → compile to a plan of typed arrays → evaluate per account.
 * `paramsSchema` validates a parameters file (and API bodies); its defaults are the documented defaults.
 */
export interface MarginModel<P = unknown> {
  readonly id: string;
  /** One line for `crossmargin models`. */
  readonly description: string;
  readonly paramsSchema: z.ZodType<P>;
  readonly parameters: readonly ParameterDoc[];
  compile(params: P, context: ModelContext): CompiledModel;
}
