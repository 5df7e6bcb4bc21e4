export * from './account-params.js';
export * from './account-equity.js';
export * from './account-state.js';
export * from './liquidation-price.js';
export * from './scale-underlying.js';
export * from './evaluate-account.js';
