import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { CrossmarginError } from '../../../core/errors.js';
import { parseJsonText, readTextFileAsync } from '../../../market/read-input-file.js';
import { Pa2Reader } from './pa2-reader.js';
import { SpanImportBuilder, spanImportError, type SpanImportFormat, type SpanImportReport } from './span-import-builder.js';
import { SpnReader } from './spn-reader.js';
import { XmlTokenizer } from './xml-tokenizer.js';

export type { SpanImportReport, SpanUnmappedItem, SpanImportFormat } from './span-import-builder.js';

/** What `importSpanFile` returns: the engine's JSON SPAN document (validate it with the span model) and the report. */
export interface SpanImport {
  /** A `crossmargin-span-1` document (docs/span-file-format.md), not yet validated. */
  readonly document: unknown;
  readonly report: SpanImportReport;
}

export interface ImportSpanFileOptions {
  /** Called as the file is read: bytes read so far and the file's size. */
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Force a format instead of detecting it from the extension and the first bytes. */
  readonly format?: SpanImportFormat;
}

/**
 * The format of a SPAN file: by extension (`.spn`/`.xml` XML, `.pa2`/`.pa3`/`.pa5`/`.txt` positional, `.json` the
 * engine's own), otherwise by its first non-blank character (`<` XML, `{` JSON, anything else positional).
 */
export function detectSpanFormat(path: string, head: string): SpanImportFormat {
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  if (ext === 'spn' || ext === 'xml') return 'spn';
  if (ext === 'json') return 'json';
  if (ext !== undefined && /^pa\d$/.test(ext)) return 'pa2';
  const first = head.replace(/^\uFEFF/, '').trimStart()[0];
  if (first === '<') return 'spn';
  if (first === '{') return 'json';
  return 'pa2';
}

async function readHead(path: string): Promise<string> {
  const stream = createReadStream(path, { start: 0, end: 255, encoding: 'utf8' });
  let head = '';
  for await (const chunk of stream) head += String(chunk);
  return head;
}

function ioError(error: unknown, path: string): CrossmarginError {
  if (error instanceof CrossmarginError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new CrossmarginError('FILE_NOT_FOUND', `${path}: file not found`, { field: path, details: { path }, cause: error });
  const reason = error instanceof Error ? error.message : String(error);
  return new CrossmarginError('FILE_UNREADABLE', `${path}: cannot read file (${reason})`, { field: path, details: { path }, cause: error });
}

/**
 * Reads a SPAN risk-parameter file in any supported format — CME XML (`.spn`), CME positional expanded (`.pa2`) or
 * the engine's JSON — streaming it in bounded memory, and returns the engine's JSON SPAN document with a report of
 * what could not be mapped (docs/span-import.md). JSON files are returned as parsed, with an empty report.
 */
export async function importSpanFile(path: string, options: ImportSpanFileOptions = {}): Promise<SpanImport> {
  let size: number;
  let format: SpanImportFormat;
  try {
    size = (await stat(path)).size;
    format = options.format ?? detectSpanFormat(path, await readHead(path));
  } catch (error) {
    throw ioError(error, path);
  }
  if (format === 'json') {
    const document = parseJsonText(await readTextFileAsync(path), path);
    options.onProgress?.(size, size);
    return { document, report: { format, records: 0, exchanges: [], unmapped: [], fx: {} } };
  }
  const builder = new SpanImportBuilder(path, format);
  const sink = format === 'pa2' ? pa2Sink(builder, path) : xmlSink(builder, path);
  let bytes = 0;
  try {
    const stream = createReadStream(path, { highWaterMark: 1 << 20 });
    const decoder = new TextDecoder('utf-8');
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      bytes += buffer.length;
      sink.write(decoder.decode(buffer, { stream: true }));
      options.onProgress?.(bytes, size);
    }
    sink.write(decoder.decode());
  } catch (error) {
    throw ioError(error, path);
  }
  sink.end();
  return builder.finish();
}

/** Characters fed to the readers at a time by `importSpanText` (the readers keep at most a partial line or element). */
const TEXT_CHUNK = 1 << 16;

export interface ImportSpanTextOptions {
  /** Force a format instead of detecting it from `source`'s extension and the text's first characters. */
  readonly format?: SpanImportFormat;
  /** Characters per chunk handed to the readers (tests use small ones to cross every boundary). */
  readonly chunkSize?: number;
}

/**
 * `importSpanFile` for a file already in memory (the service's `POST /span/margin` body): the same readers, fed the
 * text in chunks, so a text and the file holding it give the same document, report and errors (which name `source`
 * and the line). Synchronous: there is no I/O to wait for.
 */
export function importSpanText(text: string, source: string, options: ImportSpanTextOptions = {}): SpanImport {
  const body = text.replace(/^\uFEFF/, '');
  const format = options.format ?? detectSpanFormat(source, body.slice(0, 256));
  if (format === 'json') return { document: parseJsonText(body, source), report: { format, records: 0, exchanges: [], unmapped: [], fx: {} } };
  const builder = new SpanImportBuilder(source, format);
  const sink = format === 'pa2' ? pa2Sink(builder, source) : xmlSink(builder, source);
  const size = Math.max(1, Math.floor(options.chunkSize ?? TEXT_CHUNK));
  for (let start = 0; start < body.length; ) {
    let end = Math.min(body.length, start + size);
    // Never split a surrogate pair: a reader could see half a character at a chunk's end.
    if (end < body.length && /[\uD800-\uDBFF]/.test(body[end - 1] ?? '')) end += 1;
    sink.write(body.slice(start, end));
    start = end;
  }
  sink.end();
  return builder.finish();
}

interface Sink {
  write(text: string): void;
  end(): void;
}

/** Splits text into lines (LF or CRLF) across chunks and feeds the pa2 reader. */
function pa2Sink(builder: SpanImportBuilder, path: string): Sink {
  const reader = new Pa2Reader(builder, path);
  let rest = '';
  let lineNo = 0;
  const emit = (line: string): void => {
    lineNo += 1;
    reader.line(line.endsWith('\r') ? line.slice(0, -1) : line, lineNo);
  };
  return {
    write(text) {
      let start = 0;
      const data = rest + text;
      for (let nl = data.indexOf('\n'); nl !== -1; nl = data.indexOf('\n', start)) {
        emit(data.slice(start, nl));
        start = nl + 1;
      }
      rest = data.slice(start);
    },
    end() {
      if (rest !== '') emit(rest);
      rest = '';
      reader.end();
    },
  };
}

function xmlSink(builder: SpanImportBuilder, path: string): Sink {
  const reader = new SpnReader(builder, path);
  const tokenizer = new XmlTokenizer(reader, (line, message) => spanImportError(path, { line, record: 'XML' }, 'markup', message));
  let first = true;
  return {
    write(text) {
      tokenizer.write(first ? text.replace(/^\uFEFF/, '') : text);
      first = false;
    },
    end() {
      reader.end(tokenizer.end());
    },
  };
}
