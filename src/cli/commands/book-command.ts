import type { Command } from 'commander';
import { CrossmarginError } from '../../core/errors.js';
import { loadMarketSnapshot } from '../../market/load-market-snapshot.js';
import { parseJsonText, readJsonFile, readTextFile } from '../../market/read-input-file.js';
import { computeBookMargins, type BookMargins } from '../../models/compute-book-margins.js';
import type { PortfolioInput } from '../../models/compute-margin.js';
import { checkThreads } from '../../risk/kernel-pool.js';
import type { CliIo } from '../cli-io.js';
import { HISTORY_OPTION_HELP, historyLoader } from '../history-option.js';
import { formatAmount, formatTable } from '../format-table.js';
import { noteUnmapped, readSpanFileOption, SPAN_FILE_OPTION_HELP } from '../span-file-option.js';

interface BookOptions {
  book: string;
  market: string;
  model: string;
  params?: string;
  spanFile?: string;
  history?: string;
  threads?: string;
  top?: string;
  json?: boolean;
  csv?: boolean;
}

/**
 * A book file: a JSON array of portfolio documents, or JSON lines (one document per line). Each document is named
 * in errors by its place (`book.jsonl: line 7`, `book.json: [3]`).
 */
export function readBookFile(path: string): PortfolioInput[] {
  const text = readTextFile(path);
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    const documents = parseJsonText(text, path);
    if (!Array.isArray(documents)) throw new CrossmarginError('SCHEMA_INVALID', `${path}: expected an array of portfolio documents`, { field: path });
    return documents.map((document, i) => ({ document, source: `${path}: [${i}]` }));
  }
  const inputs: PortfolioInput[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    inputs.push({ document: parseJsonText(line, `${path}: line ${i + 1}`), source: `${path}: line ${i + 1}` });
  });
  return inputs;
}

function positiveInteger(value: string | undefined, field: string, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CrossmarginError('USAGE_INVALID', `${field}: expected a positive integer, got "${value}"`, { field });
  return n;
}

function formatBook(m: BookMargins, top: number): string {
  const order = Array.from({ length: m.accountCount }, (_, a) => a).sort((x, y) => m.initialMargin[y]! - m.initialMargin[x]! || x - y);
  const shown = order.slice(0, top);
  const table = formatTable(
    ['account', 'currency', 'initial margin', 'maintenance margin'],
    shown.map((a) => [m.accounts[a]!, m.currencyOf(a), formatAmount(m.initialMargin[a]!, m.currencyOf(a)), formatAmount(m.maintenanceMargin[a]!, m.currencyOf(a))]),
  );
  const t = m.timings;
  return [
    `Model               ${m.model}`,
    `Accounts            ${m.accountCount.toLocaleString('en-US')}${m.perAccountCount > 0 ? ` (${m.perAccountCount.toLocaleString('en-US')} through the per-account path)` : ''}`,
    `Path                ${m.path === 'batch' ? `batch, ${m.threads} thread(s)` : 'per account (this model has no batch path)'}`,
    `Time                ${(t.book + t.compile + t.margin).toFixed(0)} ms (book ${t.book.toFixed(0)} ms, compile ${t.compile.toFixed(0)} ms, margins ${t.margin.toFixed(0)} ms)`,
    '',
    `Largest initial margins (${shown.length} of ${m.accountCount.toLocaleString('en-US')}; --top to change, --json or --csv for all):`,
    table,
  ].join('\n');
}

export function registerBookCommand(program: Command, io: CliIo): void {
  program
    .command('book')
    .description('margins of every account of a book file under one model, in one batch on every core')
    .requiredOption('--book <file>', 'book file: a JSON array of portfolio documents, or JSON lines (one per line)')
    .requiredOption('--market <file>', 'market snapshot JSON file')
    .requiredOption('--model <id>', 'margin model id (see `crossmargin models`)')
    .option('--params <file>', 'model parameters JSON file (defaults apply to anything omitted)')
    .option('--span-file <file>', SPAN_FILE_OPTION_HELP)
    .option('--history <files>', HISTORY_OPTION_HELP)
    .option('--threads <n>', 'threads for the batch kernels, this one included (default: CROSSMARGIN_THREADS, else every core); results do not depend on it')
    .option('--top <n>', 'accounts listed in the table, largest initial margin first (default 20)')
    .option('--json', 'print every account as JSON: [{account, currency, initialMargin, maintenanceMargin}]')
    .option('--csv', 'print every account as CSV: account,currency,initialMargin,maintenanceMargin')
    .addHelpText(
      'after',
      '\nThe documents are parsed once into one compressed book, the model is compiled once, and every account is\n' +
        'margined by the model\'s batch path (docs/architecture.md "The batch path"). For one account with its full\n' +
        'explanation use `crossmargin margin`.\n\nExample:\n  crossmargin book --book accounts.jsonl --market samples/btc-options/market.json --model scenario-grid --threads 2',
    )
    .action(async (opts: BookOptions) => {
      if (opts.json === true && opts.csv === true) throw new CrossmarginError('USAGE_INVALID', '--json and --csv: choose one', { field: '--csv' });
      const threads = positiveInteger(opts.threads, '--threads', undefined);
      if (threads !== undefined) checkThreads(threads, '--threads');
      const top = positiveInteger(opts.top, '--top', 20)!;
      const inputs = readBookFile(opts.book);
      const span = opts.spanFile === undefined ? undefined : await readSpanFileOption(opts.spanFile, io);
      if (opts.spanFile !== undefined && span !== undefined) noteUnmapped(opts.spanFile, span, io);
      const spanDocument = span?.document;
      const margins = computeBookMargins(inputs, loadMarketSnapshot(opts.market), opts.model, {
        ...(opts.params === undefined ? {} : { params: readJsonFile(opts.params), paramsSource: opts.params }),
        ...(opts.spanFile === undefined ? {} : { riskParameters: spanDocument, riskParametersSource: opts.spanFile }),
        historyLoader: historyLoader(opts.history),
        ...(threads === undefined ? {} : { threads }),
      });
      const rows = Array.from({ length: margins.accountCount }, (_, a) => ({
        account: margins.accounts[a]!,
        currency: margins.currencyOf(a),
        initialMargin: margins.initialMargin[a]!,
        maintenanceMargin: margins.maintenanceMargin[a]!,
      }));
      if (opts.json === true) io.out(`${JSON.stringify(rows, undefined, 2)}\n`);
      else if (opts.csv === true) io.out(`account,currency,initialMargin,maintenanceMargin\n${rows.map((r) => `${csvField(r.account)},${r.currency},${r.initialMargin},${r.maintenanceMargin}`).join('\n')}\n`);
      else io.out(`${formatBook(margins, top)}\n`);
    });
}

/** An account id as a CSV field (quoted when it holds a comma, quote or line break). */
function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
