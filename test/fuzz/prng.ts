import { mulberry32 } from '../../src/core/seeded-random.js';

/**
 * The fuzzer's only source of randomness: mulberry32 (src/core/seeded-random.ts) behind a few helpers, so one seed
 * gives one request sequence. Never use Math.random in the fuzzer.
 */
export class Prng {
  private readonly next: () => number;

  constructor(readonly seed: number) {
    this.next = mulberry32(seed);
  }

  /** Uniform on [0, 1). */
  float(): number {
    return this.next();
  }

  /** Integer in [lo, hi] (both included). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Prng.pick: no items');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** One of `items`, each with its weight (weights ≥ 0, not all 0). */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let x = this.next() * total;
    for (const [item, w] of items) {
      if (x < w) return item;
      x -= w;
    }
    return (items.at(-1) as readonly [T, number])[0];
  }

  /** A derived generator (independent stream for a sub-task, still determined by this one). */
  fork(): Prng {
    return new Prng(Math.floor(this.next() * 2 ** 32));
  }
}
