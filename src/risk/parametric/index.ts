export * from './delta-normal.js';
export * from './delta-gamma.js';
export * from './cornish-fisher.js';
export * from './student-t-risk.js';
