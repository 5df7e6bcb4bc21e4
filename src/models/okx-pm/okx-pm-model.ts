import type { InstrumentSpec } from '../../instruments/instrument-spec.js';
import type { ResolvedPortfolio } from '../../portfolio/resolve-portfolio.js';
import type { ModelContext } from '../margin-model.js';
import type { MarginComponent, MarginResultOf } from '../margin-result.js';
import { aggregatePortfolio, groupRows } from '../scenario-pipeline.js';
import { evaluateOkxPmBook } from './okx-pm-batch.js';
import { OkxPmParamsSchema, type OkxPmParams } from './okx-pm-params.js';
import { compileOkxPlan, mr1ShocksOf, mr46TierOf, OKX_VOL_NAMES, okxScenarioLabel, okxSpotMove, type OkxPlan } from './okx-pm-scenarios.js';
import { okxAccountMargins, okxInstrumentRates, okxPositionDelta, okxUnitCharges, type OkxUnitCharges, type OkxUnitInput } from './okx-pm-unit.js';
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
  'mr4: Σ_expiry |net futures/perp Δ_USD| × max(annualisedMoveRisk × T, minBasisMove); floor 0.2 % fitted to TV-O1 [I]',
  'mr5: rateShock × |Σ option Δ_USD × T| (forward-carry sensitivity) [U]',
  'mr6: factor 0.5 of the extreme-move loss fitted to TV-O1 [I]',
  'mr7: raw charge 0.45 % of delta-one |Δ_USD| fitted to TV-O1 [I], options placeholder; scaling tiers [V]',
  'mr8: borrowed coin (short spot) × placeholder borrow tiers [U]',
  'mr9: stablecoin-margined delta hedging other currencies × third-party tier rates [U]',
  'stablecoin-margined contracts are priced off index_USD / stablecoin price and counted at par with USD (fits TV-O1) [I]',
];

/**
 * `okx-pm`: OKX portfolio margin (crypto-venues.md §2). Risk units are underlyings (each position in isolated
 * mode); MR1 (spot × vol grid), MR6 (extreme move), MR2 (time decay) and MR3 (vega) come from one revaluation on
 * the shared scenario pipeline; deltas from two further scenarios. Per unit, in USD:
 * derivMMR = max{ max(MR1, MR2, MR6) + MR3 + MR4 + MR5 + MR9, MR7 }; MMR = Σ derivMMR + Σ MR8; IMR = imrFactor × MMR.
 */
export const okxPmModel = defineModel({
  id: 'okx-pm',
  description: 'OKX portfolio margin: per-underlying MR1…MR9, derivMMR = max(max(MR1,MR2,MR6)+MR3+MR4+MR5+MR9, MR7), IMR = 1.3 × MMR',
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
      // Every account goes through the batch arithmetic: the method reads neither resting orders nor entry prices.
      evaluateBook: (book, out) => evaluateOkxPmBook(params, context, plan, book, out),
    };
  },
});

interface UnitResult {
  readonly group: string;
  readonly stress: { loss: number; index: number };
  readonly pnl: Float64Array;
  readonly derivMmr: number;
  readonly mr8: number;
  readonly detail: Record<string, unknown>;
}

function evaluateOkxPm(params: OkxPmParams, context: ModelContext, plan: OkxPlan, portfolio: ResolvedPortfolio): MarginResultOf<OkxPmDetails> {
  const { market, instruments } = context;
  const { layout, matrix } = plan;
  const L = layout.length;
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
  const grouped = aggregatePortfolio(matrix, context, portfolio, rows.keys.length, (i) => rows.rows[i]!, (i) => scenarioRate[i]!);
  const instrument = portfolio.positions.map((p) => p.instrument);
  const quantity = portfolio.positions.map((p) => p.quantity);
  const delta = portfolio.positions.map((p, i) => okxPositionDelta(plan, p.instrument, p.quantity, rates[i]!.deltaRate));
  // A row holds one slice (option expiry) of one unit: all its positions share the slice.
  const rowSlice: number[] = new Array<number>(rows.keys.length).fill(0);
  portfolio.positions.forEach((p, i) => (rowSlice[rows.rows[i]!] = plan.slice[p.instrument]!));
  const toAccount = market.fxRate('USD', portfolio.currency);

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

  const components: MarginComponent[] = [];
  let mmr = 0;
  for (const unit of units) {
    mmr += unit.derivMmr + unit.mr8;
    for (const name of ['mr1', 'mr2', 'mr3', 'mr4', 'mr5', 'mr6', 'mr7', 'mr8', 'mr9', 'derivMmr'] as const) {
      const value = (unit.detail[name] as number) * toAccount;
      const scenario = unit.detail[`${name}Scenario`] as { id: string; label: string } | undefined;
      components.push({ name, group: unit.group, value: value + 0, ...(scenario === undefined ? {} : { scenario }) });
    }
  }
  const { initialMargin, maintenanceMargin } = okxAccountMargins(mmr, params.imrFactor, toAccount);
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
      method: 'OKX portfolio margin (docs/models/okx-pm.md); amounts in details.units are USD',
      venueParams: { asOf: params.asOf, source: params.source, imrFactor: params.imrFactor },
      units: units.map((x) => ({ ...x.detail, positions: undefined })),
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
    mr8: c.mr8,
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
      mr8: c.mr8,
      borrowedUsd: c.borrowedUsd,
      mr9: c.mr9,
      stablecoinHedged: c.hedged,
      deltaUsd: c.deltaUsd + 0,
      deltaByCurrency: c.deltaByCurrency,
      derivMmr: c.derivMmr,
      derivImr: params.imrFactor * (c.derivMmr + c.mr8),
      stressLabel: label(stress.index),
      positions: Array.from({ length: unit.memberTo - unit.memberFrom }, (_, k) => unit.members[unit.memberFrom + k]!),
    },
  };
}
