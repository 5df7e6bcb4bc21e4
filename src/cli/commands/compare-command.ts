import type { Command } from 'commander';
import { toCrossmarginError } from '../../core/errors.js';
import { loadMarketSnapshot } from '../../market/load-market-snapshot.js';
import { readJsonFile } from '../../market/read-input-file.js';
import { computeMargin } from '../../models/compute-margin.js';
import type { MarginResult } from '../../models/margin-result.js';
import { MODELS, getModel } from '../../models/model-registry.js';
import type { CliIo } from '../cli-io.js';
import { formatAmount, formatTable } from '../format-table.js';
import { HISTORY_OPTION_HELP, historyLoader } from '../history-option.js';

export interface CompareRow {
  readonly model: string;
  readonly result?: MarginResult;
  readonly error?: { readonly code: string; readonly message: string };
}

/** Components that reduce a margin (credits, reliefs, option value): never the "top" driver. */
const REDUCING = /Credit$|Relief$|^netOptionValue$|^reliefCap$/;

/** The component that adds the most to the margin (largest charge), as "name group". */
function topComponent(r: MarginResult): string {
  const top = r.components.filter((c) => !REDUCING.test(c.name)).reduce<MarginResult['components'][number] | undefined>((a, c) => (a === undefined || c.value > a.value ? c : a), undefined);
  return top === undefined ? '-' : `${top.name} ${top.group}`;
}

export function registerCompareCommand(program: Command, io: CliIo): void {
  program
    .command('compare')
    .description('margin of one portfolio under several models side by side (one row per model)')
    .requiredOption('--portfolio <file>', 'portfolio JSON file')
    .requiredOption('--market <file>', 'market snapshot JSON file')
    .option('--models <ids>', `comma-separated model ids (default: all: ${MODELS.map((m) => m.id).join(', ')})`)
    .option('--history <files>', HISTORY_OPTION_HELP)
    .option('--json', 'print every row as JSON')
    .action((opts: { portfolio: string; market: string; models?: string; history?: string; json?: boolean }) => {
      const ids = opts.models === undefined ? MODELS.map((m) => m.id) : opts.models.split(',').map((s) => s.trim());
      ids.forEach((id) => getModel(id)); // unknown ids fail up front, naming the known ones
      const market = loadMarketSnapshot(opts.market);
      const document = readJsonFile(opts.portfolio);
      const loader = historyLoader(opts.history);
      // A model that cannot margin this book (no history, no vol) reports its error in its row; the rest still run.
      const rows: CompareRow[] = ids.map((model) => {
        try {
          return { model, result: computeMargin({ document, source: opts.portfolio }, market, model, { historyLoader: loader }) };
        } catch (error) {
          const e = toCrossmarginError(error);
          return { model, error: { code: e.code, message: e.message } };
        }
      });
      if (opts.json === true) {
        io.out(`${JSON.stringify(rows, undefined, 2)}\n`);
        return;
      }
      const ccy = rows.find((r) => r.result !== undefined)?.result?.currency ?? '';
      io.out(
        formatTable(
          ['model', `initial (${ccy})`, `maintenance (${ccy})`, 'top component', 'worst scenario'],
          rows.map((r) =>
            r.result === undefined
              ? [r.model, '-', '-', `error [${r.error?.code}]`, r.error?.message ?? '']
              : [
                  r.model,
                  formatAmount(r.result.initialMargin, r.result.currency),
                  formatAmount(r.result.maintenanceMargin, r.result.currency),
                  topComponent(r.result),
                  r.result.worstScenario === undefined ? '-' : `#${r.result.worstScenario.id} ${r.result.worstScenario.label}`,
                ],
          ),
        ),
      );
    });
}
