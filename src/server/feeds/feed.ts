import { toCrossmarginError } from '../../core/errors.js';
import type { MarketSnapshotFile } from '../../market/market-snapshot-schema.js';
import type { MarginService } from '../margin-service.js';

/**
 * A source of market snapshots (docs/service.md "Feeds"). An adapter for a live venue turns the venue's messages into
 * snapshot documents (DESIGN.md "Market snapshot file": only the underlyings / fx rates that changed need to be
 * listed) and yields them; the service stores each one and gives it to the engine exactly as a `POST /market` would.
 * The adapter paces itself (a replay sleeps, a socket waits for messages) and stops when `signal` aborts.
 */
export interface Feed {
  /** Short name, recorded in the audit log as `feed:<name>`. */
  readonly name: string;
  snapshots(signal: AbortSignal): AsyncIterable<MarketSnapshotFile>;
}

export interface FeedRunOptions {
  readonly signal: AbortSignal;
  /** A snapshot the service refused (invalid, older than the market): reported, and the feed goes on. */
  readonly onError?: (error: Error) => void;
  /** After each snapshot was applied. */
  readonly onSnapshot?: (asOf: string) => void;
}

/** Pushes a feed's snapshots through the service until the feed ends or `signal` aborts. Resolves with the count pushed. */
export async function runFeed(feed: Feed, service: MarginService, options: FeedRunOptions): Promise<number> {
  let pushed = 0;
  try {
    for await (const snapshot of feed.snapshots(options.signal)) {
      if (options.signal.aborted) break;
      try {
        await service.pushMarket(snapshot, { keyId: `feed:${feed.name}` });
        pushed++;
        options.onSnapshot?.(snapshot.asOf);
      } catch (error) {
        options.onError?.(toCrossmarginError(error));
      }
    }
  } catch (error) {
    if (!options.signal.aborted) throw error;
  }
  return pushed;
}

/** Resolves after `ms`, or at once (false) when `signal` aborts: lets a paced feed stop promptly. */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
