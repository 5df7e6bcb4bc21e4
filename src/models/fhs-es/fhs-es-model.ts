import { z } from 'zod';
import { buildFilteredScenarios } from '../../scenarios/history/filtered-scenarios.js';
import { gbtForecaster, harForecaster } from '../../risk/vol-forecast/vol-forecaster.js';
import { learnedVarianceFilter } from '../../risk/vol-forecast/sigma-series-from-forecaster.js';
import type { ModelContext } from '../margin-model.js';
import { historicalSource, historyScenarioOptions } from './hs-var-model.js';
import { scenarioVarModel, type ScenarioRequest } from './scenario-var-model.js';
import { varParameterDocs, varParamsSchema, type VarParams } from './var-params.js';

const DEFAULTS = { confidence: 0.975, lookback: 750, measure: 'es' } as const;

const FHS_EXTRA = {
  /**
   * Volatility filter: EWMA with `decay`, GARCH(1,1) by maximum likelihood, or a learned forecaster trained on the
   * history up to the end date (HAR regression, or boosted trees on HAR features; docs/vol-forecasts.md).
   */
  filter: z.enum(['ewma', 'garch', 'har', 'gbt']).default('ewma'),
  /** Learned filters: days of returns each fit uses, and how often (days) the forecaster is refitted. */
  trainWindow: z.number().int().min(250).max(5000).default(1000),
  refitEvery: z.number().int().min(1).max(250).default(21),
};

type FhsParams = VarParams & { filter: 'ewma' | 'garch' | 'har' | 'gbt'; trainWindow: number; refitEvery: number };

/** The variance filter a learned forecaster provides to FHS (walk-forward, no look-ahead inside the history). */
function learnedFilter(params: FhsParams): ((returns: Float64Array) => Float64Array) | undefined {
  if (params.filter !== 'har' && params.filter !== 'gbt') return undefined;
  const forecaster = params.filter === 'har' ? harForecaster() : gbtForecaster();
  return learnedVarianceFilter(forecaster, { trainWindow: params.trainWindow, refitEvery: params.refitEvery });
}

/** Filtered historical simulation (var-es.md §3): returns devolatilised by the filter and rescaled by today's vol. */
function filteredSource(params: FhsParams, context: ModelContext, request: ScenarioRequest) {
  // Stressed and 10-year sets exist to keep past turbulence in the margin; filtering would rescale them to
  // today's vol and defeat that, so they are plain historical scenarios (var-es.md §10).
  if (request.kind !== 'current') return historicalSource(params, context, request);
  const varianceFilter = learnedFilter(params);
  return buildFilteredScenarios(context.history!, {
    ...historyScenarioOptions(params, context, request),
    filter: varianceFilter === undefined ? (params.filter as 'ewma' | 'garch') : 'learned',
    lambda: params.decay,
    varianceFilter,
  });
}

/** `fhs-es`: filtered historical simulation ES (default 97.5 %, 750 days, EWMA 0.94, 2-day MPOR). */
export const fhsEsModel = scenarioVarModel<FhsParams>({
  id: 'fhs-es',
  description: 'Filtered historical simulation ES: history devolatilised by EWMA or GARCH and rescaled to today',
  paramsSchema: varParamsSchema(DEFAULTS, FHS_EXTRA) as unknown as z.ZodType<FhsParams>,
  parameters: [
    ...varParameterDocs(DEFAULTS),
    { name: 'filter', description: 'ewma | garch | har | gbt volatility filter', default: '"ewma"' },
    { name: 'trainWindow', description: 'har/gbt: returns per fit', default: '1000' },
    { name: 'refitEvery', description: 'har/gbt: refit every n days', default: '21' },
  ],
  source: filteredSource,
});
