import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMarketSnapshot } from '../../market/load-market-snapshot.js';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { computeMargin } from '../../models/compute-margin.js';
import { liquidatePortfolio } from './liquidate-by-venue-rule.js';
import { evaluateAccount } from '../account/evaluate-account.js';
import { hasVenueRule, planLiquidation, type LiquidationPlan } from './liquidation-plan.js';

const root = join(import.meta.dirname, '..', '..', '..');
const venues = join(root, 'docs', 'examples', 'venues');
const readJson = (name: string): unknown => JSON.parse(readFileSync(join(venues, name), 'utf8'));

/** Test inputs (not market data): BTC 66,000 and ETH 3,500 with flat vols, USDC at 1. */
const market = parseMarketSnapshot(
  { asOf: '2024-06-17T08:00:00Z', underlyings: { BTC: { index: 66000, rate: 0, vol: { atm: 0.55 } }, ETH: { index: 3500, rate: 0, vol: { atm: 0.6 } } }, fx: { USDC: 1 } },
  'liquidation-plan-test',
);

/** Invariants of every plan: slice numbering, positions carried from slice to slice, the fund's arithmetic. */
function expectConsistent(plan: LiquidationPlan): void {
  const tol = 1e-9 * Math.max(1, Math.abs(plan.start.equity));
  plan.slices.forEach((s, i) => {
    expect(s.index).toBe(i);
    expect(s.positionAfter).toBeCloseTo(s.positionBefore + s.quantity, 9);
    // A close never flips or grows a position.
    expect(Math.abs(s.positionAfter)).toBeLessThanOrEqual(Math.abs(s.positionBefore));
    expect(Math.sign(s.quantity)).toBe(-Math.sign(s.positionBefore));
    expect(s.expected.realisedPnl).toBeLessThanOrEqual(tol);
    expect(s.expected.penalty).toBeGreaterThanOrEqual(0);
  });
  const f = plan.insuranceFund;
  expect(f.after).toBeGreaterThanOrEqual(0);
  expect(Math.abs(f.after - (f.before + f.penaltiesReceived - f.cover))).toBeLessThanOrEqual(tol);
  expect(Math.abs(f.cover + plan.badDebt - Math.max(0, -plan.expected.equity))).toBeLessThanOrEqual(tol);
  expect(plan.figures).toBe('expected');
  // JSON-serialisable as is.
  expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
}

describe('planLiquidation: venue models follow the `liquidate` command', () => {
  const venueMarket = loadMarketSnapshot(join(venues, 'market.json'));

  it.each([
    ['dydx-v4', 'liquidation-dydx.portfolio.json', 50],
    ['deribit-sm', 'liquidation-deribit.portfolio.json', 0],
    ['deribit-pm', 'liquidation-deribit.portfolio.json', 0.01],
  ])('%s on %s: the same closes, prices, equities and fund as `crossmargin liquidate`', (model, file, fund) => {
    const doc = readJson(file);
    const plan = planLiquidation({ document: doc, market: venueMarket, model, insuranceFund: fund });
    const cli = liquidatePortfolio(doc, venueMarket, model, { insuranceFund: fund });
    expect(hasVenueRule(model)).toBe(true);
    expect(plan.rule.kind).toBe('venue');
    expect(plan.rule.source).toBe(cli.rule.source);
    expect(plan.equityBasis).toBe('venue');
    expect(plan.stoppedBy).toBe(cli.stoppedBy);
    expect(plan.slices).toHaveLength(cli.steps.length);
    plan.slices.forEach((s, i) => {
      const step = cli.steps[i]!;
      expect(s.instrument).toBe(step.instrument);
      expect(s.quantity).toBe(-step.quantityClosed);
      expect(s.expected.price).toBe(step.price);
      expect(s.markPrice).toBe(step.markPrice);
      expect(s.expected.realisedPnl).toBe(step.realisedPnl);
      expect(s.expected.penalty).toBe(step.penalty);
      expect(s.expected.equityAfter).toBe(step.venueEquityAfter);
      expect(s.expected.maintenanceMarginAfter).toBe(step.maintenanceMarginAfter);
      // Without an entry price the cash is the concession less the penalty, into the venue's cash currency.
      expect(s.expected.cashDelta * s.cashToAccount).toBeCloseTo(step.realisedPnl - step.penalty, 9);
    });
    expect(plan.start).toMatchObject({ equity: cli.start.venueEquity, maintenanceMargin: cli.start.maintenanceMargin, liquidatable: cli.start.liquidatable });
    expect(plan.expected).toMatchObject({ equity: cli.end.venueEquity, maintenanceMargin: cli.end.maintenanceMargin, penalties: cli.penalties, realisedPnl: cli.realisedPnl });
    expect(plan.expected.positions).toEqual(cli.positions);
    expect(plan.insuranceFund).toEqual({ before: cli.insuranceFund.before, penaltiesReceived: cli.insuranceFund.penaltiesReceived, cover: cli.insuranceFund.covered, after: cli.insuranceFund.after });
    expect(plan.badDebt).toBe(cli.badDebt);
    for (const [ccy, amount] of Object.entries(cli.collateral)) expect(plan.expected.collateral[ccy]).toBeCloseTo(amount, 9);
    expectConsistent(plan);
  });

  it('dYdX (hand-computed, as the CLI test): one close at 59,920, fee 300 to the fund', () => {
    const plan = planLiquidation({ document: readJson('liquidation-dydx.portfolio.json'), market: venueMarket, model: 'dydx-v4', insuranceFund: 50 });
    expect(plan.slices).toHaveLength(1);
    expect(plan.slices[0]).toMatchObject({ instrument: 'BTC_USDC-PERPETUAL', quantity: -1, positionAfter: 0, cashCurrency: 'USDC' });
    expect(plan.slices[0]!.expected.price).toBeCloseTo(59_920, 6);
    expect(plan.slices[0]!.expected.cashDelta).toBeCloseTo(-380, 6);
    expect(plan.insuranceFund.after).toBeCloseTo(350, 9);
  });

  it('an entry price is settled first: the venue sees the account equity, the cash is realised from entry', () => {
    // Long 1 BTC entered at 61,000, mark 60,000: −1,000 unrealised; 2,000 USDC → equity 1,000, as the example without one.
    const doc = { account: 'e', currency: 'USDC', collateral: { USDC: 2000 }, positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1, entryPrice: 61_000 }] };
    const plan = planLiquidation({ document: doc, market: venueMarket, model: 'dydx-v4' });
    const marked = planLiquidation({ document: readJson('liquidation-dydx.portfolio.json'), market: venueMarket, model: 'dydx-v4' });
    expect(plan.start.equity).toBeCloseTo(1000, 9);
    expect(plan.slices[0]!.expected.price).toBeCloseTo(marked.slices[0]!.expected.price, 9);
    expect(plan.slices[0]!.entryPrice).toBe(61_000);
    // Cash: (59,920 − 61,000) realised − 300 fee = −1,380; the balance ends at 620, as the venue's equity.
    expect(plan.slices[0]!.expected.cashDelta).toBeCloseTo(-1380, 6);
    expect(plan.expected.collateral['USDC']).toBeCloseTo(620, 6);
    expect(plan.expected.equity).toBeCloseTo(620, 6);
  });
});

describe('planLiquidation: the default rule (scenario-grid)', () => {
  // Grid margin of a BTC perpetual: 15 % price move → 9,900 per BTC at 66,000; ETH short: 525 per ETH.
  const doc = { account: 'grid', currency: 'USD', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2 }, { instrument: 'ETH_USDC-PERPETUAL', quantity: -10 }], collateral: { USDC: 14_000 } };

  it('closes the largest contributor in quarter slices at 50 bp against it, until equity ≥ maintenance × 1.1', () => {
    const plan = planLiquidation({ document: doc, market, model: 'scenario-grid' });
    expect(hasVenueRule('scenario-grid')).toBe(false);
    expect(plan.rule).toMatchObject({ kind: 'default', settings: { sliceFraction: 0.25, impact: 0.005, buffer: 0.1 } });
    expect(plan.equityBasis).toBe('account');
    expect(plan.start).toMatchObject({ equity: 14_000, liquidatable: true });
    expect(plan.start.maintenanceMargin).toBeCloseTo(19_800 + 5_250, 6);
    // BTC contributes 19,800 against ETH's 5,250: three slices of 0.5 BTC at 65,670 (−165 each), then healthy.
    expect(plan.slices.map((s) => [s.instrument, s.quantity, s.positionAfter])).toEqual([
      ['BTC_USDC-PERPETUAL', -0.5, 1.5],
      ['BTC_USDC-PERPETUAL', -0.5, 1],
      ['BTC_USDC-PERPETUAL', -0.5, 0.5],
    ]);
    for (const s of plan.slices) {
      expect(s.expected.price).toBeCloseTo(65_670, 9);
      expect(s.expected.cashDelta).toBeCloseTo(-165, 9);
      expect(s.cashCurrency).toBe('USDC');
    }
    expect(plan.slices.map((s) => s.expected.equityAfter)).toEqual([13_835, 13_670, 13_505].map((x) => expect.closeTo(x, 6)));
    expect(plan.slices.map((s) => s.expected.maintenanceMarginAfter)).toEqual([20_100, 15_150, 10_200].map((x) => expect.closeTo(x, 6)));
    expect(plan.stoppedBy).toBe('healthy');
    // Stopped as soon as healthy: every slice but the last started below the stop level.
    expect(plan.expected.equity).toBeGreaterThanOrEqual(plan.expected.stopLevel);
    plan.slices.slice(0, -1).forEach((s) => expect(s.expected.equityAfter).toBeLessThan(s.expected.maintenanceMarginAfter * 1.1));
    expect(plan.expected.positions).toEqual([
      { instrument: 'BTC_USDC-PERPETUAL', quantity: 0.5 },
      { instrument: 'ETH_USDC-PERPETUAL', quantity: -10 },
    ]);
    expect(plan.badDebt).toBe(0);
    expect(plan.insuranceFund).toEqual({ before: 0, penaltiesReceived: 0, cover: 0, after: 0 });
    expectConsistent(plan);
  });

  it('its figures are the engine’s own: the end book re-margined and re-valued gives the expected equity and margin', () => {
    const plan = planLiquidation({ document: doc, market, model: 'scenario-grid', defaultRule: { sliceFraction: 0.1, impact: 0.01, penaltyRate: 0.002 } });
    const end = { ...doc, positions: plan.expected.positions.map((p) => ({ ...p })), collateral: plan.expected.collateral };
    const report = evaluateAccount(end, market, 'scenario-grid');
    expect(report.maintenanceMargin).toBeCloseTo(plan.expected.maintenanceMargin, 6);
    expect(report.equity.equity).toBeCloseTo(plan.expected.equity, 6);
    expect(report.state).not.toBe('liquidation');
    // Equity moves only by the concessions and the penalties.
    expect(plan.expected.equity - plan.start.equity).toBeCloseTo(plan.expected.realisedPnl - plan.expected.penalties, 6);
    expect(plan.insuranceFund.penaltiesReceived).toBeCloseTo(plan.slices.reduce((s, x) => s + x.expected.penalty, 0), 9);
    expectConsistent(plan);
  });

  it('a bankrupt book ends with a deficit: the fund covers what it holds, the rest is bad debt', () => {
    // Long 2 BTC entered at 80,000, mark 66,000: −28,000 unrealised against 27,000 USDC → equity −1,000.
    const bankrupt = { account: 'b', currency: 'USD', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2, entryPrice: 80_000 }], collateral: { USDC: 27_000 } };
    const plan = planLiquidation({ document: bankrupt, market, model: 'scenario-grid', insuranceFund: 1_000, defaultRule: { penaltyRate: 0.01 } });
    expect(plan.start.equity).toBeCloseTo(-1_000, 9);
    expect(plan.stoppedBy).toBe('book-empty');
    expect(plan.slices).toHaveLength(4);
    // Realised from entry: 0.5 × (65,670 − 80,000) = −7,165 per slice; no fee out of negative equity.
    for (const s of plan.slices) {
      expect(s.entryPrice).toBe(80_000);
      expect(s.expected.cashDelta).toBeCloseTo(-7_165, 9);
      expect(s.expected.penalty).toBe(0);
    }
    expect(plan.expected.equity).toBeCloseTo(-1_660, 9);
    expect(plan.expected.collateral['USDC']).toBeCloseTo(-1_660, 9);
    expect(plan.insuranceFund).toEqual({ before: 1_000, penaltiesReceived: 0, cover: 1_000, after: 0 });
    expect(plan.badDebt).toBeCloseTo(660, 9);
    expect(plan.expected.equityAfterInsurance).toBeCloseTo(-660, 9);
    expectConsistent(plan);
  });

  it('a healthy account gets an empty plan', () => {
    const plan = planLiquidation({ document: { ...doc, collateral: { USDC: 100_000 } }, market, model: 'scenario-grid' });
    expect(plan.start.liquidatable).toBe(false);
    expect(plan.stoppedBy).toBe('not-liquidatable');
    expect(plan.slices).toEqual([]);
  });

  it('re-margins with the model after every slice (isolated-simple: 5 % maintenance of the notional)', () => {
    const simple = { account: 's', currency: 'USD', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], collateral: { USDC: 3_000 } };
    const plan = planLiquidation({ document: simple, market, model: 'isolated-simple', defaultRule: { sliceFraction: 0.5, impact: 0 } });
    for (const s of plan.slices) {
      const after = computeMargin({ document: { ...simple, positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: s.positionAfter }] } }, market, 'isolated-simple');
      expect(s.expected.maintenanceMarginAfter).toBeCloseTo(after.maintenanceMargin, 9);
    }
    // MM 3,300 > 3,000: half closed → MM 1,650 × 1.1 = 1,815 ≤ 3,000.
    expect(plan.slices).toHaveLength(1);
  });

  it('is deterministic: the same inputs give the same plan and id; another book another id', () => {
    const a = planLiquidation({ document: doc, market, model: 'scenario-grid' });
    const b = planLiquidation({ document: { ...doc, positions: [...doc.positions].reverse() }, market, model: 'scenario-grid' });
    expect(a.id).toMatch(/^liq-[0-9a-f]{16}$/);
    expect(b.id).toBe(a.id);
    expect(JSON.stringify(planLiquidation({ document: doc, market, model: 'scenario-grid' }))).toBe(JSON.stringify(a));
    expect(planLiquidation({ document: { ...doc, collateral: { USDC: 13_999 } }, market, model: 'scenario-grid' }).id).not.toBe(a.id);
    const later = parseMarketSnapshot({ ...market.toJSON(), asOf: '2024-06-17T09:00:00Z' }, 'later');
    expect(planLiquidation({ document: doc, market: later, model: 'scenario-grid' }).id).not.toBe(a.id);
  });

  it('refuses bad settings naming the field', () => {
    expect(() => planLiquidation({ document: doc, market, model: 'scenario-grid', defaultRule: { sliceFraction: 0 } })).toThrow(/sliceFraction/);
    expect(() => planLiquidation({ document: doc, market, model: 'scenario-grid', insuranceFund: -1 })).toThrow(/insuranceFund/);
  });
});
