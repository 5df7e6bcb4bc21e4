import type { Command } from 'commander';
import { toCrossmarginError } from '../../core/errors.js';
import { withFlagNames } from '../field-flags.js';
import { loadMarketSnapshot } from '../../market/load-market-snapshot.js';
import { readJsonFile } from '../../market/read-input-file.js';
import { computeMargin } from '../../models/compute-margin.js';
import type { MarginResult } from '../../models/margin-result.js';
import { fidelityFootnotes, resultFidelity, type ModelFidelity } from '../../models/model-fidelity.js';
import { MODELS, getModel } from '../../models/model-registry.js';
import type { CliIo } from '../cli-io.js';
import { formatAmount, formatTable } from '../format-table.js';
import { HISTORY_OPTION_HELP, historyLoader } from '../history-option.js';
import { PARAM_SET_OPTION_HELP, paramsByModel } from '../param-set-option.js';

export interface CompareRow {
  readonly model: string;
  /** How exact the figure is: the model's fidelity, and the row's tag ("" exact, "approx.", "reconstructed", "placeholder"). */
  readonly fidelity: ModelFidelity & { readonly tag: string };
  readonly result?: MarginResult;
  readonly error?: { readonly code: string; readonly message: string };
}

/** What a table shows instead of a figure for a book the venue cannot hold (INSTRUMENT_NOT_LISTED). */
export const NOT_LISTED = 'not listed on this venue';


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
    .option('--param-set <file>', PARAM_SET_OPTION_HELP)
    .option('--history <files>', HISTORY_OPTION_HELP)
    .option('--json', 'print every row as JSON')
    .action((opts: { portfolio: string; market: string; models?: string; paramSet?: string; history?: string; json?: boolean }) => {
      const ids = opts.models === undefined ? MODELS.map((m) => m.id) : opts.models.split(',').map((s) => s.trim());
      ids.forEach((id) => getModel(id)); // unknown ids fail up front, naming the known ones
      const market = loadMarketSnapshot(opts.market);
      const document = readJsonFile(opts.portfolio);
      const loader = historyLoader(opts.history);
      const params = paramsByModel(ids, {}, opts.paramSet);
      // A model that cannot margin this book (no history, no vol) reports its error in its row; the rest still run.
      const rows: CompareRow[] = ids.map((model) => {
        try {
          const result = computeMargin({ document, source: opts.portfolio }, market, model, {
            ...(params[model] === undefined ? {} : { params: params[model], ...(opts.paramSet === undefined ? {} : { paramsSource: opts.paramSet }) }),
            historyLoader: loader,
          });
          return { model, fidelity: resultFidelity(model, result), result };
        } catch (error) {
          const e = withFlagNames(toCrossmarginError(error));
          return { model, fidelity: resultFidelity(model), error: { code: e.code, message: e.message } };
        }
      });
      if (opts.json === true) {
        io.out(`${JSON.stringify(rows, undefined, 2)}\n`);
        return;
      }
      const ccy = rows.find((r) => r.result !== undefined)?.result?.currency ?? '';
      const table = formatTable(
        ['model', `initial (${ccy})`, `maintenance (${ccy})`, 'exactness', 'top component', 'worst scenario'],
        rows.map((r) =>
          r.result === undefined
            ? r.error?.code === 'INSTRUMENT_NOT_LISTED'
              ? [r.model, NOT_LISTED, '', '', '-', r.error.message]
              : [r.model, '-', '-', '', `error [${r.error?.code}]`, r.error?.message ?? '']
            : [
                r.model,
                formatAmount(r.result.initialMargin, r.result.currency),
                formatAmount(r.result.maintenanceMargin, r.result.currency),
                r.fidelity.tag,
                topComponent(r.result),
                r.result.worstScenario === undefined ? '-' : `#${r.result.worstScenario.id} ${r.result.worstScenario.label}`,
              ],
        ),
      );
      // Every tag shown is explained; exact rows carry none (docs/models/<id>.md says how each model is built).
      const notes = fidelityFootnotes(rows.filter((r) => r.result !== undefined).map((r) => r.fidelity.tag));
      io.out(notes.length === 0 ? table : `${table}\n${notes.map((n) => `  ${n}`).join('\n')}\n`);
    });
}
