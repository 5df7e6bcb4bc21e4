import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BookRevaluator } from './book-revaluator.js';
import { reverseStressMahalanobis } from './reverse-stress-mahalanobis.js';
import { mahalanobisDistance, reverseStressAlong, ROOT_TOLERANCE } from './reverse-stress.js';
import { reverseStressAccounts } from './reverse-stress-accounts.js';
import { stressHistory } from './stress-history.js';
import { STRESS_INSTRUMENTS, book, stressMarket } from './stress-test-fixtures.js';
import { preparePopulation } from './stress-population.js';

function setup(document: unknown) {
  const population = preparePopulation([{ document, source: 'p.json' }], stressMarket());
  // Fixed order BTC, ETH, SPX, matching covariance(); underlyings the book lacks simply do not move its P&L.
  return { population, revaluator: new BookRevaluator(population.portfolios[0]!, population.context, ['BTC', 'ETH', 'SPX']), equity: population.equity[0]! };
}

/** Σ of 10-day log returns for BTC, ETH, SPX (vols 0.15, 0.19, 0.05; ρ BTC–ETH 0.8) and its Cholesky factor. */
function covariance(): { matrix: Float64Array; factor: Float64Array } {
  const vol = [0.15, 0.19, 0.05];
  const rho = [
    [1, 0.8, 0.2],
    [0.8, 1, 0.2],
    [0.2, 0.2, 1],
  ];
  const matrix = new Float64Array(9);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) matrix[i * 3 + j] = rho[i]![j]! * vol[i]! * vol[j]!;
  const factor = new Float64Array(9);
  for (let j = 0; j < 3; j++) {
    let d = matrix[j * 3 + j]!;
    for (let k = 0; k < j; k++) d -= factor[j * 3 + k]! ** 2;
    factor[j * 3 + j] = Math.sqrt(d);
    for (let i = j + 1; i < 3; i++) {
      let s = matrix[i * 3 + j]!;
      for (let k = 0; k < j; k++) s -= factor[i * 3 + k]! * factor[j * 3 + k]!;
      factor[i * 3 + j] = s / factor[j * 3 + j]!;
    }
  }
  return { matrix, factor };
}

const instrument = fc.constantFrom(...STRESS_INSTRUMENTS);
const positions = fc.array(fc.record({ instrument, quantity: fc.integer({ min: -5, max: 5 }).filter((q) => q !== 0) }), { minLength: 1, maxLength: 4 });
const direction = fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }));

describe('reverse stress along a direction', () => {
  it('a long spot-like book: the move that exhausts equity is −E / exposure, by hand', () => {
    // 1 BTC perpetual, 12 000 USDC: equity 12 000, a −20 % BTC move (60 000 → 48 000) exhausts it.
    const { revaluator, equity } = setup(book('a', [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], { USDC: 12_000 }));
    const r = reverseStressAlong(revaluator, equity, Float64Array.from([-1, 0, 0]));
    expect(r.reachable).toBe(true);
    expect(Math.expm1(r.logMoves[0]!)).toBeCloseTo(-0.2, 9);
    expect(r.pnl).toBeCloseTo(-12_000, 5);
  });

  it('a fully collateralised long book cannot be exhausted by a fall', () => {
    const { revaluator, equity } = setup(book('a', [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], { USDC: 70_000 }));
    expect(reverseStressAlong(revaluator, equity, Float64Array.from([-1, 0, 0])).reachable).toBe(false);
  });

  it('property: when reachable, the move exhausts equity exactly (full revaluation, options included)', () => {
    fc.assert(
      fc.property(positions, direction, fc.integer({ min: 1_000, max: 50_000 }), (pos, d, cash) => {
        const { revaluator, equity } = setup(book('p', pos, { USDC: cash }));
        const r = reverseStressAlong(revaluator, equity, Float64Array.from(d));
        if (equity <= 0) return r.reachable && r.scale === 0; // already exhausted: no move needed
        if (!r.reachable) return true;
        const check = revaluator.pnlAt(r.logMoves);
        return Math.abs(check + equity) <= 10 * ROOT_TOLERANCE * Math.max(1, equity) && Math.abs(r.pnl - check) < 1e-6;
      }),
      { numRuns: 80 },
    );
  });
});

describe('most likely reverse stress (minimum Mahalanobis distance)', () => {
  it('one underlying: the answer is the directional one and its distance is |x| / σ', () => {
    const { revaluator, equity } = setup(book('a', [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], { USDC: 12_000 }));
    const { matrix, factor } = covariance();
    const best = reverseStressMahalanobis(revaluator, equity, matrix, factor);
    expect(best.reachable).toBe(true);
    expect(best.pnl).toBeCloseTo(-12_000, 4);
    // With BTC–ETH correlation the most likely way to lose on BTC alone moves ETH too, but ETH moves cost no P&L:
    // the distance is that of the BTC move alone under its marginal vol.
    expect(best.distance).toBeCloseTo(Math.abs(Math.log(0.8)) / 0.15, 5);
  });

  it('property: the Mahalanobis answer exhausts equity and is no farther than the directional answer', () => {
    const { matrix, factor } = covariance();
    fc.assert(
      fc.property(positions, direction, fc.integer({ min: 1_000, max: 50_000 }), (pos, d, cash) => {
        const { revaluator, equity } = setup(book('p', pos, { USDC: cash }));
        const along = reverseStressAlong(revaluator, equity, Float64Array.from(d));
        const best = reverseStressMahalanobis(revaluator, equity, matrix, factor);
        if (equity <= 0) return best.reachable && best.distance === 0;
        if (!along.reachable) return true;
        if (!best.reachable) return false; // a reachable boundary point exists, so the search must find one
        const exhausted = Math.abs(revaluator.pnlAt(best.logMoves) + equity) <= 10 * ROOT_TOLERANCE * Math.max(1, equity);
        return exhausted && best.distance <= mahalanobisDistance(along.logMoves, factor, 3) * (1 + 1e-6) + 1e-9;
      }),
      { numRuns: 60 },
    );
  });
});

describe('reverse stress of accounts with the bundled history', () => {
  it('reports moves per underlying, the covariance window, and a Mahalanobis distance no larger than the direction’s', () => {
    const doc = book('basis', [
      { instrument: 'BTC_USDC-PERPETUAL', quantity: 3 },
      { instrument: 'ETH_USDC-PERPETUAL', quantity: -40 },
    ], { USDC: 30_000 });
    const population = preparePopulation([{ document: doc, source: 'p.json' }], stressMarket());
    const [r] = reverseStressAccounts(population, { direction: { BTC: -1, ETH: -1 }, historyLoader: stressHistory().loader, horizonDays: 10 });
    expect(r!.underlyings).toEqual(['BTC', 'ETH']);
    expect(r!.direction).toEqual({ BTC: -1, ETH: -1 });
    expect(r!.directional.reachable).toBe(true);
    expect(r!.directional.pnl).toBeCloseTo(-30_000, 4);
    expect(r!.mostLikely?.reachable).toBe(true);
    expect(r!.mostLikely!.pnl).toBeCloseTo(-30_000, 4);
    expect(r!.mostLikely!.mahalanobis!).toBeLessThanOrEqual(r!.directional.mahalanobis! + 1e-9);
    expect(r!.covariance).toMatchObject({ horizonDays: 10, days: 750 });
    // The hedged book loses when BTC and ETH decouple: the most likely move sends them opposite ways.
    expect(Math.sign(r!.mostLikely!.moves['BTC']!)).toBe(-Math.sign(r!.mostLikely!.moves['ETH']!));
  });
});
