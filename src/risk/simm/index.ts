export * from './simm-parameters.js';
export * from './load-simm-parameters.js';
export * from './compute-simm.js';
