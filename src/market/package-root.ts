import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CrossmarginError } from '../core/errors.js';

/**
 * The project root (the folder holding package.json) found by walking up from this module, so bundled data and
 * samples resolve the same whether the code runs compiled (dist/src/...) or from source under vitest (src/...).
 * It lives in market/ with the other input-file helpers so every layer that reads bundled files can use it.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new CrossmarginError('INTERNAL', 'crossmargin package root (package.json) not found above the crossmargin modules');
    dir = parent;
  }
}
