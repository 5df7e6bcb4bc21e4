import type { Command } from 'commander';
import { loadMarketSnapshot } from '../../market/load-market-snapshot.js';
import { readJsonFile } from '../../market/read-input-file.js';
import { computeMargin } from '../../models/compute-margin.js';
import type { MarginResult } from '../../models/margin-result.js';
import type { CliIo } from '../cli-io.js';
import { formatAmount, formatTable } from '../format-table.js';

/** Human-readable margin report: summary, components (with the scenario that set each), position contributions. */
export function formatMarginResult(r: MarginResult): string {
  const summary = [
    `Account             ${r.account ?? '-'}`,
    `Model               ${r.model}`,
    `Initial margin      ${formatAmount(r.initialMargin, r.currency)} ${r.currency}`,
    `Maintenance margin  ${formatAmount(r.maintenanceMargin, r.currency)} ${r.currency}`,
  ];
  if (r.worstScenario !== undefined) {
    summary.push(`Worst scenario      #${r.worstScenario.id} ${r.worstScenario.label} (P&L ${formatAmount(r.worstScenario.pnl, r.currency)} ${r.currency})`);
  }
  const components = formatTable(
    ['component', 'group', `value (${r.currency})`, 'scenario'],
    r.components.map((c) => [c.name, c.group, formatAmount(c.value, r.currency), c.scenario === undefined ? '' : `#${c.scenario.id} ${c.scenario.label}`]),
  );
  const positions = formatTable(
    ['instrument', 'quantity', `contribution (${r.currency})`],
    r.positions.map((p) => [p.instrument, String(p.quantity), formatAmount(p.contribution, r.currency)]),
  );
  return `${summary.join('\n')}\n\n${components}\n${positions}`;
}

export function registerMarginCommand(program: Command, io: CliIo): void {
  program
    .command('margin')
    .description('margin of one portfolio under one model')
    .requiredOption('--portfolio <file>', 'portfolio JSON file (DESIGN.md portfolio format)')
    .requiredOption('--market <file>', 'market snapshot JSON file')
    .requiredOption('--model <id>', 'margin model id (see `crossmargin models`)')
    .option('--params <file>', 'model parameters JSON file (defaults apply to anything omitted)')
    .option('--json', 'print the MarginResult as JSON')
    .addHelpText('after', '\nExample:\n  crossmargin margin --portfolio samples/btc-options/portfolio.json \\\n    --market samples/btc-options/market.json --model scenario-grid')
    .action((opts: { portfolio: string; market: string; model: string; params?: string; json?: boolean }) => {
      const market = loadMarketSnapshot(opts.market);
      const result = computeMargin({ document: readJsonFile(opts.portfolio), source: opts.portfolio }, market, opts.model, {
        ...(opts.params === undefined ? {} : { params: readJsonFile(opts.params), paramsSource: opts.params }),
      });
      io.out(opts.json === true ? `${JSON.stringify(result, undefined, 2)}\n` : formatMarginResult(result));
    });
}
