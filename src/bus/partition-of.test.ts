import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MARGIN_PAGES, marginPageOf, partitionOf } from './partition-of.js';

describe('partitionOf', () => {
  it('is FNV-1a 32 of the UTF-8 bytes modulo the count (published FNV test vectors)', () => {
    // FNV-1a 32: "" → 0x811c9dc5, "a" → 0xe40c292c, "foobar" → 0xbf9cf968 (the FNV reference test suite).
    expect(partitionOf('', 2 ** 16)).toBe(0x811c9dc5 % 2 ** 16);
    expect(partitionOf('a', 65_536)).toBe(0xe40c292c % 65_536);
    expect(partitionOf('foobar', 1000)).toBe(0xbf9cf968 % 1000);
  });

  it('is in range and the same on every call; spreads accounts evenly', () => {
    fc.assert(fc.property(fc.string({ maxLength: 100 }), fc.integer({ min: 1, max: 512 }), (id, n) => {
      const p = partitionOf(id, n);
      return Number.isInteger(p) && p >= 0 && p < n && partitionOf(id, n) === p;
    }));
    const counts = new Array<number>(64).fill(0);
    for (let a = 0; a < 64_000; a++) counts[partitionOf(`a${a}`, 64)]!++;
    // 1,000 expected per partition; ±15 % is far outside a fair hash's spread (σ ≈ 31).
    expect(Math.min(...counts)).toBeGreaterThan(850);
    expect(Math.max(...counts)).toBeLessThan(1150);
  });

  it('refuses a partition count that is not a positive integer', () => {
    for (const n of [0, -1, 1.5, Number.NaN, 70_000]) expect(() => partitionOf('a', n)).toThrow(expect.objectContaining({ code: 'USAGE_INVALID', field: 'partitions' }));
  });

  it('marginPageOf: the quotient of the same hash, so one partition\'s accounts spread over every page', () => {
    expect(marginPageOf('foobar', 1000)).toBe(Math.floor(0xbf9cf968 / 1000) % MARGIN_PAGES);
    // 64 partitions of 64 pages: the accounts of partition 0 (about 1,000 of 64,000) use nearly all its pages.
    const pages = new Set<number>();
    for (let a = 0; a < 64_000; a++) if (partitionOf(`a${a}`, 64) === 0) pages.add(marginPageOf(`a${a}`, 64));
    expect(pages.size).toBeGreaterThan(60);
    expect(() => marginPageOf('a', 0)).toThrow(expect.objectContaining({ code: 'USAGE_INVALID', field: 'partitions' }));
  });
});
