import { parseMarketSnapshot, type MarketSnapshot } from './market-snapshot.js';
import { readJsonFile, readJsonFileAsync } from './read-input-file.js';

/**
 * Reads a market snapshot JSON file and validates it. Errors: FILE_NOT_FOUND / FILE_UNREADABLE / JSON_MALFORMED
 * naming the path, then SCHEMA_INVALID whose message starts with the path and whose field is the bad field.
 */
export function loadMarketSnapshot(path: string): MarketSnapshot {
  return parseMarketSnapshot(readJsonFile(path), path);
}

/** `loadMarketSnapshot` without blocking the event loop. */
export async function loadMarketSnapshotAsync(path: string): Promise<MarketSnapshot> {
  return parseMarketSnapshot(await readJsonFileAsync(path), path);
}
