import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { CrossmarginError } from '../../core/errors.js';
import { parseMarketSnapshotFile, type MarketSnapshotFile } from '../../market/market-snapshot-schema.js';
import { pause, type Feed } from './feed.js';

/**
 * Example venue adapter: reads a recorded feed, one market snapshot document per line (JSON lines; blank lines and
 * lines starting with `#` are skipped), and yields them `intervalMs` apart. A live adapter has the same shape: it
 * would open the venue's socket in `snapshots`, map each message to a (partial) snapshot document and yield it.
 * A malformed line stops the feed with a SCHEMA_INVALID / JSON_MALFORMED error naming the line.
 */
export class RecordedFeedFile implements Feed {
  readonly name: string;

  constructor(
    private readonly path: string,
    private readonly intervalMs = 0,
  ) {
    this.name = `recorded-file`;
  }

  async *snapshots(signal: AbortSignal): AsyncIterable<MarketSnapshotFile> {
    const lines = createInterface({ input: createReadStream(this.path, 'utf8'), crlfDelay: Infinity });
    let lineNo = 0;
    try {
      for await (const line of lines) {
        lineNo++;
        if (signal.aborted) return;
        const text = line.trim();
        if (text === '' || text.startsWith('#')) continue;
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch (error) {
          throw new CrossmarginError('JSON_MALFORMED', `${this.path}:${lineNo}: not valid JSON`, { field: this.path, details: { line: lineNo }, cause: error });
        }
        yield parseMarketSnapshotFile(json, `${this.path}:${lineNo}`);
        if (this.intervalMs > 0 && !(await pause(this.intervalMs, signal))) return;
      }
    } finally {
      lines.close();
    }
  }
}
