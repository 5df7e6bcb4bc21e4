export * from './evaluate-forecasters.js';
export * from './gbt-vol-features.js';
export * from './har-features.js';
export * from './har-model.js';
export * from './qlike.js';
export * from './sigma-series-from-forecaster.js';
export * from './vol-forecast-report.js';
export * from './vol-forecaster.js';
