import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../core/errors.js';
import { computeMargin } from '../models/compute-margin.js';
import { MarginResultSchema } from '../models/margin-result.js';
import { agreementTestMarket, book, ES, NQ, SPX_C5600, SPX_P5200, spxAgreement } from './agreement-test-fixtures.js';
import { computeAgreementMargin } from './compute-agreement-margin.js';

const market = agreementTestMarket();
const opts = { agreementSource: 'agreement.json' };
const grid = (positions: { instrument: unknown; quantity: number }[], params: unknown = {}) =>
  computeMargin(book(positions), market, 'scenario-grid', { params });

/** The worked example of docs/models/agreement.md. */
const workedPositions = [
  { instrument: ES, quantity: 2 }, // CME, eligible (pair CME SPX ↔ CBOE SPX)
  { instrument: SPX_C5600, quantity: -1 }, // CBOE, eligible
  { instrument: NQ, quantity: -1 }, // CME, in no pair: stays standalone
  { instrument: 'BTC_USDC-PERPETUAL', quantity: 0.5 }, // DERIBIT, in no pair
];

function detailsOf(r: { details?: Record<string, unknown> }) {
  return r.details as {
    standalone: Record<string, { initial: number; maintenance: number }>;
    standaloneEligible: Record<string, { initial: number; maintenance: number }>;
    joint: { initial: number; maintenance: number; eligible: { initial: number; maintenance: number } };
    relief: { initial: number; maintenance: number };
    cap: { initial: number; maintenance: number };
    reliefApplied: { initial: number; maintenance: number };
    eligible: string[];
    markets: Record<string, string>;
    pairs: { a: string; b: string; active: boolean; aPositions: string[]; bPositions: string[] }[];
  };
}

describe('computeAgreementMargin: worked example (docs/models/agreement.md)', () => {
  const r = computeAgreementMargin(book(workedPositions), market, spxAgreement(), opts);
  const d = detailsOf(r);

  // Standalone margins, computed independently. CME: the ES future by hand, 2 × 50 × F × 15 % with F = 5450,
  // and the NQ future 1 × 20 × 19,100 × 15 % in its own NDX group.
  const cmeES = 2 * 50 * 5450 * 0.15; // 81,750
  const cmeNQ = 1 * 20 * 19100 * 0.15; // 57,300
  const cboe = grid([{ instrument: SPX_C5600, quantity: -1 }]).maintenanceMargin;
  // DERIBIT, isolated-simple: |0.5 × 66,000| × 10 % initial, × 5 % maintenance.
  const deribit = { initial: 0.5 * 66000 * 0.1, maintenance: 0.5 * 66000 * 0.05 };
  // Joint: the default grid on ES and the call together (one SPX group), plus CME's model on NQ alone.
  const jointEligible = grid([{ instrument: ES, quantity: 2 }, { instrument: SPX_C5600, quantity: -1 }]).maintenanceMargin;

  it('standalone margins per market', () => {
    expect(grid([{ instrument: ES, quantity: 2 }]).maintenanceMargin).toBeCloseTo(cmeES, 6);
    expect(d.standalone.CME!.initial).toBeCloseTo(cmeES + cmeNQ, 6);
    expect(d.standalone.CBOE!.initial).toBeCloseTo(cboe, 6);
    expect(d.standalone.DERIBIT).toEqual(deribit);
    expect(d.standaloneEligible.CME!.initial).toBeCloseTo(cmeES, 6);
    expect(d.standaloneEligible.DERIBIT).toEqual({ initial: 0, maintenance: 0 });
  });

  it('joint margin, relief, cap and final, initial and maintenance separately', () => {
    const sumIM = cmeES + cmeNQ + cboe + deribit.initial;
    const sumMM = cmeES + cmeNQ + cboe + deribit.maintenance;
    const jointIM = jointEligible + cmeNQ + deribit.initial;
    const jointMM = jointEligible + cmeNQ + deribit.maintenance;
    expect(d.joint.eligible.initial).toBeCloseTo(jointEligible, 6);
    expect(d.joint.initial).toBeCloseTo(jointIM, 6);
    expect(d.joint.maintenance).toBeCloseTo(jointMM, 6);
    // relief = Σ standalone − joint: the same at both levels here, since only DERIBIT has IM ≠ MM and it is not eligible.
    const relief = sumIM - jointIM;
    expect(relief).toBeGreaterThan(0);
    expect(d.relief.initial).toBeCloseTo(relief, 6);
    expect(d.relief.maintenance).toBeCloseTo(sumMM - jointMM, 6);
    // cap = 80 % × standalone margin of the eligible positions (ES at CME + the call at CBOE): not binding.
    const cap = 0.8 * (cmeES + cboe);
    expect(d.cap.initial).toBeCloseTo(cap, 6);
    expect(relief).toBeLessThan(cap);
    expect(d.reliefApplied.initial).toBeCloseTo(relief, 6);
    expect(r.initialMargin).toBeCloseTo(sumIM - relief, 6);
    expect(r.maintenanceMargin).toBeCloseTo(sumMM - relief, 6);
    expect(r.initialMargin - r.maintenanceMargin).toBeCloseTo(deribit.initial - deribit.maintenance, 6);
  });

  it('components, positions, worst scenario and details explain the result', () => {
    expect(MarginResultSchema.safeParse(r).success).toBe(true);
    expect(r.model).toBe('agreement');
    expect(r.components.map((c) => [c.name, c.group])).toEqual([
      ['standaloneMargin', 'CME'],
      ['standaloneMargin', 'CBOE'],
      ['standaloneMargin', 'DERIBIT'],
      ['jointMargin', 'joint'],
      ['agreementRelief', 'CME-CBOE SPX'],
      ['reliefCap', 'CME-CBOE SPX'],
    ]);
    const value = (name: string, group?: string) => r.components.find((c) => c.name === name && (group === undefined || c.group === group))!.value;
    const standaloneSum = value('standaloneMargin', 'CME') + value('standaloneMargin', 'CBOE') + value('standaloneMargin', 'DERIBIT');
    expect(standaloneSum - value('agreementRelief')).toBeCloseTo(r.initialMargin, 6);
    expect(value('reliefCap')).toBeCloseTo(d.cap.initial, 9);
    // Contributions are the standalone ones: each position's own market result.
    expect(r.positions.map((p) => p.instrument)).toEqual(['ESU4', 'SPX-SEP24-5600-C', 'NQU4', 'BTC_USDC-PERPETUAL']);
    expect(r.positions[0]!.contribution).toBeCloseTo(cmeES, 6);
    expect(r.positions[1]!.contribution).toBeCloseTo(cboe, 6);
    expect(r.positions[2]!.contribution).toBeCloseTo(cmeNQ, 6);
    expect(r.positions[3]!.contribution).toBeCloseTo(deribit.initial, 6);
    expect(r.worstScenario?.label).toMatch(/^joint: SPX: /);
    expect(r.worstScenario?.pnl).toBeCloseTo(-jointEligible, 6);
    expect(d.eligible).toEqual(['ESU4', 'SPX-SEP24-5600-C']);
    expect(d.markets).toEqual({ ESU4: 'CME', 'SPX-SEP24-5600-C': 'CBOE', NQU4: 'CME', 'BTC_USDC-PERPETUAL': 'DERIBIT' });
    expect(d.pairs).toEqual([{ a: 'CME underlying=SPX', b: 'CBOE underlying=SPX', active: true, aPositions: ['ESU4'], bPositions: ['SPX-SEP24-5600-C'] }]);
  });
});

describe('computeAgreementMargin: the cap', () => {
  const hedge = [
    { instrument: ES, quantity: 2 },
    { instrument: SPX_P5200, quantity: 2 },
  ];
  const sa = grid([hedge[0]!]).maintenanceMargin + grid([hedge[1]!]).maintenanceMargin;
  const joint = grid(hedge).maintenanceMargin;

  it('binds when the share is small: relief applied = share × standalone of the eligible positions', () => {
    const r = computeAgreementMargin(book(hedge), market, spxAgreement({ cap: { share: 0.1 } }), opts);
    const d = detailsOf(r);
    expect(sa - joint).toBeGreaterThan(0.1 * sa); // so the cap binds
    expect(d.relief.initial).toBeCloseTo(sa - joint, 6);
    expect(d.cap.initial).toBeCloseTo(0.1 * sa, 6);
    expect(d.reliefApplied.initial).toBeCloseTo(0.1 * sa, 6);
    expect(r.initialMargin).toBeCloseTo(0.9 * sa, 6);
  });

  it('does not bind at share 1 (and the default is 80 % of standalone)', () => {
    const full = computeAgreementMargin(book(hedge), market, spxAgreement({ cap: { share: 1 } }), opts);
    expect(full.initialMargin).toBeCloseTo(joint, 6);
    const byDefault = computeAgreementMargin(book(hedge), market, spxAgreement({ cap: undefined }), opts);
    expect(detailsOf(byDefault).cap.initial).toBeCloseTo(0.8 * sa, 6);
    expect(byDefault.details?.capRule).toMatchObject({ share: 0.8, of: 'standalone' });
  });

  it('of "benefit" (EMIR Art 27(4)): margin = Σ standalone − share × (Σ standalone − joint), per level', () => {
    // Initial ratio 1.1 on the markets and 1.25 on the joint model, so the two levels differ.
    const agreement = spxAgreement({
      markets: {
        CME: { model: 'scenario-grid', params: { initialRatio: 1.1 }, products: [{ underlying: 'SPX', kind: 'future' }] },
        CBOE: { model: 'scenario-grid', params: { initialRatio: 1.1 }, products: [{ underlying: 'SPX', kind: 'option' }] },
      },
      joint: { model: 'scenario-grid', params: { initialRatio: 1.25 } },
      cap: { share: 0.8, of: 'benefit' },
    });
    const r = computeAgreementMargin(book(hedge), market, agreement, opts);
    const d = detailsOf(r);
    expect(d.relief.maintenance).toBeCloseTo(sa - joint, 6);
    expect(d.relief.initial).toBeCloseTo(1.1 * sa - 1.25 * joint, 6);
    expect(r.maintenanceMargin).toBeCloseTo(sa - 0.8 * (sa - joint), 6);
    expect(r.initialMargin).toBeCloseTo(1.1 * sa - 0.8 * (1.1 * sa - 1.25 * joint), 6);
    expect(d.cap.initial).toBeCloseTo(d.reliefApplied.initial, 9);
  });

  it('gives no relief when the joint margin is higher than the standalone sum', () => {
    // A joint model far more conservative than the markets': relief is floored at 0, never a surcharge.
    const r = computeAgreementMargin(book(hedge), market, spxAgreement({ joint: { model: 'scenario-grid', params: { initialRatio: 10 } } }), opts);
    expect(detailsOf(r).relief.initial).toBe(0);
    expect(r.initialMargin).toBeCloseTo(sa, 6);
  });
});

describe('computeAgreementMargin: eligibility', () => {
  it('a pair whose other side is absent gives no relief', () => {
    const positions = [
      { instrument: ES, quantity: 2 },
      { instrument: NQ, quantity: -1 },
    ];
    const r = computeAgreementMargin(book(positions), market, spxAgreement(), opts);
    const d = detailsOf(r);
    expect(d.eligible).toEqual([]);
    expect(d.pairs[0]).toMatchObject({ active: false, aPositions: ['ESU4'], bPositions: [] });
    expect(d.reliefApplied.initial).toBe(0);
    expect(r.initialMargin).toBeCloseTo(grid(positions).initialMargin, 6);
    expect(r.worstScenario).toBeUndefined();
  });

  it('a zero quantity on the other side does not make a pair active', () => {
    const r = computeAgreementMargin(book([{ instrument: ES, quantity: 2 }, { instrument: SPX_P5200, quantity: 0 }]), market, spxAgreement(), opts);
    expect(detailsOf(r).eligible).toEqual([]);
  });

  it('products outside every pair stay standalone: joint = joint model on the pair + own market on the rest', () => {
    // An NDX option at CBOE with the SPX pair active: the NDX option is margined by CBOE alone in the joint figure.
    const ndxPut = { symbol: 'NDX-P', kind: 'option', underlying: 'NDX', expiry: '2024-09-20', strike: 18500, right: 'put', multiplier: 100 };
    const positions = [
      { instrument: ES, quantity: 2 },
      { instrument: SPX_P5200, quantity: 2 },
      { instrument: ndxPut, quantity: -3 },
    ];
    const r = computeAgreementMargin(book(positions), market, spxAgreement(), opts);
    const d = detailsOf(r);
    const rest = grid([positions[2]!]).initialMargin;
    expect(d.eligible).toEqual(['ESU4', 'SPX-SEP24-5200-P']);
    expect(d.joint.initial).toBeCloseTo(grid(positions.slice(0, 2)).initialMargin + rest, 6);
    expect(d.standaloneEligible.CBOE!.initial).toBeCloseTo(grid([positions[1]!]).initialMargin, 6);
  });

  it('a position goes to the first market in file order whose selector matches', () => {
    const agreement = spxAgreement({
      markets: {
        CBOE: { model: 'scenario-grid', products: [{ underlying: 'SPX', kind: 'option' }] },
        CME: { model: 'scenario-grid', products: [{ underlying: 'SPX' }] },
      },
    });
    const r = computeAgreementMargin(book([{ instrument: ES, quantity: 1 }, { instrument: SPX_P5200, quantity: 1 }]), market, agreement, opts);
    expect(detailsOf(r).markets).toEqual({ ESU4: 'CME', 'SPX-SEP24-5200-P': 'CBOE' });
    // Swapping the order sends the option to CME too (CME now comes first and selects all SPX products).
    const swapped = spxAgreement({
      markets: {
        CME: { model: 'scenario-grid', products: [{ underlying: 'SPX' }] },
        CBOE: { model: 'scenario-grid', products: [{ underlying: 'SPX', kind: 'option' }] },
      },
    });
    const s = computeAgreementMargin(book([{ instrument: ES, quantity: 1 }, { instrument: SPX_P5200, quantity: 1 }]), market, swapped, opts);
    expect(detailsOf(s).markets).toEqual({ ESU4: 'CME', 'SPX-SEP24-5200-P': 'CME' });
    expect(detailsOf(s).eligible).toEqual([]);
  });

  it('a lone position needs a counterpart other than itself when both sides select the same products', () => {
    const agreement = spxAgreement({ eligiblePairs: [{ a: { market: 'CME', underlying: 'SPX' }, b: { market: 'CME', underlying: 'SPX' } }] });
    const r = computeAgreementMargin(book([{ instrument: ES, quantity: 1 }]), market, agreement, opts);
    expect(detailsOf(r).eligible).toEqual([]);
  });

  it('selectors match symbol, underlying, kind and settlement together', () => {
    const agreement = spxAgreement({
      markets: {
        CME: { model: 'scenario-grid', products: [{ symbol: 'ESU4', underlying: 'SPX', kind: 'future', settlement: 'linear' }] },
        CBOE: { model: 'scenario-grid', products: [{ underlying: 'SPX', settlement: 'inverse' }, { kind: 'option' }] },
      },
    });
    const r = computeAgreementMargin(book([{ instrument: ES, quantity: 1 }, { instrument: SPX_P5200, quantity: 1 }]), market, agreement, opts);
    expect(detailsOf(r).markets).toEqual({ ESU4: 'CME', 'SPX-SEP24-5200-P': 'CBOE' });
  });

  it('in isolated mode nothing nets, so relief is (numerically) zero', () => {
    const r = computeAgreementMargin(book([{ instrument: ES, quantity: 2 }, { instrument: SPX_P5200, quantity: 2 }], 'isolated'), market, spxAgreement(), opts);
    expect(detailsOf(r).relief.initial).toBeCloseTo(0, 6);
  });
});

describe('computeAgreementMargin: errors name the field', () => {
  const positions: { instrument: unknown; quantity: number }[] = [
    { instrument: ES, quantity: 2 },
    { instrument: SPX_P5200, quantity: 2 },
  ];
  const fails = (agreement: unknown, p = positions) => {
    try {
      computeAgreementMargin(book(p), market, agreement, opts);
    } catch (error) {
      expect(error).toBeInstanceOf(CrossmarginError);
      return error as CrossmarginError;
    }
    throw new Error('expected an error');
  };

  it('an unknown market in a pair', () => {
    const e = fails(spxAgreement({ eligiblePairs: [{ a: { market: 'CME', underlying: 'SPX' }, b: { market: 'CBOT', underlying: 'SPX' } }] }));
    expect(e.code).toBe('MODEL_PARAMS_INVALID');
    expect(e.field).toBe('eligiblePairs.0.b.market');
    expect(e.message).toMatch(/^agreement\.json: eligiblePairs\.0\.b\.market: unknown market "CBOT"; markets: CME, CBOE, DERIBIT/);
  });

  it('an unknown model, in a market or the joint block', () => {
    const base = spxAgreement() as { markets: Record<string, object> };
    const e = fails({ ...base, markets: { ...base.markets, CBOE: { model: 'spann', products: [{ kind: 'option' }] } } });
    expect([e.code, e.field]).toEqual(['MODEL_PARAMS_INVALID', 'markets.CBOE.model']);
    expect(e.message).toMatch(/unknown model "spann"; known models: .*scenario-grid/);
    expect(fails(spxAgreement({ joint: { model: 'nope' } })).field).toBe('joint.model');
  });

  it("a market's parameters, checked by that model's schema", () => {
    const base = spxAgreement() as { markets: Record<string, object> };
    const bad = { ...base, markets: { ...base.markets, CME: { model: 'scenario-grid', params: { priceRange: 2 }, products: [{ kind: 'future' }] } } };
    expect(fails(bad).field).toBe('markets.CME.params.priceRange');
    expect(fails(spxAgreement({ joint: { model: 'scenario-grid', params: { priceRnge: 0.1 } } })).message).toMatch(
      /agreement\.json: joint\.params\.priceRnge: unknown key "priceRnge"/,
    );
  });

  it('product selectors, cap and market ids', () => {
    const base = spxAgreement() as { markets: Record<string, object> };
    expect(fails({ ...base, markets: { ...base.markets, CME: { model: 'scenario-grid', products: [{}] } } }).message).toMatch(
      /^agreement\.json: markets\.CME\.products\.0: give at least one of symbol, underlying, kind, settlement/,
    );
    expect(fails({ ...base, markets: { ...base.markets, CME: { model: 'scenario-grid', products: [{ kind: 'swap' }] } } }).field).toBe('markets.CME.products.0.kind');
    expect(fails(spxAgreement({ cap: { share: 1.5 } })).field).toBe('cap.share');
    expect(fails(spxAgreement({ cap: { share: 0.5, of: 'margin' } })).field).toBe('cap.of');
    expect(fails({ ...base, markets: { 1: { model: 'scenario-grid', products: [{ kind: 'future' }] } } }).field).toBe('markets.1');
    expect(fails(spxAgreement({ extra: true })).field).toBe('extra');
    expect(fails(undefined).message).toMatch(/^agreement\.json: \(root\)/);
  });

  it('a position no market clears names the position', () => {
    const e = fails(spxAgreement(), [...positions, { instrument: { symbol: 'RTYU4', kind: 'future', underlying: 'RUT', expiry: '2024-09-20', multiplier: 50 }, quantity: 1 }]);
    expect(e.code).toBe('MODEL_PARAMS_INVALID');
    expect(e.field).toBe('portfolio.json: positions.2.instrument');
    expect(e.message).toMatch(/^portfolio\.json: positions\.2\.instrument: RTYU4 \(underlying RUT, future, linear\) matches no product of any market in agreement\.json/);
  });

  it('an error inside a sub-computation names the position of the original portfolio', () => {
    // RUT clears at CME but is missing from the market snapshot: the error names positions.2, not the index
    // the position has inside CME's sub-portfolio (1).
    const agreement = spxAgreement({
      markets: { CME: { model: 'scenario-grid', products: [{ kind: 'future' }] }, CBOE: { model: 'scenario-grid', products: [{ kind: 'option' }] } },
    });
    const rut = { symbol: 'RTYU4', kind: 'future', underlying: 'RUT', expiry: '2024-09-20', multiplier: 50 };
    const e = fails(agreement, [positions[1]!, positions[0]!, { instrument: rut, quantity: 1 }]);
    expect(e.code).toBe('MARKET_UNDERLYING_MISSING');
    expect(e.field).toBe('portfolio.json: positions.2.instrument');
    expect(e.message).toMatch(/^portfolio\.json: positions\.2\.instrument: .*RUT/);
    expect(e.message).toMatch(/\(computing agreement\.json: markets\.CME, model scenario-grid\)$/);
    expect(e.message).not.toMatch(/sub-portfolio/);
  });

  it('portfolio errors keep their own code and field', () => {
    const e = fails(spxAgreement(), [{ instrument: ES, quantity: Number.NaN }]);
    expect(e.field).toBe('positions.0.quantity');
  });
});
