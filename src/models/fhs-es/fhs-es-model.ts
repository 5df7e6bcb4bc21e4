import { buildFilteredScenarios } from '../../scenarios/history/filtered-scenarios.js';
import { gbtForecaster, harForecaster } from '../../risk/vol-forecast/vol-forecaster.js';
import { learnedVarianceFilter } from '../../risk/vol-forecast/sigma-series-from-forecaster.js';
import type { HistoryContext } from '../margin-model.js';
import { historicalSource, historyScenarioOptions } from '../var/historical-source.js';
import { scenarioVarModel, type ScenarioRequest } from '../var/scenario-var-model.js';
import { FhsEsParamsSchema, type FhsEsParams } from './fhs-es-params.js';

/** The variance filter a learned forecaster provides to FHS (walk-forward, no look-ahead inside the history). */
function learnedFilter(params: FhsEsParams): ((returns: Float64Array) => Float64Array) | undefined {
  if (params.filter !== 'har' && params.filter !== 'gbt') return undefined;
  const forecaster = params.filter === 'har' ? harForecaster() : gbtForecaster();
  return learnedVarianceFilter(forecaster, { trainWindow: params.trainWindow, refitEvery: params.refitEvery });
}

/** Filtered historical simulation (var-es.md §3): returns devolatilised by the filter and rescaled by today's vol. */
function filteredSource(params: FhsEsParams, context: HistoryContext, request: ScenarioRequest) {
  // Stressed and 10-year sets exist to keep past turbulence in the margin; filtering would rescale them to
  // today's vol and defeat that, so they are plain historical scenarios (var-es.md §10).
  if (request.kind !== 'current') return historicalSource(params, context, request);
  const varianceFilter = learnedFilter(params);
  return buildFilteredScenarios(context.history, {
    ...historyScenarioOptions(params, context, request),
    filter: params.filter === 'ewma' || params.filter === 'garch' ? params.filter : 'learned',
    lambda: params.decay,
    varianceFilter,
  });
}

/** `fhs-es`: filtered historical simulation ES (default 97.5 %, 750 days, EWMA 0.94, 2-day MPOR). */
export const fhsEsModel = scenarioVarModel({
  id: 'fhs-es',
  description: 'Filtered historical simulation ES: history devolatilised by EWMA or GARCH and rescaled to today',
  paramsSchema: FhsEsParamsSchema,
  source: filteredSource,
});
