import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CrossmarginError } from '../core/errors.js';
import { readJsonFile } from '../market/read-input-file.js';
import type { PortfolioInput } from '../models/compute-margin.js';

/**
 * Portfolio documents of a population (docs/stress-testing.md "Populations"). Each path is a portfolio file
 * (DESIGN.md contract), a JSON file holding an array of portfolios, or a directory whose `*.json` files (sorted by
 * name, not recursive) are read the same way. Sources name the file and, inside an array, the index (`pop.json[2]`),
 * so validation errors point at the exact document. FILE_NOT_FOUND / JSON_MALFORMED name the path.
 */
export function loadPortfolioInputs(paths: readonly string[]): PortfolioInput[] {
  const files = paths.flatMap((path) => {
    let directory = false;
    try {
      directory = statSync(path).isDirectory();
    } catch {
      directory = false; // readJsonFile reports the missing file with its coded error
    }
    if (!directory) return [path];
    const inside = readdirSync(path)
      .filter((f) => f.toLowerCase().endsWith('.json'))
      .sort()
      .map((f) => join(path, f));
    if (inside.length === 0) throw new CrossmarginError('USAGE_INVALID', `portfolio: directory ${path} holds no .json files`, { field: 'portfolio' });
    return inside;
  });
  return files.flatMap((file) => {
    const document = readJsonFile(file);
    return Array.isArray(document) ? document.map((d, i) => ({ document: d as unknown, source: `${file}[${i}]` })) : [{ document, source: file }];
  });
}
