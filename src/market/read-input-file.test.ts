import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CrossmarginError } from '../core/errors.js';
import { parseJsonText, readJsonFile, readJsonFileAsync, readTextFile, readTextFileAsync } from './read-input-file.js';

function errorOf(fn: () => unknown): CrossmarginError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CrossmarginError) return error;
    throw error;
  }
  throw new Error('expected a CrossmarginError, nothing was thrown');
}

const dir = mkdtempSync(join(tmpdir(), 'crossmargin-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('read-input-file', () => {
  it('reads text and drops a byte-order mark', async () => {
    const path = join(dir, 'bom.csv');
    writeFileSync(path, '\uFEFFa,b\n1,2\n');
    expect(readTextFile(path)).toBe('a,b\n1,2\n');
    expect(await readTextFileAsync(path)).toBe('a,b\n1,2\n');
  });

  it('reads JSON', async () => {
    const path = join(dir, 'x.json');
    writeFileSync(path, '{"a":[1,2]}');
    expect(readJsonFile(path)).toEqual({ a: [1, 2] });
    expect(await readJsonFileAsync(path)).toEqual({ a: [1, 2] });
  });

  it('FILE_NOT_FOUND names the path', () => {
    const path = join(dir, 'missing.json');
    const e = errorOf(() => readJsonFile(path));
    expect(e.code).toBe('FILE_NOT_FOUND');
    expect(e.field).toBe(path);
    expect(e.message).toContain(path);
  });

  it('FILE_UNREADABLE for a directory', () => {
    const e = errorOf(() => readTextFile(dir));
    expect(e.code).toBe('FILE_UNREADABLE');
    expect(e.field).toBe(dir);
  });

  it("JSON_MALFORMED carries the path and the parser's message", () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, '{"a": 1,}');
    const e = errorOf(() => readJsonFile(path));
    expect(e.code).toBe('JSON_MALFORMED');
    expect(e.field).toBe(path);
    let parserMessage = '';
    try {
      JSON.parse('{"a": 1,}');
    } catch (err) {
      parserMessage = (err as Error).message;
    }
    expect(e.message).toContain(parserMessage);
    expect(errorOf(() => parseJsonText('', 'body')).message).toMatch(/^body: /);
  });
});
