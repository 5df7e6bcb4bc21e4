export * from './worst-loss.js';
export * from './value-at-risk.js';
export * from './expected-shortfall.js';
export * from './select-kth.js';
