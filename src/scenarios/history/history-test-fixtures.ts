import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../market/package-root.js';

/** Project root, for bundled data paths in tests. */
export const ROOT = packageRoot();

/**
 * date → close straight from a bundled CSV, by plain string splitting: an independent reading of the file for
 * tests that check the loaders and scenario builders against the source numbers.
 */
export function readClosesDirect(file: string): Map<string, number> {
  const lines = readFileSync(join(ROOT, file), 'utf8').trim().split(/\r?\n/).slice(1);
  return new Map(lines.map((l) => {
    const f = l.split(',');
    return [f[0] as string, Number(f[4])];
  }));
}

// The random-path generators live beside the filters they test (numerics/); re-exported for the scenario tests.
export { normalStream, simulateGarch } from '../../numerics/garch-test-fixtures.js';
