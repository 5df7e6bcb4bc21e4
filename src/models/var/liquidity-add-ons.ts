import { CrossmarginError } from '../../core/errors.js';
import type { MarketHistory } from '../../scenarios/history/market-history.js';
import type { MarginComponent } from '../margin-result.js';
import type { VarParams } from './var-params.js';

/** What the add-ons know of one underlying, measured on history up to the scenarios' end date. */
export interface UnderlyingLiquidity {
  readonly underlying: string;
  /** Average daily volume over `advDays`, in units of the underlying. */
  readonly adv: number;
  /** Daily vol of log returns over the lookback, decimal. */
  readonly dailyVol: number;
}

/**
 * ADV (base units) and daily vol per underlying from history ending at `endIndex` (inclusive). Volume in quote
 * currency (CoinMarketCap files) is turned into base units with the day's close. No volume → a clear error.
 */
export function measureLiquidity(history: MarketHistory, underlyings: readonly string[], endIndex: number, params: VarParams): UnderlyingLiquidity[] {
  const advDays = params.liquidity?.advDays ?? 30;
  return underlyings.map((name) => {
    const u = history.underlyings.indexOf(name);
    const close = history.close[u]!;
    const volume = history.volume[u]!;
    if (history.volumeUnit[u] === 'unknown') {
      // Coins or dollars? Guessing would scale the add-on by the price: refuse instead.
      throw new CrossmarginError('HISTORY_INVALID', `${name}: the volume unit of ${history.sources[u] ?? 'its history'} is unknown (a file given as a history spec); the liquidity and concentration add-ons need a catalogued file (data/history-catalogue.json)`, {
        field: `history.${name}.volume`,
      });
    }
    let sum = 0;
    let days = 0;
    for (let t = Math.max(0, endIndex - advDays + 1); t <= endIndex; t++) {
      const v = volume[t]!;
      if (!Number.isFinite(v)) continue;
      sum += history.volumeUnit[u] === 'quote' ? v / close[t]! : v;
      days++;
    }
    if (days === 0 || sum <= 0) {
      throw new CrossmarginError('HISTORY_INVALID', `${name}: the history has no volume in the ${advDays} days to ${history.dates[endIndex]}; the liquidity and concentration add-ons need it`, {
        field: `history.${name}.volume`,
      });
    }
    const start = Math.max(1, endIndex - params.lookback + 1);
    let s1 = 0;
    let s2 = 0;
    let count = 0;
    for (let t = start; t <= endIndex; t++) {
      const r = Math.log(close[t]! / close[t - 1]!);
      s1 += r;
      s2 += r * r;
      count++;
    }
    const mean = s1 / Math.max(1, count);
    const dailyVol = Math.sqrt(Math.max(0, s2 / Math.max(1, count) - mean * mean));
    return { underlying: name, adv: sum / days, dailyVol };
  });
}

/**
 * Liquidity add-on, square-root impact (var-es.md §9): Y·σ_daily·√(Q/ADV)·|value| per underlying, Q = |net delta| in
 * underlying units, value = the position's value in account currency. Concentration add-on: rate × (Q/ADV −
 * threshold) × |value| where Q exceeds threshold × ADV. `exposure[u]` = account P&L per 100 % move of u (= value);
 * `unitValue[u]` = account-currency value of one unit of u.
 */
export function liquidityAddOns(
  liquidity: readonly UnderlyingLiquidity[],
  exposure: Float64Array,
  unitValue: Float64Array,
  params: VarParams,
): MarginComponent[] {
  const components: MarginComponent[] = [];
  liquidity.forEach((l, u) => {
    const value = Math.abs(exposure[u]!);
    if (value === 0) return;
    const q = value / unitValue[u]!;
    const share = q / l.adv;
    if (params.liquidity !== undefined) {
      components.push({ name: 'liquidityAddOn', group: l.underlying, value: params.liquidity.impactCoefficient * l.dailyVol * Math.sqrt(share) * value });
    }
    if (params.concentration !== undefined && share > params.concentration.thresholdAdvFraction) {
      components.push({ name: 'concentrationAddOn', group: l.underlying, value: params.concentration.rate * (share - params.concentration.thresholdAdvFraction) * value });
    }
  });
  return components;
}
