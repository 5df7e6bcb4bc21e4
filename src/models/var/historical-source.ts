import { buildHistoricalScenarios } from '../../scenarios/history/historical-scenarios.js';
import type { HistoryContext } from '../margin-model.js';
import { riskUnderlyings } from '../scenario-pipeline.js';
import type { ScenarioRequest } from './scenario-var-model.js';
import type { VarParams } from './var-params.js';

/** The generator options every history-based source shares: which underlyings, which days, which horizon. */
export function historyScenarioOptions(params: VarParams, context: HistoryContext, request: ScenarioRequest) {
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
export function historicalSource(params: VarParams, context: HistoryContext, request: ScenarioRequest) {
  return buildHistoricalScenarios(context.history, historyScenarioOptions(params, context, request));
}
