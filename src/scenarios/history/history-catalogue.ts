import { join } from 'node:path';
import { z } from 'zod';
import { parseWithSchema } from '../../core/validate.js';
import { parseJsonText, readTextFile } from '../../market/read-input-file.js';
import { packageRoot } from '../../market/package-root.js';

/** Path of the catalogue file, relative to the project root. */
export const HISTORY_CATALOGUE_FILE = 'data/history-catalogue.json';

const CatalogueEntrySchema = z.strictObject({
  /** Daily `date,open,high,low,close,volume` CSV, relative to the project root. */
  file: z.string().min(1),
  volumeUnit: z.enum(['base', 'quote', 'unknown']),
  /** Price currency (`USD`, `USDT`) or `points` for index levels; informational. */
  quote: z.string().min(1),
  /** Implied-vol index CSV (same columns), quoted in vol points like VIX; read as a decimal. */
  volIndex: z.string().min(1).optional(),
  description: z.string().optional(),
});

const CatalogueFileSchema = z.strictObject({
  $comment: z.string().optional(),
  underlyings: z.record(z.string().min(1), CatalogueEntrySchema),
});

export type HistoryCatalogueEntry = z.output<typeof CatalogueEntrySchema>;

/** The bundled default history per underlying, with paths already resolved against the project root. */
export interface HistoryCatalogue {
  readonly root: string;
  readonly entries: ReadonlyMap<string, HistoryCatalogueEntry & { readonly path: string; readonly volIndexPath: string | undefined }>;
}

/**
 * Reads data/history-catalogue.json under `root` (default: the project root found from this module). A malformed
 * catalogue is SCHEMA_INVALID naming the field; files are not opened here, only when a history is loaded.
 */
export function loadHistoryCatalogue(root: string = packageRoot()): HistoryCatalogue {
  const source = join(root, HISTORY_CATALOGUE_FILE);
  const file = parseWithSchema(CatalogueFileSchema, parseJsonText(readTextFile(source), source), source);
  const entries = new Map<string, HistoryCatalogueEntry & { path: string; volIndexPath: string | undefined }>();
  for (const [name, entry] of Object.entries(file.underlyings)) {
    entries.set(name, { ...entry, path: join(root, entry.file), volIndexPath: entry.volIndex === undefined ? undefined : join(root, entry.volIndex) });
  }
  return { root, entries };
}
