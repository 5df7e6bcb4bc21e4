export * from './counter-rng.js';
export * from './factor-model.js';
export * from './monte-carlo-kernel.js';
export * from './monte-carlo-scenarios.js';
export type { MonteCarloWorkerData } from './monte-carlo-worker.js';
