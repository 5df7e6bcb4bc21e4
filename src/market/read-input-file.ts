import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { CrossmarginError } from '../core/errors.js';

/**
 * Reading input files (snapshots, histories, option chains, and anything else the faces load) with catalogue
 * errors that name the path: FILE_NOT_FOUND when it does not exist, FILE_UNREADABLE for any other I/O failure
 * (a directory, no permission), JSON_MALFORMED with the parser's own message. Text is UTF-8; a leading byte-order
 * mark is dropped because spreadsheet exports often carry one.
 */

function ioError(error: unknown, path: string): CrossmarginError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') {
    return new CrossmarginError('FILE_NOT_FOUND', `${path}: file not found`, { field: path, details: { path }, cause: error });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new CrossmarginError('FILE_UNREADABLE', `${path}: cannot read file (${reason})`, {
    field: path,
    details: { path, ...(code === undefined ? {} : { errno: code }) },
    cause: error,
  });
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Reads a UTF-8 text file (synchronously: the CLI and tests load a few small files). */
export function readTextFile(path: string): string {
  try {
    return stripBom(readFileSync(path, 'utf8'));
  } catch (error) {
    throw ioError(error, path);
  }
}

/** `readTextFile` without blocking the event loop, for the server. */
export async function readTextFileAsync(path: string): Promise<string> {
  try {
    return stripBom(await readFile(path, 'utf8'));
  } catch (error) {
    throw ioError(error, path);
  }
}

/** Parses JSON text; JSON_MALFORMED names `source` (a file path or input name) and repeats the parser's message. */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CrossmarginError('JSON_MALFORMED', `${source}: not valid JSON: ${reason}`, { field: source, details: { source }, cause: error });
  }
}

/** Reads and parses a JSON file (not validated: pass the result to a schema). */
export function readJsonFile(path: string): unknown {
  return parseJsonText(readTextFile(path), path);
}

/** `readJsonFile` without blocking the event loop. */
export async function readJsonFileAsync(path: string): Promise<unknown> {
  return parseJsonText(await readTextFileAsync(path), path);
}
