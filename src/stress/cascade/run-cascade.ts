import { CrossmarginError } from '../../core/errors.js';
import type { CascadeMarket } from './cascade-market.js';
import { impactKernel, markKernel, settleKernel, socialiseKernel, SETTLE_DEFICIT, SETTLE_NOTIONAL, SETTLE_PENALTY, SETTLE_PNL, SETTLE_TRADER_LOSS } from './cascade-kernel.js';
import type { CascadePopulation } from './cascade-population.js';
import type { MaintenanceRates } from './maintenance-rates.js';
import { crossBook, isolatedBook, type MarginBook } from './margin-book.js';

/** How one cascade is run (docs/cascades.md). Amounts USD; shock and penalty as decimals. */
export interface CascadeSettings {
  readonly mode: 'cross' | 'isolated';
  /** Relief rates U × U (reliefRates), or undefined: margins of underlyings add. */
  readonly relief: Float64Array | undefined;
  /** Relative price move per underlying applied before round 1 (−0.2 = price × 0.8). */
  readonly shock: Float64Array;
  readonly rounds: number;
  /** Insurance fund at the start, USD. */
  readonly insuranceFund: number;
  /** Liquidation penalty per USD of notional closed, paid to the fund out of what the account has left. */
  readonly penaltyRate: number;
  /** Square-root impact coefficient Y (dimensionless, ~1). */
  readonly impactY: number;
}

/** One round's outcome; amounts USD. */
export interface CascadeRound {
  readonly round: number;
  /** Prices the round marked accounts at, and after the round's liquidation flow (the next round's marks). */
  readonly markPrices: number[];
  readonly pricesAfter: number[];
  /** Margin pools liquidated (accounts in cross mode, positions in isolated mode). */
  readonly poolsLiquidated: number;
  /** Accounts with a liquidation for the first time this round. */
  readonly accountsLiquidated: number;
  /** Net units traded per underlying by the liquidations (buy positive), and gross USD notional closed. */
  readonly netVolume: number[];
  readonly volume: number;
  readonly liquidatedPnl: number;
  readonly traderLoss: number;
  readonly penalties: number;
  readonly insuranceFundUse: number;
  readonly insuranceFund: number;
  readonly badDebt: number;
  readonly socialisedLoss: number;
  /** Bad debt no profitable account could absorb. */
  readonly unsocialisedLoss: number;
}

export interface CascadeRun {
  readonly mode: 'cross' | 'isolated';
  readonly relief: boolean;
  readonly rounds: CascadeRound[];
  readonly totals: {
    readonly accountsLiquidated: number;
    readonly poolsLiquidated: number;
    readonly volume: number;
    readonly liquidatedPnl: number;
    readonly traderLoss: number;
    readonly penalties: number;
    readonly insuranceFundUse: number;
    readonly insuranceFundEnd: number;
    readonly badDebt: number;
    readonly socialisedLoss: number;
    readonly unsocialisedLoss: number;
  };
  /**
   * Conservation (docs/cascades.md): −(P&L of liquidated positions) = trader losses − insurance-fund change + bad
   * debt, summed over rounds; `error` is |lhs − rhs| / max(1, |lhs|).
   */
  readonly conservation: { readonly lhs: number; readonly rhs: number; readonly error: number };
  /** Per account: start equity − end equity, USD (liquidated: what was lost; survivors: mark-to-market and haircut). */
  readonly accountLoss: Float64Array;
}

export function runCascade(population: CascadePopulation, market: CascadeMarket, maintenance: MaintenanceRates, settings: CascadeSettings, onRound?: (round: number) => void): CascadeRun {
  const U = market.underlyings.length;
  if (population.underlyings.length !== U || population.underlyings.some((u, i) => u !== market.underlyings[i])) {
    throw new CrossmarginError('INTERNAL', 'population and market must list the same underlyings in the same order');
  }
  if (settings.shock.length !== U) throw new CrossmarginError('INTERNAL', 'one shock per underlying');
  const prices0 = market.prices;
  const longLoss = new Float64Array(U);
  const shortLoss = new Float64Array(U);
  let book: MarginBook;
  if (settings.mode === 'cross') {
    book = crossBook(population);
  } else {
    maintenance.compute(prices0, longLoss, shortLoss);
    const rate = new Float64Array(U);
    for (let u = 0; u < U; u++) rate[u] = Math.max(longLoss[u]!, shortLoss[u]!) / prices0[u]!;
    book = isolatedBook(population, prices0, rate);
  }
  const startCash = Float64Array.from(book.cash);
  const alive = new Uint8Array(book.rows).fill(1);
  const equity = new Float64Array(book.rows);
  const margin = new Float64Array(book.rows);
  const flagged = new Uint8Array(book.rows);
  const profit = new Float64Array(book.rows);
  const scratch = new Float64Array(Math.max(1, book.maxEntries));
  const netClose = new Float64Array(U);
  const grossClose = new Float64Array(U);
  const totals = new Float64Array(5);
  const ownerHit = new Uint8Array(population.accountCount);
  let marks = new Float64Array(U);
  let after = new Float64Array(U);
  const shocked = new Float64Array(U);
  const cumulativeFlow = new Float64Array(U);
  const advUnits = new Float64Array(U);
  for (let u = 0; u < U; u++) {
    shocked[u] = prices0[u]! * Math.max(0.01, 1 + settings.shock[u]!);
    marks[u] = shocked[u]!;
    advUnits[u] = market.adv[u]! / prices0[u]!;
  }
  let fund = settings.insuranceFund;
  const rounds: CascadeRound[] = [];
  for (let r = 1; r <= settings.rounds; r++) {
    maintenance.compute(marks, longLoss, shortLoss);
    netClose.fill(0);
    grossClose.fill(0);
    const pools = markKernel(book, marks, prices0, longLoss, shortLoss, settings.relief, U, alive, equity, margin, flagged, netClose, grossClose, scratch);
    for (let u = 0; u < U; u++) cumulativeFlow[u] = cumulativeFlow[u]! + netClose[u]!;
    impactKernel(shocked, cumulativeFlow, market.sigma, advUnits, settings.impactY, after);
    totals.fill(0);
    settleKernel(book, after, prices0, flagged, alive, settings.penaltyRate, totals);
    let accounts = 0;
    for (let row = 0; row < book.rows; row++) {
      if (flagged[row] === 1 && ownerHit[book.owner[row]!] === 0) {
        ownerHit[book.owner[row]!] = 1;
        accounts++;
      }
    }
    fund += totals[SETTLE_PENALTY]!;
    const use = Math.min(totals[SETTLE_DEFICIT]!, fund);
    fund -= use;
    const badDebt = totals[SETTLE_DEFICIT]! - use;
    const socialised = badDebt > 0 ? socialiseKernel(book, after, prices0, alive, badDebt, profit) : 0;
    rounds.push({
      round: r,
      markPrices: Array.from(marks),
      pricesAfter: Array.from(after),
      poolsLiquidated: pools,
      accountsLiquidated: accounts,
      netVolume: Array.from(netClose),
      volume: totals[SETTLE_NOTIONAL]!,
      liquidatedPnl: totals[SETTLE_PNL]!,
      traderLoss: totals[SETTLE_TRADER_LOSS]!,
      penalties: totals[SETTLE_PENALTY]!,
      insuranceFundUse: use,
      insuranceFund: fund,
      badDebt,
      socialisedLoss: socialised,
      unsocialisedLoss: badDebt - socialised,
    });
    [marks, after] = [after, marks];
    onRound?.(r);
  }
  const sum = (k: keyof CascadeRound): number => rounds.reduce((a, x) => a + (x[k] as number), 0);
  const lhs = -sum('liquidatedPnl');
  const rhs = sum('traderLoss') - (fund - settings.insuranceFund) + sum('badDebt');
  // Final marks are the last round's post-impact prices (swapped into `marks`).
  const accountLoss = new Float64Array(population.accountCount);
  for (let row = 0; row < book.rows; row++) {
    let end = book.cash[row]!;
    if (alive[row] === 1) for (let e = book.rowStart[row]!; e < book.rowStart[row + 1]!; e++) end += book.quantity[e]! * (marks[book.underlying[e]!]! - prices0[book.underlying[e]!]!);
    accountLoss[book.owner[row]!] = accountLoss[book.owner[row]!]! + startCash[row]! - end;
  }
  return {
    mode: settings.mode,
    relief: settings.relief !== undefined,
    rounds,
    totals: {
      accountsLiquidated: sum('accountsLiquidated'),
      poolsLiquidated: sum('poolsLiquidated'),
      volume: sum('volume'),
      liquidatedPnl: -lhs,
      traderLoss: sum('traderLoss'),
      penalties: sum('penalties'),
      insuranceFundUse: sum('insuranceFundUse'),
      insuranceFundEnd: fund,
      badDebt: sum('badDebt'),
      socialisedLoss: sum('socialisedLoss'),
      unsocialisedLoss: sum('unsocialisedLoss'),
    },
    conservation: { lhs, rhs, error: Math.abs(lhs - rhs) / Math.max(1, Math.abs(lhs)) },
    accountLoss,
  };
}
