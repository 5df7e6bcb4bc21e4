import { logReturns } from '../../market/log-returns.js';
import type { MporMethod } from './horizon-returns.js';
import type { MarketHistory } from './market-history.js';
import type { ScenarioWindow, VolMoves } from './scenario-window.js';
import { ewmaVariance } from '../../numerics/volatility-filters.js';

/** What an underlying's vol shifts were computed from. */
export type VolMoveSource = 'index' | 'realised' | 'none';

/** Decay of the realised-vol proxy (RiskMetrics daily λ, var-es.md §6). */
export const REALISED_VOL_LAMBDA = 0.94;

/**
 * Realised-vol proxy per aligned date: slot t = √(EWMA(0.94) variance of the 1-day log returns through date t), the
 * RiskMetrics forecast made at the close of t (var-es.md §6 seeding: state after the first return = its square).
 * Slot 0 has no return yet and is NaN. Only data up to each date enters its value, so no look-ahead. The returns are
 * those of the aligned calendar (a crypto return over an equity weekend is one step). Daily vol, decimal.
 */
export function realisedVolProxy(close: Float64Array, lambda: number = REALISED_VOL_LAMBDA): Float64Array {
  const v = ewmaVariance(logReturns(close), lambda);
  for (let t = 0; t < v.length; t++) v[t] = Math.sqrt(v[t] as number);
  return v;
}

/**
 * Writes the relative vol shift of one underlying for every scenario of `window` into `out` (count slots;
 * ScenarioSet volShiftMode 'relative': 0.25 = vol × 1.25).
 *
 * Source: `index` uses the underlying's implied-vol index when the history has one (SPX → VIX) and otherwise falls
 * back to the realised proxy, so a mixed BTC + SPX set still moves BTC vol; `realised` always uses the proxy;
 * `none` writes zeros. The move mirrors the price move's MPOR method (var-es.md §8): `overlapping` →
 * v_t / v_{t−h} − 1; `sqrt` → exp(√h · ln(v_t / v_{t−1})) − 1, the 1-day log change scaled like the price return.
 * A non-positive or missing level (a proxy still at zero after flat prices) gives 0, not ±∞.
 */
export function writeVolShifts(
  history: MarketHistory,
  row: number,
  window: ScenarioWindow,
  mpor: number,
  method: MporMethod,
  volMoves: VolMoves,
  out: Float64Array,
): VolMoveSource {
  const count = window.last - window.first + 1;
  if (volMoves === 'none') {
    out.fill(0, 0, count);
    return 'none';
  }
  const underlying = history.underlyings[row] as string;
  const index = volMoves === 'index' ? history.volIndex.get(underlying) : undefined;
  const source: VolMoveSource = index === undefined ? 'realised' : 'index';
  const v = index ?? realisedVolProxy((history.close[row] as Float64Array).subarray(0, window.endIndex + 1));
  const lag = method === 'overlapping' ? mpor : 1;
  const scale = method === 'overlapping' ? 1 : Math.sqrt(mpor);
  for (let s = 0; s < count; s++) {
    const t = window.first + s;
    const now = v[t] as number;
    const before = v[t - lag] as number;
    if (!(now > 0 && before > 0)) {
      out[s] = 0;
    } else {
      out[s] = scale === 1 ? now / before - 1 : Math.expm1(scale * Math.log(now / before));
    }
  }
  return source;
}

/** At most this many underlyings are named in a scenario label (the largest moves). */
export const LABEL_TOP_MOVES = 3;

/** "−39.5 %": one decimal, true minus sign, no "−0.0". */
function formatMove(move: number): string {
  const text = (Math.abs(move) * 100).toFixed(1);
  if (text === '0.0') return '0.0 %';
  return `${move < 0 ? '−' : '+'}${text} %`;
}

/**
 * Scenario label `2020-03-12: BTC −39.5 %, SPX −9.5 %`: the end date and the largest relative price moves (up to
 * LABEL_TOP_MOVES, by size). `moves[u]` is underlying u's relative move.
 */
export function moveLabel(date: string, names: readonly string[], moves: readonly number[]): string {
  const order = names.map((_, u) => u).sort((a, b) => Math.abs(moves[b] as number) - Math.abs(moves[a] as number) || a - b);
  const parts = order.slice(0, LABEL_TOP_MOVES).map((u) => `${names[u]} ${formatMove(moves[u] as number)}`);
  return `${date}: ${parts.join(', ')}`;
}
