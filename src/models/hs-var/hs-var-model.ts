import type { z } from 'zod';
import { buildHistoricalScenarios } from '../../scenarios/history/historical-scenarios.js';
import type { ModelContext } from '../margin-model.js';
import { riskUnderlyings } from '../scenario-pipeline.js';
import { scenarioVarModel, type ScenarioRequest } from './scenario-var-model.js';
import { varParameterDocs, varParamsSchema, type VarParams } from './var-params.js';

const DEFAULTS = { confidence: 0.99, lookback: 500, measure: 'var' } as const;

/** The generator options every history-based source shares: which underlyings, which days, which horizon. */
export function historyScenarioOptions(params: VarParams, context: ModelContext, request: ScenarioRequest) {
  return {
    underlyings: riskUnderlyings(context),
    lookback: request.lookback,
    mpor: params.mpor,
    mporMethod: params.mporMethod,
    endDate: request.endDate,
    volMoves: params.volMoves,
    ...(request.window === undefined ? {} : { window: request.window }),
  };
}

/** Historical-simulation scenarios (var-es.md §2): the book revalued under each historical h-day move. */
export function historicalSource(params: VarParams, context: ModelContext, request: ScenarioRequest) {
  return buildHistoricalScenarios(context.history!, historyScenarioOptions(params, context, request));
}

/** `hs-var`: historical-simulation VaR (default 99 %, 500 days, 2-day MPOR) with the VaR family's add-ons. */
export const hsVarModel = scenarioVarModel({
  id: 'hs-var',
  description: 'Historical-simulation VaR on real daily history (MPOR, stressed window, APC, liquidity/concentration, relief)',
  paramsSchema: varParamsSchema(DEFAULTS, {}) as unknown as z.ZodType<VarParams>,
  parameters: varParameterDocs(DEFAULTS),
  source: historicalSource,
});
