import { CrossmarginError } from '../core/errors.js';
import { isolatedSimpleModel } from './isolated-simple/isolated-simple-model.js';
import type { MarginModel } from './margin-model.js';
import { scenarioGridModel } from './scenario-grid/scenario-grid-model.js';
import { deribitPmModel } from './deribit/deribit-pm-model.js';
import { deribitSmModel } from './deribit/deribit-sm-model.js';
import { spanModel } from './span/span-model.js';
import { timsModel } from './tims/tims-model.js';
import { fhsEsModel } from './var/fhs-es-model.js';
import { hsVarModel } from './var/hs-var-model.js';
import { mcEsModel } from './var/mc-es-model.js';
import { parametricVarModel } from './var/parametric-var-model.js';
import { dydxV4Model } from './venues/dydx-v4/dydx-v4-model.js';
import { driftModel } from './venues/drift/drift-model.js';
import { mangoHealthModel } from './venues/mango/mango-health-model.js';
import { binancePmModel } from './venues/binance-pm/binance-pm-model.js';
import { okxPmModel } from './venues/okx-pm/okx-pm-model.js';

/** Every model the engine knows, by id. Order is the order `crossmargin models` lists them. */
export const MODELS: readonly MarginModel<never>[] = [isolatedSimpleModel, scenarioGridModel, spanModel, timsModel, hsVarModel, fhsEsModel, parametricVarModel, mcEsModel, deribitPmModel, deribitSmModel, dydxV4Model, driftModel, mangoHealthModel, binancePmModel, okxPmModel] as unknown as MarginModel<never>[];

export function getModel(id: string): MarginModel<unknown> {
  const model = MODELS.find((m) => m.id === id);
  if (model === undefined) {
    throw new CrossmarginError('MODEL_UNKNOWN', `model: unknown model "${id}"; known models: ${MODELS.map((m) => m.id).join(', ')}`, {
      field: 'model',
      details: { known: MODELS.map((m) => m.id) },
    });
  }
  return model as unknown as MarginModel<unknown>;
}
