import { Presets, SingleBar } from 'cli-progress';
import { importSpanFile, type SpanImport } from '../models/span/import/import-span-file.js';
import type { CliIo } from './cli-io.js';

/** Help text of `--span-file` (margin, book). */
export const SPAN_FILE_OPTION_HELP = 'SPAN risk-parameter file for --model span: CME XML (.spn), CME positional (.pa2) or JSON (docs/span-import.md)';

/**
 * Reads a `--span-file` in any supported format, streaming it with a progress bar on stderr when stderr is a
 * terminal, and returns the engine's JSON SPAN document and the import report.
 */
export async function readSpanFileOption(path: string, io: CliIo): Promise<SpanImport> {
  const bar = io.interactive ? new SingleBar({ format: 'reading SPAN file {bar} {percentage}% | {value}/{total} MB', stream: process.stderr }, Presets.shades_classic) : undefined;
  let started = false;
  const mb = (bytes: number): number => Math.round(bytes / 1e5) / 10;
  try {
    return await importSpanFile(path, {
      onProgress: (read, total) => {
        if (!started) bar?.start(mb(total), 0);
        started = true;
        bar?.update(mb(read));
      },
    });
  } finally {
    bar?.stop();
  }
}

/** One stderr line when an imported file had parts the engine could not map (the inspect command lists them). */
export function noteUnmapped(path: string, imported: SpanImport, io: CliIo): void {
  const n = imported.report.unmapped.length;
  if (n === 0) return;
  io.err(`note: ${path}: ${n} record type${n === 1 ? '' : 's'}/element${n === 1 ? '' : 's'} not mapped (\`crossmargin span-file inspect ${path}\` lists them)\n`);
}
