import { describe, expect, it } from 'vitest';
import { lazyProperty } from './lazy-property.js';

describe('lazyProperty', () => {
  it('makes the value on first read only, keeps it, and shows it to JSON and equality as a plain field', () => {
    let calls = 0;
    const o = lazyProperty({ a: 1 }, 'b', () => ({ made: ++calls })) as { a: number; b: { made: number } };
    expect(calls).toBe(0);
    expect(o.b).toEqual({ made: 1 });
    expect(o.b).toBe(o.b);
    expect(calls).toBe(1);
    expect(JSON.parse(JSON.stringify(o))).toEqual({ a: 1, b: { made: 1 } });
    expect(Object.keys(o)).toEqual(['a', 'b']);
  });

  it('keeps each object its own value with one shared getter per name', () => {
    const x = lazyProperty({}, 'v', () => 'x') as { v: string };
    const y = lazyProperty({}, 'v', () => 'y') as { v: string };
    const z = lazyProperty(lazyProperty({}, 'v', () => 'z1'), 'w', () => 'z2') as { v: string; w: string };
    expect([x.v, y.v, z.v, z.w]).toEqual(['x', 'y', 'z1', 'z2']);
    expect(Object.getOwnPropertyDescriptor(x, 'v')!.get).toBe(Object.getOwnPropertyDescriptor(y, 'v')!.get);
  });
});
