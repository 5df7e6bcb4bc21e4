import { CrossmarginError } from '../../core/errors.js';
import type { AccountBook } from '../../portfolio/account-book.js';
import { aggregateRow } from '../../portfolio/aggregate-kernel-blocked.js';
import { groupAccountBook } from '../grouped-book.js';
import type { BatchReport, BookOutput } from '../margin-model.js';
import { legacyContingencies } from './deribit-pm-legacy.js';
import { requireOwnParameters, venueFieldsFor, type DeribitPmVenueFields } from './deribit-pm-params.js';
import { deltaCoinOf, deltaShockTerm, riskMatrixMarginOf, rollPerContract, rollShockTerm, rowWorstLoss } from './deribit-pm-row-math.js';
import type { DeribitPmPlan } from './deribit-pm-rows.js';

/**
 * The batch path of `deribit-pm` (issue 14), S:PM. Every covered account's rows — one per settlement currency
 * (cross), one per position (isolated), in first-seen order as rowRisks makes them — form one grouped book with
 * weight = quantity (rate 1: Deribit aggregates in the settlement coin, §1.1). Each row's pre-aggregated vector is
 * built by the blocked kernel's row loop into one reused buffer (the method needs every scenario: offset rule,
 * per-move dampener, worst of standard ∪ extended), then the row's worst case, roll shock, delta shock (per
 * underlying, from the ±DELTA_STEP columns summed in position order) and legacy contingencies go through the same
 * scalar functions as `evaluate` (deribit-pm-row-math.ts), and rows are converted and summed per account as
 * segregatedResult does. No ResolvedPortfolio is made for a covered account.
 *
 * Left to `evaluate` (returned in `leftOver`): every account in X:PM mode (its IM adds haircuts of the collateral
 * balances, which the book does not carry for this model, and refuses isolated accounts) and accounts with resting
 * orders or entry prices (`extras`: the open-orders margin re-margins the book with each side's orders filled), and
 * accounts holding an underlying without parameters (refused there, MODEL_PARAMS_INVALID).
 */
export function evaluateDeribitPmBook(plan: DeribitPmPlan, book: AccountBook, out: BookOutput): BatchReport {
  const { context, matrix, layout, inputs, params } = plan;
  const { market, instruments } = context;
  const leftOverAccounts: number[] = [];
  const xpm = params.mode === 'x-pm';
  // Per instrument: settlement currency and underlying (interned), roll-shock inputs.
  const n = instruments.size;
  // Accounts holding an underlying with neither its own parameters nor published defaults are left to `evaluate`,
  // which refuses them with MODEL_PARAMS_INVALID (requireOwnParameters), account by account.
  const unparameterised = new Uint8Array(n);
  if (plan.legacy === undefined) {
    for (let i = 0; i < n; i++) {
      try {
        requireOwnParameters(params, instruments.spec(i).underlying);
      } catch {
        unparameterised[i] = 1;
      }
    }
  }
  const refused = new Uint8Array(book.accountCount);
  for (let a = 0; a < book.accountCount; a++) {
    for (let e = book.rowStart[a]!; e < book.rowStart[a + 1]!; e++) if (unparameterised[book.instrument[e]!] === 1) refused[a] = 1;
  }
  const leftOver = (a: number): boolean => xpm || book.extras[a] === 1 || refused[a] === 1;

  const currencyNames: string[] = [];
  const underlyingNames: string[] = [];
  const currencyOf = new Int32Array(n);
  const underlyingOf = new Int32Array(n);
  const rolled = new Uint8Array(n);
  const perContract = new Float64Array(n);
  const intern = (names: string[], name: string): number => {
    const k = names.indexOf(name);
    return k >= 0 ? k : names.push(name) - 1;
  };
  for (let i = 0; i < n; i++) {
    const spec = instruments.spec(i);
    currencyOf[i] = intern(currencyNames, spec.currency);
    underlyingOf[i] = intern(underlyingNames, spec.underlying);
    // Roll shock: futures and perpetuals only (§1.1); per contract in settlement coin at the reference price.
    if (spec.kind === 'future' || spec.kind === 'perpetual') {
      rolled[i] = 1;
      perContract[i] = rollPerContract(spec, inputs[i]!.reference);
    }
  }
  // Underlyings the market prices (the others have no delta shock) and their index S, USD.
  const priced = Uint8Array.from(underlyingNames, (u) => (market.has(u) ? 1 : 0));
  const indexOf = Float64Array.from(underlyingNames, (u) => (market.has(u) ? market.underlying(u).index : Number.NaN));

  // Rows: cross → group = settlement currency; isolated → group = (currencies + position index), one row each.
  const crossGroups = currencyNames.length;
  const rows = groupAccountBook(book, new Float64Array(book.quantity.length).fill(1), (a, e) => {
    if (leftOver(a)) return -1;
    return book.isolated[a] === 1 ? crossGroups + (e - book.rowStart[a]!) : currencyOf[book.instrument[e]!]!;
  });
  const { rowStart, instrument, weight } = rows.book;

  // Looked up when a row of that currency is first met, as rowRisks does (so an fx rate the market lacks fails alike).
  const fields: (DeribitPmVenueFields | undefined)[] = new Array(currencyNames.length);
  const toUsd = new Float64Array(currencyNames.length).fill(Number.NaN);
  const toAccount = new Float64Array(book.currencyNames.length * currencyNames.length).fill(Number.NaN);

  const width = matrix.set.count;
  const pre = new Float64Array(width);
  // Scratch of one row, reset after it: net contracts per instrument (first-seen order), ±step P&L per underlying.
  const net = new Float64Array(n);
  const netSeen = new Uint8Array(n);
  const netOrder = new Int32Array(n);
  const up = new Float64Array(underlyingNames.length);
  const down = new Float64Array(underlyingNames.length);
  const underlyingSeen = new Uint8Array(underlyingNames.length);
  const underlyingOrder = new Int32Array(underlyingNames.length);

  for (let a = 0; a < book.accountCount; a++) {
    if (leftOver(a)) {
      leftOverAccounts.push(a);
      continue;
    }
    const account = book.currency[a]!;
    let im = 0;
    let mm = 0;
    for (let r = rows.accountRowStart[a]!; r < rows.accountRowStart[a + 1]!; r++) {
      const e0 = rowStart[r]!;
      const e1 = rowStart[r + 1]!;
      const c = currencyOf[instrument[e0]!]!;
      const f = (fields[c] ??= venueFieldsFor(params, currencyNames[c]!));
      if (Number.isNaN(toUsd[c]!)) toUsd[c] = market.fxRate(currencyNames[c]!, 'USD');
      const ccyToUsd = toUsd[c]!;

      aggregateRow(rows.book, r, matrix.pnl, width, pre, 0);
      const worst = rowWorstLoss(pre, 0, layout.standardCount, layout.extendedMoves, f, ccyToUsd);

      // Roll shock: net contracts per instrument (0 + q1 + q2 … in position order), instruments in first-seen order.
      let netCount = 0;
      for (let e = e0; e < e1; e++) {
        const i = instrument[e]!;
        if (rolled[i] === 0) continue;
        if (netSeen[i] === 0) {
          netSeen[i] = 1;
          netOrder[netCount++] = i;
        }
        net[i] = net[i]! + weight[e]!;
      }
      let rollShock = 0;
      for (let k = 0; k < netCount; k++) {
        const i = netOrder[k]!;
        rollShock += rollShockTerm(net[i]!, perContract[i]!, inputs[i]!.tau, f);
        net[i] = 0;
        netSeen[i] = 0;
      }

      // Delta shock: the ±step columns summed per underlying from 0 in position order (the kernel's order), underlyings in first-seen order.
      let underlyingCount = 0;
      for (let e = e0; e < e1; e++) {
        const i = instrument[e]!;
        const u = underlyingOf[i]!;
        if (underlyingSeen[u] === 0) {
          underlyingSeen[u] = 1;
          underlyingOrder[underlyingCount++] = u;
        }
        up[u] = up[u]! + weight[e]! * matrix.pnl[i * width + layout.length]!;
        down[u] = down[u]! + weight[e]! * matrix.pnl[i * width + layout.length + 1]!;
      }
      let deltaShock = 0;
      for (let k = 0; k < underlyingCount; k++) {
        const u = underlyingOrder[k]!;
        if (priced[u] === 1) deltaShock += deltaShockTerm(deltaCoinOf(up[u]!, down[u]!, ccyToUsd, indexOf[u]!), indexOf[u]!, ccyToUsd, f);
        up[u] = 0;
        down[u] = 0;
        underlyingSeen[u] = 0;
      }

      const legacy = plan.legacy === undefined ? { option: 0, futures: 0 } : legacyContingencies(plan, instrument.subarray(e0, e1), weight.subarray(e0, e1), currencyNames[c]!);
      const riskMatrixMargin = riskMatrixMarginOf(worst, deltaShock, rollShock, 0, legacy.option, legacy.futures);
      const maintenanceMargin = f.mmFactor * riskMatrixMargin;

      // Converted at today's index and summed in row order, as segregatedResult (no open orders here: + 0).
      const at = account * currencyNames.length + c;
      if (Number.isNaN(toAccount[at]!)) toAccount[at] = market.fxRate(currencyNames[c]!, book.currencyNames[account]!);
      im += (riskMatrixMargin + 0) * toAccount[at]!;
      mm += maintenanceMargin * toAccount[at]!;
    }
    if (!(im >= 0) || !(mm >= 0)) {
      throw new CrossmarginError('INTERNAL', `deribit-pm produced a negative or non-finite margin (IM ${im}, MM ${mm})`);
    }
    out.initialMargin[a] = im;
    out.maintenanceMargin[a] = mm;
  }
  return { leftOver: leftOverAccounts, threads: 1 };
}
