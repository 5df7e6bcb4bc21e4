/** `mc-es` results carry the details of the scenario-based VaR family (docs/models/var-family.md), shared with hs-var and fhs-es. */
export { ScenarioVarDetailsSchema as McEsDetailsSchema, type ScenarioVarDetails as McEsDetails } from '../var/var-details.js';
