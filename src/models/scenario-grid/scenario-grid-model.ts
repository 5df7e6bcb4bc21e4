import type { UnderlyingGrid } from '../../scenarios/price-vol-grid.js';
import type { ScenarioSet } from '../../scenarios/scenario-set.js';
import { buildPriceVolGrid } from '../../scenarios/price-vol-grid.js';
import { worstLoss, worstScenarioIndex } from '../../risk/worst-loss.js';
import type { BatchReport, CompiledModel, GroupedBatch, ModelContext } from '../margin-model.js';
import { groupAccountBook, measureRows, positionRates } from '../grouped-book.js';
import type { MarginComponent, MarginResultOf } from '../margin-result.js';
import { aggregatePortfolio, buildScenarioMatrix, groupRows, type ScenarioMatrix } from '../scenario-pipeline.js';
import { ScenarioGridParamsSchema, groupName, type ScenarioGridParams } from './scenario-grid-params.js';
import { defineModel } from '../define-model.js';
import { ScenarioGridDetailsSchema, type ScenarioGridDetails } from './scenario-grid-details.js';

/**
 * `scenario-grid`: a SPAN-like price × vol grid per underlying. Margin = worst loss over the grid, per underlying,
 * summed: gains on one underlying never offset losses on another (docs/models/scenario-grid.md), unless the
 * `groups` parameter puts them in one group. In isolated mode every position is its own group (`groups` ignored).
 */
export const scenarioGridModel = defineModel({
  id: 'scenario-grid',
  description: 'SPAN-like price × vol grid per underlying; worst loss per underlying, summed (no cross-underlying offsets)',
  paramsSchema: ScenarioGridParamsSchema,
  detailsSchema: ScenarioGridDetailsSchema,
  compile(params, context) {
    return compiledGrid(buildScenarioMatrix(context, scenarioGridSet(params, context.instruments.underlyingNames())), context, params);
  },
});

/** The model's price × vol scenario set over `underlyings` (per-underlying overrides of range and vol shifts applied). */
export function scenarioGridSet(params: ScenarioGridParams, underlyingNames: readonly string[]): ScenarioSet {
  const underlyings = new Map<string, UnderlyingGrid>();
  for (const name of underlyingNames) {
    const o = params.underlyings[name];
    underlyings.set(name, { priceRange: o?.priceRange ?? params.priceRange, volShifts: o?.volShifts ?? params.volShifts });
  }
  return buildPriceVolGrid({
    priceSteps: params.priceSteps,
    volShiftMode: params.volShiftMode,
    extreme: params.extreme === false ? undefined : params.extreme,
    timeStep: params.timeStepDays / 365,
    underlyings,
  });
}

function compiledGrid(matrix: ScenarioMatrix, context: ModelContext, params: ScenarioGridParams): CompiledModel<ScenarioGridDetails> {
  const { set } = matrix;
  // Row key and name of each underlying in cross mode. Keys carry a prefix so that a group named `A+B` can never
  // merge with an underlying that happens to be called `A+B`.
  const groupOfUnderlying = new Map<string, { key: string; name: string }>();
  params.groups.forEach((group, g) => {
    for (const underlying of group) groupOfUnderlying.set(underlying, { key: `g:${g}`, name: groupName(group) });
  });
  const crossRow = (underlying: string): { key: string; name: string } =>
    groupOfUnderlying.get(underlying) ?? { key: `u:${underlying}`, name: underlying };
  // figures(): each instrument's cross-mode row key, and a reused row buffer (grown on demand).
  const crossKey = Array.from({ length: context.instruments.size }, (_, i) => crossRow(context.instruments.spec(i).underlying).key);
  let rowBuffer = new Float64Array(0);
  // The batch path's groups: instruments of one cross row key share a group, numbered in first-seen order.
  const groupIds = new Map<string, number>();
  const instrumentGroup = Int32Array.from(crossKey, (key) => {
    let g = groupIds.get(key);
    if (g === undefined) {
      g = groupIds.size;
      groupIds.set(key, g);
    }
    return g;
  });
  const groupedBatch: GroupedBatch = {
    instrumentGroup,
    rate: (instrument, currency) => context.market.fxRate(context.instruments.spec(instrument).currency, currency),
    evaluateRows(rows, accountRowStart, accountCount, out, options): BatchReport {
      const run = measureRows(rows, matrix, 1, options);
      for (let a = 0; a < accountCount; a++) {
        let maintenance = 0;
        for (let r = accountRowStart[a]!; r < accountRowStart[a + 1]!; r++) maintenance += run.out[3 * r]!;
        out.initialMargin[a] = maintenance * params.initialRatio;
        out.maintenanceMargin[a] = maintenance;
      }
      return { leftOver: [], threads: run.threads };
    },
  };
  return {
    /**
     * The figures alone (what-ifs): the rows `evaluate` makes — positions grouped by key in first-seen order,
     * weights quantity × fx, summed in position order from 0 as the aggregation kernels do — and the worst loss per
     * row summed in row order: the same numbers, without components, contributions or labels.
     */
    figures(portfolio) {
      const n = set.count;
      const count = portfolio.positions.length;
      if (rowBuffer.length < count * n) rowBuffer = new Float64Array(Math.max(count * n, 2 * rowBuffer.length));
      const rows = rowBuffer;
      const keys: (string | number)[] = [];
      for (let i = 0; i < count; i++) {
        const p = portfolio.positions[i]!;
        const key = portfolio.mode === 'isolated' ? i : (crossKey[p.instrument] ?? crossRow(context.instruments.spec(p.instrument).underlying).key);
        let r = keys.indexOf(key);
        if (r < 0) {
          r = keys.length;
          keys.push(key);
          rows.fill(0, r * n, r * n + n);
        }
        if (p.instrument >= matrix.instrumentCount) return { initialMargin: Number.NaN, maintenanceMargin: Number.NaN };
        const w = p.quantity * context.market.fxRate(context.instruments.spec(p.instrument).currency, portfolio.currency);
        const o = r * n;
        const b = p.instrument * n;
        for (let s = 0; s < n; s++) rows[o + s] = rows[o + s]! + w * matrix.pnl[b + s]!;
      }
      let maintenance = 0;
      for (let r = 0; r < keys.length; r++) maintenance += worstLoss(rows, r * n, n);
      return { initialMargin: maintenance * params.initialRatio, maintenanceMargin: maintenance };
    },
    /**
     * The batch path: every account's groups (cross: its underlyings or configured groups; isolated: each position)
     * as rows of one grouped book, worst loss per row by the fused kernel on the batch threads, summed per account
     * in row order as `evaluate` sums its components.
     */
    evaluateBook(book, out, options): BatchReport {
      const crossGroups = groupedBatch.instrumentGroup.reduce((m, g) => Math.max(m, g + 1), 0);
      // Isolated accounts: position k of the account is group (cross groups + k), one row each.
      const rows = groupAccountBook(book, positionRates(context, book), (a, e) =>
        book.isolated[a] === 1 ? crossGroups + (e - book.rowStart[a]!) : groupedBatch.instrumentGroup[book.instrument[e]!]!,
      );
      return groupedBatch.evaluateRows(rows.book, rows.accountRowStart, book.accountCount, out, options);
    },
    groupedBatch,
    evaluate(portfolio): MarginResultOf<ScenarioGridDetails> {
      const isolated = portfolio.mode === 'isolated';
      const symbols = portfolio.positions.map((p) => context.instruments.spec(p.instrument).symbol);
      const { rows, names: groupNames } = groupRows(portfolio.positions.length, (i) =>
        isolated ? { key: `p:${i}`, name: symbols[i] as string } : crossRow(context.instruments.spec(portfolio.positions[i]!.instrument).underlying),
      );
      const grouped = aggregatePortfolio(matrix, context, portfolio, groupNames.length, (i) => rows[i]!);

      const components: MarginComponent[] = [];
      const worstOfRow: number[] = [];
      let maintenance = 0;
      let largest = -1;
      groupNames.forEach((group, r) => {
        const offset = r * set.count;
        const loss = worstLoss(grouped.rowPnl, offset, set.count);
        const s = worstScenarioIndex(grouped.rowPnl, offset, set.count);
        worstOfRow.push(s);
        maintenance += loss;
        components.push({ name: 'gridRisk', group, value: loss, scenario: { id: set.ids[s]!, label: set.labels[s]! } });
        if (largest < 0 || loss > components[largest]!.value) largest = r;
      });
      // A position's contribution is its loss in the scenario that set its group's charge (0 if the group never loses).
      const positions = portfolio.positions.map((p, i) => {
        const r = rows[i]!;
        const charged = components[r]!.value > 0;
        const pnl = charged ? p.quantity * grouped.fx[i]! * matrix.pnl[p.instrument * set.count + worstOfRow[r]!]! : 0;
        return { instrument: symbols[i]!, quantity: p.quantity, contribution: -pnl + 0 };
      });
      // Marginal contributions (the worst-case measure's explanation): how much the maintenance margin falls if the
      // position is removed — its group's worst loss recomputed without it. Unlike the scenario split above these
      // need not add up; a hedge shows a negative marginal contribution.
      const without = new Float64Array(set.count);
      const marginal = portfolio.positions.map((p, i) => {
        const r = rows[i]!;
        const w = p.quantity * grouped.fx[i]!;
        for (let s = 0; s < set.count; s++) without[s] = grouped.rowPnl[r * set.count + s]! - w * matrix.pnl[p.instrument * set.count + s]!;
        return { instrument: symbols[i]!, marginal: components[r]!.value - worstLoss(without, 0, set.count) + 0 };
      });
      const worst = largest < 0 ? undefined : worstOfRow[largest]!;
      return {
        model: 'scenario-grid',
        account: portfolio.account,
        currency: portfolio.currency,
        initialMargin: maintenance * params.initialRatio,
        maintenanceMargin: maintenance,
        components,
        ...(worst === undefined
          ? {}
          : {
              worstScenario: {
                id: set.ids[worst]!,
                label: `${groupNames[largest]}: ${set.labels[worst]}`,
                pnl: grouped.rowPnl[largest * set.count + worst]! + 0,
              },
            }),
        positions,
        details: { marginalContributions: marginal },
      };
    },
  };
}
