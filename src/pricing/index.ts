export * from '../numerics/normal.js';
export * from './black76-price.js';
export * from './black76-greeks.js';
export * from './inverse-option.js';
export * from './delta-one.js';
