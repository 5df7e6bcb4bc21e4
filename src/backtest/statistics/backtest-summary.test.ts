import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exceptionIndicators, summariseBacktest, summariseExceptions } from './backtest-summary.js';

/**
 * The MathWorks varbacktest example in one series (backtesting.md §2–§4): T = 1043, 57 exceptions at 95 %, first
 * on day 58, transition counts 932/53/53/4 (see christoffersen.test.ts for the construction).
 */
function mathworksIndicators(): Uint8Array {
  const s: number[] = new Array<number>(57).fill(0);
  for (let b = 0; b < 53; b++) {
    if (b > 0) s.push(...new Array<number>(17).fill(0));
    s.push(...(b < 4 ? [1, 1] : [1]));
  }
  while (s.length < 1043) s.push(0);
  return Uint8Array.from(s);
}

/** P&L / VaR with those exceptions: VaR 10; an exception day loses 15, other days alternate −2 / +3. */
function mathworksPnl(): { pnl: Float64Array; var: Float64Array } {
  const ind = mathworksIndicators();
  const pnl = Float64Array.from(ind, (v, t) => (v === 1 ? -15 : t % 2 === 0 ? -2 : 3));
  return { pnl, var: new Float64Array(ind.length).fill(10) };
}

describe('summariseExceptions', () => {
  it('reproduces every MathWorks vector on the example series', () => {
    const s = summariseExceptions(mathworksIndicators(), 0.95);
    expect(s.T).toBe(1043);
    expect(s.exceptions).toBe(57);
    expect(s.exceptionRate).toBeCloseTo(57 / 1043, 15);
    expect(s.expected).toBeCloseTo(52.15, 10);
    expect(s.pof.stat).toBeCloseTo(0.46147, 5);
    expect(s.pof.p).toBeCloseTo(0.49694, 5);
    expect(s.tuff.v).toBe(58);
    expect(s.tuff.stat!).toBeCloseTo(1.7354, 4);
    expect(s.tuff.p!).toBeCloseTo(0.18773, 5);
    expect(s.independence.counts).toEqual({ n00: 932, n01: 53, n10: 53, n11: 4 });
    expect(s.independence.stat).toBeCloseTo(0.25866, 5);
    expect(s.independence.p).toBeCloseTo(0.61104, 5);
    expect(s.conditionalCoverage.stat).toBeCloseTo(0.72013, 5);
    expect(s.conditionalCoverage.p).toBeCloseTo(0.69763, 5);
  });

  it('traffic light uses the last 250 days', () => {
    const ind = new Uint8Array(1000);
    ind.fill(1, 0, 30); // 30 old exceptions, outside the window
    for (const t of [800, 850, 900, 950, 960, 999]) ind[t] = 1; // 6 in the last 250
    const s = summariseExceptions(ind, 0.99);
    expect(s.trafficLight).toMatchObject({ zone: 'yellow', window: 250, exceptions: 6, plus: 0.5, multiplier: 3.5 });
  });

  it('shorter samples use the whole sample with the same binomial rule', () => {
    const s = summariseExceptions(new Uint8Array(100), 0.99);
    expect(s.trafficLight).toMatchObject({ zone: 'green', window: 100, exceptions: 0, plus: 0, multiplier: 3 });
  });

  it('no exception: TUFF fields undefined (absent in JSON)', () => {
    const s = summariseExceptions(new Uint8Array(50), 0.99);
    expect(s.tuff).toEqual({ v: undefined, stat: undefined, p: undefined });
    expect(JSON.parse(JSON.stringify(s)).tuff).toEqual({});
  });
});

describe('summariseBacktest', () => {
  it('an exception is loss > VaR: L_t = −pnl_t > var_t (a loss equal to VaR is not one)', () => {
    expect(Array.from(exceptionIndicators(Float64Array.from([-10, -10.000001, 5, -3]), Float64Array.from([10, 10, 1, 2])))).toEqual([0, 1, 0, 1]);
  });

  it('gives the exception statistics of summariseExceptions on the same series', () => {
    const input = mathworksPnl();
    const s = summariseBacktest({ ...input, coverage: 0.95 });
    const e = summariseExceptions(mathworksIndicators(), 0.95);
    expect(s).toMatchObject(e);
    expect(s.acerbiSzekely).toBeUndefined();
    expect(s.averageMargin).toBe(10);
    expect(s.procyclicality).toEqual({ peakToTrough: 1, max1Day: 1, max30Day: 1 });
  });

  it('coverage ratio = Σ margin / Σ loss over the loss days', () => {
    const s = summariseBacktest({
      pnl: Float64Array.from([-5, 10, -15, 0]),
      var: Float64Array.from([8, 8, 8, 8]),
      margin: Float64Array.from([10, 20, 30, 40]),
      coverage: 0.99,
    });
    expect(s.coverageRatio).toBeCloseTo((10 + 30) / (5 + 15), 15);
    expect(s.averageMargin).toBe(25);
    expect(s.exceptions).toBe(1);
    expect(s.procyclicality.max1Day).toBe(2);
    expect(s.procyclicality.peakToTrough).toBe(4);
    expect(summariseBacktest({ pnl: Float64Array.from([1, 2]), var: Float64Array.from([1, 1]), coverage: 0.99 }).coverageRatio).toBeUndefined();
  });

  it('Z1/Z2 use var when coverage = 1 − esAlpha', () => {
    const pnl = Float64Array.from([5, -12, -3, -30]);
    const v = Float64Array.from([10, 10, 10, 20]);
    const es = Float64Array.from([15, 15, 15, 25]);
    const s = summariseBacktest({ pnl, var: v, es, coverage: 0.75, esAlpha: 0.25 });
    expect(s.acerbiSzekely).toMatchObject({ alpha: 0.25, exceedances: 2, z1: 0, z2: -1, critical: undefined });
    expect(s.notes).toEqual([]);
    // 1 − 0.975 is 0.025000000000000022 in doubles: still the same level.
    expect(summariseBacktest({ pnl, var: v, es, coverage: 0.975 }).acerbiSzekely).toBeDefined();
  });

  it('Z1/Z2 at a different ES level need esVar; without it they are skipped with a note', () => {
    const pnl = Float64Array.from([5, -12, -3, -30]);
    const v = Float64Array.from([10, 10, 10, 20]);
    const es = Float64Array.from([15, 15, 15, 25]);
    const skipped = summariseBacktest({ pnl, var: v, es, coverage: 0.99 });
    expect(skipped.acerbiSzekely).toBeUndefined();
    expect(skipped.notes[0]).toMatch(/VaR at the ES level 97\.5 %/);
    const withEsVar = summariseBacktest({ pnl, var: Float64Array.from([20, 20, 20, 40]), esVar: v, es, coverage: 0.99, esAlpha: 0.25 });
    expect(withEsVar.exceptions).toBe(0);
    expect(withEsVar.acerbiSzekely).toMatchObject({ exceedances: 2, z2: -1 });
  });

  it('adds a simulated Z2 critical value on request', () => {
    const pnl = Float64Array.from({ length: 250 }, (_, t) => (t % 25 === 0 ? -30 : 1));
    const v = new Float64Array(250).fill(20);
    const es = new Float64Array(250).fill(25);
    const s = summariseBacktest({ pnl, var: v, es, coverage: 0.975, z2Test: { level: 0.95, distribution: 'normal', simulations: 2000, seed: 1 } });
    // 10 exceedances of −30 against ES 25 where 6.25 were expected: Z2 = 1 − 10·1.2/6.25 = −0.92.
    expect(s.acerbiSzekely!.z2).toBeCloseTo(-0.92, 12);
    expect(s.acerbiSzekely!.critical).toMatchObject({ level: 0.95, distribution: 'normal', simulations: 2000, seed: 1, rejected: true });
    expect(s.acerbiSzekely!.critical!.value).toBeLessThan(-0.5);
  });

  it('is JSON-friendly (round-trips without loss apart from undefined fields)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: -50, max: 50, noNaN: true }), fc.double({ min: 0, max: 30, noNaN: true })), { minLength: 1, maxLength: 120 }), (rows) => {
        const s = summariseBacktest({ pnl: Float64Array.from(rows, (r) => r[0]), var: Float64Array.from(rows, (r) => r[1]), coverage: 0.99 });
        const text = JSON.stringify(s);
        expect(text).not.toMatch(/null|NaN|Infinity/);
        expect(JSON.parse(text).exceptions).toBe(s.exceptions);
      }),
    );
  });

  it('rejects bad series naming the day, and bad levels naming the option', () => {
    const pnl = Float64Array.from([1, 2, 3]);
    expect(() => summariseBacktest({ pnl, var: Float64Array.from([1, -1, 1]), coverage: 0.99 })).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID', field: 'var.1' }));
    expect(() => summariseBacktest({ pnl, var: Float64Array.from([1, NaN, 1]), coverage: 0.99 })).toThrow(expect.objectContaining({ field: 'var.1' }));
    expect(() => summariseBacktest({ pnl, var: Float64Array.from([1, 1]), coverage: 0.99 })).toThrow(expect.objectContaining({ field: 'var' }));
    expect(() => summariseBacktest({ pnl, var: Float64Array.from([1, 1, 1]), coverage: 99 })).toThrow(expect.objectContaining({ code: 'USAGE_INVALID', field: 'coverage' }));
    expect(() => summariseBacktest({ pnl, var: Float64Array.from([1, 1, 1]), coverage: 0.99, esAlpha: 0 })).toThrow(expect.objectContaining({ field: 'esAlpha' }));
    expect(() => summariseBacktest({ pnl: new Float64Array(0), var: new Float64Array(0), coverage: 0.99 })).toThrow(expect.objectContaining({ code: 'USAGE_INVALID' }));
  });
});

describe('traffic-light window (BCBS 1996 binomial zones computed for N days)', () => {
  /** x exceptions, all on the last days of a T-day series. */
  function lastExceptions(T: number, x: number): Uint8Array {
    const ind = new Uint8Array(T);
    ind.fill(1, T - x, T);
    return ind;
  }

  it('N = 250 gives the published thresholds exactly: green up to 4, yellow 5–9, red from 10', () => {
    for (const [x, zone] of [[4, 'green'], [5, 'yellow'], [9, 'yellow'], [10, 'red']] as const) {
      const s = summariseExceptions(lastExceptions(1000, x), 0.99, { window: 250 });
      expect(s.trafficLight).toMatchObject({ window: 250, yellowFrom: 5, redFrom: 10, exceptions: x, zone });
    }
    // The default is the same window.
    expect(summariseExceptions(lastExceptions(1000, 4), 0.99).trafficLight).toMatchObject({ window: 250, yellowFrom: 5, redFrom: 10 });
  });

  it('other N take the zones of the same binomial rule; "full" is all T days', () => {
    const ind = new Uint8Array(1000);
    for (let t = 0; t < 1000; t += 100) ind[t] = 1; // 10 exceptions spread over 1000 days
    expect(summariseExceptions(ind, 0.99).trafficLight).toMatchObject({ window: 250, exceptions: 2, zone: 'green' });
    expect(summariseExceptions(ind, 0.99, { window: 500 }).trafficLight).toMatchObject({ window: 500, yellowFrom: 9, redFrom: 15, exceptions: 5, zone: 'green' });
    expect(summariseExceptions(ind, 0.99, { window: 'full' }).trafficLight).toMatchObject({ window: 1000, yellowFrom: 15, redFrom: 24, exceptions: 10, zone: 'green' });
    expect(summariseExceptions(ind, 0.99, { window: 100 }).trafficLight).toMatchObject({ window: 100, yellowFrom: 3, redFrom: 6, exceptions: 1 });
    // The other statistics do not depend on the window.
    expect({ ...summariseExceptions(ind, 0.99, { window: 500 }), trafficLight: undefined }).toEqual({ ...summariseExceptions(ind, 0.99), trafficLight: undefined });
    // summariseBacktest passes it on.
    const pnl = Float64Array.from(ind, (v) => (v === 1 ? -20 : 1));
    expect(summariseBacktest({ pnl, var: new Float64Array(1000).fill(10), coverage: 0.99, window: 'full' }).trafficLight.window).toBe(1000);
  });

  it('a window shorter than the minimum, longer than the data, or not an integer is refused naming the field', () => {
    const ind = new Uint8Array(300);
    expect(summariseExceptions(ind, 0.99, { window: 6 }).trafficLight.window).toBe(6);
    for (const window of [5, 0, -1, 250.5, 301, Number.NaN]) {
      expect(() => summariseExceptions(ind, 0.99, { window })).toThrow(expect.objectContaining({ code: 'USAGE_INVALID', field: 'window' }));
    }
    expect(() => summariseExceptions(ind, 0.99, { window: 5 })).toThrow(/window: must be a whole number of days ≥ 6/);
    expect(() => summariseExceptions(ind, 0.99, { window: 301 })).toThrow(/window: 301 days is more than the 300 days available/);
    expect(() => summariseExceptions(new Uint8Array(5), 0.99, { window: 'full' })).toThrow(/window: the full sample has 5 days, fewer than 6/);
    // The default keeps the old behaviour on short samples (the whole sample, however short).
    expect(summariseExceptions(new Uint8Array(5), 0.99).trafficLight).toMatchObject({ window: 5, zone: 'green' });
  });
});
