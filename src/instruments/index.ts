export * from './instrument-spec.js';
export * from './parse-deribit-name.js';
export * from './format-deribit-name.js';
export * from './resolve-instrument.js';
export * from './instrument-table.js';
