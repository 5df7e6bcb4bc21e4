import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { firstDifference, responseSerializerCompiler } from './response-serializer.js';

const schema = z.object({ id: z.string(), figures: z.array(z.object({ value: z.number() })), note: z.string().optional() });
const route = { schema: schema as never, method: 'GET', url: '/thing' };

describe('responseSerializerCompiler', () => {
  it('in service: JSON.stringify of the answer, unchecked', () => {
    const serialize = responseSerializerCompiler(false)(route);
    expect(serialize({ id: 'a', figures: [{ value: 1 }], extra: true })).toBe('{"id":"a","figures":[{"value":1}],"extra":true}');
  });

  it('checking: the schema-encoded answer, refused with the path when the fast path would send something else', () => {
    const serialize = responseSerializerCompiler(true)(route);
    expect(JSON.parse(serialize({ figures: [{ value: 1 }], id: 'a' }))).toEqual({ id: 'a', figures: [{ value: 1 }] });
    // A field the schema would strip: production would leak it.
    expect(() => serialize({ id: 'a', figures: [{ value: 1, secret: 2 }] })).toThrow(/figures\.0\.secret/);
    // A value the schema refuses.
    expect(() => serialize({ id: 'a', figures: [{ value: 'x' }] })).toThrow();
  });

  it('firstDifference ignores key order and names the first differing path', () => {
    expect(firstDifference({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }, '')).toBeUndefined();
    expect(firstDifference({ a: 1, b: [1, { c: 2 }] }, { a: 1, b: [1, { c: 3 }] }, '')).toBe('b.1.c');
    expect(firstDifference([1, 2], [1], '')).toBe('');
    expect(firstDifference({ a: null }, { a: {} }, '')).toBe('a');
  });
});
