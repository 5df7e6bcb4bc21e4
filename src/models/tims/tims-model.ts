import { CrossmarginError } from '../../core/errors.js';
import { priceInstrument } from '../../pricing/instrument-pricer.js';
import type { VolShiftMode } from '../../scenarios/scenario-set.js';
import { worstLoss, worstScenarioIndex } from '../../risk/worst-loss.js';
import type { CompiledModel } from '../margin-model.js';
import type { MarginComponent, MarginResultOf } from '../margin-result.js';
import { aggregatePortfolio, buildScenarioMatrix } from '../scenario-pipeline.js';
import { TimsParamsSchema, resolveClassSetup, type ClassSetup, type TimsParams } from './tims-params.js';
import { buildTimsPointSet, classScenarioCount, timsPointMove, type TimsClassPoints } from './tims-point-set.js';
import { evaluateTimsBook, type TimsPlan } from './tims-batch.js';
import { MINIMUM_CATEGORIES, groupRiskMargin, lowestGroupPnl, netShortContracts, timsMarginFloor } from './tims-charges.js';
import { defineModel } from '../define-model.js';
import { TimsDetailsSchema, type TimsDetails } from './tims-details.js';

/**
 * `tims`: OCC TIMS-style margin (methods/tims.md §2; docs/models/tims.md).
 *
 *   premiumMargin  = −Σ_options qty × value × FX             (short options charged, long options credited)
 *   pnl[c][j]      = class c's P&L at valuation point j       (shared scenario pipeline, rows = class groups)
 *   agg[g][j]      = Σ_c∈g (pnl[c][j] < 0 ? pnl[c][j] : offset_g × pnl[c][j])
 *   riskMargin[g]  = max(0, −min_j agg[g][j])
 *   minimum[c]     = minimumPerContract_c × net short contracts of c (futures/spot, calls, puts counted apart)
 *   margin         = max(0, premiumMargin + Σ_g max(riskMargin[g], Σ_c∈g minimum[c]))
 *
 * The last line is the engine's reading of the combination tims.md marks [U]. Initial = maintenance. In isolated
 * mode every position is its own class and product group (no offsets).
 */
export const timsModel = defineModel({
  id: 'tims',
  description: 'OCC TIMS: premium margin + worst loss per product group over valuation points, with class offsets and per-contract minimums',
  // Its batch path works account by account: large books are partitioned over worker threads (book-partition.ts).
  partitionBatch: true,
  paramsSchema: TimsParamsSchema,
  detailsSchema: TimsDetailsSchema,
  compile(params, context) {
    const underlyings = context.instruments.underlyingNames();
    const setups = new Map<string, ClassSetup>();
    for (const name of underlyings) setups.set(name, resolveClassSetup(params, name));
    checkGroupNames(params, underlyings);
    const set = buildTimsPointSet(setups as ReadonlyMap<string, TimsClassPoints>, params.volShiftMode);
    const matrix = buildScenarioMatrix(context, set);

    // Option value per contract today, settlement currency (the premium-margin input); 0 for delta-one contracts,
    // which are marked to market. Category for the minimum: 0 futures/perpetuals/spot, 1 calls, 2 puts (tims.md §2).
    const specs = context.instruments.specs();
    const optionValue = new Float64Array(specs.length);
    const category = new Int32Array(specs.length);
    specs.forEach((spec, i) => {
      if (spec.kind !== 'option') return;
      optionValue[i] = priceInstrument(spec, context.market, context.fieldOf?.(i) ?? `instruments.${i}`).value;
      category[i] = spec.right === 'call' ? 1 : 2;
    });
    const productGroupOf = new Map<string, number>();
    params.productGroups.forEach((g, gi) => g.classes.forEach((c) => productGroupOf.set(c, gi)));
    return compiledTims({ matrix, context, params, setups, optionValue, category, productGroupOf });
  },
});

/** A product group named like an underlying outside it would make two components with one group name. */
function checkGroupNames(params: TimsParams, underlyings: readonly string[]): void {
  params.productGroups.forEach((g, gi) => {
    if (underlyings.includes(g.name) && !g.classes.includes(g.name)) {
      throw new CrossmarginError(
        'MODEL_PARAMS_INVALID',
        `productGroups.${gi}.name: "${g.name}" is also an underlying outside this product group; choose another name`,
        { field: `productGroups.${gi}.name` },
      );
    }
  });
}

/** One class group of a portfolio (cross: an underlying; isolated: one position). */
interface ClassRow {
  readonly name: string;
  readonly underlying: string;
  readonly setup: ClassSetup;
  readonly group: number;
  /** Net contracts per category (futures/spot, calls, puts), signed. */
  readonly net: Float64Array;
  /** Sum of |qty| of the short positions per category, to share the minimum among them. */
  readonly shortSize: Float64Array;
}

/** One product group of a portfolio (a configured group, or a class on its own). */
interface GroupRow {
  readonly name: string;
  readonly offset: number;
  readonly classes: number[];
  readonly isProductGroup: boolean;
}

function formatPercent(move: number): string {
  const text = Number((Math.abs(move) * 100).toFixed(4)).toString();
  if (text === '0') return '0%';
  return `${move > 0 ? '+' : '−'}${text}%`;
}

function formatVol(shift: number, mode: VolShiftMode): string {
  if (shift === 0) return 'vol unchanged';
  const sign = shift > 0 ? '+' : '−';
  const size = Math.abs(shift) * 100;
  return mode === 'relative' ? `vol ${sign}${Number(size.toFixed(4))}%` : `vol ${sign}${size.toFixed(1)} pts`;
}

/** "point 1/10: SPX −15%, NDX −20%, vol unchanged" — the classes share points and vol variants (validated). */
function pointLabel(classes: readonly ClassRow[], s: number, mode: VolShiftMode): string {
  const first = classes[0]!.setup;
  const variants = 1 + first.volShifts.length;
  const k = Math.floor(s / variants);
  const v = s % variants;
  const moves = classes.map((c) => `${c.underlying} ${formatPercent(timsPointMove(c.setup.priceRange, c.setup.points, k))}`);
  const unique = [...new Set(moves)];
  return `point ${k + 1}/${first.points}: ${unique.join(', ')}, ${formatVol(v === 0 ? 0 : first.volShifts[v - 1]!, mode)}`;
}

function compiledTims(inputs: TimsPlan): CompiledModel<TimsDetails> {
  const { matrix, context, params, setups, optionValue, category, productGroupOf } = inputs;
  const { set } = matrix;
  const n = set.count;
  const mode = params.volShiftMode;
  return {
    evaluateBook: (book, out) => evaluateTimsBook(inputs, book, out),
    evaluate(portfolio): MarginResultOf<TimsDetails> {
      const isolated = portfolio.mode === 'isolated';
      const symbols = portfolio.positions.map((p) => context.instruments.spec(p.instrument).symbol);

      // Classes (rows of the shared aggregation) and product groups, both in order of first appearance.
      const classes: ClassRow[] = [];
      const groups: GroupRow[] = [];
      const classIndex = new Map<string, number>();
      const groupIndex = new Map<string, number>();
      const rowOfPosition = portfolio.positions.map((p, i) => {
        const underlying = context.instruments.spec(p.instrument).underlying;
        const key = isolated ? `${symbols[i]}#${i}` : underlying;
        let row = classIndex.get(key);
        if (row === undefined) {
          const pg = isolated ? undefined : productGroupOf.get(underlying);
          const groupKey = pg === undefined ? `class:${key}` : `group:${pg}`;
          let g = groupIndex.get(groupKey);
          if (g === undefined) {
            g = groups.length;
            groupIndex.set(groupKey, g);
            const configured = pg === undefined ? undefined : params.productGroups[pg]!;
            groups.push({
              name: configured?.name ?? (isolated ? symbols[i]! : underlying),
              // A class on its own has nothing to offset; 1 keeps agg = pnl (any value gives the same worst loss).
              offset: configured?.offset ?? 1,
              classes: [],
              isProductGroup: configured !== undefined,
            });
          }
          row = classes.length;
          classIndex.set(key, row);
          groups[g]!.classes.push(row);
          classes.push({
            name: isolated ? symbols[i]! : underlying,
            underlying,
            setup: setups.get(underlying)!,
            group: g,
            net: new Float64Array(MINIMUM_CATEGORIES),
            shortSize: new Float64Array(MINIMUM_CATEGORIES),
          });
        }
        const c = classes[row]!;
        const cat = category[p.instrument]!;
        c.net[cat]! += p.quantity;
        if (p.quantity < 0) c.shortSize[cat]! -= p.quantity;
        return row;
      });
      const grouped = aggregatePortfolio(matrix, context, portfolio, classes.length, (i) => rowOfPosition[i]!);
      const pnl = grouped.rowPnl;

      // Minimum per class: rate × net short contracts, each category on its own (tims.md §2 "minimum").
      const minimum = classes.map((c) => c.setup.minimumPerContract * netShortContracts(c.net, 0));

      // Premium margin (tims.md §2): short options charged at their value, long options credited.
      let premiumMargin = 0;
      const premiumShare = portfolio.positions.map((p, i) => {
        const share = -p.quantity * optionValue[p.instrument]! * grouped.fx[i]!;
        premiumMargin += share;
        return share;
      });

      // Product-group aggregation at every valuation point; gains count at the group's offset.
      const components: MarginComponent[] = [{ name: 'premiumMargin', group: 'account', value: premiumMargin + 0 }];
      const groupWorst: number[] = [];
      const groupRisk: number[] = [];
      const groupMinimum: number[] = [];
      const groupAgg: number[] = [];
      const worstPoint = new Int32Array(1);
      let total = premiumMargin;
      let largest = -1;
      groups.forEach((g, gi) => {
        const members = g.classes.map((c) => classes[c]!);
        const count = classScenarioCount(members[0]!.setup);
        const min = lowestGroupPnl(pnl, n, g.classes, 0, g.classes.length, g.offset, count, worstPoint);
        const worst = worstPoint[0]!;
        const risk = groupRiskMargin(min);
        const minSum = g.classes.reduce((a, c) => a + minimum[c]!, 0);
        groupWorst.push(worst);
        groupRisk.push(risk);
        groupMinimum.push(minSum);
        groupAgg.push(min + 0);
        const scenario = { id: set.ids[worst]!, label: pointLabel(members, worst, mode) };
        components.push({ name: 'riskMargin', group: g.name, value: risk, scenario });
        // The minimum replaces the risk margin when larger; reported as the top-up so components add up.
        if (minSum > risk) components.push({ name: 'minimumCharge', group: g.name, value: minSum - risk });
        total += Math.max(risk, minSum);
        if (largest < 0 || risk > groupRisk[largest]!) largest = gi;
      });
      const margin = timsMarginFloor(total);

      // Contributions: premium share plus the position's share of its group's charge: its loss at the group's worst
      // point (a gaining class's positions at the offset), or, where the minimum binds, its pro-rata part of the
      // class minimum (short positions of each category in proportion to their size).
      const positions = portfolio.positions.map((p, i) => {
        const row = rowOfPosition[i]!;
        const c = classes[row]!;
        const gi = c.group;
        const g = groups[gi]!;
        let share = 0;
        if (groupMinimum[gi]! > groupRisk[gi]!) {
          const cat = category[p.instrument]!;
          const net = c.net[cat]!;
          const netShort = net < 0 ? -net : 0;
          if (p.quantity < 0 && netShort > 0) share = (c.setup.minimumPerContract * netShort * -p.quantity) / c.shortSize[cat]!;
        } else if (groupRisk[gi]! > 0) {
          const s = groupWorst[gi]!;
          const own = p.quantity * grouped.fx[i]! * matrix.pnl[p.instrument * n + s]!;
          share = -(pnl[row * n + s]! < 0 ? own : g.offset * own);
        }
        return { instrument: symbols[i]!, quantity: p.quantity, contribution: premiumShare[i]! + share + 0 };
      });

      // Informative per-class detail: each class's own worst loss (not added: the product group's risk is charged).
      let classRiskSum = 0;
      const classDetails = classes.map((c, r) => {
        const count = classScenarioCount(c.setup);
        const loss = worstLoss(pnl, r * n, count);
        const s = worstScenarioIndex(pnl, r * n, count);
        classRiskSum += loss;
        return {
          class: c.name,
          underlying: c.underlying,
          productGroup: groups[c.group]!.isProductGroup ? groups[c.group]!.name : undefined,
          assetClass: c.setup.assetClass,
          priceRange: c.setup.priceRange,
          points: c.setup.points,
          volShifts: [0, ...c.setup.volShifts],
          worstLoss: loss,
          scenario: { id: set.ids[s]!, label: pointLabel([c], s, mode) },
          minimum: minimum[r]!,
        };
      });
      const groupDetails = groups.map((g, gi) => ({
        name: g.name,
        classes: g.classes.map((c) => classes[c]!.name),
        offset: g.isProductGroup ? g.offset : undefined,
        riskMargin: groupRisk[gi]!,
        minimum: groupMinimum[gi]!,
        charge: Math.max(groupRisk[gi]!, groupMinimum[gi]!),
      }));

      const worst = largest < 0 ? undefined : groupWorst[largest]!;
      return {
        model: 'tims',
        account: portfolio.account,
        currency: portfolio.currency,
        initialMargin: margin,
        maintenanceMargin: margin,
        components,
        ...(worst === undefined
          ? {}
          : {
              worstScenario: {
                id: set.ids[worst]!,
                label: `${groups[largest]!.name}: ${pointLabel(groups[largest]!.classes.map((c) => classes[c]!), worst, mode)}`,
                pnl: groupAgg[largest]!,
              },
            }),
        positions,
        details: {
          marginBeforeFloor: total + 0,
          classRiskSum,
          classes: classDetails,
          productGroups: groupDetails,
        },
      };
    },
  };
}
