import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarginResultSchema } from '../models/margin-result.js';
import { agreementTestMarket, book, ES, NDX_C19500, NDX_P18500, NQ, SPX_C5600, SPX_P5200 } from './agreement-test-fixtures.js';
import { computeAgreementMargin } from './compute-agreement-margin.js';

const market = agreementTestMarket();
const INSTRUMENTS: readonly unknown[] = [ES, NQ, SPX_C5600, SPX_P5200, NDX_P18500, NDX_C19500, 'BTC_USDC-PERPETUAL', 'BTC-PERPETUAL'];

/**
 * Markets and joint model share one scenario-grid parameter set whose group covers every pair: SPX and NDX are one
 * group, and the pairs join CME's and CBOE's products on either index. Every (market, group) block is then either
 * wholly eligible or wholly not, which is what makes joint ≤ Σ standalone a theorem (worst loss is subadditive).
 */
function agreement(share: number, of: 'standalone' | 'benefit', params: Record<string, unknown>): unknown {
  const sides = ['SPX', 'NDX'];
  return {
    name: 'prop',
    markets: {
      CME: { model: 'scenario-grid', params, products: [{ kind: 'future' }] },
      CBOE: { model: 'scenario-grid', params, products: [{ kind: 'option' }] },
      DERIBIT: { model: 'isolated-simple', products: [{ underlying: 'BTC' }] },
    },
    eligiblePairs: sides.flatMap((a) => sides.map((b) => ({ a: { market: 'CME', underlying: a }, b: { market: 'CBOE', underlying: b } }))),
    joint: { model: 'scenario-grid', params },
    cap: { share, of },
  };
}

/** Bounded random books: up to 7 positions, quantities within ±20 (to 2 decimals, zero allowed). */
const quantityArb = fc.integer({ min: -2000, max: 2000 });
const anyArb = fc.array(fc.record({ instrument: fc.integer({ min: 0, max: INSTRUMENTS.length - 1 }), quantity: quantityArb }), {
  minLength: 1,
  maxLength: 7,
});
// Half the books hold a future (CME) and an option (CBOE), so that pairs are usually active and relief is given.
const pairedArb = fc
  .tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 2, max: 5 }), quantityArb, quantityArb, fc.array(anyArb, { maxLength: 1 }))
  .map(([f, o, qf, qo, rest]) => [{ instrument: f, quantity: qf }, { instrument: o, quantity: qo }, ...(rest[0] ?? []).slice(0, 5)]);
const positionsArb = fc.oneof(anyArb, pairedArb);
const paramsArb = fc.record({
  priceRange: fc.constantFrom(0.05, 0.1, 0.15),
  initialRatio: fc.constantFrom(1, 1.1, 1.5),
  groups: fc.constant([['SPX', 'NDX']]),
});
const capArb = fc.record({ share: fc.double({ min: 0, max: 1, noNaN: true }), of: fc.constantFrom<'standalone' | 'benefit'>('standalone', 'benefit') });

const toBook = (positions: { instrument: number; quantity: number }[]) =>
  book(positions.map((p) => ({ instrument: INSTRUMENTS[p.instrument], quantity: p.quantity / 100 })));
const tol = (x: number): number => 1e-9 * Math.max(1, Math.abs(x));
const runs = { numRuns: 50 };

interface Amounts {
  initial: number;
  maintenance: number;
}
function details(r: { details?: Record<string, unknown> }) {
  const d = r.details as Record<string, unknown>;
  const standalone = Object.values(d.standalone as Record<string, Amounts>);
  return {
    sum: { initial: standalone.reduce((a, s) => a + s.initial, 0), maintenance: standalone.reduce((a, s) => a + s.maintenance, 0) },
    joint: d.joint as Amounts,
    relief: d.relief as Amounts,
    cap: d.cap as Amounts,
    applied: d.reliefApplied as Amounts,
    eligible: d.eligible as string[],
  };
}

describe('computeAgreementMargin: invariants', () => {
  it('relief applied ≤ cap and ≤ relief; 0 ≤ margin ≤ Σ standalone; margin = Σ standalone − relief applied', () => {
    fc.assert(
      fc.property(positionsArb, paramsArb, capArb, (positions, params, cap) => {
        const r = computeAgreementMargin(toBook(positions), market, agreement(cap.share, cap.of, params));
        expect(MarginResultSchema.safeParse(r).success).toBe(true);
        const d = details(r);
        for (const level of ['initial', 'maintenance'] as const) {
          const margin = level === 'initial' ? r.initialMargin : r.maintenanceMargin;
          expect(d.relief[level]).toBeGreaterThanOrEqual(0);
          expect(d.applied[level]).toBeLessThanOrEqual(d.cap[level] + tol(d.cap[level]));
          expect(d.applied[level]).toBeLessThanOrEqual(d.relief[level] + tol(d.relief[level]));
          expect(margin).toBeGreaterThanOrEqual(0);
          expect(margin).toBeLessThanOrEqual(d.sum[level] + tol(d.sum[level]));
          expect(Math.abs(margin - (d.sum[level] - d.applied[level]))).toBeLessThanOrEqual(tol(d.sum[level]));
        }
      }),
      runs,
    );
  });

  it('joint ≤ Σ standalone when markets and joint use the same scenario-grid params with groups covering the pairs', () => {
    fc.assert(
      fc.property(positionsArb, paramsArb, (positions, params) => {
        const d = details(computeAgreementMargin(toBook(positions), market, agreement(0.8, 'standalone', params)));
        expect(d.joint.initial).toBeLessThanOrEqual(d.sum.initial + tol(d.sum.initial));
        expect(d.joint.maintenance).toBeLessThanOrEqual(d.sum.maintenance + tol(d.sum.maintenance));
      }),
      runs,
    );
  });

  it('position order never changes the result', () => {
    fc.assert(
      fc.property(positionsArb, paramsArb, capArb, fc.integer({ min: 0, max: 1000 }), (positions, params, cap, seed) => {
        // A deterministic shuffle (rotation then reversal) of the same positions.
        const k = seed % positions.length;
        const shuffled = [...positions.slice(k), ...positions.slice(0, k)].reverse();
        const a = computeAgreementMargin(toBook(positions), market, agreement(cap.share, cap.of, params));
        const b = computeAgreementMargin(toBook(shuffled), market, agreement(cap.share, cap.of, params));
        expect(Math.abs(a.initialMargin - b.initialMargin)).toBeLessThanOrEqual(tol(a.initialMargin));
        expect(Math.abs(a.maintenanceMargin - b.maintenanceMargin)).toBeLessThanOrEqual(tol(a.maintenanceMargin));
        a.components.forEach((c, i) => {
          expect(b.components[i]!.name).toBe(c.name);
          expect(Math.abs(b.components[i]!.value - c.value)).toBeLessThanOrEqual(tol(c.value));
        });
        expect(details(b).eligible).toEqual(details(a).eligible);
        expect(b.details?.markets).toEqual(a.details?.markets);
      }),
      runs,
    );
  });

  it('with share 1 and the same params, the margin is the joint margin', () => {
    fc.assert(
      fc.property(positionsArb, paramsArb, (positions, params) => {
        const r = computeAgreementMargin(toBook(positions), market, agreement(1, 'benefit', params));
        const d = details(r);
        expect(Math.abs(r.initialMargin - d.joint.initial)).toBeLessThanOrEqual(tol(d.sum.initial));
      }),
      { numRuns: 25 },
    );
  });
});
