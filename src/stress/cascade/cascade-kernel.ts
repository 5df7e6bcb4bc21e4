import type { MarginBook } from './margin-book.js';

/**
 * The cascade's hot loops (docs/cascades.md "Rounds"): plain functions over typed arrays that never allocate; the
 * caller owns every buffer. Amounts in USD, prices in USD per unit, quantities in signed units of the underlying.
 */

/**
 * Marks every live row at `prices` and flags rows whose equity is below maintenance margin.
 *
 *   equity[r] = cash[r] + Σ_e q_e · (P_u − P₀_u)
 *   margin[r] = Σ_e (q_e > 0 ? q_e · longLoss_u : −q_e · shortLoss_u) − relief credit
 *
 * Relief (`reliefRate` U × U, or undefined = margins add): a long entry and a short entry in different underlyings
 * form a spread using min(remaining margin of each leg); the credit is reliefRate[u·U + v] × that amount, and both
 * legs' remaining margin falls by it — so a unit of margin is credited at most once and the credit never exceeds the
 * margin (SPAN's inter-commodity spread credit in a margin-weighted form). Legs pair in entry order (underlying
 * order in a cross book). Also adds the closing trades of flagged rows to `netClose` (units, buy positive) and
 * `grossClose` (units). Returns the number of rows flagged.
 */
export function markKernel(
  book: MarginBook,
  prices: Float64Array,
  prices0: Float64Array,
  longLoss: Float64Array,
  shortLoss: Float64Array,
  reliefRate: Float64Array | undefined,
  U: number,
  alive: Uint8Array,
  equity: Float64Array,
  margin: Float64Array,
  flagged: Uint8Array,
  netClose: Float64Array,
  grossClose: Float64Array,
  scratch: Float64Array,
): number {
  const { rowStart, underlying, quantity, cash } = book;
  let count = 0;
  for (let r = 0; r < book.rows; r++) {
    flagged[r] = 0;
    if (alive[r] === 0) continue;
    const from = rowStart[r]!;
    const to = rowStart[r + 1]!;
    let eq = cash[r]!;
    let m = 0;
    for (let e = from; e < to; e++) {
      const u = underlying[e]!;
      const q = quantity[e]!;
      eq += q * (prices[u]! - prices0[u]!);
      const me = q > 0 ? q * longLoss[u]! : -q * shortLoss[u]!;
      scratch[e - from] = me;
      m += me;
    }
    if (reliefRate !== undefined && to - from > 1) {
      let credit = 0;
      for (let i = from; i < to; i++) {
        if (quantity[i]! <= 0) continue;
        for (let j = from; j < to; j++) {
          if (quantity[j]! >= 0) continue;
          const rate = reliefRate[underlying[i]! * U + underlying[j]!]!;
          if (rate <= 0) continue;
          const used = Math.min(scratch[i - from]!, scratch[j - from]!);
          credit += rate * used;
          scratch[i - from] = scratch[i - from]! - used;
          scratch[j - from] = scratch[j - from]! - used;
        }
      }
      m -= credit;
    }
    equity[r] = eq;
    margin[r] = m;
    if (to > from && eq < m) {
      flagged[r] = 1;
      count++;
      for (let e = from; e < to; e++) {
        netClose[underlying[e]!] = netClose[underlying[e]!]! - quantity[e]!;
        grossClose[underlying[e]!] = grossClose[underlying[e]!]! + Math.abs(quantity[e]!);
      }
    }
  }
  return count;
}

/**
 * Square-root impact (docs/cascades.md "Impact"). The liquidations since the shock are one metaorder, and the
 * square-root law prices its cumulative size (Tóth et al. 2011, "Anomalous price impact and the critical nature of
 * liquidity"):
 *   P_after[u] = P_shocked[u] · max(0.01, 1 + sign(Q) · Y · σ_daily · sqrt(|Q| / ADV))
 * with Q the cumulative net units bought by liquidations through this round (negative: sold), ADV the average daily
 * volume in units of the underlying (USD ADV ÷ start price), σ per day, Y dimensionless; a price falls at most
 * 99 %. Using the cumulative size makes the price a monotone function of the liquidated set (a larger shock never
 * gives a higher price), which sequential per-round impacts, being concave in volume, would not.
 */
export function impactKernel(shocked: Float64Array, cumulativeFlow: Float64Array, sigma: Float64Array, advUnits: Float64Array, y: number, out: Float64Array): void {
  for (let u = 0; u < shocked.length; u++) {
    const q = cumulativeFlow[u]!;
    const move = q === 0 ? 0 : Math.sign(q) * y * sigma[u]! * Math.sqrt(Math.abs(q) / advUnits[u]!);
    out[u] = shocked[u]! * Math.max(0.01, 1 + move);
  }
}

/** Sums of one round's settlement, `totals[k]` for the indices below. */
export const SETTLE_PNL = 0;
export const SETTLE_PENALTY = 1;
export const SETTLE_DEFICIT = 2;
export const SETTLE_TRADER_LOSS = 3;
export const SETTLE_NOTIONAL = 4;

/**
 * Closes every flagged row at `exec` prices. Per row: realised R = Σ q · (P_exec − P₀), equity E = cash + R,
 * penalty π = min(penaltyRate · closed notional, max(E, 0)) to the insurance fund, deficit D = max(−E, 0), the
 * trader keeps max(E, 0) − π (the row's new cash) and loses cash − (max(E, 0) − π). The row is dead afterwards.
 * Adds to `totals` (cleared by the caller).
 */
export function settleKernel(book: MarginBook, exec: Float64Array, prices0: Float64Array, flagged: Uint8Array, alive: Uint8Array, penaltyRate: number, totals: Float64Array): void {
  const { rowStart, underlying, quantity, cash } = book;
  for (let r = 0; r < book.rows; r++) {
    if (flagged[r] === 0) continue;
    let pnl = 0;
    let notional = 0;
    for (let e = rowStart[r]!; e < rowStart[r + 1]!; e++) {
      const u = underlying[e]!;
      pnl += quantity[e]! * (exec[u]! - prices0[u]!);
      notional += Math.abs(quantity[e]!) * exec[u]!;
    }
    const eq = cash[r]! + pnl;
    const kept = Math.max(eq, 0);
    const penalty = Math.min(penaltyRate * notional, kept);
    totals[SETTLE_PNL] = totals[SETTLE_PNL]! + pnl;
    totals[SETTLE_PENALTY] = totals[SETTLE_PENALTY]! + penalty;
    totals[SETTLE_DEFICIT] = totals[SETTLE_DEFICIT]! + Math.max(-eq, 0);
    totals[SETTLE_TRADER_LOSS] = totals[SETTLE_TRADER_LOSS]! + cash[r]! - (kept - penalty);
    totals[SETTLE_NOTIONAL] = totals[SETTLE_NOTIONAL]! + notional;
    cash[r] = kept - penalty;
    alive[r] = 0;
  }
}

/**
 * Socialises `amount` USD of bad debt across live rows with unrealised profit at `prices`, pro rata to that profit
 * and at most all of it (auto-deleveraging-style haircut of winners' gains). Returns the amount socialised.
 */
export function socialiseKernel(book: MarginBook, prices: Float64Array, prices0: Float64Array, alive: Uint8Array, amount: number, profit: Float64Array): number {
  const { rowStart, underlying, quantity, cash } = book;
  let total = 0;
  for (let r = 0; r < book.rows; r++) {
    let p = 0;
    if (alive[r] === 1) {
      for (let e = rowStart[r]!; e < rowStart[r + 1]!; e++) p += quantity[e]! * (prices[underlying[e]!]! - prices0[underlying[e]!]!);
    }
    profit[r] = p > 0 ? p : 0;
    total += profit[r]!;
  }
  if (total <= 0 || amount <= 0) return 0;
  const taken = Math.min(amount, total);
  const share = taken / total;
  for (let r = 0; r < book.rows; r++) if (profit[r]! > 0) cash[r] = cash[r]! - profit[r]! * share;
  return taken;
}
