export * from './liquidation-plan.js';
export * from './default-liquidation-rule.js';
export * from './liquidation-executor.js';
export * from './simulated-executor.js';
export * from './liquidation-fills.js';
export { liquidationPlanId } from './plan-id.js';
