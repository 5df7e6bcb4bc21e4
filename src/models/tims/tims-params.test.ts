import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../../core/errors.js';
import { computeMargin } from '../compute-margin.js';
import { testMarket } from '../model-test-fixtures.js';
import { resolveClassSetup, TimsParamsSchema } from './tims-params.js';

const doc = {
  document: {
    account: 'v',
    positions: [
      { instrument: 'BTC-PERPETUAL', quantity: 10 },
      { instrument: { symbol: 'ESU4', kind: 'future', underlying: 'SPX', expiry: '2024-09-20', multiplier: 50 }, quantity: 1 },
    ],
  },
};

/** The error computeMargin throws for `params`: code and field. */
function failure(params: unknown): { code: string; field: string | undefined; message: string } {
  try {
    computeMargin(doc, testMarket(), 'tims', { params });
  } catch (e) {
    if (e instanceof CrossmarginError) return { code: e.code, field: e.field, message: e.message };
    throw e;
  }
  throw new Error('expected the parameters to be refused');
}

describe('tims parameters: validation names the field', () => {
  it.each([
    [{ defaults: { equity: { points: 1 } } }, 'defaults.equity.points'],
    [{ defaults: { other: { points: 2.5 } } }, 'defaults.other.points'],
    [{ classGroups: { BTC: { priceRange: 1 } } }, 'classGroups.BTC.priceRange'],
    [{ classGroups: { BTC: { minimumPerContract: -1 } } }, 'classGroups.BTC.minimumPerContract'],
    [{ classGroups: { BTC: { volShifts: [0.1, -1] } } }, 'classGroups.BTC.volShifts.1'],
    [{ classGroups: { BTC: { volShifts: [0] } } }, 'classGroups.BTC.volShifts.0'],
    [{ classGroups: { BTC: { volShifts: [0.1, 0.1] } } }, 'classGroups.BTC.volShifts'],
    [{ classGroups: { BTC: { range: 0.1 } } }, 'classGroups.BTC.range'],
    [{ assetClasses: { SPX: 'stock' } }, 'assetClasses.SPX'],
    [{ assetClasses: { SPX: 'equity' }, classGroups: { SPX: { assetClass: 'other' } } }, 'classGroups.SPX.assetClass'],
    [{ productGroups: [{ name: 'G', classes: ['BTC', 'SPX'], offset: 1.5 }] }, 'productGroups.0.offset'],
    [{ productGroups: [{ name: 'G', classes: [], offset: 0.5 }] }, 'productGroups.0.classes'],
    [
      {
        productGroups: [
          { name: 'G', classes: ['BTC'], offset: 0.5 },
          { name: 'G', classes: ['SPX'], offset: 0.5 },
        ],
      },
      'productGroups.1.name',
    ],
    [
      {
        productGroups: [
          { name: 'G', classes: ['BTC', 'SPX'], offset: 0.5 },
          { name: 'H', classes: ['ETH', 'SPX'], offset: 0.5 },
        ],
      },
      'productGroups.1.classes.1',
    ],
  ])('%j → %s', (params, field) => {
    const e = failure(params);
    expect(e.code).toBe('MODEL_PARAMS_INVALID');
    expect(e.field).toBe(field);
    expect(e.message).toContain(field);
  });

  it('refuses a product group whose classes disagree on points or vol variants, naming the class entry', () => {
    // SPX as equity has 10 points, BTC as other 20: point j would mean different moves.
    const points = failure({ assetClasses: { SPX: 'equity' }, productGroups: [{ name: 'G', classes: ['BTC', 'SPX'], offset: 0.5 }] });
    expect(points).toMatchObject({ code: 'MODEL_PARAMS_INVALID', field: 'productGroups.0.classes.1' });
    expect(points.message).toContain('"SPX" has 10 points but "BTC" has 20');
    const vols = failure({ classGroups: { SPX: { volShifts: [0.1, -0.1] } }, productGroups: [{ name: 'G', classes: ['BTC', 'SPX'], offset: 0.5 }] });
    expect(vols).toMatchObject({ code: 'MODEL_PARAMS_INVALID', field: 'productGroups.0.classes.1' });
    expect(vols.message).toContain('share volShifts');
    // Different ranges are the point of per-class ranges and are accepted.
    expect(() =>
      computeMargin(doc, testMarket(), 'tims', {
        params: { classGroups: { SPX: { priceRange: 0.1 } }, productGroups: [{ name: 'G', classes: ['BTC', 'SPX'], offset: 0.5 }] },
      }),
    ).not.toThrow();
  });

  it('refuses a product group named like an underlying outside it', () => {
    const e = failure({ productGroups: [{ name: 'SPX', classes: ['BTC'], offset: 0.5 }] });
    expect(e).toMatchObject({ code: 'MODEL_PARAMS_INVALID', field: 'productGroups.0.name' });
  });

  it('allows absolute vol shifts below −1 (the kernel floors the shifted vol)', () => {
    expect(TimsParamsSchema.safeParse({ volShiftMode: 'absolute', defaults: { other: { volShifts: [-2] } } }).success).toBe(true);
  });
});

describe('tims parameters: resolution', () => {
  it('applies asset-class defaults, then per-underlying overrides field by field', () => {
    const p = TimsParamsSchema.parse({
      assetClasses: { SPX: 'equity' },
      defaults: { equity: { minimumPerContract: 37.5 } },
      classGroups: { SPX: { priceRange: 0.1 }, ETH: { assetClass: 'equity', points: 12 } },
    });
    expect(resolveClassSetup(p, 'SPX')).toEqual({ assetClass: 'equity', priceRange: 0.1, points: 10, volShifts: [], minimumPerContract: 37.5 });
    expect(resolveClassSetup(p, 'ETH')).toEqual({ assetClass: 'equity', priceRange: 0.15, points: 12, volShifts: [], minimumPerContract: 37.5 });
    expect(resolveClassSetup(p, 'BTC')).toEqual({ assetClass: 'other', priceRange: 0.2, points: 20, volShifts: [], minimumPerContract: 0 });
  });
});
