import type { AlignedPanel, PanelGap } from '../../market/aligned-panel.js';

/** Unit of a history file's volume column (data/SOURCES.md "Volume units differ by source"). */
export type VolumeUnit = 'base' | 'quote' | 'unknown';

/** First and last date and row count of one input series before alignment (for error messages and reports). */
export interface SeriesRange {
  /** Underlying (`BTC`) or its vol index (`SPX:vol`). */
  readonly name: string;
  readonly source: string;
  readonly first: string;
  readonly last: string;
  readonly rows: number;
}

/**
 * Daily history of several underlyings on one calendar: the dates every input series shares (alignPanel's
 * intersection, no filling), so a crypto + equity panel keeps exchange days only and a return over a weekend is one
 * step. Vol index series take part in the intersection too, so every date has a vol index value.
 *
 * Arrays are underlying-major (`close[u][t]`), `t` indexing `dates`.
 */
export interface MarketHistory {
  /** Aligned dates, `YYYY-MM-DD`, strictly ascending. */
  readonly dates: readonly string[];
  readonly underlyings: readonly string[];
  /** Close per underlying, in the series' quote currency, aligned to `dates`. */
  readonly close: readonly Float64Array[];
  /** Volume per underlying in the source file's unit (`volumeUnit[u]`); NaN where the file has none. */
  readonly volume: readonly Float64Array[];
  /** `base` = coins/shares of the underlying (BTC, Binance files), `quote` = quote currency (CoinMarketCap: USD). */
  readonly volumeUnit: readonly VolumeUnit[];
  /** Underlying → implied-vol index aligned to `dates`, as a decimal (VIX 38.15 → 0.3815). */
  readonly volIndex: ReadonlyMap<string, Float64Array>;
  /** Files the history was read from: one per underlying in `underlyings` order, then the vol index files. */
  readonly sources: readonly string[];
  /** Per input series (underlyings, then `NAME:vol` vol indices): the range before alignment. */
  readonly ranges: readonly SeriesRange[];
  /** Calendar gaps inside each input series (alignPanel, more than 5 days). */
  readonly gaps: readonly PanelGap[];
  /** Per input series: its dates lost because some other series lacks them. */
  readonly dropped: AlignedPanel['dropped'];
}

/** Name under which an underlying's vol index series appears in `ranges`, `gaps` and `dropped`. */
export function volIndexSeriesName(underlying: string): string {
  return `${underlying}:vol`;
}

/**
 * Index of the last aligned date on or before `date` (ISO dates compare as strings), or −1 when every date is later.
 * Binary search: histories run to thousands of dates and this is called once per build.
 */
export function lastDateIndexOnOrBefore(dates: readonly string[], date: string): number {
  let lo = 0;
  let hi = dates.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if ((dates[mid] as string) <= date) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
