import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { mulberry32 } from '../core/seeded-random.js';
import type { InstrumentSpec } from '../instruments/instrument-spec.js';
import { parseMarketSnapshot } from '../market/market-snapshot.js';
import { black76Price } from '../pricing/black76-price.js';
import { black76UndiscountedCody } from '../pricing/black76-price-cody.js';
import { inverseOptionPrice } from '../pricing/inverse-option.js';
import { buildPriceVolGrid } from '../scenarios/price-vol-grid.js';
import type { ScenarioSet, VolShiftMode } from '../scenarios/scenario-set.js';
import { compileRevaluation } from './compile-revaluation.js';
import { KIND_CALL, KIND_DELTA_ONE, KIND_PUT, MIN_SCENARIO_VOL, type RevaluationPlan } from './revaluation-plan.js';
import { revalueKernel } from './revalue-kernel.js';
import { FAST_PATH_MIN_SCENARIOS, revalueKernelFast, revaluationScratchLength } from './revalue-kernel-fast.js';

const UNDERLYINGS = ['BTC', 'ETH', 'SPX'];

interface Shape {
  readonly seed: number;
  readonly instruments: number;
  readonly scenarios: number;
  readonly volShiftMode: VolShiftMode;
  readonly timeSteps: 'none' | 'uniform' | 'mixed';
  readonly weights: 'one' | 'random';
  readonly baseValues: 'model' | 'zero';
}

/**
 * A random plan and scenario set within bounded, realistic ranges: calls, puts and delta-one, linear and inverse,
 * an underlying the set does not move, strikes 0.3–3 × forward, 1 day–3 years, vol 5–200 %, rates −2…10 %,
 * moves −30 %…+30 % (some exactly 0), vol shifts that hit the floor.
 */
function randomCase(shape: Shape): { plan: RevaluationPlan; set: ScenarioSet } {
  const next = mulberry32(shape.seed);
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * next();
  const n = shape.instruments;
  const plan: RevaluationPlan = {
    instrumentCount: n,
    kind: new Int32Array(n),
    inverse: new Int32Array(n),
    underlyingIndex: new Int32Array(n),
    reference: new Float64Array(n),
    strike: new Float64Array(n),
    tau: new Float64Array(n),
    rate: new Float64Array(n),
    vol: new Float64Array(n),
    multiplier: new Float64Array(n),
    baseValue: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const r = next();
    plan.kind[i] = r < 0.15 ? KIND_DELTA_ONE : r < 0.575 ? KIND_CALL : KIND_PUT;
    plan.inverse[i] = next() < 0.4 ? 1 : 0;
    plan.underlyingIndex[i] = next() < 0.1 ? -1 : Math.floor(next() * UNDERLYINGS.length);
    plan.reference[i] = Math.exp(uniform(Math.log(10), Math.log(1e5)));
    plan.strike[i] = plan.reference[i]! * Math.exp(uniform(Math.log(0.3), Math.log(3)));
    plan.tau[i] = next() < 0.1 ? 1 / 365 : uniform(1 / 365, 3);
    plan.rate[i] = uniform(-0.02, 0.1);
    plan.vol[i] = uniform(0.05, 2);
    plan.multiplier[i] = next() < 0.5 ? 1 : uniform(0.1, 100);
    if (plan.kind[i] !== KIND_DELTA_ONE && shape.baseValues === 'model') {
      // As compileRevaluation computes it.
      const isCall = plan.kind[i] === KIND_CALL;
      const df = Math.exp(-plan.rate[i]! * plan.tau[i]!);
      plan.baseValue[i] = plan.inverse[i] === 1
        ? inverseOptionPrice(isCall, plan.reference[i]!, plan.strike[i]!, plan.tau[i]!, plan.vol[i]!, df)
        : black76Price(isCall, plan.reference[i]!, plan.strike[i]!, plan.tau[i]!, plan.vol[i]!, df);
    }
  }
  const count = shape.scenarios;
  const cells = UNDERLYINGS.length * count;
  const priceMove = new Float64Array(cells);
  const volShift = new Float64Array(cells);
  for (let k = 0; k < cells; k++) {
    priceMove[k] = next() < 0.1 ? 0 : uniform(-0.3, 0.3);
    volShift[k] = next() < 0.1 ? 0 : shape.volShiftMode === 'absolute' ? uniform(-0.3, 0.5) : uniform(-0.95, 1);
  }
  const step = Math.ceil(next() * 10) / 365;
  const timeStep = new Float64Array(count).map(() =>
    shape.timeSteps === 'none' ? 0 : shape.timeSteps === 'uniform' ? step : uniform(0, 0.05),
  );
  const weight = new Float64Array(count).map(() => (shape.weights === 'one' ? 1 : next()));
  const set: ScenarioSet = {
    count,
    underlyings: UNDERLYINGS,
    ids: Array.from({ length: count }, (_, s) => String(s + 1)),
    labels: Array.from({ length: count }, (_, s) => `scenario ${s + 1}`),
    priceMove,
    volShift,
    volShiftMode: shape.volShiftMode,
    timeStep,
    weight,
  };
  return { plan, set };
}

const shapeArbitrary = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  instruments: fc.integer({ min: 1, max: 12 }),
  // Mostly enough scenarios for the fast path, sometimes fewer (those rows go to the reference).
  scenarios: fc.oneof(fc.integer({ min: 8, max: 40 }), fc.integer({ min: 8, max: 40 }), fc.integer({ min: 1, max: 7 })),
  volShiftMode: fc.constantFrom<VolShiftMode>('absolute', 'relative'),
  timeSteps: fc.constantFrom<Shape['timeSteps']>('none', 'none', 'uniform', 'mixed'),
  weights: fc.constantFrom<Shape['weights']>('one', 'random'),
  baseValues: fc.constantFrom<Shape['baseValues']>('model', 'model', 'zero'),
});

function runBoth(plan: RevaluationPlan, set: ScenarioSet): { reference: Float64Array; fast: Float64Array } {
  const reference = new Float64Array(plan.instrumentCount * set.count);
  const fast = new Float64Array(plan.instrumentCount * set.count).fill(Number.NaN);
  revalueKernel(plan, set, reference);
  revalueKernelFast(plan, set, fast, new Float64Array(revaluationScratchLength(set)));
  return { reference, fast };
}

/**
 * Cells where fast and reference differ by more than 1e-12 of the cell's value scale: |P&L| + |mult·weight|·|base|
 * (the sizes of the two values the P&L is the difference of), with a floor at 1e-15 of the position's notional
 * (|mult·weight|·F′ quote currency for linear options, |mult·weight| coin for inverse ones), the rounding of
 * F′·N(d1) − K·N(d2) itself, which is what far out-of-the-money values are made of.
 */
function mismatches(plan: RevaluationPlan, set: ScenarioSet, reference: Float64Array, fast: Float64Array): string[] {
  const out: string[] = [];
  for (let i = 0; i < plan.instrumentCount; i++) {
    const u = plan.underlyingIndex[i]!;
    for (let s = 0; s < set.count; s++) {
      const k = i * set.count + s;
      const scale = Math.abs(plan.multiplier[i]! * set.weight[s]!);
      const forward = plan.reference[i]! * (1 + (u < 0 ? 0 : set.priceMove[u * set.count + s]!));
      const notional = scale * (plan.inverse[i] === 1 ? 1 : forward);
      const tolerance = 1e-12 * (Math.abs(reference[k]!) + scale * Math.abs(plan.baseValue[i]!)) + 1e-15 * notional;
      if (!(Math.abs(fast[k]! - reference[k]!) <= tolerance)) {
        out.push(`instrument ${i} (kind ${plan.kind[i]}, inverse ${plan.inverse[i]}) scenario ${s}: fast ${fast[k]}, reference ${reference[k]}`);
      }
    }
  }
  return out;
}

describe('revalueKernelFast: the fast twin of revalueKernel', () => {
  it('equals the reference kernel to 1e-12 relative on random plans and scenario sets', () => {
    fc.assert(
      fc.property(shapeArbitrary, (shape) => {
        const { plan, set } = randomCase(shape);
        const { reference, fast } = runBoth(plan, set);
        expect(mismatches(plan, set, reference, fast)).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it('is cell for cell identical to the reference on rows it leaves to it (delta-one, unmoved underlying, mixed time steps)', () => {
    fc.assert(
      fc.property(shapeArbitrary, (shape) => {
        const { plan, set } = randomCase(shape);
        const { reference, fast } = runBoth(plan, set);
        const mixedSteps = set.timeStep.some((dt) => dt !== set.timeStep[0]);
        for (let i = 0; i < plan.instrumentCount; i++) {
          const referenceRow =
            plan.kind[i] === KIND_DELTA_ONE || plan.underlyingIndex[i]! < 0 || mixedSteps || set.count < FAST_PATH_MIN_SCENARIOS;
          if (!referenceRow) continue;
          for (let s = 0; s < set.count; s++) expect(Object.is(fast[i * set.count + s], reference[i * set.count + s])).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('computes each option cell as black76UndiscountedCody does, bit for bit (the inlined copy has no typo)', () => {
    fc.assert(
      fc.property(shapeArbitrary, (shape) => {
        const scenarios = Math.max(FAST_PATH_MIN_SCENARIOS, shape.scenarios);
        const { plan, set } = randomCase({ ...shape, scenarios, timeSteps: 'none', weights: 'one', baseValues: 'model' });
        const { fast } = runBoth(plan, set);
        for (let i = 0; i < plan.instrumentCount; i++) {
          const u = plan.underlyingIndex[i]!;
          if (plan.kind[i] === KIND_DELTA_ONE || u < 0 || plan.inverse[i] === 1) continue;
          const omega = plan.kind[i] === KIND_CALL ? 1 : -1;
          const ref = plan.reference[i]!;
          const strike = plan.strike[i]!;
          const vol0 = plan.vol[i]!;
          const sqrtTau = Math.sqrt(plan.tau[i]!);
          const df = Math.exp(-plan.rate[i]! * plan.tau[i]!);
          const moneyness = ref / strike;
          // The kernel's base: its own value at the base point, plus the plan's deviation from the reference (0 here).
          const base0 = df * black76UndiscountedCody(omega, ref, strike, Math.log(moneyness), moneyness, vol0 * sqrtTau);
          const base = base0 + (plan.baseValue[i]! - black76Price(omega === 1, ref, strike, plan.tau[i]!, vol0, df));
          for (let s = 0; s < set.count; s++) {
            const move = set.priceMove[u * set.count + s]!;
            const shift = set.volShift[u * set.count + s]!;
            const shifted = set.volShiftMode === 'relative' ? vol0 * (1 + shift) : vol0 + shift;
            const vol1 = shifted > MIN_SCENARIO_VOL ? shifted : MIN_SCENARIO_VOL;
            const value = black76UndiscountedCody(omega, ref * (1 + move), strike, Math.log(moneyness) + Math.log1p(move), moneyness * (1 + move), vol1 * sqrtTau);
            expect(fast[i * set.count + s]).toBe(plan.multiplier[i]! * (df * value - base) * 1);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('gives exactly 0 for a scenario that moves nothing, as the reference does', () => {
    const { plan, set } = randomCase({ seed: 7, instruments: 40, scenarios: 12, volShiftMode: 'relative', timeSteps: 'none', weights: 'one', baseValues: 'model' });
    set.priceMove.fill(0);
    set.volShift.fill(0);
    const { fast } = runBoth(plan, set);
    expect(fast.every((x) => x === 0)).toBe(true);
  });

  it('writes every cell (no stale values) and agrees with the reference on large sets', () => {
    const { plan, set } = randomCase({ seed: 20261121, instruments: 60, scenarios: 1000, volShiftMode: 'absolute', timeSteps: 'uniform', weights: 'random', baseValues: 'model' });
    const { reference, fast } = runBoth(plan, set);
    expect(fast.some((x) => Number.isNaN(x))).toBe(false);
    expect(mismatches(plan, set, reference, fast)).toEqual([]);
  });

  it('propagates NaN inputs like the reference and survives degenerate options', () => {
    const { plan, set } = randomCase({ seed: 11, instruments: 12, scenarios: 10, volShiftMode: 'absolute', timeSteps: 'none', weights: 'one', baseValues: 'model' });
    plan.strike[1] = 0; // strike ≤ 0
    plan.vol[2] = 0; // zero vol
    plan.tau[3] = 0; // expired
    plan.tau[4] = 1e-30; // σ√τ below BLACK76_MIN_STD_DEV
    plan.reference[5] = Number.NaN;
    set.priceMove[2] = Number.NaN;
    set.volShift[3] = Number.POSITIVE_INFINITY;
    const { reference, fast } = runBoth(plan, set);
    for (let k = 0; k < reference.length; k++) {
      if (Number.isNaN(reference[k])) expect(fast[k]).toBeNaN();
      else expect(Math.abs(fast[k]! - reference[k]!)).toBeLessThanOrEqual(1e-12 * (Math.abs(reference[k]!) + 1e5));
    }
  });

  it('refuses a scratch buffer that is too short', () => {
    const { plan, set } = randomCase({ seed: 3, instruments: 2, scenarios: 4, volShiftMode: 'absolute', timeSteps: 'none', weights: 'one', baseValues: 'model' });
    const out = new Float64Array(plan.instrumentCount * set.count);
    expect(() => revalueKernelFast(plan, set, out, new Float64Array(revaluationScratchLength(set) - 1))).toThrow(RangeError);
  });
});

describe('revalueKernelFast on compiled instruments (the reference kernel test’s book)', () => {
  const market = parseMarketSnapshot({
    asOf: '2024-06-17T08:00:00Z',
    underlyings: { BTC: { index: 66000, rate: 0.03, vol: { atm: 0.55 } }, SPX: { index: 5400, rate: 0.05, vol: { atm: 0.14 } } },
  });
  const specs: InstrumentSpec[] = [
    { symbol: 'BTC-PERPETUAL', kind: 'perpetual', underlying: 'BTC', multiplier: 10, settlement: 'inverse', currency: 'BTC' },
    { symbol: 'BTC-27DEC24-60000-C', kind: 'option', underlying: 'BTC', expiry: '2024-12-27', strike: 60000, right: 'call', multiplier: 1, settlement: 'inverse', currency: 'BTC' },
    { symbol: 'SPXP5000', kind: 'option', underlying: 'SPX', expiry: '2024-09-20', strike: 5000, right: 'put', multiplier: 100, settlement: 'linear', currency: 'USD' },
    { symbol: 'ESU4', kind: 'future', underlying: 'SPX', expiry: '2024-09-20', multiplier: 50, settlement: 'linear', currency: 'USD' },
  ];

  it('agrees with the reference on a SPAN-style grid with a time step and weighted extremes', () => {
    const set = buildPriceVolGrid({
      priceSteps: 3,
      volShiftMode: 'absolute',
      extreme: { multiplier: 2, coveredFraction: 0.35 },
      timeStep: 2 / 365,
      underlyings: new Map([
        ['BTC', { priceRange: 0.2, volShifts: [0.1, 0, -0.1] }],
        ['SPX', { priceRange: 0.08, volShifts: [0.05, 0, -0.05] }],
      ]),
    });
    const plan = compileRevaluation(specs, market, set);
    const { reference, fast } = runBoth(plan, set);
    expect(mismatches(plan, set, reference, fast)).toEqual([]);
  });

  it('floors a vol shift below zero instead of producing NaN', () => {
    const crash = buildPriceVolGrid({ priceSteps: 4, volShiftMode: 'absolute', timeStep: 0, underlyings: new Map([['BTC', { priceRange: 0.1, volShifts: [-5] }], ['SPX', { priceRange: 0.1, volShifts: [-5] }]]) });
    const plan = compileRevaluation(specs, market, crash);
    const { reference, fast } = runBoth(plan, crash);
    expect(fast.every((x) => Number.isFinite(x))).toBe(true);
    expect(mismatches(plan, crash, reference, fast)).toEqual([]);
  });

  it('gives exactly 0 in the unchanged scenario of a grid without time decay', () => {
    const still = buildPriceVolGrid({ priceSteps: 4, volShiftMode: 'relative', timeStep: 0, underlyings: new Map([['BTC', { priceRange: 0.1, volShifts: [0] }], ['SPX', { priceRange: 0.1, volShifts: [0] }]]) });
    const plan = compileRevaluation(specs, market, still);
    const { fast } = runBoth(plan, still);
    expect(still.count).toBeGreaterThanOrEqual(FAST_PATH_MIN_SCENARIOS);
    for (let i = 0; i < specs.length; i++) expect(fast[i * still.count + 4]).toBe(0); // scenario 5 = price unchanged
  });
});
