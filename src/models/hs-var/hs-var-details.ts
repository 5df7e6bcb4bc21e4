/** `hs-var` results carry the details of the scenario-based VaR family (docs/models/var-family.md), shared with fhs-es and mc-es. */
export { ScenarioVarDetailsSchema as HsVarDetailsSchema, type ScenarioVarDetails as HsVarDetails } from '../var/var-details.js';
