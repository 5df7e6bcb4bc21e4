import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCrossmargin as runCli } from '../src/app/run-crossmargin.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in-process with captured output (argv without the node/script prefix). */
export async function cli(...args: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'crossmargin', ...args], { out: (s) => (out += s), err: (s) => (err += s), interactive: false });
  return { code, out, err };
}

/** A fresh temp folder; `write(name, content)` puts a file there (objects as JSON) and returns its path. */
export function tempFiles(): { dir: string; write(name: string, content: unknown): string } {
  const dir = mkdtempSync(join(tmpdir(), 'crossmargin-test-'));
  return {
    dir,
    write(name, content) {
      const path = join(dir, name);
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
      return path;
    },
  };
}
