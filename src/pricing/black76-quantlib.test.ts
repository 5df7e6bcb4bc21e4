/**
 * Agreement with QuantLib (DESIGN.md "Quality bar": an independent reference for option prices).
 * The fixture is produced by scripts/quantlib/generate-black76-fixture.py; its header states the conventions.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { black76Greeks, createGreeks, type OptionGreeks } from './black76-greeks.js';
import { black76Price } from './black76-price.js';

interface QuantLibCase extends OptionGreeks {
  readonly id: string;
  readonly isCall: boolean;
  readonly forward: number;
  readonly strike: number;
  readonly days: number;
  readonly dayCounter: string;
  readonly tau: number;
  readonly vol: number;
  readonly rate: number;
  /** Published value for the methods/var-es.md §12 oracle cases. */
  readonly published?: number;
}

interface QuantLibFixture {
  readonly quantlibVersion: string;
  readonly seed: number;
  readonly cases: readonly QuantLibCase[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../../test/fixtures/quantlib-black76.json', import.meta.url), 'utf8'),
) as QuantLibFixture;

/**
 * Price and greeks must agree within 1e-10 relative or 1e-12 absolute, whichever is looser. The absolute floor is
 * needed only where QuantLib itself is inaccurate: far out of the money, F·N(d1) − K·N(d2) cancels and QuantLib's
 * N(x) = ½(1 + erf(x/√2)) carries ~1e-16 absolute error, e.g. 3.9e-9 relative on a 1.8e-6 price (100 → 200
 * strike, 2 years, 10 % vol), where we are within 5e-14 of a 60-digit computation (black76-price.test.ts).
 */
const RELATIVE_TOLERANCE = 1e-10;
const ABSOLUTE_TOLERANCE = 1e-12;

const GREEK_NAMES = ['price', 'delta', 'gamma', 'vega', 'theta'] as const;

function withinTolerance(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= Math.max(RELATIVE_TOLERANCE * Math.abs(expected), ABSOLUTE_TOLERANCE);
}

describe('QuantLib Black-76 fixture', () => {
  it('is the fixture we expect (QuantLib version, size, coverage of the input box)', () => {
    expect(fixture.quantlibVersion).toMatch(/^\d+\.\d+/);
    expect(fixture.seed).toBe(20261121);
    const cases = fixture.cases;
    expect(cases.length).toBeGreaterThanOrEqual(240);
    expect(cases.filter((c) => c.isCall).length).toBeGreaterThan(100);
    expect(cases.filter((c) => !c.isCall).length).toBeGreaterThan(100);
    const ratios = cases.map((c) => c.strike / c.forward);
    expect(Math.min(...ratios)).toBeLessThanOrEqual(0.5 + 1e-12);
    expect(Math.max(...ratios)).toBeGreaterThanOrEqual(2 - 1e-12);
    expect(Math.min(...cases.map((c) => c.days))).toBe(1);
    expect(Math.max(...cases.map((c) => c.days))).toBe(730);
    expect(Math.min(...cases.map((c) => c.vol))).toBe(0.1);
    expect(Math.max(...cases.map((c) => c.vol))).toBe(2);
    expect(Math.min(...cases.map((c) => c.rate))).toBe(-0.01);
    expect(Math.max(...cases.map((c) => c.rate))).toBe(0.1);
    for (const c of cases) {
      // Actual365Fixed with integer days (Actual360 for the oracle cases): τ must be exactly days/basis.
      expect(c.tau).toBe(c.days / (c.dayCounter === 'Actual/360' ? 360 : 365));
    }
  });

  it('black76Price agrees with QuantLib NPV on every case', () => {
    const failures: string[] = [];
    for (const c of fixture.cases) {
      const price = black76Price(c.isCall, c.forward, c.strike, c.tau, c.vol, Math.exp(-c.rate * c.tau));
      if (!withinTolerance(price, c.price)) failures.push(`${c.id}: ours ${price}, QuantLib ${c.price}`);
    }
    expect(failures).toEqual([]);
  });

  it.each(GREEK_NAMES)('black76Greeks %s agrees with QuantLib on every case', (name) => {
    const out = createGreeks();
    const failures: string[] = [];
    for (const c of fixture.cases) {
      black76Greeks(c.isCall, c.forward, c.strike, c.tau, c.vol, c.rate, out);
      if (!withinTolerance(out[name], c[name])) failures.push(`${c.id}: ours ${out[name]}, QuantLib ${c[name]}`);
    }
    expect(failures).toEqual([]);
  });

  it('QuantLib reproduces the published oracle values it was generated with', () => {
    const oracles = fixture.cases.filter((c) => c.published !== undefined);
    expect(oracles.map((c) => c.id)).toEqual([
      'oracle-hull-bs-call',
      'oracle-hull-bs-put',
      'oracle-haug-b76-call',
      'oracle-haug-b76-put',
    ]);
    for (const c of oracles) expect(Math.abs(c.price - (c.published ?? Number.NaN))).toBeLessThan(5e-11);
  });
});
