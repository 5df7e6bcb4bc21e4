import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CrossmarginError } from '../../core/errors.js';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import { snapshotFromOptionChain } from '../../market/option-chain-snapshot.js';
import { readTextFile } from '../../market/read-input-file.js';
import type { CliIo } from '../cli-io.js';

/** Plain decimal numbers only: `Number()` would also take "0x10" or "1e3" as a rate. */
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)$/;

function parseOptionalNumber(text: string | undefined, field: string): number | undefined {
  if (text === undefined) return undefined;
  if (!DECIMAL.test(text.trim())) {
    throw new CrossmarginError('USAGE_INVALID', `${field}: "${text}" is not a decimal number`, { field });
  }
  return Number(text);
}

function writeOutput(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new CrossmarginError('FILE_UNWRITABLE', `${path}: cannot write (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { field: path, cause: error });
  }
}

export function registerSnapshotCommand(program: Command, io: CliIo): void {
  program
    .command('snapshot')
    .description('build a market snapshot file from an option-chain CSV (Deribit columns)')
    .requiredOption('--chain <file>', 'option-chain CSV: instrument,underlying,expiry,strike,type,mark_iv,underlying_price,mark_price,open_interest')
    .requiredOption('--underlying <name>', 'underlying the chain is on, e.g. BTC')
    .requiredOption('--as-of <instant>', 'snapshot time, ISO date-time with zone (the CSV has none)')
    .option('--rate <r>', 'continuously compounded rate, decimal (default 0)')
    .option('--index <price>', 'index price (default: forward of the nearest expiry)')
    .option('--out <file>', 'write the snapshot here instead of standard output')
    .action((opts: { chain: string; underlying: string; asOf: string; rate?: string; index?: string; out?: string }) => {
      const rate = parseOptionalNumber(opts.rate, '--rate');
      const index = parseOptionalNumber(opts.index, '--index');
      const file = snapshotFromOptionChain(readTextFile(opts.chain), {
        asOf: opts.asOf,
        underlying: opts.underlying,
        source: opts.chain,
        ...(rate === undefined ? {} : { rate }),
        ...(index === undefined ? {} : { index }),
      });
      parseMarketSnapshot(file, opts.chain); // the file we write must load back
      const text = `${JSON.stringify(file, undefined, 2)}\n`;
      if (opts.out === undefined) io.out(text);
      else {
        writeOutput(opts.out, text);
        io.err(`wrote ${opts.out}\n`);
      }
    });
}
