export * from './engine-event.js';
export * from './spike-guard.js';
export * from './largest-feasible.js';
export * from './apply-trades.js';
export * from './live-engine.js';
