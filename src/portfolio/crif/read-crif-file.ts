import { readTextFile, readTextFileAsync } from '../../market/read-input-file.js';
import type { CrifRow } from './crif-row.js';
import { parseCrif } from './read-crif.js';

// File I/O sits beside the pure parser, as loadPortfolio (resolve-portfolio.ts) and loadPriceHistory do: the faces
// and tests call one function, and parseCrif stays usable on text from anywhere (an upload, a request body).

/** Reads a CRIF file (CSV or TSV; FILE_NOT_FOUND / FILE_UNREADABLE naming the path) and parses it with the path as source. */
export function readCrifFile(path: string): CrifRow[] {
  return parseCrif(readTextFile(path), path);
}

/** `readCrifFile` without blocking the event loop, for the server. */
export async function readCrifFileAsync(path: string): Promise<CrifRow[]> {
  return parseCrif(await readTextFileAsync(path), path);
}
