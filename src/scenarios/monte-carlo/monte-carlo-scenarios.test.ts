import { existsSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import tPdf from '@stdlib/stats-base-dists-t-pdf';
import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../../core/errors.js';
import { drawFactorReturns, factorLoadings } from './factor-model.js';
import {
  buildMonteCarloScenarios,
  chunkBoundaries,
  generateMonteCarloMoves,
  planMonteCarlo,
  type MonteCarloOptions,
} from './monte-carlo-scenarios.js';

const base: MonteCarloOptions = {
  underlyings: ['BTC', 'ETH', 'SOL'],
  vols: Float64Array.of(0.03, 0.04, 0.05),
  correlation: Float64Array.of(1, 0.8, 0.6, 0.8, 1, 0.7, 0.6, 0.7, 1),
  paths: 1000,
  seed: 20240617,
  distribution: 'normal',
  horizonDays: 1,
};

function bitsEqual(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Empirical p-quantile (p small) by sorting a copy. */
function lowerQuantile(xs: Float64Array, p: number): number {
  const sorted = Float64Array.from(xs).sort();
  return sorted[Math.ceil(p * xs.length) - 1]!;
}

/** Log returns x = ln(1 + move) of underlying u. */
function logReturns(priceMove: Float64Array, u: number, count: number): Float64Array {
  const out = new Float64Array(count);
  for (let s = 0; s < count; s++) out[s] = Math.log1p(priceMove[u * count + s]!);
  return out;
}

function sd(xs: Float64Array): number {
  let m = 0;
  for (const x of xs) m += x;
  m /= xs.length;
  let v = 0;
  for (const x of xs) v += (x - m) ** 2;
  return Math.sqrt(v / (xs.length - 1));
}

function correlation(x: Float64Array, y: Float64Array): number {
  let sx = 0;
  let sy = 0;
  let sxy = 0;
  for (let i = 0; i < x.length; i++) {
    sx += x[i]! * x[i]!;
    sy += y[i]! * y[i]!;
    sxy += x[i]! * y[i]!;
  }
  return sxy / Math.sqrt(sx * sy);
}

function errorOf(f: () => unknown): CrossmarginError {
  try {
    f();
  } catch (e) {
    if (e instanceof CrossmarginError) return e;
    throw e;
  }
  throw new Error('expected a CrossmarginError');
}

describe('buildMonteCarloScenarios: the ScenarioSet shape', () => {
  const set = buildMonteCarloScenarios(base);
  it('has ids mc-1.., unit weights, no time step, vol unchanged (relative 0)', () => {
    expect(set.count).toBe(1000);
    expect(set.underlyings).toEqual(['BTC', 'ETH', 'SOL']);
    expect(set.ids[0]).toBe('mc-1');
    expect(set.ids[999]).toBe('mc-1000');
    expect(set.priceMove.length).toBe(3000);
    expect(set.volShiftMode).toBe('relative');
    expect(set.volShift.every((v) => v === 0)).toBe(true);
    expect(set.timeStep.every((v) => v === 0)).toBe(true);
    expect(set.weight.every((v) => v === 1)).toBe(true);
  });
  it('labels name the path and its moves: "path 17: BTC −12.3 %, ETH −15.1 %, ..."', () => {
    const s = 16;
    const parts = set.underlyings.map((u, i) => {
      const m = set.priceMove[i * set.count + s]!;
      const text = (Math.abs(m) * 100).toFixed(1);
      return `${u} ${text === '0.0' ? '' : m < 0 ? '−' : '+'}${text} %`;
    });
    expect(set.labels[s]).toBe(`path 17: ${parts.join(', ')}`);
    for (const label of set.labels) expect(label).toMatch(/^path \d+: [A-Z]+ [−+]?\d+\.\d %(, [A-Z]+ [−+]?\d+\.\d %)*$/);
  });
  it('labels keep only the three largest moves, in underlying order', () => {
    const five = buildMonteCarloScenarios({
      ...base,
      underlyings: ['A', 'B', 'C', 'D', 'E'],
      vols: Float64Array.of(0.01, 0.05, 0.02, 0.04, 0.03),
      correlation: undefined,
      factor: { factorIndex: 0, betas: Float64Array.of(1, 0, 0, 0, 0), residualVols: Float64Array.of(0, 1, 1, 1, 1), factorVol: 1 },
      paths: 50,
    });
    for (let s = 0; s < 50; s++) {
      const moves = [0, 1, 2, 3, 4].map((u) => Math.abs(five.priceMove[u * 50 + s]!));
      const top = [0, 1, 2, 3, 4].sort((a, b) => moves[b]! - moves[a]! || a - b).slice(0, 3).sort((a, b) => a - b);
      const named = five.labels[s]!.replace(/^path \d+: /, '').split(', ').map((p) => p.split(' ')[0]);
      expect(named).toEqual(top.map((u) => five.underlyings[u]));
    }
  });
  it('is reproducible from the seed and changes with it', () => {
    expect(bitsEqual(buildMonteCarloScenarios(base).priceMove, set.priceMove)).toBe(true);
    expect(bitsEqual(buildMonteCarloScenarios({ ...base, seed: base.seed + 1 }).priceMove, set.priceMove)).toBe(false);
  });
  it('a path does not depend on how many paths are asked for (path s of 10 = path s of 1000)', () => {
    const short = buildMonteCarloScenarios({ ...base, paths: 10 });
    for (let u = 0; u < 3; u++) for (let s = 0; s < 10; s++) expect(Object.is(short.priceMove[u * 10 + s], set.priceMove[u * 1000 + s])).toBe(true);
  });
});

describe('threads: bit-identical for 1, 2 and 3 threads', () => {
  it('chunk boundaries are contiguous, cover all paths and never produce empty chunks', () => {
    expect(chunkBoundaries(10, 3)).toEqual([0, 3, 6, 10]);
    expect(chunkBoundaries(2, 5)).toEqual([0, 1, 2]);
    expect(chunkBoundaries(7, 1)).toEqual([0, 7]);
  });
  it.each(['normal', 't'] as const)('%s draws: identical Float64Arrays through the chunking code path', (distribution) => {
    const options: MonteCarloOptions = { ...base, paths: 1001, distribution, dof: 4.5, horizonDays: 5 };
    const one = buildMonteCarloScenarios({ ...options, threads: 1 });
    for (const threads of [2, 3, 7]) {
      const many = buildMonteCarloScenarios({ ...options, threads });
      expect(bitsEqual(many.priceMove, one.priceMove)).toBe(true);
      expect(many.labels).toEqual(one.labels);
    }
    // From TypeScript sources there is no compiled worker: the same chunks run in-process.
    const moves = generateMonteCarloMoves(planMonteCarlo(options), 3);
    expect(moves.execution).toBe('in-process');
    expect(moves.chunks).toEqual([0, 333, 667, 1001]);
    expect(bitsEqual(moves.priceMove, one.priceMove)).toBe(true);
  });

  // The compiled build (npm test compiles to dist/ first) has the `.js` worker: run real worker threads there.
  const here = fileURLToPath(new URL('.', import.meta.url));
  const dist = here.replace(/\/src\/scenarios\/monte-carlo\/$/, '/dist/src/scenarios/monte-carlo/');
  const modules = ['counter-rng', '../../numerics/covariance', 'factor-model', 'monte-carlo-kernel', 'monte-carlo-worker', 'monte-carlo-scenarios'];
  const fresh =
    dist !== here &&
    modules.every((m) => existsSync(`${dist}${m}.js`) && statSync(`${dist}${m}.js`).mtimeMs >= statSync(`${here}${m}.ts`).mtimeMs);
  it.skipIf(!fresh)('compiled build: worker threads give the same bits as the in-process run', async () => {
    const compiled = (await import(pathToFileURL(`${dist}monte-carlo-scenarios.js`).href)) as typeof import('./monte-carlo-scenarios.js');
    const options: MonteCarloOptions = { ...base, paths: 3001, distribution: 't', dof: 5 };
    const reference = buildMonteCarloScenarios(options).priceMove;
    for (const threads of [1, 2, 3]) {
      const moves = compiled.generateMonteCarloMoves(compiled.planMonteCarlo(options), threads);
      expect(moves.execution).toBe(threads === 1 ? 'in-process' : 'workers');
      expect(bitsEqual(moves.priceMove, reference)).toBe(true);
    }
  });
});

describe('distribution of the moves (var-es.md §5: MC quantile within 3·SE of the closed form)', () => {
  const paths = 100_000;
  // SE(VaR_p)/σ ≈ √(p(1−p)/N)/φ(z) = 0.01181 for p = 0.01, N = 1e5 (§5).
  const se01 = 0.01181;

  it('normal: the 1 % quantile of the log return is −2.3263·σ within 3·SE', () => {
    const set = buildMonteCarloScenarios({ ...base, paths });
    for (let u = 0; u < 3; u++) {
      const sigma = base.vols[u]!;
      const q = lowerQuantile(logReturns(set.priceMove, u, paths), 0.01);
      expect(Math.abs(q / sigma + 2.326347874)).toBeLessThan(3 * se01);
      expect(Math.abs(sd(logReturns(set.priceMove, u, paths)) / sigma - 1)).toBeLessThan(5 * Math.sqrt(0.5 / paths));
    }
  });
  it('moves are log-normal: price move = e^x − 1 > −1, and the correlations are those asked for', () => {
    const set = buildMonteCarloScenarios({ ...base, paths });
    expect(set.priceMove.every((m) => m > -1)).toBe(true);
    const x = [0, 1, 2].map((u) => logReturns(set.priceMove, u, paths));
    // SE of a sample correlation ≈ (1 − ρ²)/√N.
    expect(Math.abs(correlation(x[0]!, x[1]!) - 0.8)).toBeLessThan((5 * (1 - 0.64)) / Math.sqrt(paths));
    expect(Math.abs(correlation(x[0]!, x[2]!) - 0.6)).toBeLessThan((5 * (1 - 0.36)) / Math.sqrt(paths));
    expect(Math.abs(correlation(x[1]!, x[2]!) - 0.7)).toBeLessThan((5 * (1 - 0.49)) / Math.sqrt(paths));
  });
  it('horizon: the log return scales by exactly √h (same draws)', () => {
    const one = buildMonteCarloScenarios({ ...base, paths: 200 });
    const ten = buildMonteCarloScenarios({ ...base, paths: 200, horizonDays: 10 });
    for (let k = 0; k < one.priceMove.length; k++) {
      expect(Math.log1p(ten.priceMove[k]!)).toBeCloseTo(Math.sqrt(10) * Math.log1p(one.priceMove[k]!), 12);
    }
  });
  it.each([
    [4, 2.6494919068],
    [6, 2.5659780063],
  ])('Student-t ν = %s (unit variance): the 1-percent quantile is −%s·σ within 3·SE', (nu, var99) => {
    const set = buildMonteCarloScenarios({ ...base, underlyings: ['BTC'], vols: Float64Array.of(0.02), correlation: undefined, paths, distribution: 't', dof: nu });
    const x = logReturns(set.priceMove, 0, paths);
    const scale = Math.sqrt((nu - 2) / nu);
    // Density of the unit-variance t at its 1 % quantile, for the quantile's standard error.
    const density = tPdf(-var99 / scale, nu) / scale;
    const se = Math.sqrt(0.01 * 0.99 / paths) / density;
    expect(Math.abs(lowerQuantile(x, 0.01) / 0.02 + var99)).toBeLessThan(3 * se);
    if (nu === 6) expect(Math.abs(sd(x) / 0.02 - 1)).toBeLessThan(0.03);
  });
  it('non-integer ν works and is deterministic', () => {
    const a = buildMonteCarloScenarios({ ...base, distribution: 't', dof: 3.3 });
    const b = buildMonteCarloScenarios({ ...base, distribution: 't', dof: 3.3 });
    expect(bitsEqual(a.priceMove, b.priceMove)).toBe(true);
    expect(a.priceMove.every(Number.isFinite)).toBe(true);
  });
});

describe('factor mode', () => {
  const factor = { factorIndex: 0, betas: Float64Array.of(1, 1.2, 1.5), residualVols: Float64Array.of(0, 0.02, 0.035), factorVol: 0.03 };
  it('draws factor + idiosyncratic normals directly: move = e^x − 1 with x from drawFactorReturns', () => {
    // vols equal to the model's own vols: the rescaling is (numerically) the identity.
    const vols = Float64Array.of(0.03, Math.hypot(1.2 * 0.03, 0.02), Math.hypot(1.5 * 0.03, 0.035));
    const set = buildMonteCarloScenarios({ ...base, correlation: undefined, factor, vols, paths: 50 });
    const loadings = factorLoadings(factor, vols);
    const out = new Float64Array(3);
    const scratch = new Float64Array(4);
    for (let s = 0; s < 50; s++) {
      drawFactorReturns(base.seed, s, loadings, out, scratch);
      for (let u = 0; u < 3; u++) expect(Object.is(set.priceMove[u * 50 + s], Math.expm1(out[u]!))).toBe(true);
    }
  });
  it('marginal vols come from `vols`, dependence from the factor model', () => {
    const paths = 100_000;
    const set = buildMonteCarloScenarios({ ...base, correlation: undefined, factor, paths });
    const x = [0, 1, 2].map((u) => logReturns(set.priceMove, u, paths));
    for (let u = 0; u < 3; u++) expect(Math.abs(sd(x[u]!) / base.vols[u]! - 1)).toBeLessThan(5 * Math.sqrt(0.5 / paths));
    const rho01 = (1.2 * 0.03) / Math.hypot(1.2 * 0.03, 0.02);
    expect(Math.abs(correlation(x[0]!, x[1]!) - rho01)).toBeLessThan((5 * (1 - rho01 ** 2)) / Math.sqrt(paths));
  });
  it('threads give identical bits in factor mode too', () => {
    const options = { ...base, correlation: undefined, factor, distribution: 't' as const, dof: 5, paths: 500 };
    expect(bitsEqual(buildMonteCarloScenarios({ ...options, threads: 3 }).priceMove, buildMonteCarloScenarios(options).priceMove)).toBe(true);
  });
});

describe('input validation (MODEL_PARAMS_INVALID naming the field)', () => {
  it.each([
    ['vols', { vols: Float64Array.of(0.03, 0.04) }],
    ['vols[1]', { vols: Float64Array.of(0.03, -0.04, 0.05) }],
    ['paths', { paths: 0 }],
    ['seed', { seed: -1 }],
    ['dof', { distribution: 't', dof: 2 }],
    ['dof', { distribution: 't' }],
    ['horizonDays', { horizonDays: 0 }],
    ['threads', { threads: 1.5 }],
    ['correlation[4]', { correlation: Float64Array.of(1, 0.8, 0.6, 0.8, 0.9, 0.7, 0.6, 0.7, 1) }],
    ['correlation[1]', { correlation: Float64Array.of(1, 1.2, 0.6, 1.2, 1, 0.7, 0.6, 0.7, 1) }],
    ['correlation', { correlation: undefined }],
    ['correlation', { factor: { factorIndex: 0, betas: Float64Array.of(1, 1, 1), residualVols: Float64Array.of(0, 0.1, 0.1), factorVol: 0.1 } }],
    ['underlyings[1]', { underlyings: ['BTC', 'BTC', 'SOL'] }],
    ['factor.betas[0]', { correlation: undefined, factor: { factorIndex: 0, betas: Float64Array.of(2, 1, 1), residualVols: Float64Array.of(0, 0.1, 0.1), factorVol: 0.1 } }],
  ] as const)('%s', (field, patch) => {
    const e = errorOf(() => buildMonteCarloScenarios({ ...base, ...(patch as Partial<MonteCarloOptions>) }));
    expect(e.code).toBe('MODEL_PARAMS_INVALID');
    expect(e.field).toBe(field);
  });
  it('a non-PSD correlation (elementwise override) is repaired with Higham, not rejected', () => {
    const set = buildMonteCarloScenarios({
      ...base,
      underlyings: ['A', 'B', 'C', 'D'],
      vols: Float64Array.of(0.02, 0.03, 0.04, 0.05),
      correlation: Float64Array.of(1, 0.9, 0.7, -0.3, 0.9, 1, -0.4, 0.2, 0.7, -0.4, 1, 0.8, -0.3, 0.2, 0.8, 1),
      paths: 100,
    });
    expect(set.priceMove.every(Number.isFinite)).toBe(true);
  });
});
