import { CrossmarginError } from '../../core/errors.js';
import { loadPriceHistory } from '../../market/load-price-history.js';
import type { PriceHistory } from '../../market/price-history.js';
import { loadHistoryCatalogue, type HistoryCatalogue } from '../../scenarios/history/history-catalogue.js';

/**
 * The market a cascade runs in (docs/cascades.md "Calibration"): per underlying a start price, a daily volatility
 * and an average daily volume, plus the pairwise return correlations the intermarket relief uses.
 * Prices in USD (USDT-quoted closes stand in for USD, data/SOURCES.md), σ as a decimal per day, ADV in USD per day.
 */
export interface CascadeMarket {
  readonly underlyings: readonly string[];
  /** Start price per underlying, USD per unit: the series' last close. */
  readonly prices: Float64Array;
  /** Standard deviation of daily log returns over the last `volDays` returns, decimal per day. */
  readonly sigma: Float64Array;
  /** Mean daily traded value over the last `advDays` days, USD per day. */
  readonly adv: Float64Array;
  /** Pearson correlation of daily log returns on shared dates, `[u * U + v]`; 0 where too few dates are shared. */
  readonly correlation: Float64Array;
  /** Date of each start price (the series' last row). */
  readonly asOf: readonly string[];
}

export interface CalibrationWindows {
  /** Days averaged for ADV. */
  readonly advDays: number;
  /** Returns used for σ. */
  readonly volDays: number;
  /** Most recent shared dates used for a correlation; fewer than `minSharedDays` shared → 0. */
  readonly correlationDays: number;
  readonly minSharedDays: number;
}

export const DEFAULT_WINDOWS: CalibrationWindows = { advDays: 30, volDays: 90, correlationDays: 365, minSharedDays: 60 };

function tailStats(h: PriceHistory, volDays: number): number {
  const n = h.close.length;
  const k = Math.min(volDays, n - 1);
  if (k < 2) return Number.NaN;
  let sum = 0;
  let sq = 0;
  for (let t = n - k; t < n; t++) {
    const r = Math.log(h.close[t]! / h.close[t - 1]!);
    sum += r;
    sq += r * r;
  }
  const mean = sum / k;
  return Math.sqrt(Math.max(0, (sq - k * mean * mean) / (k - 1)));
}

/**
 * ADV in USD: volume in units of the underlying (`base`; `unknown` is read the same way, as the VaR family's
 * liquidity add-on does, docs/history-data.md) times that day's close; `quote` volume is already USD.
 * Days without a volume are skipped.
 */
function averageDailyValue(h: PriceHistory, unit: 'base' | 'quote' | 'unknown', days: number): number {
  let sum = 0;
  let count = 0;
  for (let t = h.close.length - 1; t >= 0 && count < days; t--) {
    const v = h.volume[t]!;
    if (!Number.isFinite(v) || v <= 0) continue;
    sum += unit === 'quote' ? v : v * h.close[t]!;
    count++;
  }
  return count === 0 ? Number.NaN : sum / count;
}

function correlationOn(a: PriceHistory, b: PriceHistory, days: number, minShared: number): number {
  const index = new Map<string, number>();
  a.dates.forEach((d, t) => index.set(d, t));
  const shared: [number, number][] = [];
  for (let t = 0; t < b.dates.length; t++) {
    const ta = index.get(b.dates[t]!);
    if (ta !== undefined) shared.push([ta, t]);
  }
  const pairs = shared.slice(-(days + 1));
  const n = pairs.length - 1;
  if (n < minShared) return 0;
  let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (let k = 1; k <= n; k++) {
    const x = Math.log(a.close[pairs[k]![0]]! / a.close[pairs[k - 1]![0]]!);
    const y = Math.log(b.close[pairs[k]![1]]! / b.close[pairs[k - 1]![1]]!);
    sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
  }
  const cov = sxy - (sx * sy) / n;
  const den = Math.sqrt((sxx - (sx * sx) / n) * (syy - (sy * sy) / n));
  return den > 0 ? cov / den : 0;
}

/**
 * Calibrates the cascade market from the bundled daily histories (data/history-catalogue.json). An underlying not
 * in the catalogue is MARKET_UNDERLYING_MISSING; one whose file has no volume (the European indices) needs an ADV
 * override, else HISTORY_INVALID names it.
 */
export function calibrateCascadeMarket(
  underlyings: readonly string[],
  options: { windows?: CalibrationWindows; advOverride?: Readonly<Record<string, number>>; catalogue?: HistoryCatalogue } = {},
): CascadeMarket {
  const windows = options.windows ?? DEFAULT_WINDOWS;
  const catalogue = options.catalogue ?? loadHistoryCatalogue();
  const histories = underlyings.map((u) => {
    const entry = catalogue.entries.get(u);
    if (entry === undefined) {
      throw new CrossmarginError('MARKET_UNDERLYING_MISSING', `underlying "${u}" has no bundled history (data/history-catalogue.json lists ${[...catalogue.entries.keys()].join(', ')})`, { field: u });
    }
    return { h: loadPriceHistory(entry.path), unit: entry.volumeUnit };
  });
  const U = underlyings.length;
  const prices = new Float64Array(U);
  const sigma = new Float64Array(U);
  const adv = new Float64Array(U);
  const correlation = new Float64Array(U * U);
  histories.forEach(({ h, unit }, u) => {
    const name = underlyings[u]!;
    prices[u] = h.close[h.close.length - 1]!;
    sigma[u] = tailStats(h, windows.volDays);
    adv[u] = options.advOverride?.[name] ?? averageDailyValue(h, unit, windows.advDays);
    if (!(sigma[u]! > 0) || !(adv[u]! > 0)) {
      throw new CrossmarginError('HISTORY_INVALID', `${h.source}: cannot calibrate ${name} (σ ${sigma[u]}, ADV ${adv[u]}); give its ADV explicitly`, { field: name });
    }
    correlation[u * U + u] = 1;
    for (let v = 0; v < u; v++) {
      const rho = correlationOn(h, histories[v]!.h, windows.correlationDays, windows.minSharedDays);
      correlation[u * U + v] = rho;
      correlation[v * U + u] = rho;
    }
  });
  return { underlyings: [...underlyings], prices, sigma, adv, correlation, asOf: histories.map(({ h }) => h.dates[h.dates.length - 1]!) };
}
