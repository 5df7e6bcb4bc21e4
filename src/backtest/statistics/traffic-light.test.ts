import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binomialCumulative, minimumTrafficLightWindow, trafficLight, trafficLightThresholds } from './traffic-light.js';

// backtesting.md §5: cumulative Binomial(250, 0.01), 10 digits (scipy = R pbinom).
const CUMULATIVE = [
  0.0810585162, 0.2857517388, 0.5431689733, 0.7581166978, 0.8921876269, 0.9588168159, 0.9862985521, 0.9959746613, 0.9989434675, 0.9997498099,
  0.9999461014, 0.9999893612,
];

// §5 table (BCBS 1996 Table 2 / MAR99): zone and plus factor by exception count, T = 250, 99 % VaR.
const TABLE: readonly [number, string, number][] = [
  [0, 'green', 0],
  [1, 'green', 0],
  [2, 'green', 0],
  [3, 'green', 0],
  [4, 'green', 0],
  [5, 'yellow', 0.4],
  [6, 'yellow', 0.5],
  [7, 'yellow', 0.65],
  [8, 'yellow', 0.75],
  [9, 'yellow', 0.85],
  [10, 'red', 1],
  [11, 'red', 1],
  [25, 'red', 1],
  [250, 'red', 1],
];

describe('Basel traffic light (backtesting.md §5)', () => {
  it('binomial cumulative probabilities match the table to 1e-9', () => {
    CUMULATIVE.forEach((c, x) => expect(Math.abs(binomialCumulative(x, 250, 0.01) - c)).toBeLessThan(1e-9));
  });

  it('computes the thresholds 5 (yellow) and 10 (red) for T = 250, p = 0.01', () => {
    expect(trafficLightThresholds(250, 0.01)).toEqual({ yellowFrom: 5, redFrom: 10 });
  });

  for (const [x, zone, plus] of TABLE) {
    it(`${x} exceptions → ${zone}, plus ${plus}, multiplier ${3 + plus}`, () => {
      const r = trafficLight(x);
      expect(r.zone).toBe(zone);
      expect(r.plusFactor).toBe(plus);
      expect(r.multiplier).toBeCloseTo(3 + plus, 12);
      expect(r.observations).toBe(250);
      expect(r.p).toBe(0.01);
    });
  }

  it('gives the FRTB multiplier 1.5 + plus of MAR99 Table 2 for 0–12 exceptions in 250 days at 99 %', () => {
    const FRTB = [1.5, 1.5, 1.5, 1.5, 1.5, 1.7, 1.76, 1.83, 1.88, 1.92, 2, 2, 2];
    FRTB.forEach((m, x) => expect(trafficLight(x).frtbMultiplier).toBe(m));
    // Elsewhere it follows the Basel row the plus factor was matched to: 500 days, 9 exceptions ~ 5 in 250.
    expect(trafficLight(9, 500, 0.01)).toMatchObject({ plusFactor: 0.4, frtbMultiplier: 1.7 });
    expect(trafficLight(15, 500, 0.01).frtbMultiplier).toBe(2);
  });

  it('applies the same cumulative rule for other (T, p) (thresholds checked by exact rational arithmetic)', () => {
    expect(trafficLightThresholds(500, 0.01)).toEqual({ yellowFrom: 9, redFrom: 15 });
    expect(trafficLightThresholds(250, 0.025)).toEqual({ yellowFrom: 11, redFrom: 17 });
    expect(trafficLightThresholds(1000, 0.01)).toEqual({ yellowFrom: 15, redFrom: 24 });
    expect(trafficLightThresholds(100, 0.01)).toEqual({ yellowFrom: 3, redFrom: 6 });
  });

  it('p = 1 − 0.99 in doubles (0.010000000000000009) still gives the table', () => {
    for (const [x, zone, plus] of TABLE) expect(trafficLight(x, 250, 1 - 0.99)).toMatchObject({ zone, plusFactor: plus });
  });

  it('zero exceptions are always green, even when T·p is tiny', () => {
    // T = 2, p = 0.01: P(X ≤ 0) = 0.9801 ≥ 0.95 and P(X ≤ 1) = 0.9999: the literal rule would make 0 yellow.
    expect(trafficLightThresholds(2, 0.01)).toEqual({ yellowFrom: 1, redFrom: 1 });
    expect(trafficLight(0, 2, 0.01).zone).toBe('green');
    expect(trafficLight(1, 2, 0.01).zone).toBe('red');
    expect(trafficLightThresholds(5, 0.01)).toEqual({ yellowFrom: 1, redFrom: 2 });
  });

  it('maps yellow plus factors for other (T, p) by percentile onto the Basel rows', () => {
    // P(X ≤ x), X ~ Bin(500, 0.01): 9 → 0.9689, 10 → 0.9868, 11 → 0.9948, 12 → 0.9981, 13 → 0.99935, 14 → 0.99979.
    const plus = [9, 10, 11, 12, 13, 14].map((x) => trafficLight(x, 500, 0.01).plusFactor);
    expect(plus).toEqual([0.4, 0.5, 0.5, 0.65, 0.75, 0.85]);
    expect(trafficLight(8, 500, 0.01).zone).toBe('green');
    expect(trafficLight(15, 500, 0.01)).toMatchObject({ zone: 'red', plusFactor: 1, multiplier: 4 });
  });

  it('zone and plus factor never decrease with more exceptions', () => {
    const rank = { green: 0, yellow: 1, red: 2 } as const;
    fc.assert(
      fc.property(fc.integer({ min: 20, max: 1500 }), fc.constantFrom(0.01, 0.025, 0.05), (T, p) => {
        let prev = trafficLight(0, T, p);
        for (let x = 1; x <= Math.min(T, 100); x++) {
          const r = trafficLight(x, T, p);
          expect(rank[r.zone]).toBeGreaterThanOrEqual(rank[prev.zone]);
          expect(r.plusFactor).toBeGreaterThanOrEqual(prev.plusFactor);
          prev = r;
        }
      }),
      { numRuns: 20 },
    );
  });

  it('rejects more exceptions than days', () => {
    expect(() => trafficLight(251)).toThrow(expect.objectContaining({ code: 'USAGE_INVALID', field: 'exceptions' }));
  });

  it('the shortest window a caller may choose is the first N whose binomial zones start green: (1 − p)^N < 0.95', () => {
    // ln 0.95 / ln 0.99 = 5.10 → 6; ln 0.95 / ln 0.975 = 2.03 → 3; ln 0.95 / ln 0.95 = 1 (and 0.95 ≥ 0.95) → 2.
    expect(minimumTrafficLightWindow(0.01)).toBe(6);
    expect(minimumTrafficLightWindow(1 - 0.99)).toBe(6);
    expect(minimumTrafficLightWindow(0.025)).toBe(3);
    expect(minimumTrafficLightWindow(0.05)).toBe(2);
    fc.assert(
      fc.property(fc.double({ min: 1e-4, max: 0.5, noNaN: true }), (p) => {
        const n = minimumTrafficLightWindow(p);
        expect(binomialCumulative(0, n, p)).toBeLessThan(0.95);
        if (n > 1) expect(binomialCumulative(0, n - 1, p)).toBeGreaterThanOrEqual(0.95);
      }),
    );
    expect(() => minimumTrafficLightWindow(0)).toThrow(expect.objectContaining({ field: 'p' }));
  });
});
