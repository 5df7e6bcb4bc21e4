import { isoDate } from '../core/dates.js';
import type { MarketHistory } from '../scenarios/history/market-history.js';
import { normalStream } from '../scenarios/history/history-test-fixtures.js';

export interface SyntheticHistorySpec {
  readonly underlyings: readonly string[];
  /** Number of dates (closes). */
  readonly days: number;
  /** First date, `YYYY-MM-DD`; dates are consecutive calendar days (a crypto calendar). Default 2015-01-01. */
  readonly start?: string;
  /** Daily vol (decimal) of the return ending at date t. */
  readonly vol: (underlying: string, t: number) => number;
  /** Daily volume at date t (base units); default 1000. */
  readonly volume?: (underlying: string, t: number) => number;
  readonly seed?: number;
}

/**
 * A deterministic Gaussian history: close_t = 100·exp(Σ σ_u(s)·z_s), independent normal z per underlying (seeded by
 * the underlying's position), for tests that need a known vol regime (e.g. vol doubling after a date).
 */
export function syntheticHistory(spec: SyntheticHistorySpec): MarketHistory {
  const startMs = Date.parse(`${spec.start ?? '2015-01-01'}T00:00:00Z`);
  const dates = Array.from({ length: spec.days }, (_, t) => isoDate(startMs + t * 86_400_000));
  const close = spec.underlyings.map((u, i) => {
    const z = normalStream((spec.seed ?? 7) + 101 * i);
    const c = new Float64Array(spec.days);
    let level = Math.log(100);
    for (let t = 0; t < spec.days; t++) {
      if (t > 0) level += spec.vol(u, t) * z();
      c[t] = Math.exp(level);
    }
    return c;
  });
  const volume = spec.underlyings.map((u) => Float64Array.from({ length: spec.days }, (_, t) => spec.volume?.(u, t) ?? 1000));
  return {
    dates,
    underlyings: [...spec.underlyings],
    close,
    volume,
    volumeUnit: spec.underlyings.map(() => 'base' as const),
    volIndex: new Map(),
    sources: spec.underlyings.map((u) => `(synthetic ${u})`),
    ranges: spec.underlyings.map((u) => ({ name: u, source: `(synthetic ${u})`, first: dates[0] as string, last: dates[spec.days - 1] as string, rows: spec.days })),
    gaps: [],
    dropped: [],
  };
}
