import { describe, expect, it } from 'vitest';
import { tailMass, varRank } from './tail-count.js';

describe('tail counts without floating-point drift (var-es.md §1)', () => {
  it('N = 250, α = 0.99 → VaR is the 3rd worst', () => {
    expect(varRank(0.99, 250)).toBe(3);
  });
  it('N = 100, α = 0.99 → 1st worst, although (1−0.99)·100 = 1.0000000000000009', () => {
    expect((1 - 0.99) * 100).toBeGreaterThan(1);
    expect(varRank(0.99, 100)).toBe(1);
  });
  it('N = 100, α = 0.95 → 5th worst, although (1−0.95)·100 = 5.000000000000004', () => {
    expect(varRank(0.95, 100)).toBe(5);
  });
  it('ES tail mass for N = 250, α = 0.975 is 6.25', () => {
    expect(tailMass(0.975, 250)).toBe(6.25);
  });
  it('rank stays within 1..N', () => {
    expect(varRank(0.9999, 10)).toBe(1);
    expect(varRank(0, 10)).toBe(10);
  });
});
