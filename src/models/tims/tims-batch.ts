import { CrossmarginError } from '../../core/errors.js';
import type { AccountBook } from '../../portfolio/account-book.js';
import { aggregateRow } from '../../portfolio/aggregate-kernel-blocked.js';
import { groupAccountBook, positionRates } from '../grouped-book.js';
import type { BatchReport, BookOutput, ModelContext } from '../margin-model.js';
import type { ScenarioMatrix } from '../scenario-pipeline.js';
import { MINIMUM_CATEGORIES, groupRiskMargin, lowestGroupPnl, netShortContracts, timsMarginFloor } from './tims-charges.js';
import type { ClassSetup, TimsParams } from './tims-params.js';
import { classScenarioCount } from './tims-point-set.js';

/** What `tims` compiles once and both of its paths read. */
export interface TimsPlan {
  readonly matrix: ScenarioMatrix;
  readonly context: ModelContext;
  readonly params: TimsParams;
  /** Class setup per underlying (compile-time underlyings). */
  readonly setups: ReadonlyMap<string, ClassSetup>;
  /** Option value per contract today, settlement currency; 0 for delta-one contracts. */
  readonly optionValue: Float64Array;
  /** Minimum category per instrument (tims-charges.ts MINIMUM_CATEGORIES). */
  readonly category: Int32Array;
  /** Underlying → index of its configured product group. */
  readonly productGroupOf: ReadonlyMap<string, number>;
}

/**
 * The `tims` batch path (issue 14). Every account's classes (cross: one per underlying; isolated: one per position)
 * are the rows of one grouped book, made exactly as `evaluate` makes them for the account alone (first-seen order,
 * position order within a row). Account by account, its rows' P&L over the valuation points is aggregated into a
 * reused buffer (the same row kernel `aggregatePortfolio` runs, so the same bits), then premium margin, the product
 * groups with their offsets, the per-contract minimums and the floor follow over typed arrays with the arithmetic
 * `evaluate` shares (tims-charges.ts), in its order. The full row P&L is needed (not just each row's worst loss):
 * a product group combines its classes point by point. Every account is covered: `evaluate` reads neither entry
 * prices nor resting orders, so accounts carrying them margin the same here. Runs on this thread (the work per
 * account is one small aggregation), so it reports 1 thread whatever BatchOptions allow.
 */
export function evaluateTimsBook(plan: TimsPlan, book: AccountBook, out: BookOutput): BatchReport {
  const { matrix, context, params, setups, optionValue, category, productGroupOf } = plan;
  const n = matrix.set.count;
  const instrumentCount = matrix.instrumentCount;

  // Per compile-time underlying u: its class setup facts, and its configured product group (−1: a class alone).
  const underlyingNames = [...setups.keys()];
  const underlyingIndex = new Map(underlyingNames.map((name, u) => [name, u]));
  const scenarioCount = Int32Array.from(underlyingNames, (name) => classScenarioCount(setups.get(name)!));
  const minimumPerContract = Float64Array.from(underlyingNames, (name) => setups.get(name)!.minimumPerContract);
  const productGroup = Int32Array.from(underlyingNames, (name) => productGroupOf.get(name) ?? -1);
  const groupOffset = Float64Array.from(params.productGroups, (g) => g.offset);
  const underlyingOf = new Int32Array(instrumentCount);
  for (let i = 0; i < instrumentCount; i++) underlyingOf[i] = underlyingIndex.get(context.instruments.spec(i).underlying)!;
  for (let e = 0; e < book.instrument.length; e++) {
    const id = book.instrument[e]!;
    // As aggregatePortfolio: the matrix has no row for an instrument interned after compile.
    if (id >= instrumentCount) throw new CrossmarginError('INTERNAL', `instrument ${id} was resolved after the model was compiled`, { field: book.fieldOf(id) });
  }

  // Rows: cross → group u (the class on underlying u); isolated → position k of the account alone, group U + k.
  const classCount = underlyingNames.length;
  const rates = positionRates(context, book);
  const rows = groupAccountBook(book, rates, (a, e) => (book.isolated[a] === 1 ? classCount + (e - book.rowStart[a]!) : underlyingOf[book.instrument[e]!]!));
  const { rowStart, instrument } = rows.book;

  let maxRows = 0;
  for (let a = 0; a < book.accountCount; a++) maxRows = Math.max(maxRows, rows.accountRowStart[a + 1]! - rows.accountRowStart[a]!);
  // Per-account scratch, indexed by the account's local row r (class) or local group g.
  const pnl = new Float64Array(maxRows * n);
  const net = new Float64Array(maxRows * MINIMUM_CATEGORIES);
  const minimum = new Float64Array(maxRows);
  const rowGroup = new Int32Array(maxRows);
  const groupFirstRow = new Int32Array(maxRows);
  const groupOffsetOf = new Float64Array(maxRows);
  const groupStart = new Int32Array(maxRows + 1);
  const members = new Int32Array(maxRows);
  const localGroup = new Int32Array(params.productGroups.length).fill(-1);
  const worstPoint = new Int32Array(1);

  for (let a = 0; a < book.accountCount; a++) {
    const r0 = rows.accountRowStart[a]!;
    const rowCount = rows.accountRowStart[a + 1]! - r0;
    const isolated = book.isolated[a] === 1;

    // Class P&L per valuation point, and net contracts per category (position order within the class).
    net.fill(0, 0, rowCount * MINIMUM_CATEGORIES);
    for (let r = 0; r < rowCount; r++) {
      aggregateRow(rows.book, r0 + r, matrix.pnl, n, pnl, r * n);
      for (let k = rowStart[r0 + r]!; k < rowStart[r0 + r + 1]!; k++) {
        const e = rows.position[k]!;
        net[r * MINIMUM_CATEGORIES + category[instrument[k]!]!]! += book.quantity[e]!;
      }
      minimum[r] = minimumPerContract[underlyingOf[instrument[rowStart[r0 + r]!]!]!]! * netShortContracts(net, r * MINIMUM_CATEGORIES);
    }

    // Premium margin (tims.md §2), positions in account order: short options charged, long options credited.
    let premiumMargin = 0;
    for (let e = book.rowStart[a]!; e < book.rowStart[a + 1]!; e++) {
      const share = -book.quantity[e]! * optionValue[book.instrument[e]!]! * rates[e]!;
      premiumMargin += share;
    }

    // Product groups in first-seen order (a configured group, or a class alone with offset 1), then their classes
    // in row order by a counting sort: the order `evaluate` lists and adds them in.
    let groupCount = 0;
    for (let r = 0; r < rowCount; r++) {
      const pg = isolated ? -1 : productGroup[underlyingOf[instrument[rowStart[r0 + r]!]!]!]!;
      let g = pg < 0 ? -1 : localGroup[pg]!;
      if (g < 0) {
        g = groupCount++;
        if (pg >= 0) localGroup[pg] = g;
        groupFirstRow[g] = r;
        groupOffsetOf[g] = pg < 0 ? 1 : groupOffset[pg]!;
        groupStart[g + 1] = 0;
      }
      rowGroup[r] = g;
      groupStart[g + 1]! += 1;
    }
    groupStart[0] = 0;
    for (let g = 0; g < groupCount; g++) groupStart[g + 1]! += groupStart[g]!;
    // members[groupStart[g] ..] filled in row order; the cursor is groupStart shifted back by one group.
    for (let r = 0; r < rowCount; r++) members[groupStart[rowGroup[r]!]!++] = r;
    for (let g = groupCount; g > 0; g--) groupStart[g] = groupStart[g - 1]!;
    groupStart[0] = 0;
    // Clear the configured groups this account met, for the next account.
    for (let g = 0; g < groupCount; g++) {
      const pg = isolated ? -1 : productGroup[underlyingOf[instrument[rowStart[r0 + groupFirstRow[g]!]!]!]!]!;
      if (pg >= 0) localGroup[pg] = -1;
    }

    let total = premiumMargin;
    for (let g = 0; g < groupCount; g++) {
      const from = groupStart[g]!;
      const to = groupStart[g + 1]!;
      // Classes of one product group share points and vol variants (validated): the first class's count is the group's.
      const count = scenarioCount[underlyingOf[instrument[rowStart[r0 + groupFirstRow[g]!]!]!]!]!;
      const risk = groupRiskMargin(lowestGroupPnl(pnl, n, members, from, to, groupOffsetOf[g]!, count, worstPoint));
      let minSum = 0;
      for (let k = from; k < to; k++) minSum = minSum + minimum[members[k]!]!;
      total += Math.max(risk, minSum);
    }
    const margin = timsMarginFloor(total);
    out.initialMargin[a] = margin;
    out.maintenanceMargin[a] = margin;
  }
  return { leftOver: [], threads: 1 };
}
