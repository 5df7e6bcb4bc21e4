import { z } from 'zod';
import { buildFilteredScenarios } from '../../scenarios/history/filtered-scenarios.js';
import type { ModelContext } from '../margin-model.js';
import { historicalSource, historyScenarioOptions } from './hs-var-model.js';
import { scenarioVarModel, type ScenarioRequest } from './scenario-var-model.js';
import { varParameterDocs, varParamsSchema, type VarParams } from './var-params.js';

const DEFAULTS = { confidence: 0.975, lookback: 750, measure: 'es' } as const;

const FHS_EXTRA = {
  /** Volatility filter: EWMA with `decay`, or GARCH(1,1) fitted by maximum likelihood. */
  filter: z.enum(['ewma', 'garch']).default('ewma'),
};

type FhsParams = VarParams & { filter: 'ewma' | 'garch' };

/** Filtered historical simulation (var-es.md §3): returns devolatilised by the filter and rescaled by today's vol. */
function filteredSource(params: FhsParams, context: ModelContext, request: ScenarioRequest) {
  // Stressed and 10-year sets exist to keep past turbulence in the margin; filtering would rescale them to
  // today's vol and defeat that, so they are plain historical scenarios (var-es.md §10).
  if (request.kind !== 'current') return historicalSource(params, context, request);
  return buildFilteredScenarios(context.history!, { ...historyScenarioOptions(params, context, request), filter: params.filter, lambda: params.decay });
}

/** `fhs-es`: filtered historical simulation ES (default 97.5 %, 750 days, EWMA 0.94, 2-day MPOR). */
export const fhsEsModel = scenarioVarModel<FhsParams>({
  id: 'fhs-es',
  description: 'Filtered historical simulation ES: history devolatilised by EWMA or GARCH and rescaled to today',
  paramsSchema: varParamsSchema(DEFAULTS, FHS_EXTRA) as unknown as z.ZodType<FhsParams>,
  parameters: [...varParameterDocs(DEFAULTS), { name: 'filter', description: 'ewma | garch volatility filter', default: '"ewma"' }],
  source: filteredSource,
});
