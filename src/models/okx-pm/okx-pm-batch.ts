import type { AccountBook } from '../../portfolio/account-book.js';
import { aggregateRow } from '../../portfolio/aggregate-kernel-blocked.js';
import { groupAccountBook, positionRates } from '../grouped-book.js';
import type { BatchReport, BookOutput, ModelContext } from '../margin-model.js';
import type { OkxPmParams } from './okx-pm-params.js';
import type { OkxPlan } from './okx-pm-scenarios.js';
import { okxAccountMargins, okxAddSpot, okxBorrowing, okxInstrumentRates, okxPositionDelta, okxUnitCharges, type OkxInstrumentRates } from './okx-pm-unit.js';

/**
 * The batch path of `okx-pm` (issue 14): every account of the book at once, without a ResolvedPortfolio.
 *
 * The book is grouped into the rows the per-account path makes, (account, risk unit, expiry slice), first-seen
 * order per account and position order within a row, weights = quantity × the USD scenario rate of the
 * instrument. MR1/MR6 need the unit's P&L on a subset of the scenarios (the grid, the extreme moves) and MR2/MR3
 * single scenarios of single rows, so the rows are aggregated, one account at a time, into a reused buffer by the
 * kernel aggregatePortfolio runs (aggregateRow: same additions, same bits). Units and members are then found by
 * counting sorts over typed arrays and the unit and account arithmetic is okx-pm-unit.ts, shared with `evaluate`.
 *
 * Isolated accounts are one unit per position (as `evaluate`). Left to `evaluate` (returned in `leftOver`): accounts
 * with resting orders or entry prices (`book.extras`, which does not say which): resting orders re-margin the units
 * with each side filled (okx-pm-model.ts); entry prices change nothing but cannot be told apart. The account-level
 * borrowing (okxBorrowing) is taken from the account's spot positions in position order, as in `evaluate`. The
 * aggregation runs on this thread (an account's rows are a few × 27 scenarios with the default tiers: too little work to hand to a worker).
 */
export function evaluateOkxPmBook(params: OkxPmParams, context: ModelContext, plan: OkxPlan, book: AccountBook, out: BookOutput): BatchReport {
  const { market } = context;
  const { layout, matrix } = plan;
  const L = layout.length;
  const specs = context.instruments.specs();
  const S = plan.sliceTau.length;

  // Risk unit of each instrument in cross mode: its underlying (id), or −1 when no underlying moves it (a currency
  // held as spot): such positions belong to no unit, as in `evaluate`.
  const underlyingId = new Map<string, number>();
  const unitOf = Int32Array.from(specs, (spec) => {
    if (!market.has(spec.underlying)) return -1;
    let u = underlyingId.get(spec.underlying);
    if (u === undefined) {
      u = underlyingId.size;
      underlyingId.set(spec.underlying, u);
    }
    return u;
  });
  const U = underlyingId.size;
  // USD rates of an instrument, made when a position first needs them (as `evaluate` asks only for held instruments).
  const rateCache: (OkxInstrumentRates | undefined)[] = new Array<OkxInstrumentRates | undefined>(specs.length);
  const ratesOf = (i: number): OkxInstrumentRates => (rateCache[i] ??= okxInstrumentRates(params, context, specs[i]!));

  // Groups: cross (unit u, slice s) = u·S + s; isolated position k of its account = U·S + k (one unit and row each).
  const crossGroups = U * S;
  const leftOverAccounts: number[] = [];
  const rows = groupAccountBook(book, positionRates(context, book, (i) => ratesOf(i).scenarioRate), (a, e) => {
    if (book.extras[a] === 1) return -1;
    const i = book.instrument[e]!;
    if (unitOf[i]! < 0) return -1;
    return book.isolated[a] === 1 ? crossGroups + (e - book.rowStart[a]!) : unitOf[i]! * S + plan.slice[i]!;
  });
  const delta = new Float64Array(book.quantity.length);
  for (let e = 0; e < delta.length; e++) {
    const i = book.instrument[e]!;
    if (unitOf[i]! >= 0) delta[e] = okxPositionDelta(plan, i, book.quantity[e]!, ratesOf(i).deltaRate);
  }
  const toAccount = new Float64Array(book.currencyNames.length).fill(Number.NaN);

  // Scratch, grown to the largest account: rows (local index k), units (local index t), member positions.
  let rowPnl = new Float64Array(16 * L);
  let rowSlice = new Int32Array(16);
  let rowUnit = new Int32Array(16);
  let unitRows = new Int32Array(16);
  let unitRowStart = new Int32Array(17);
  let positionUnit = new Int32Array(16);
  let members = new Int32Array(16);
  let memberStart = new Int32Array(17);
  const localUnit = new Int32Array(U).fill(-1);
  const unitUnderlying = new Int32Array(U);
  const pnl = new Float64Array(L);
  const { rowStart: entryStart, instrument: rowInstrument } = rows.book;

  for (let a = 0; a < book.accountCount; a++) {
    if (book.extras[a] === 1) {
      leftOverAccounts.push(a);
      continue;
    }
    const r0 = rows.accountRowStart[a]!;
    const nr = rows.accountRowStart[a + 1]! - r0;
    const e0 = book.rowStart[a]!;
    const np = book.rowStart[a + 1]! - e0;
    if (rowSlice.length < nr) {
      const c = Math.max(nr, 2 * rowSlice.length);
      rowPnl = new Float64Array(c * L);
      rowSlice = new Int32Array(c);
      rowUnit = new Int32Array(c);
      unitRows = new Int32Array(c);
      unitRowStart = new Int32Array(c + 1);
      memberStart = new Int32Array(c + 1);
    }
    if (positionUnit.length < np) {
      positionUnit = new Int32Array(Math.max(np, 2 * positionUnit.length));
      members = new Int32Array(positionUnit.length);
    }
    const isolated = book.isolated[a] === 1;
    // Rows of the account, in its first-seen order; a unit's rows in row order are `evaluate`'s unitRows.
    let units = 0;
    for (let k = 0; k < nr; k++) {
      const r = r0 + k;
      aggregateRow(rows.book, r, matrix.pnl, L, rowPnl, k * L);
      rowSlice[k] = plan.slice[rowInstrument[entryStart[r]!]!]!;
      if (isolated) {
        rowUnit[k] = units++;
        continue;
      }
      const u = Math.floor(rows.rowGroup[r]! / S);
      if (localUnit[u]! < 0) {
        localUnit[u] = units;
        unitUnderlying[units++] = u;
      }
      rowUnit[k] = localUnit[u]!;
    }
    // Units are numbered by first row, which is their first position's order: `evaluate`'s unit order.
    countingSort(nr, units, (k) => rowUnit[k]!, unitRowStart, unitRows, (k) => k);
    let seen = 0;
    for (let p = 0; p < np; p++) {
      const u = unitOf[book.instrument[e0 + p]!]!;
      positionUnit[p] = u < 0 ? -1 : isolated ? seen++ : localUnit[u]!;
    }
    countingSort(np, units, (p) => positionUnit[p]!, memberStart, members, (p) => e0 + p);
    if (!isolated) for (let t = 0; t < units; t++) localUnit[unitUnderlying[t]!] = -1;

    let derivMmr = 0;
    for (let t = 0; t < units; t++) {
      const charges = okxUnitCharges(params, plan, context, {
        underlying: specs[book.instrument[members[memberStart[t]!]!]!]!.underlying,
        rowPnl,
        rows: unitRows,
        rowFrom: unitRowStart[t]!,
        rowTo: unitRowStart[t + 1]!,
        rowSlice,
        members,
        memberFrom: memberStart[t]!,
        memberTo: memberStart[t + 1]!,
        instrument: book.instrument,
        quantity: book.quantity,
        delta,
        pnl,
      });
      derivMmr += charges.derivMmr;
    }
    const spot = new Map<string, number>();
    for (let p = 0; p < np; p++) okxAddSpot(spot, specs[book.instrument[e0 + p]!]!, book.quantity[e0 + p]!);
    const c = book.currency[a]!;
    if (Number.isNaN(toAccount[c]!)) toAccount[c] = market.fxRate('USD', book.currencyNames[c]!);
    const m = okxAccountMargins(derivMmr, okxBorrowing(params, context, spot), params.imrFactor, toAccount[c]!);
    out.initialMargin[a] = m.initialMargin;
    out.maintenanceMargin[a] = m.maintenanceMargin;
  }
  return { leftOver: leftOverAccounts, threads: 1 };
}

/**
 * Stable counting sort of items 0..n−1 by bucket (−1: left out) into `order`, `start[b] .. start[b+1]−1` holding
 * bucket b's items (as `value(item)`) in item order.
 */
function countingSort(n: number, buckets: number, bucketOf: (item: number) => number, start: Int32Array, order: Int32Array, value: (item: number) => number): void {
  start.fill(0, 0, buckets + 1);
  for (let x = 0; x < n; x++) {
    const b = bucketOf(x);
    if (b >= 0) start[b + 1]! += 1;
  }
  for (let b = 0; b < buckets; b++) start[b + 1]! += start[b]!;
  // start[b] serves as bucket b's cursor, ending at the next bucket's start; shifted back afterwards.
  for (let x = 0; x < n; x++) {
    const b = bucketOf(x);
    if (b >= 0) order[start[b]!++] = value(x);
  }
  for (let b = buckets; b > 0; b--) start[b] = start[b - 1]!;
  start[0] = 0;
}
