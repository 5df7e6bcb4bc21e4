import { parseWithSchema } from '../core/validate.js';
import { InstrumentTable } from '../instruments/instrument-table.js';
import type { MarketHistory } from '../scenarios/history/market-history.js';
import type { MarketSnapshot } from '../market/market-snapshot.js';
import { resolvePortfolio, type ResolvedPortfolio } from '../portfolio/resolve-portfolio.js';
import { CrossmarginError } from '../core/errors.js';
import type { CompiledModel, MarginModel, ModelContext, PreparedRiskParameters } from './margin-model.js';
import { riskUnderlyings } from './scenario-pipeline.js';
import type { MarginResult } from './margin-result.js';
import { getModel } from './model-registry.js';

/** A portfolio document (the DESIGN.md portfolio file, parsed JSON) and where it came from, for messages. */
export interface PortfolioInput {
  readonly document: unknown;
  readonly source?: string;
}

export interface ComputeMarginsOptions {
  /** Model parameters document (a parameters file's JSON); validated by the model's schema. Defaults apply. */
  readonly params?: unknown;
  /** Name of the parameters input for messages (a file path). */
  readonly paramsSource?: string;
  /**
   * Supplies daily history for the given underlyings (history-based models call it once, after resolving the
   * books). The CLI passes a loader over the bundled catalogue and `--history` files; the library leaves I/O to you.
   */
  readonly historyLoader?: (underlyings: readonly string[]) => MarketHistory;
  /** A risk-parameter file document (SPAN risk arrays), for models that read one. */
  readonly riskParameters?: unknown;
  readonly riskParametersSource?: string;
}

/**
 * The library's front door: margins of several portfolios under one model and one market. Instruments are
 * interned across all portfolios and the model is compiled once, so every account shares one revaluation.
 */
export function computeMargins(
  portfolios: readonly PortfolioInput[],
  market: MarketSnapshot,
  modelId: string,
  options: ComputeMarginsOptions = {},
): MarginResult[] {
  const run = prepareModelRun(modelId, options);
  const instruments = new InstrumentTable();
  const resolved: ResolvedPortfolio[] = portfolios.map((p) =>
    resolvePortfolio(p.document, instruments, p.source, run.prepared?.catalogue, { collateralAsPositions: run.model.stressesCollateral === true }),
  );
  const firstField = new Map<number, string>();
  for (const p of resolved) {
    for (const pos of p.positions) {
      if (!firstField.has(pos.instrument)) firstField.set(pos.instrument, p.source === undefined ? pos.field : `${p.source}: ${pos.field}`);
    }
  }
  const compiled = compileModelRun(run, instruments, market, (i) => firstField.get(i) ?? `instruments.${i}`, options);
  return resolved.map((p) => compiled.evaluate(p));
}

/** A model looked up with its parameters validated and its risk-parameter file read: everything but the books. */
export interface ModelRun {
  readonly modelId: string;
  readonly model: MarginModel<unknown>;
  readonly params: unknown;
  readonly prepared: PreparedRiskParameters | undefined;
}

export function prepareModelRun(modelId: string, options: ComputeMarginsOptions): ModelRun {
  const model = getModel(modelId);
  const params = parseWithSchema(model.paramsSchema, options.params ?? {}, options.paramsSource ?? 'params', 'MODEL_PARAMS_INVALID');
  return { modelId, model, params, prepared: prepareRiskParameters(model, modelId, options) };
}

/** Compiles the run's model against the interned instruments of its books and today's market (history loaded when needed). */
export function compileModelRun(run: ModelRun, instruments: InstrumentTable, market: MarketSnapshot, fieldOf: (instrument: number) => string, options: ComputeMarginsOptions): CompiledModel {
  const context: ModelContext = {
    instruments,
    market,
    fieldOf,
    ...(run.prepared === undefined ? {} : { riskParameters: run.prepared.data }),
    ...(run.model.needsHistory === true ? { history: loadHistory(run.modelId, instruments, market, options) } : {}),
  };
  return run.model.compile(run.params, context);
}

function loadHistory(modelId: string, instruments: InstrumentTable, market: MarketSnapshot, options: ComputeMarginsOptions): MarketHistory {
  if (options.historyLoader === undefined) {
    throw new CrossmarginError('HISTORY_INVALID', `model "${modelId}" needs price history: pass a historyLoader (the CLI uses the bundled data and --history)`, {
      field: 'history',
    });
  }
  return options.historyLoader(riskUnderlyings({ instruments, market }));
}

function prepareRiskParameters(model: MarginModel<unknown>, modelId: string, options: ComputeMarginsOptions): PreparedRiskParameters | undefined {
  if (options.riskParameters === undefined) return undefined;
  if (model.prepare === undefined) {
    throw new CrossmarginError('USAGE_INVALID', `model "${modelId}" reads no risk-parameter file`, { field: options.riskParametersSource ?? 'riskParameters' });
  }
  return model.prepare(options.riskParameters, options.riskParametersSource ?? 'risk parameters');
}

/** Margin of one portfolio (see computeMargins). */
export function computeMargin(portfolio: PortfolioInput, market: MarketSnapshot, modelId: string, options: ComputeMarginsOptions = {}): MarginResult {
  return computeMargins([portfolio], market, modelId, options)[0] as MarginResult;
}
