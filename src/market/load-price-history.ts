import { parsePriceHistory, type PriceHistory } from './price-history.js';
import { readTextFile, readTextFileAsync } from './read-input-file.js';

/** Reads a daily history CSV (FILE_NOT_FOUND / FILE_UNREADABLE naming the path) and parses it with the path as source. */
export function loadPriceHistory(path: string): PriceHistory {
  return parsePriceHistory(readTextFile(path), path);
}

/** `loadPriceHistory` without blocking the event loop. */
export async function loadPriceHistoryAsync(path: string): Promise<PriceHistory> {
  return parsePriceHistory(await readTextFileAsync(path), path);
}
