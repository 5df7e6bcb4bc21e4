import type { z } from 'zod';
import { CrossmarginError } from '../core/errors.js';
import { parseWithSchema } from '../core/validate.js';
import type { InstrumentSpec } from '../instruments/instrument-spec.js';
import type { CompiledModel, CompileInput, HistoryContext, MarginModel, ModelContext, PreparedRiskParameters } from './margin-model.js';
import type { MarginResult, ModelDetails } from './margin-result.js';

/** What a model needs besides the market and the instruments; computeMargins provides it, the context types it. */
export interface ModelNeeds {
  /** Daily price history of the book's underlyings (VaR family): the context is a `HistoryContext`. */
  readonly history?: boolean;
  /** Collateral valued under the model's scenarios: portfolios carry it as positions of role `collateral`. */
  readonly collateral?: boolean;
}

/** A risk-parameter file a model reads (SPAN arrays): its schema, and what the model makes of a valid file. */
export interface RiskFile<F, R> {
  /** Schema of the parsed JSON; a file that fails it is MODEL_PARAMS_INVALID naming the field. */
  readonly schema: z.ZodType<F>;
  /** The model's in-memory form (handed back typed as `context.riskParameters`) and the instruments the file defines. */
  prepare(file: F, source: string): PreparedRiskParameters<R>;
}

/** The risk-parameter data in a model's context: what its `riskFile.prepare` made, undefined when no file was given. */
export interface RiskContext<R> {
  readonly riskParameters: R | undefined;
}

interface ModelSpecBase<Id extends string, P, D extends ModelDetails, F, R> {
  /** CLI `--model` value, `MarginResult.model`, docs/models/<id>.md. */
  readonly id: Id;
  /** One line for `crossmargin models`. */
  readonly description: string;
  /** Validates a parameters document; its metadata (descriptions, defaults) documents the parameters. */
  readonly paramsSchema: z.ZodType<P>;
  /** The shape of `MarginResult.details`: readers (backtests, venue health) read it through this schema. */
  readonly detailsSchema: z.ZodType<D>;
  readonly riskFile?: RiskFile<F, R>;
  /** See MarginModel.homogeneous, .accepts, .partitionBatch. */
  readonly homogeneous?: boolean;
  readonly accepts?: (spec: InstrumentSpec) => boolean;
  readonly partitionBatch?: boolean;
}

/** A model that needs price history: its `compile` gets a `HistoryContext`. */
export interface HistoryModelSpec<Id extends string, P, D extends ModelDetails, F, R> extends ModelSpecBase<Id, P, D, F, R> {
  readonly needs: { readonly history: true; readonly collateral?: boolean };
  compile(params: NoInfer<P>, context: HistoryContext & RiskContext<NoInfer<R>>): CompiledModel<NoInfer<D>>;
}

/** A model that needs no history. */
export interface PlainModelSpec<Id extends string, P, D extends ModelDetails, F, R> extends ModelSpecBase<Id, P, D, F, R> {
  readonly needs?: { readonly history?: false; readonly collateral?: boolean };
  compile(params: NoInfer<P>, context: ModelContext & RiskContext<NoInfer<R>>): CompiledModel<NoInfer<D>>;
}

/** A model as `defineModel` made it: the registry's element type, with its id, parameters, details and risk data typed. */
export interface DefinedModel<Id extends string, P, D extends ModelDetails, R> extends MarginModel<P, D> {
  readonly id: Id;
  readonly needs: Required<ModelNeeds>;
  compile(params: P, context: CompileInput<R>): CompiledModel<D>;
  prepare?(document: unknown, source: string): PreparedRiskParameters<R>;
}

function needsHistory<Id extends string, P, D extends ModelDetails, F, R>(
  spec: HistoryModelSpec<Id, P, D, F, R> | PlainModelSpec<Id, P, D, F, R>,
): spec is HistoryModelSpec<Id, P, D, F, R> {
  return spec.needs?.history === true;
}

/**
 * Defines a margin model (docs/architecture.md "Adding a model"): id, parameters schema, details schema, optional
 * risk-parameter file, declared needs, and `compile(params, context) → evaluate`. The context the model compiles
 * against provides what it declared, typed and present (history, risk-parameter data); a caller that did not
 * provide them gets a coded error, never a model reading `undefined`.
 */
export function defineModel<Id extends string, P, D extends ModelDetails, F = never, R = undefined>(spec: HistoryModelSpec<Id, P, D, F, R>): DefinedModel<Id, P, D, R>;
export function defineModel<Id extends string, P, D extends ModelDetails, F = never, R = undefined>(spec: PlainModelSpec<Id, P, D, F, R>): DefinedModel<Id, P, D, R>;
export function defineModel<Id extends string, P, D extends ModelDetails, F, R>(
  spec: HistoryModelSpec<Id, P, D, F, R> | PlainModelSpec<Id, P, D, F, R>,
): DefinedModel<Id, P, D, R> {
  const history = spec.needs?.history === true;
  const collateral = spec.needs?.collateral === true;
  const riskFile = spec.riskFile;
  return {
    id: spec.id,
    description: spec.description,
    paramsSchema: spec.paramsSchema,
    detailsSchema: spec.detailsSchema,
    needs: { history, collateral },
    needsHistory: history,
    stressesCollateral: collateral,
    ...(spec.homogeneous === undefined ? {} : { homogeneous: spec.homogeneous }),
    ...(spec.accepts === undefined ? {} : { accepts: spec.accepts }),
    ...(spec.partitionBatch === undefined ? {} : { partitionBatch: spec.partitionBatch }),
    ...(riskFile === undefined
      ? {}
      : {
          prepare(document: unknown, source: string): PreparedRiskParameters<R> {
            return riskFile.prepare(parseWithSchema(riskFile.schema, document, source, 'MODEL_PARAMS_INVALID'), source);
          },
        }),
    compile(params: P, input: CompileInput<R>): CompiledModel<D> {
      const context = {
        instruments: input.instruments,
        market: input.market,
        ...(input.fieldOf === undefined ? {} : { fieldOf: input.fieldOf }),
        riskParameters: input.riskParameters,
      };
      if (!needsHistory(spec)) return spec.compile(params, context);
      if (input.history === undefined) throw new CrossmarginError('HISTORY_INVALID', 'this model needs price history and none was loaded', { field: 'history' });
      return spec.compile(params, { ...context, history: input.history });
    },
  };
}

/**
 * A result's details read through a model's details schema: typed, and undefined when the result does not carry
 * details of that shape (another model's result, or none).
 */
export function readDetails<D>(schema: z.ZodType<D>, result: Pick<MarginResult, 'details'> | undefined): D | undefined {
  if (result?.details === undefined) return undefined;
  const parsed = schema.safeParse(result.details);
  return parsed.success ? parsed.data : undefined;
}
