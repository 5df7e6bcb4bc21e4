import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CrifRow } from '../../portfolio/crif/crif-row.js';
import { computeSimm } from './compute-simm.js';
import { loadSimmParameters } from './load-simm-parameters.js';

const P = loadSimmParameters('2.6', '10d');

// Amounts at most 1e4 USD (per bp, per % or of vega), scaled by k ≤ 10: every |Σ s| stays below the smallest
// concentration threshold it meets (0.17e6 for credit, 0.37e6 for equity), so CR = 1 and SIMM is positively
// homogeneous of degree 1 in the book (curvature too: θ does not change when the book is scaled).
const amount = fc.double({ min: -1e4, max: 1e4, noNaN: true });
const irTenor = fc.constantFrom('2w', '1m', '3m', '6m', '1y', '2y', '5y', '10y', '30y');
const sensitivity: fc.Arbitrary<Omit<CrifRow, 'row'>> = fc.oneof(
  fc.record({ ccy: fc.constantFrom('USD', 'EUR', 'JPY', 'BRL'), tenor: irTenor, curve: fc.constantFrom('OIS', 'Libor3m'), a: amount }).map(({ ccy, tenor, curve, a }) => base('RatesFX', 'Risk_IRCurve', ccy, '', tenor, curve, a)),
  fc.record({ ccy: fc.constantFrom('USD', 'EUR'), tenor: irTenor, a: amount }).map(({ ccy, tenor, a }) => base('RatesFX', 'Risk_IRVol', ccy, '', tenor, '', a)),
  fc.record({ ccy: fc.constantFrom('EUR', 'JPY', 'TRY'), a: amount }).map(({ ccy, a }) => base('RatesFX', 'Risk_FX', ccy, '', '', '', a)),
  fc.record({ name: fc.constantFrom('A', 'B', 'C'), bucket: fc.constantFrom('1', '5', 'Residual'), a: amount }).map(({ name, bucket, a }) => base('Equity', 'Risk_Equity', name, bucket, '', '', a)),
  fc.record({ name: fc.constantFrom('A', 'B'), tenor: irTenor, a: amount }).map(({ name, tenor, a }) => base('Equity', 'Risk_EquityVol', name, '1', tenor, '', a)),
  fc.record({ name: fc.constantFrom('I1', 'I2'), bucket: fc.constantFrom('1', '3', 'Residual'), tenor: fc.constantFrom('1y', '5y'), a: amount }).map(({ name, bucket, tenor, a }) => base('Credit', 'Risk_CreditQ', name, bucket, tenor, '', a)),
  fc.record({ name: fc.constantFrom('Gold', 'Oil'), bucket: fc.constantFrom('1', '12'), a: amount }).map(({ name, bucket, a }) => base('Commodity', 'Risk_Commodity', name, bucket, '', '', a)),
);
function base(productClass: CrifRow['productClass'], riskType: CrifRow['riskType'], qualifier: string, bucket: string, label1: string, label2: string, a: number): Omit<CrifRow, 'row'> {
  return { productClass, riskType, qualifier, bucket, label1, label2, amount: a, amountCurrency: 'USD', amountUsd: a };
}
const book = fc.array(sensitivity, { minLength: 1, maxLength: 12 }).map((rows) => rows.map((r, i): CrifRow => ({ ...r, row: i + 2 })));
const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a), Math.abs(b)));

describe('computeSimm properties', () => {
  it('is never negative', () => {
    fc.assert(
      fc.property(book, (rows) => {
        expect(computeSimm(rows, P).total).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('scales linearly with the book below the concentration thresholds (×k, k > 0)', () => {
    fc.assert(
      fc.property(book, fc.double({ min: 0.1, max: 10, noNaN: true }), (rows, k) => {
        const scaled = rows.map((r) => ({ ...r, amount: r.amount * k, amountUsd: r.amountUsd * k }));
        close(computeSimm(scaled, P).total, k * computeSimm(rows, P).total);
      }),
    );
  });

  it('does not depend on row order', () => {
    fc.assert(
      fc.property(book, fc.nat(), (rows, seed) => {
        const shuffled = [...rows].sort((a, b) => ((a.row * 7919 + seed) % 101) - ((b.row * 7919 + seed) % 101));
        close(computeSimm(shuffled, P).total, computeSimm(rows, P).total);
      }),
    );
  });

  it('does not change when a row is split in two', () => {
    fc.assert(
      fc.property(book, fc.nat(), fc.double({ min: 0, max: 1, noNaN: true }), (rows, pick, share) => {
        const i = pick % rows.length;
        const r = rows[i]!;
        const first = { ...r, amount: r.amount * share, amountUsd: r.amountUsd * share };
        const second = { ...r, row: 999, amount: r.amount - first.amount, amountUsd: r.amountUsd - first.amountUsd };
        close(computeSimm([...rows.slice(0, i), first, second, ...rows.slice(i + 1)], P).total, computeSimm(rows, P).total);
      }),
    );
  });
});
