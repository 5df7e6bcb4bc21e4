/** `fhs-es` results carry the details of the scenario-based VaR family (docs/models/var-family.md), shared with hs-var and mc-es. */
export { ScenarioVarDetailsSchema as FhsEsDetailsSchema, type ScenarioVarDetails as FhsEsDetails } from '../var/var-details.js';
