import type { z } from 'zod';
import type { ScenarioSet } from '../../scenarios/scenario-set.js';
import type { ResolvedPortfolio } from '../../portfolio/resolve-portfolio.js';
import { tailMeasuresScratchLength } from '../../risk/tail-measures.js';
import type { AccountBook } from '../../portfolio/account-book.js';
import type { KernelRun } from '../../risk/kernel-pool.js';
import { accountRows, measureRows, positionRates } from '../grouped-book.js';
import type { BatchOptions, BatchReport, BookOutput, CompiledModel, HistoryContext, ModelContext } from '../margin-model.js';
import { defineModel, type DefinedModel } from '../define-model.js';
import type { MarginComponent, MarginResultOf, ScenarioRef } from '../margin-result.js';
import { aggregatePortfolio, buildScenarioMatrix, riskUnderlyings, type ScenarioMatrix } from '../scenario-pipeline.js';
import { correlationRelief, measureFor, type ReliefOutcome } from './correlation-relief.js';
import { instrumentExposures, type InstrumentExposures } from './instrument-exposures.js';
import { liquidityAddOns, measureLiquidity, type UnderlyingLiquidity } from './liquidity-add-ons.js';
import { lowestScenarios, tailOf, type Tail } from './tail-scenarios.js';
import { historyWindow } from './var-history-window.js';
import type { VarParams } from './var-params.js';
import { ScenarioVarDetailsSchema, type ScenarioVarDetails } from './var-details.js';

/** Which scenario set a VaR model is asked for. */
export interface ScenarioRequest {
  readonly kind: 'current' | 'stressed' | 'ten-year';
  /** Last history date usable (already resolved to a history date). */
  readonly endDate: string;
  /** Scenarios wanted (current: params.lookback; ten-year: 2,520 or what history holds). */
  readonly lookback: number;
  /** Stressed: use exactly the scenarios ending inside this window. */
  readonly window?: { readonly from: string; readonly to: string };
}

/** Generator of a model's scenario sets from history (HS, FHS, Monte Carlo). */
export type ScenarioSource<P> = (params: P, context: HistoryContext, request: ScenarioRequest) => ScenarioSet;

export interface ScenarioVarModelSpec<Id extends string, P extends VarParams> {
  readonly id: Id;
  readonly description: string;
  readonly paramsSchema: z.ZodType<P>;
  readonly source: ScenarioSource<P>;
}

/** Ten years of daily scenarios (EMIR RTS 153/2013 Art 28(c) floor). */
const TEN_YEARS = 2520;

interface Compiled<P extends VarParams> {
  readonly params: P;
  readonly context: HistoryContext;
  readonly current: ScenarioMatrix;
  readonly stressed: ScenarioMatrix | undefined;
  readonly tenYear: ScenarioMatrix | undefined;
  readonly exposures: InstrumentExposures | undefined;
  readonly liquidity: readonly UnderlyingLiquidity[] | undefined;
  readonly unitValue: Float64Array;
  /** riskUnderlyings(context), the order of unitValue and of exposures per underlying. */
  readonly underlyings: readonly string[];
}

/**
 * A scenario-based VaR / ES model (hs-var, fhs-es, mc-es) on the shared pipeline: the model's scenario sets are
 * revalued once into instrument × scenario matrices; each account is aggregated (one row in cross mode, one per
 * position in isolated mode), measured, explained (Euler contributions over the tail), then the add-ons, APC and
 * correlation relief apply (docs/models/var-family.md).
 */
export function scenarioVarModel<Id extends string, P extends VarParams>(spec: ScenarioVarModelSpec<Id, P>): DefinedModel<Id, P, ScenarioVarDetails, undefined> {
  return defineModel({
    id: spec.id,
    description: spec.description,
    paramsSchema: spec.paramsSchema,
    detailsSchema: ScenarioVarDetailsSchema,
    needs: { history: true, collateral: true },
    compile(params, context) {
      const { history, endIndex, endDate } = historyWindow(context, params.endDate);
      const request = (kind: ScenarioRequest['kind'], lookback: number, window?: ScenarioRequest['window']): ScenarioMatrix =>
        buildScenarioMatrix(context, spec.source(params, context, { kind, endDate, lookback, ...(window === undefined ? {} : { window }) }));
      const current = request('current', params.lookback);
      const stressed = params.stressedWindow === undefined ? undefined : request('stressed', params.lookback, params.stressedWindow);
      const tenYear = params.apc === 'floor-10y' ? request('ten-year', Math.min(TEN_YEARS, Math.max(params.lookback, endIndex - params.mpor))) : undefined;
      const needsLiquidity = params.liquidity !== undefined || params.concentration !== undefined;
      const underlyings = riskUnderlyings(context);
      const unitValue = Float64Array.from(underlyings, (u) => (context.market.has(u) ? context.market.underlying(u).index : Number.NaN));
      const compiled: Compiled<P> = {
        params,
        context,
        current,
        stressed,
        tenYear,
        exposures: needsLiquidity ? instrumentExposures(context) : undefined,
        liquidity: needsLiquidity ? measureLiquidity(history, underlyings, endIndex, params) : undefined,
        unitValue,
        underlyings,
      };
      return compiledVarModel(spec.id, compiled);
    },
  });
}

function compiledVarModel<P extends VarParams>(id: string, c: Compiled<P>): CompiledModel<ScenarioVarDetails> {
  const { params, context } = c;
  const measure = measureFor(params.measure, params.confidence);
  const self: CompiledModel<ScenarioVarDetails> = {
    evaluateBook: (book, out, options) => evaluateVarBook(c, book, out, options),
    evaluate(portfolio): MarginResultOf<ScenarioVarDetails> {
      const isolated = portfolio.mode === 'isolated';
      const symbols = portfolio.positions.map((p) => context.instruments.spec(p.instrument).symbol);
      const isCollateral = portfolio.positions.map((p) => p.role === 'collateral');
      const n = c.current.set.count;
      const scratch = new Float64Array(tailMeasuresScratchLength(Math.max(n, c.stressed?.set.count ?? 0, c.tenYear?.set.count ?? 0)));

      // Rows: the whole account (cross) or each position alone (isolated; collateral is then not in any row).
      const rowOf = (i: number): number => (isolated ? (isCollateral[i] ? -1 : i) : 0);
      const rowCount = isolated ? portfolio.positions.length : 1;
      const kept = keepPositions(portfolio, (i) => rowOf(i) >= 0);
      const grouped = aggregatePortfolio(c.current, context, kept.portfolio, rowCount, (i) => rowOf(kept.index[i]!));
      const rowMargin = (matrix: ScenarioMatrix, pnl: Float64Array, r: number): number => measure(pnl, r * matrix.set.count, matrix.set.count, scratch);

      // The cross row's tail: the VaR/ES scenarios and their weights, for the component's scenario and Euler.
      const tail = isolated ? undefined : tailOf(grouped.rowPnl, 0, n, params.confidence, scratch);
      const components: MarginComponent[] = [];
      let base = 0;
      let relief: ReliefOutcome | undefined;
      if (isolated) {
        for (let r = 0; r < rowCount; r++) {
          if (isCollateral[r]) continue;
          const m = rowMargin(c.current, grouped.rowPnl, r);
          base += m;
          components.push({ name: 'riskMeasure', group: symbols[r]!, value: m });
        }
      } else if (params.relief !== undefined) {
        relief = reliefFor(c, kept.portfolio, measure);
        base = relief.margin;
        for (const s of relief.standalone) components.push({ name: 'standaloneMargin', group: s.group, value: s.margin });
        components.push({ name: 'correlationRelief', group: 'account', value: relief.relief });
      } else {
        base = params.measure === 'var' ? Math.max(0, tail!.var) : Math.max(0, tail!.es);
        const s = params.measure === 'var' ? tail!.varScenario : tail!.esScenarios[0]!;
        const scenario = { id: c.current.set.ids[s]!, label: params.measure === 'var' ? `VaR scenario ${c.current.set.labels[s]}` : `worst of the ES tail ${c.current.set.labels[s]}` };
        components.push({ name: 'riskMeasure', group: 'account', value: base, scenario });
      }

      const stressedMargin = c.stressed === undefined ? undefined : sumRows(c.stressed, context, kept, rowCount, rowOf, (m, p, r) => rowMargin(m, p, r), isCollateral, isolated);
      const tenYearMargin = c.tenYear === undefined ? undefined : sumRows(c.tenYear, context, kept, rowCount, rowOf, (m, p, r) => rowMargin(m, p, r), isCollateral, isolated);
      const withApc = applyApc(params, base, stressedMargin, tenYearMargin);
      if (withApc !== base) components.push({ name: 'apcAdjustment', group: params.apc, value: withApc - base });

      const addOns = c.exposures === undefined || c.liquidity === undefined ? [] : liquidityAddOns(c.liquidity, underlyingExposure(c, kept.portfolio), accountUnitValue(c, portfolio.currency), params);
      components.push(...addOns);
      const initial = initialMargin(withApc, addOns);

      // Explanation: Euler contributions over the cross row's tail; worst scenarios with their dates.
      const worst = isolated ? undefined : lowestScenarios(grouped.rowPnl, 0, n, params.worstScenarios, scratch);
      const ref = (s: number): ScenarioRef => ({ id: c.current.set.ids[s]!, label: c.current.set.labels[s]!, pnl: grouped.rowPnl[s]! + 0 });
      const positions = portfolio.positions.map((p, i) => {
        const weight = p.quantity * context.market.fxRate(context.instruments.spec(p.instrument).currency, portfolio.currency);
        const contribution = tail === undefined ? (isCollateral[i] ? 0 : rowMargin(c.current, grouped.rowPnl, i)) : eulerContribution(c, tail, weight, p.instrument);
        return { instrument: symbols[i]!, quantity: p.quantity, contribution };
      });
      const set = c.current.set;
      return {
        model: id,
        account: portfolio.account,
        currency: portfolio.currency,
        initialMargin: initial,
        maintenanceMargin: initial * params.maintenanceRatio,
        components,
        ...(worst === undefined || worst.length === 0 ? {} : { worstScenario: ref(worst[0]!) }),
        positions,
        details: {
          measure: params.measure,
          confidence: params.confidence,
          // Both tail measures of the account at `confidence` (cross mode), for ES backtests (Acerbi–Szekely needs VaR and ES).
          ...(tail === undefined ? {} : { var: tail.var, es: tail.es }),
          scenarios: set.count,
          firstScenario: set.ids[0],
          lastScenario: set.ids[set.count - 1],
          mpor: params.mpor,
          mporMethod: params.mporMethod,
          worstScenarios: worst === undefined ? [] : Array.from(worst, ref),
          ...(stressedMargin === undefined ? {} : { stressedMargin, stressedWindow: params.stressedWindow }),
          ...(tenYearMargin === undefined ? {} : { tenYearMargin }),
          apc: params.apc,
          ...(relief === undefined ? {} : { relief }),
        },
      };
    },
  };
  return self;
}

/** Initial margin from the (APC-adjusted) risk measure and the add-ons, floored at zero: one formula for both paths. */
function initialMargin(withApc: number, addOns: readonly MarginComponent[]): number {
  return Math.max(0, withApc + addOns.reduce((a, x) => a + x.value, 0));
}

/**
 * The batch path: every cross-margin account of the book aggregated and measured by the fused kernel on the
 * shared threads (risk/kernel-pool.ts), once per scenario set the parameters use; then the same APC and
 * add-on arithmetic as `evaluate`. Isolated accounts, and every account when correlation relief is on, are left
 * to `evaluate` (their explanation is per position or per class, not one row).
 */
function evaluateVarBook<P extends VarParams>(c: Compiled<P>, book: AccountBook, out: BookOutput, options: BatchOptions): BatchReport {
  const { params, context } = c;
  const leftOverAccounts: number[] = [];
  const leftOver = (a: number): boolean => params.relief !== undefined || book.isolated[a] === 1;
  // One row per cross account: the whole account (collateral held as spot positions included).
  const rows = accountRows(book, positionRates(context, book), (a) => !leftOver(a));
  const slot = params.measure === 'var' ? 1 : 2; // [worst, VaR, ES] per row
  const measured = (matrix: ScenarioMatrix | undefined): KernelRun | undefined => (matrix === undefined ? undefined : measureRows(rows.book, matrix, params.confidence, options));
  const current = measured(c.current)!;
  const stressed = measured(c.stressed);
  const tenYear = measured(c.tenYear);
  const exposure = c.exposures === undefined || c.liquidity === undefined ? undefined : new Float64Array(c.unitValue.length);
  const unitValues = book.currencyNames.map((ccy) => accountUnitValue(c, ccy));
  for (let a = 0; a < book.accountCount; a++) {
    if (leftOver(a)) {
      leftOverAccounts.push(a);
      continue;
    }
    const at = 3 * rows.accountRowStart[a]! + slot;
    const base = Math.max(0, current.out[at]!);
    const withApc = applyApc(params, base, stressed === undefined ? undefined : Math.max(0, stressed.out[at]!), tenYear === undefined ? undefined : Math.max(0, tenYear.out[at]!));
    let addOns: MarginComponent[] = [];
    if (exposure !== undefined) {
      exposureInto(c, book.currencyNames[book.currency[a]!]!, book.instrument, book.quantity, book.rowStart[a]!, book.rowStart[a + 1]!, exposure);
      addOns = liquidityAddOns(c.liquidity!, exposure, unitValues[book.currency[a]!]!, params);
    }
    const initial = initialMargin(withApc, addOns);
    out.initialMargin[a] = initial;
    out.maintenanceMargin[a] = initial * params.maintenanceRatio;
  }
  return { leftOver: leftOverAccounts, threads: current.threads };
}

/** The portfolio restricted to some positions, remembering their original indices. */
function keepPositions(portfolio: ResolvedPortfolio, keep: (i: number) => boolean): { portfolio: ResolvedPortfolio; index: number[] } {
  const index = portfolio.positions.map((_, i) => i).filter(keep);
  return { portfolio: { ...portfolio, positions: index.map((i) => portfolio.positions[i]!) }, index };
}

function sumRows(
  matrix: ScenarioMatrix,
  context: ModelContext,
  kept: { portfolio: ResolvedPortfolio; index: number[] },
  rowCount: number,
  rowOf: (i: number) => number,
  margin: (m: ScenarioMatrix, pnl: Float64Array, r: number) => number,
  isCollateral: readonly boolean[],
  isolated: boolean,
): number {
  const g = aggregatePortfolio(matrix, context, kept.portfolio, rowCount, (i) => rowOf(kept.index[i]!));
  let sum = 0;
  for (let r = 0; r < rowCount; r++) if (!(isolated && isCollateral[r])) sum += margin(matrix, g.rowPnl, r);
  return sum;
}

/** EMIR RTS 153/2013 Art 28 (var-es.md §10): (a) 25 % buffer, (b) stressed weight, (c) 10-year floor. */
function applyApc(params: VarParams, margin: number, stressed: number | undefined, tenYear: number | undefined): number {
  switch (params.apc) {
    case 'buffer':
      return margin * 1.25;
    case 'stressed-weight':
      return (1 - params.stressedWeight) * margin + params.stressedWeight * (stressed ?? margin);
    case 'floor-10y':
      return Math.max(margin, tenYear ?? margin);
    default:
      return margin;
  }
}

/** Euler contribution of one position (weight = quantity × fx) to the cross row's VaR or ES. */
function eulerContribution<P extends VarParams>(c: Compiled<P>, tail: Tail, weight: number, instrument: number): number {
  const n = c.current.set.count;
  const cell = (s: number): number => weight * c.current.pnl[instrument * n + s]!;
  if (c.params.measure === 'var') return 0 - cell(tail.varScenario);
  let sum = 0;
  for (let i = 0; i < tail.esScenarios.length; i++) sum += tail.esWeights[i]! * cell(tail.esScenarios[i]!);
  return 0 - sum / tail.tailMass;
}

/** Account P&L per 100 % move of each underlying (the positions' "dollar delta"), account currency. */
function underlyingExposure<P extends VarParams>(c: Compiled<P>, portfolio: ResolvedPortfolio): Float64Array {
  const out = new Float64Array(c.unitValue.length);
  const ids = Int32Array.from(portfolio.positions, (p) => p.instrument);
  const quantities = Float64Array.from(portfolio.positions, (p) => p.quantity);
  exposureInto(c, portfolio.currency, ids, quantities, 0, ids.length, out);
  return out;
}

/** underlyingExposure of positions e0 ≤ e < e1 of (instrument, quantity) arrays into `out` (zeroed first). */
function exposureInto<P extends VarParams>(c: Compiled<P>, currency: string, instrument: Int32Array, quantity: Float64Array, e0: number, e1: number, out: Float64Array): void {
  out.fill(0);
  for (let e = e0; e < e1; e++) {
    const spec = c.context.instruments.spec(instrument[e]!);
    const u = c.underlyings.indexOf(spec.underlying);
    if (u >= 0) out[u]! += quantity[e]! * c.exposures!.delta[instrument[e]!]! * c.context.market.fxRate(spec.currency, currency);
  }
}

/** Account-currency value of one unit of each underlying (index quoted in USD). */
function accountUnitValue<P extends VarParams>(c: Compiled<P>, currency: string): Float64Array {
  const usd = c.context.market.fxRate('USD', currency);
  return c.unitValue.map((v) => v * usd);
}

/** Standalone margin per class vs the joint margin of the cross row, with the bootstrap significance test. */
function reliefFor<P extends VarParams>(c: Compiled<P>, portfolio: ResolvedPortfolio, measure: ReturnType<typeof measureFor>): ReliefOutcome {
  const settings = c.params.relief!;
  const classOf = (i: number): string => {
    const u = c.context.instruments.spec(portfolio.positions[i]!.instrument).underlying;
    return settings.classes[u] ?? u;
  };
  // Positions that no scenario moves (fx-only currencies such as USDC collateral) belong to no class.
  const moving = new Set(riskUnderlyings(c.context));
  const kept = keepPositions(portfolio, (i) => moving.has(c.context.instruments.spec(portfolio.positions[i]!.instrument).underlying));
  const names = [...new Set(kept.index.map((i) => classOf(i)))].sort();
  const n = c.current.set.count;
  const byClass = aggregatePortfolio(c.current, c.context, kept.portfolio, names.length, (k) => names.indexOf(classOf(kept.index[k]!)));
  const joint = new Float64Array(n);
  for (let r = 0; r < names.length; r++) for (let s = 0; s < n; s++) joint[s]! += byClass.rowPnl[r * n + s]!;
  return correlationRelief(byClass.rowPnl, joint, names, n, measure, settings);
}
