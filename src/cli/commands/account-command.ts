import type { Command } from 'commander';
import { CrossmarginError } from '../../core/errors.js';
import { ACCOUNT_STATES, type AccountState } from '../../engine/account/account-state.js';
import { evaluateAccount, type AccountReport } from '../../engine/account/evaluate-account.js';
import { loadMarketSnapshot } from '../../market/load-market-snapshot.js';
import { readJsonFile } from '../../market/read-input-file.js';
import type { CliIo } from '../cli-io.js';
import { formatAmount, formatNumber, formatTable } from '../format-table.js';
import { HISTORY_OPTION_HELP, historyLoader } from '../history-option.js';

/** Human-readable account report: equity, margins, ratio, state, liquidation price. */
export function formatAccountReport(r: AccountReport): string {
  const a = (x: number) => `${formatAmount(x, r.currency)} ${r.currency}`;
  const l = r.liquidation;
  const liquidation =
    l.price !== undefined
      ? `${formatNumber(l.price)} on ${l.underlying} (index ${formatNumber(l.index ?? Number.NaN)}${l.below !== undefined ? `; below ${formatNumber(l.below)}` : ''}${l.above !== undefined ? `; above ${formatNumber(l.above)}` : ''})`
      : `none${l.reason === undefined ? '' : ` (${l.reason})`}`;
  const rows: [string, string][] = [
    ['account', `${r.account} (${r.mode}, model ${r.model}, as of ${r.asOf})`],
    ['collateral value', a(r.equity.collateralValue)],
    ['haircuts', `−${a(r.equity.haircutAmount)}`],
    ['positions value', a(r.equity.positionsValue)],
    // Both figures, labelled: `stress` values accounts before haircuts (a scenario moves the collateral itself).
    ['equity before haircuts', a(r.equity.collateralValue + r.equity.positionsValue)],
    ['equity after haircuts', a(r.equity.equity)],
    ['initial margin', a(r.initialMargin)],
    ['maintenance margin', a(r.maintenanceMargin)],
    ['margin ratio (MM / equity)', r.marginRatio === undefined ? '∞' : `${formatNumber(r.marginRatio * 100, 4)}%`],
    ['excess (equity − IM)', a(r.excess)],
    ['state', `${r.state}${r.reduceOnly ? ' (reduce-only)' : ''}`],
    ['liquidation price', liquidation],
  ];
  const positions =
    r.positions === undefined
      ? ''
      : `\n${formatTable(
          ['position', 'state', 'liquidation'],
          r.positions.map((p) => [p.instrument, p.state, p.liquidation.price === undefined ? (p.liquidation.reason ?? '-') : formatNumber(p.liquidation.price)]),
        )}`;
  return formatTable(['field', 'value'], rows) + positions;
}

export function registerAccountCommand(program: Command, io: CliIo): void {
  program
    .command('account')
    .description('account health: equity (collateral after haircuts), margins, margin ratio, state, liquidation price')
    .requiredOption('--portfolio <file>', 'portfolio JSON file (with collateral)')
    .requiredOption('--market <file>', 'market snapshot JSON file')
    .requiredOption('--model <id>', 'margin model id')
    .option('--params <file>', 'model parameters JSON file')
    .option('--account-params <file>', 'account parameters JSON: haircuts, marginCallBuffer, liquidationBuffer (docs/accounts.md)')
    .option('--previous-state <state>', `state of the previous evaluation (${ACCOUNT_STATES.join(' | ')}), for the margin-call hysteresis`)
    .option('--history <files>', HISTORY_OPTION_HELP)
    .option('--json', 'print the report as JSON')
    .action((opts: { portfolio: string; market: string; model: string; params?: string; accountParams?: string; previousState?: string; history?: string; json?: boolean }) => {
      if (opts.previousState !== undefined && !(ACCOUNT_STATES as readonly string[]).includes(opts.previousState)) {
        throw new CrossmarginError('USAGE_INVALID', `--previous-state: "${opts.previousState}" is not one of ${ACCOUNT_STATES.join(', ')}`, { field: '--previous-state' });
      }
      const report = evaluateAccount(readJsonFile(opts.portfolio), loadMarketSnapshot(opts.market), opts.model, {
        source: opts.portfolio,
        ...(opts.params === undefined ? {} : { params: readJsonFile(opts.params), paramsSource: opts.params }),
        ...(opts.accountParams === undefined ? {} : { accountParams: readJsonFile(opts.accountParams) }),
        ...(opts.previousState === undefined ? {} : { previousState: opts.previousState as AccountState }),
        marginOptions: { historyLoader: historyLoader(opts.history) },
      });
      io.out(opts.json === true ? `${JSON.stringify(report, undefined, 2)}\n` : formatAccountReport(report));
    });
}
