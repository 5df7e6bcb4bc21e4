import { CrossmarginError } from '../../core/errors.js';
import { marketFromHistory } from '../../backtest/history-market.js';
import type { MarketSnapshotFile } from '../../market/market-snapshot-schema.js';
import { loadMarketHistory } from '../../scenarios/history/load-market-history.js';
import type { MarketHistory } from '../../scenarios/history/market-history.js';
import { pause, type Feed } from './feed.js';

export interface HistoryReplayOptions {
  /** Underlyings to replay from the bundled history catalogue (data/history-catalogue.json). */
  readonly underlyings: readonly string[];
  /** History days per second of wall time (> 0). */
  readonly daysPerSecond: number;
  /** Only days whose snapshot asOf is after this (a restarted demo continues where the stored market is). */
  readonly after?: string | undefined;
  /** First day index replayed at the earliest: the EWMA vol of marketFromHistory needs some days behind it. */
  readonly warmupDays?: number;
  /** History to replay (default: loaded from the bundled catalogue). */
  readonly history?: MarketHistory;
}

/**
 * Replays bundled price history as market snapshots, one per aligned day (marketFromHistory: index = close, flat vol
 * = vol index or EWMA realised vol, USDC/USDT at 1), `daysPerSecond` days per second. Ends after the last day.
 */
export class HistoryReplayFeed implements Feed {
  readonly name = 'history-replay';
  private readonly history: MarketHistory;

  constructor(private readonly options: HistoryReplayOptions) {
    if (!(options.daysPerSecond > 0) || !Number.isFinite(options.daysPerSecond)) {
      throw new CrossmarginError('USAGE_INVALID', `replaySpeed: expected a positive number of days per second, got ${options.daysPerSecond}`, { field: 'replaySpeed' });
    }
    this.history = options.history ?? loadMarketHistory(options.underlyings);
  }

  /** Number of days the replay will push. */
  get days(): number {
    return this.history.dates.length - this.firstIndex();
  }

  /** Closes of the first day the replay will push, by underlying (entry prices of demo books); undefined past the end. */
  firstCloses(): Record<string, number> | undefined {
    const i = this.firstIndex();
    if (i >= this.history.dates.length) return undefined;
    return Object.fromEntries(this.history.underlyings.map((u, k) => [u, this.history.close[k]![i]!]));
  }

  async *snapshots(signal: AbortSignal): AsyncIterable<MarketSnapshotFile> {
    const interval = 1000 / this.options.daysPerSecond; // ms of wall time per history day
    // Paced against a schedule, not by a fixed pause after each day: the consumer's push (store, re-margin,
    // liquidations) runs between yields, and a fixed pause added it to every day (4.5 days/s measured at 5). A push
    // slower than the interval makes the replay as fast as pushes allow; a stall longer than a second is not
    // caught up in a burst.
    let due = performance.now();
    for (let i = this.firstIndex(); i < this.history.dates.length; i++) {
      if (signal.aborted) return;
      yield marketFromHistory(this.history, i).toJSON();
      const now = performance.now();
      due = Math.max(due + interval, now - 1000);
      if (!(await pause(Math.max(0, due - now), signal))) return;
    }
  }

  private firstIndex(): number {
    const warmup = this.options.warmupDays ?? 30;
    const after = this.options.after === undefined ? undefined : Date.parse(this.options.after);
    let i = Math.min(warmup, this.history.dates.length);
    if (after !== undefined) {
      // Snapshots are stamped at the end of their UTC day (marketFromHistory).
      while (i < this.history.dates.length && Date.parse(`${this.history.dates[i]}T23:59:59Z`) <= after) i++;
    }
    return i;
  }
}
