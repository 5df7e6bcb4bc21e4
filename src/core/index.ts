export * from './errors.js';
export * from './dates.js';
export * from './interner.js';
export * from './tail-count.js';
export * from './validate.js';
export * from './seeded-random.js';
