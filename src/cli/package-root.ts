import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CrossmarginError } from '../core/errors.js';

/**
 * The project root (the folder holding package.json) found by walking up from this module, so bundled samples
 * resolve the same whether the CLI runs compiled (dist/src/cli) or from source under vitest (src/cli).
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new CrossmarginError('INTERNAL', 'crossmargin package root (package.json) not found above the CLI module');
    dir = parent;
  }
}
