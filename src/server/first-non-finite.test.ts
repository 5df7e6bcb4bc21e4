import { describe, expect, it } from 'vitest';
import { firstNonFinite } from './first-non-finite.js';

describe('firstNonFinite', () => {
  it('names the first non-finite number by its dotted path; finite documents give undefined', () => {
    expect(firstNonFinite({ a: 1, b: [{ c: 2 }, { c: Number.POSITIVE_INFINITY }] })).toBe('b.1.c');
    expect(firstNonFinite([0, Number.NaN])).toBe('1');
    expect(firstNonFinite(Number.NEGATIVE_INFINITY)).toBe('(root)');
    expect(firstNonFinite({ a: 'Infinity', b: null, c: [1, { d: -0 }] })).toBeUndefined();
  });
});
