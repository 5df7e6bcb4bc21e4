import type { Command } from 'commander';
import { CrossmarginError } from '../../core/errors.js';
import { loadMarketSnapshot } from '../../market/load-market-snapshot.js';
import { readJsonFile } from '../../market/read-input-file.js';
import { liquidatePortfolio, type LiquidationResult, type LiquidationStep } from '../../engine/liquidation/liquidate-by-venue-rule.js';
import type { CliIo } from '../cli-io.js';
import { formatAmount, formatNumber, formatTable } from '../format-table.js';

/** Steps shown in the table before the middle is elided (all of them are in --json). */
const HEAD_STEPS = 20;
const TAIL_STEPS = 10;

/** Human-readable liquidation report: summary, the steps, the insurance fund and bad debt. */
export function formatLiquidationResult(r: LiquidationResult): string {
  const c = r.currency;
  const amount = (x: number): string => `${formatAmount(x, c)} ${c}`;
  const summary = [
    `Account             ${r.account}`,
    `Model               ${r.model} (rule ${r.rule.asOf}: ${r.rule.source})`,
    `Start               equity ${amount(r.start.venueEquity)}, maintenance margin ${amount(r.start.maintenanceMargin)}${r.start.liquidatable ? ' → liquidatable' : ' → not liquidatable'}`,
    `Stopped             ${r.stoppedBy} after ${r.steps.length} step${r.steps.length === 1 ? '' : 's'}`,
    `End                 equity ${amount(r.end.venueEquity)}, maintenance margin ${amount(r.end.maintenanceMargin)}`,
    `Realised P&L        ${amount(r.realisedPnl)}`,
    `Penalties           ${amount(r.penalties)}`,
    `Insurance fund      ${amount(r.insuranceFund.before)} → ${amount(r.insuranceFund.after)} (covered ${amount(r.insuranceFund.covered)})`,
    `Bad debt            ${amount(r.badDebt)}`,
  ];
  const row = (s: LiquidationStep): string[] => [
    String(s.step),
    s.instrument,
    formatNumber(s.quantityClosed),
    `${formatNumber(s.price)} ${s.priceCurrency}`,
    formatAmount(s.realisedPnl, c),
    formatAmount(s.penalty, c),
    formatAmount(s.venueEquityAfter, c),
    formatAmount(s.maintenanceMarginAfter, c),
  ];
  const shown = r.steps.length <= HEAD_STEPS + TAIL_STEPS ? r.steps.map(row) : [...r.steps.slice(0, HEAD_STEPS).map(row), ['…', `${r.steps.length - HEAD_STEPS - TAIL_STEPS} steps not shown (--json lists all)`, '', '', '', '', '', ''], ...r.steps.slice(-TAIL_STEPS).map(row)];
  const steps =
    r.steps.length === 0
      ? ''
      : `\n${formatTable(['step', 'instrument', 'closed', 'price', `realised P&L (${c})`, `penalty (${c})`, `equity after (${c})`, `MM after (${c})`], shown)}`;
  const remaining = r.positions.length === 0 ? 'Remaining positions none' : `Remaining positions ${r.positions.map((p) => `${p.instrument} ${formatNumber(p.quantity)}`).join(', ')}`;
  return `${summary.join('\n')}\n${steps}\n${remaining}\n`;
}

interface LiquidateOptions {
  model: string;
  portfolio: string;
  market: string;
  insuranceFund?: string;
  params?: string;
  rule?: string;
  json?: boolean;
}

function parseFund(text: string | undefined): number {
  if (text === undefined) return 0;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new CrossmarginError('USAGE_INVALID', `--insurance-fund: expected an amount ≥ 0 in the account currency, got "${text}"`, { field: '--insurance-fund' });
  }
  return value;
}

export function registerLiquidateCommand(program: Command, io: CliIo): void {
  program
    .command('liquidate')
    .description("liquidate a portfolio by a venue's rule: increments until equity ≥ maintenance, insurance fund, bad debt")
    .requiredOption('--model <id>', 'venue margin model (deribit-pm, deribit-sm, dydx-v4, drift, mango-health, binance-pm, …)')
    .requiredOption('--portfolio <file>', 'portfolio JSON file (docs/portfolio-format.md; `crossmargin schema portfolio`)')
    .requiredOption('--market <file>', 'market snapshot JSON file (the marks the positions are closed at)')
    .option('--insurance-fund <amount>', 'insurance fund balance in the account currency (default 0)')
    .option('--params <file>', 'model parameters JSON file (as for `margin`)')
    .option('--rule <file>', "liquidation rule overrides JSON (docs/liquidation.md); the venue's dated rule applies to anything omitted")
    .option('--json', 'print the LiquidationResult as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  crossmargin liquidate --model dydx-v4 --portfolio docs/examples/venues/liquidation-dydx.portfolio.json \\\n    --market docs/examples/venues/market.json --insurance-fund 50\n' +
        '  crossmargin liquidate --model deribit-sm --portfolio docs/examples/venues/liquidation-deribit.portfolio.json \\\n    --market docs/examples/venues/market.json --json',
    )
    .action((opts: LiquidateOptions) => {
      const insuranceFund = parseFund(opts.insuranceFund);
      const result = liquidatePortfolio(readJsonFile(opts.portfolio), loadMarketSnapshot(opts.market), opts.model, {
        source: opts.portfolio,
        insuranceFund,
        ...(opts.params === undefined ? {} : { params: readJsonFile(opts.params), paramsSource: opts.params }),
        ...(opts.rule === undefined ? {} : { rule: readJsonFile(opts.rule), ruleSource: opts.rule }),
      });
      io.out(opts.json === true ? `${JSON.stringify(result, undefined, 2)}\n` : formatLiquidationResult(result));
    });
}
