import { describe, expect, it } from 'vitest';
import { firstPath, hasNulCharacter, isNonFiniteNumber } from './first-path.js';

describe('firstPath', () => {
  it('names the first non-finite number by its dotted path; finite documents give undefined', () => {
    expect(firstPath({ a: 1, b: [{ c: 2 }, { c: Number.POSITIVE_INFINITY }] }, isNonFiniteNumber)).toBe('b.1.c');
    expect(firstPath([0, Number.NaN], isNonFiniteNumber)).toBe('1');
    expect(firstPath(Number.NEGATIVE_INFINITY, isNonFiniteNumber)).toBe('(root)');
    expect(firstPath({ a: 'Infinity', b: null, c: [1, { d: -0 }] }, isNonFiniteNumber)).toBeUndefined();
  });

  it('finds a NUL character in strings and object keys are not leaves', () => {
    expect(firstPath({ label: 'ok', nested: { v: 'a\u0000b' } }, hasNulCharacter)).toBe('nested.v');
    expect(firstPath({ label: 'ok' }, hasNulCharacter)).toBeUndefined();
  });

  it('walks 100,000 levels of nesting without exhausting the stack', () => {
    let deep: unknown = 'a\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(firstPath({ x: deep }, hasNulCharacter)?.split('.').length).toBe(100_001);
  });
});
