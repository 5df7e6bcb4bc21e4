export * from './account-params.js';
export * from './account-equity.js';
export * from './account-state.js';
export * from './liquidation-price.js';
export * from './scale-underlying.js';
export * from './shift-vol.js';
export * from './pnl-profile.js';
export * from './evaluate-account.js';
