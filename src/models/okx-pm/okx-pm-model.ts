import type { InstrumentSpec } from '../../instruments/instrument-spec.js';
import type { ResolvedPortfolio } from '../../portfolio/resolve-portfolio.js';
import type { ModelContext } from '../margin-model.js';
import type { MarginComponent, MarginResultOf } from '../margin-result.js';
import { aggregatePortfolio, groupRows } from '../scenario-pipeline.js';
import { evaluateOkxPmBook } from './okx-pm-batch.js';
import { OkxPmParamsSchema, type OkxPmParams } from './okx-pm-params.js';
import { compileOkxPlan, mr1ShocksOf, mr46TierOf, OKX_VOL_NAMES, okxScenarioLabel, okxSpotMove, type OkxPlan } from './okx-pm-scenarios.js';
import { okxAccountMargins, okxAddSpot, okxBorrowing, okxInstrumentRates, okxPositionDelta, okxUnitCharges, type OkxBorrowing, type OkxUnitCharges, type OkxUnitInput } from './okx-pm-unit.js';
import { defineModel } from '../define-model.js';
import { OkxPmDetailsSchema, type OkxPmDetails } from './okx-pm-details.js';

/**
 * Components whose formula OKX does not publish (crypto-venues.md §2, §10 "OKX MR2/3/4/5, MR1 IV table, MR6/MR7
 * factors"): reconstructions of the documented intent, listed in every result's `details.approximations`.
 */
export const OKX_APPROXIMATIONS: readonly string[] = [
  'mr1: option IV shocks by expiry are placeholders (OKX IV-change table not published) [U]; spot grid [V]',
  'mr2: loss of the unit over thetaHorizonDays at unchanged spot and vol [U]',
  'mr3: termStructureFactor × vega offset across expiries, Σ|v_e| − |Σv_e| [U]',
  'mr4: Σ_expiry |net futures/perp Δ_USD| × max(annualisedMoveRisk × T, minBasisMove) [V text, U formula]; floors 0.2 % (tier 1) and 0.8 % (tier 2) read off OKX position-builder example [I]; others 1.6 % assumption [U]',
  'mr5: rateShock × |Σ option Δ_USD × T| (forward-carry sensitivity) [U]',
  'mr6: factor 0.5 of the extreme-move loss fitted to TV-O1 [I]',
  'mr7: raw charge per MR1 tier, 0.45 % (tier 1) and 0.7 % (tier 2) of delta-one |Δ_USD| read off OKX position-builder example [I]; others 1 % and option rates placeholders [U]; scaling tables pre-2025 [V], tier-2 table cut after 121k [U]',
  'mr8: account-level borrowing on negative spot balances: USDT/USDC MMR 2 % / IMR 10 % read off OKX position-builder example (one tier) [I]; other currencies borrowTiers placeholder, IMR = imrFactor × MMR [U]',
  'open orders: the worse of all buy orders filled and all sell orders filled is added to each risk unit (max with no orders); OKX counts orders in the risk unit but its rule for them is not published [U]',
  'mr9: stablecoin-margined delta hedging other currencies × third-party tier rates [U]',
  'stablecoin-margined contracts are priced off index_USD / stablecoin price and counted at par with USD (fits TV-O1) [I]',
];

/**
 * `okx-pm`: OKX portfolio margin (crypto-venues.md §2). Risk units are underlyings (each position in isolated
 * mode); MR1 (spot × vol grid), MR6 (extreme move), MR2 (time decay) and MR3 (vega) come from one revaluation on
 * the shared scenario pipeline; deltas from two further scenarios. Per unit, in USD:
 * derivMMR = max{ max(MR1, MR2, MR6) + MR3 + MR4 + MR5 + MR9, MR7 }, with the worse side of the resting orders; per
 * account: MMR = Σ derivMMR + borrowing MMR; IMR = imrFactor × Σ derivMMR + borrowing IMR.
 */
export const okxPmModel = defineModel({
  id: 'okx-pm',
  description: 'OKX portfolio margin: per-underlying MR1…MR9, derivMMR = max(max(MR1,MR2,MR6)+MR3+MR4+MR5+MR9, MR7), IMR = 1.3 × derivMMR + borrowing IMR',
  // Its batch path works account by account: large books are partitioned over worker threads (book-partition.ts).
  partitionBatch: true,
  paramsSchema: OkxPmParamsSchema,
  detailsSchema: OkxPmDetailsSchema,
  // MR7 scaling, MR8 and MR9 are tiered by size (§2): margin is not proportional to position size.
  homogeneous: false,
  compile(params, context) {
    const plan = compileOkxPlan(params, context);
    return {
      evaluate: (portfolio) => evaluateOkxPm(params, context, plan, portfolio),
      // Accounts with resting orders (or entry prices: book.extras) are left to `evaluate` (okx-pm-batch.ts).
      evaluateBook: (book, out) => evaluateOkxPmBook(params, context, plan, book, out),
    };
  },
});

interface UnitResult {
  readonly group: string;
  readonly stress: { loss: number; index: number };
  readonly pnl: Float64Array;
  readonly derivMmr: number;
  readonly detail: Record<string, unknown>;
}

type OrderSide = 'none' | 'buy' | 'sell';

/** The risk units of `portfolio` (its positions only), in first-seen order. */
function evaluateUnits(params: OkxPmParams, context: ModelContext, plan: OkxPlan, portfolio: ResolvedPortfolio): { units: UnitResult[]; scenarioRate: number[] } {
  const { market, instruments } = context;
  const L = plan.layout.length;
  const n = portfolio.positions.length;
  const specOf = (i: number): InstrumentSpec => instruments.spec(portfolio.positions[i]!.instrument);
  const inUnit = (i: number): boolean => market.has(specOf(i).underlying);
  const unitKeys = groupRows(n, (i) =>
    !inUnit(i) ? { key: '-', name: '-' } : portfolio.mode === 'isolated' ? { key: `p:${i}`, name: specOf(i).symbol } : { key: specOf(i).underlying, name: specOf(i).underlying },
  );
  const rows = groupRows(n, (i) => ({ key: `${unitKeys.rows[i]!}|${plan.slice[portfolio.positions[i]!.instrument]!}`, name: '' }));
  // Rates to USD (§2, [I] from TV-O1): a stablecoin-margined contract trades on index_USD / stablecoin price and its
  // P&L counts at par with USD; its USD delta is coins × index_USD. Other currencies convert at today's rate.
  const rates = portfolio.positions.map((_, i) => okxInstrumentRates(params, context, specOf(i)));
  const scenarioRate = rates.map((x) => x.scenarioRate);
  const grouped = aggregatePortfolio(plan.matrix, context, portfolio, rows.keys.length, (i) => rows.rows[i]!, (i) => scenarioRate[i]!);
  const instrument = portfolio.positions.map((p) => p.instrument);
  const quantity = portfolio.positions.map((p) => p.quantity);
  const delta = portfolio.positions.map((p, i) => okxPositionDelta(plan, p.instrument, p.quantity, rates[i]!.deltaRate));
  // A row holds one slice (option expiry) of one unit: all its positions share the slice.
  const rowSlice: number[] = new Array<number>(rows.keys.length).fill(0);
  portfolio.positions.forEach((p, i) => (rowSlice[rows.rows[i]!] = plan.slice[p.instrument]!));

  const units: UnitResult[] = [];
  unitKeys.keys.forEach((key, u) => {
    if (key === '-') return;
    const members = portfolio.positions.map((_, i) => i).filter((i) => unitKeys.rows[i] === u);
    const unitRows = rows.keys.map((_, r) => r).filter((r) => members.some((i) => rows.rows[i] === r));
    const unit: OkxUnitInput = {
      underlying: specOf(members[0]!).underlying,
      rowPnl: grouped.rowPnl,
      rows: unitRows,
      rowFrom: 0,
      rowTo: unitRows.length,
      rowSlice,
      members,
      memberFrom: 0,
      memberTo: members.length,
      instrument,
      quantity,
      delta,
      pnl: new Float64Array(L),
    };
    units.push(explainUnit(params, plan, unitKeys.names[u]!, unit, okxUnitCharges(params, plan, context, unit)));
  });
  return { units, scenarioRate };
}

/**
 * Resting orders (portfolio `openOrders`, signed contracts, + buy). OKX counts orders in the risk unit ("spot orders of
 * one underlying form one unit", crypto-venues.md §2) but does not publish how; this reconstruction follows the
 * worst-side rule other venues publish (§6 Drift, §7 Mango) and deribit-pm uses: the book is re-margined with every
 * buy order filled and, separately, every sell order filled. Cross mode: each unit keeps the largest derivMMR of
 * {no orders, buys filled, sells filled} (an order never lowers a unit's margin). Isolated mode: each order is a
 * unit of its own, and the side whose units total more is added. Orders do not create borrowing.
 */
function withOpenOrders(params: OkxPmParams, context: ModelContext, plan: OkxPlan, portfolio: ResolvedPortfolio, base: UnitResult[]): UnitResult[] {
  const orders = portfolio.openOrders ?? [];
  if (orders.length === 0) return base;
  const sides = (['buy', 'sell'] as const).flatMap((side) => {
    const filled = orders.filter((o) => (side === 'buy' ? o.quantity > 0 : o.quantity < 0));
    if (filled.length === 0) return [];
    const { units } = evaluateUnits(params, context, plan, { ...portfolio, positions: [...portfolio.positions, ...filled] });
    return [{ side, units: units.map((u) => tagSide(u, side)) }];
  });
  if (portfolio.mode === 'isolated') {
    const total = (units: readonly UnitResult[]): number => units.reduce((s, u) => s + u.derivMmr, 0);
    return sides.reduce((worst, x) => (total(x.units) > total(worst) ? x.units : worst), base);
  }
  const worst = new Map(base.map((u) => [u.group, u]));
  for (const { units } of sides) {
    for (const u of units) {
      const seen = worst.get(u.group);
      if (seen === undefined || u.derivMmr > seen.derivMmr) worst.set(u.group, u);
    }
  }
  return [...worst.values()];
}

function tagSide(u: UnitResult, side: OrderSide): UnitResult {
  return { ...u, detail: { ...u.detail, openOrdersSide: side } };
}

function evaluateOkxPm(params: OkxPmParams, context: ModelContext, plan: OkxPlan, portfolio: ResolvedPortfolio): MarginResultOf<OkxPmDetails> {
  const { market, instruments } = context;
  const { layout, matrix } = plan;
  const L = layout.length;
  const specOf = (i: number): InstrumentSpec => instruments.spec(portfolio.positions[i]!.instrument);
  const toAccount = market.fxRate('USD', portfolio.currency);
  const base = evaluateUnits(params, context, plan, portfolio);
  const units = withOpenOrders(params, context, plan, portfolio, base.units.map((u) => tagSide(u, 'none')));
  const { scenarioRate } = base;
  // Account-level borrowing: the negative spot balances of the positions (not of the orders).
  const spot = new Map<string, number>();
  portfolio.positions.forEach((p, i) => okxAddSpot(spot, specOf(i), p.quantity));
  const borrowing: OkxBorrowing = okxBorrowing(params, context, spot);

  const components: MarginComponent[] = [];
  let derivMmr = 0;
  for (const unit of units) {
    derivMmr += unit.derivMmr;
    for (const name of ['mr1', 'mr2', 'mr3', 'mr4', 'mr5', 'mr6', 'mr7', 'mr9', 'derivMmr'] as const) {
      const value = (unit.detail[name] as number) * toAccount;
      const scenario = unit.detail[`${name}Scenario`] as { id: string; label: string } | undefined;
      components.push({ name, group: unit.group, value: value + 0, ...(scenario === undefined ? {} : { scenario }) });
    }
  }
  // MR8 is the account's (OKX position builder: borrowMmr; each riskUnitData repeats it as mr8).
  components.push({ name: 'mr8', group: 'account', value: borrowing.mmr * toAccount + 0 });
  components.push({ name: 'borrowImr', group: 'account', value: borrowing.imr * toAccount + 0 });
  const { initialMargin, maintenanceMargin } = okxAccountMargins(derivMmr, borrowing, params.imrFactor, toAccount);
  const worst = units.filter((x) => x.stress.loss > 0).sort((a, b) => b.derivMmr - a.derivMmr || (a.group < b.group ? -1 : 1))[0];
  const unitOf = (i: number): UnitResult | undefined => units.find((x) => (x.detail.positions as number[]).includes(i));
  const positions = portfolio.positions.map((p, i) => {
    const unit = unitOf(i);
    const j = unit?.stress.index ?? -1;
    const loss = unit === undefined || unit.stress.loss <= 0 || j < 0 ? 0 : -p.quantity * matrix.pnl[p.instrument * L + j]! * scenarioRate[i]! * toAccount;
    return { instrument: specOf(i).symbol, quantity: p.quantity, contribution: loss + 0 };
  });
  return {
    model: 'okx-pm',
    ...(portfolio.account === undefined ? {} : { account: portfolio.account }),
    currency: portfolio.currency,
    initialMargin,
    maintenanceMargin,
    components,
    ...(worst === undefined
      ? {}
      : { worstScenario: { id: `${worst.group}:${worst.stress.index}`, label: `${worst.group}: ${worst.detail.stressLabel as string}`, pnl: worst.pnl[worst.stress.index]! * toAccount + 0 } }),
    positions,
    details: {
      method: 'OKX portfolio margin (docs/models/okx-pm.md); amounts in details.units and details.borrowing are USD',
      venueParams: { asOf: params.asOf, source: params.source, imrFactor: params.imrFactor },
      units: units.map((x) => ({ ...x.detail, mr8: borrowing.mmr, positions: undefined })),
      borrowing: { mmr: borrowing.mmr, imr: borrowing.imr, currencies: borrowing.currencies.map((c) => ({ ...c })) },
      approximations: [...OKX_APPROXIMATIONS],
    },
  };
}

/** The explanation of one unit's charges (per-account path only): the stress that sets them, its scenarios, labels. */
function explainUnit(params: OkxPmParams, plan: OkxPlan, group: string, unit: OkxUnitInput, c: OkxUnitCharges): UnitResult {
  const { layout } = plan;
  const { pnl } = unit;
  const shocks = mr1ShocksOf(params, unit.underlying);
  const tier46 = mr46TierOf(params, unit.underlying);
  const label = (j: number): string => okxScenarioLabel(layout, j, shocks, tier46.extremeMove);
  const { mr1, ext } = c;
  // The stress that sets max(MR1, MR2, MR6): its scenario explains the charge and the positions' contributions.
  const stresses = [
    { loss: mr1.loss, index: mr1.index },
    { loss: c.mr2, index: layout.theta },
    { loss: c.mr6, index: ext.index === 0 ? layout.extremeUp : layout.extremeDown },
  ];
  const stress = stresses.reduce((a, b) => (b.loss > a.loss ? b : a));
  const grid = (v: number): number[] => Array.from({ length: 2 * layout.points + 1 }, (_, k) => pnl[k * OKX_VOL_NAMES.length + v]! + 0);
  const mr1Scenarios = {
    spotShocks: Array.from({ length: 2 * layout.points + 1 }, (_, k) => okxSpotMove(shocks, k - layout.points)),
    volShockDown: grid(0),
    volSame: grid(1),
    volShockUp: grid(2),
  };
  const ref = (j: number): { id: string; label: string } => ({ id: `${group}:${j}`, label: label(j) });
  return {
    group,
    stress,
    pnl,
    derivMmr: c.derivMmr,
    detail: {
      riskUnit: group,
      underlying: unit.underlying,
      mr1Tier: params.mr1TierOf[unit.underlying] ?? 'others',
      mr46Tier: params.mr46TierOf[unit.underlying] ?? 'others',
      mr1: mr1.loss,
      mr1Scenario: mr1.loss > 0 ? ref(mr1.index) : undefined,
      mr1Scenarios,
      mr2: c.mr2,
      mr3: c.mr3,
      mr4: c.mr4,
      mr5: c.mr5,
      mr6: c.mr6,
      mr6Scenario: ext.loss > 0 ? ref(ext.index === 0 ? layout.extremeUp : layout.extremeDown) : undefined,
      mr6FinalResult: { move: ext.index === 0 ? tier46.extremeMove : -tier46.extremeMove, pnl: Math.min(pnl[layout.extremeUp]!, pnl[layout.extremeDown]!) + 0 },
      mr7Raw: c.mr7Raw,
      mr7: c.mr7,
      borrowedUsd: c.borrowedUsd,
      mr9: c.mr9,
      stablecoinHedged: c.hedged,
      deltaUsd: c.deltaUsd + 0,
      deltaByCurrency: c.deltaByCurrency,
      derivMmr: c.derivMmr,
      derivImr: params.imrFactor * c.derivMmr,
      stressLabel: label(stress.index),
      positions: Array.from({ length: unit.memberTo - unit.memberFrom }, (_, k) => unit.members[unit.memberFrom + k]!),
    },
  };
}
