import { historicalSource } from '../var/historical-source.js';
import { scenarioVarModel } from '../var/scenario-var-model.js';
import { HsVarParamsSchema } from './hs-var-params.js';

/** `hs-var`: historical-simulation VaR (default 99 %, 500 days, 2-day MPOR) with the VaR family's add-ons. */
export const hsVarModel = scenarioVarModel({
  id: 'hs-var',
  description: 'Historical-simulation VaR on real daily history (MPOR, stressed window, APC, liquidity/concentration, relief)',
  paramsSchema: HsVarParamsSchema,
  source: historicalSource,
});
