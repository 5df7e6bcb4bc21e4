import { CrossmarginError } from '../core/errors.js';
import { isolatedSimpleModel } from './isolated-simple/isolated-simple-model.js';
import type { MarginModel } from './margin-model.js';
import { scenarioGridModel } from './scenario-grid/scenario-grid-model.js';
import { deribitPmModel } from './deribit-pm/deribit-pm-model.js';
import { deribitSmModel } from './deribit-sm/deribit-sm-model.js';
import { spanModel } from './span/span-model.js';
import { timsModel } from './tims/tims-model.js';
import { fhsEsModel } from './fhs-es/fhs-es-model.js';
import { hsVarModel } from './hs-var/hs-var-model.js';
import { mcEsModel } from './mc-es/mc-es-model.js';
import { parametricVarModel } from './parametric-var/parametric-var-model.js';
import { dydxV4Model } from './dydx-v4/dydx-v4-model.js';
import { driftModel } from './drift/drift-model.js';
import { mangoHealthModel } from './mango-health/mango-health-model.js';
import { binancePmModel } from './binance-pm/binance-pm-model.js';
import { okxPmModel } from './okx-pm/okx-pm-model.js';
import { simmModel } from './simm/simm-model.js';

/**
 * Every model the engine knows, by id, each with its own parameter, details and risk-file types (defineModel).
 * Order is the order `crossmargin models` lists them.
 */
export const MODELS = [
  isolatedSimpleModel,
  scenarioGridModel,
  spanModel,
  timsModel,
  hsVarModel,
  fhsEsModel,
  parametricVarModel,
  mcEsModel,
  deribitPmModel,
  deribitSmModel,
  dydxV4Model,
  driftModel,
  mangoHealthModel,
  binancePmModel,
  okxPmModel,
  simmModel,
] as const satisfies readonly MarginModel[];

/** Id of a registered model. */
export type ModelId = (typeof MODELS)[number]['id'];

/** A registered model as callers that pick one by id see it: parameters validated by its own schema, then compiled. */
export function getModel(id: string): MarginModel {
  const model = MODELS.find((m) => m.id === id);
  if (model === undefined) {
    throw new CrossmarginError('MODEL_UNKNOWN', `model: unknown model "${id}"; known models: ${MODELS.map((m) => m.id).join(', ')}`, {
      field: 'model',
      details: { known: MODELS.map((m) => m.id) },
    });
  }
  return model;
}
