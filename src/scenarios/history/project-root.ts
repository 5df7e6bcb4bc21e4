import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CrossmarginError } from '../../core/errors.js';

/**
 * The project root (the folder holding package.json), found by walking up from this module. Bundled history paths
 * in data/history-catalogue.json are relative to it, and the walk finds it both from source (src/scenarios/history,
 * under vitest) and compiled (dist/src/scenarios/history). A local copy of the CLI's helper because scenarios/ must
 * not import from cli/ (DESIGN.md "Layers").
 */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new CrossmarginError('INTERNAL', 'crossmargin project root (package.json) not found above the scenarios/history module');
    dir = parent;
  }
}
