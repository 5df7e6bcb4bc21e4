import type { Command } from 'commander';
import { CrossmarginError } from '../../core/errors.js';
import { parseWithSchema } from '../../core/validate.js';
import { accountEquity } from '../../engine/account/account-equity.js';
import { parseAccountParams, type AccountParams } from '../../engine/account/account-params.js';
import { classifyAccount, figuresChange, type AccountState } from '../../engine/account/account-state.js';
import { applyTrades, realisedPnl, type TradeInput } from '../../engine/live/apply-trades.js';
import { InstrumentTable } from '../../instruments/instrument-table.js';
import { resolveInstrument } from '../../instruments/resolve-instrument.js';
import { loadMarketSnapshot } from '../../market/load-market-snapshot.js';
import type { MarketSnapshot } from '../../market/market-snapshot.js';
import { readJsonFile } from '../../market/read-input-file.js';
import { computeMargin, type ComputeMarginsOptions } from '../../models/compute-margin.js';
import { getModel } from '../../models/model-registry.js';
import { PortfolioFileSchema, type PortfolioFile } from '../../portfolio/portfolio-schema.js';
import { resolvePortfolio } from '../../portfolio/resolve-portfolio.js';
import { instrumentMarketInputs } from '../../pricing/instrument-inputs.js';
import type { CliIo } from '../cli-io.js';
import { formatAmount, formatNumber, formatTable } from '../format-table.js';
import { HISTORY_OPTION_HELP, historyLoader } from '../history-option.js';

/** The account's figures on one market: what a trade changes. Amounts in the account currency. */
export interface WhatIfFigures {
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  /** Collateral after haircuts plus positions' value (after a trade: less what the trade cost at the mark). */
  readonly equity: number;
  /** equity − initial margin. */
  readonly excess: number;
  /** maintenance / equity; absent when infinite. */
  readonly marginRatio?: number;
  readonly state: AccountState;
  readonly reduceOnly: boolean;
}

/** What `what-if` prints with --json. */
export interface WhatIfReport {
  readonly account: string;
  readonly currency: string;
  readonly model: string;
  readonly asOf: string;
  readonly trades: readonly { readonly instrument: string; readonly quantity: number }[];
  /** Value of the traded quantities at the mark (option premium, spot holding), paid out of equity. */
  readonly tradeValue: number;
  /**
   * P&L the trades realise on futures and perpetuals held at an entry price (the closed part's P&L from its entry,
   * which the venue posts to collateral): it stays in equity, as in the service's what-if.
   */
  readonly realisedPnl: number;
  readonly before: WhatIfFigures;
  readonly after: WhatIfFigures;
  /** after − before, field by field. */
  readonly change: { readonly initialMargin: number; readonly maintenanceMargin: number; readonly equity: number; readonly excess: number };
  /** The positions after the trades. */
  readonly positions: PortfolioFile['positions'];
}

const QUANTITY = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i;

/** `--trade BTC-PERPETUAL=+1000`: an instrument name and signed contracts (buy positive). */
export function parseTrade(text: string): TradeInput {
  const at = text.lastIndexOf('=');
  const name = at < 0 ? '' : text.slice(0, at).trim();
  const quantity = at < 0 ? '' : text.slice(at + 1).trim();
  if (name === '' || !QUANTITY.test(quantity) || Number(quantity) === 0 || !Number.isFinite(Number(quantity))) {
    throw new CrossmarginError('USAGE_INVALID', `--trade: "${text}" is not INSTRUMENT=QUANTITY with a non-zero signed number of contracts (e.g. BTC-PERPETUAL=+1000 or ETH-PERPETUAL=-500)`, {
      field: '--trade',
    });
  }
  // The name is checked here so that a typo names the option it came from, not a position field.
  const spec = resolveInstrument(name, `--trade ${name}`);
  return { instrument: spec.symbol, quantity: Number(quantity) };
}

/** Trades fill at the mark (forward of a future, index of a perpetual), as the service's what-if assumes. */
function fillAtMark(market: MarketSnapshot): Parameters<typeof applyTrades>[2] {
  return (spec) => {
    try {
      return instrumentMarketInputs(spec, market, 'trade', { needVol: false }).reference;
    } catch {
      // The margin run below names the missing market data, with the trade's field.
      return undefined;
    }
  };
}

function figuresOf(doc: PortfolioFile, market: MarketSnapshot, model: string, params: AccountParams, margin: ComputeMarginsOptions, source: string, tradeValue: number): WhatIfFigures {
  const result = computeMargin({ document: doc, source }, market, model, margin);
  const table = new InstrumentTable();
  const equity = accountEquity(resolvePortfolio(doc, table, source), table, market, params).equity - tradeValue;
  const status = classifyAccount(equity, result.initialMargin, result.maintenanceMargin, params);
  return {
    initialMargin: result.initialMargin,
    maintenanceMargin: result.maintenanceMargin,
    equity,
    excess: status.excess,
    ...(Number.isFinite(status.marginRatio) ? { marginRatio: status.marginRatio } : {}),
    state: status.state,
    reduceOnly: status.reduceOnly,
  };
}

/**
 * The account before and after hypothetical trades on the same market and model, engine state untouched. The trades
 * fill at the mark and their value (an option's premium, a spot holding) is paid out of equity, so a trade moves
 * equity only through haircuts and the margin through the model: the same terms as the service's what-if.
 */
export function whatIf(
  document: unknown,
  market: MarketSnapshot,
  model: string,
  trades: readonly TradeInput[],
  options: { source: string; params?: unknown; paramsSource?: string; accountParams?: unknown; margin?: ComputeMarginsOptions },
): WhatIfReport {
  getModel(model);
  const doc = parseWithSchema(PortfolioFileSchema, document, options.source);
  const params = parseAccountParams(options.accountParams);
  const margin: ComputeMarginsOptions = {
    ...options.margin,
    ...(options.params === undefined ? {} : { params: options.params }),
    ...(options.paramsSource === undefined ? {} : { paramsSource: options.paramsSource }),
  };
  const after = parseWithSchema(PortfolioFileSchema, applyTrades(doc, trades, fillAtMark(market)), `${options.source} after the trades`);
  // The trades alone, filled at the mark: futures and perpetuals are worth 0 (no entry price: their P&L is in
  // collateral), options their premium, spot its holding.
  const table = new InstrumentTable();
  const traded = { account: doc.account, currency: doc.currency, positions: trades.map((t) => ({ ...t })), collateral: {} };
  const tradeValue = trades.length === 0 ? 0 : accountEquity(resolvePortfolio(traded, table, '--trade'), table, market, params).positionsValue;
  // Realised P&L on reductions of futures and perpetuals held at an entry price, kept in equity (as the service's).
  const positionsValue = (d: PortfolioFile): number => {
    const t = new InstrumentTable();
    return accountEquity(resolvePortfolio(d, t, options.source), t, market, params).positionsValue;
  };
  const realised = realisedPnl(doc, after, trades, positionsValue);
  const b = figuresOf(doc, market, model, params, margin, options.source, 0);
  const a = figuresOf(after, market, model, params, margin, `${options.source} after the trades`, tradeValue - realised);
  return {
    account: doc.account,
    currency: doc.currency,
    model,
    asOf: market.asOf,
    trades: trades.map((t) => ({ instrument: String(t.instrument), quantity: t.quantity })),
    tradeValue,
    realisedPnl: realised,
    before: b,
    after: a,
    change: figuresChange(b, a),
    positions: after.positions,
  };
}

/** Before / after / change table. */
export function formatWhatIf(r: WhatIfReport): string {
  const a = (x: number): string => formatAmount(x, r.currency);
  const signed = (x: number): string => (x > 0 ? `+${a(x)}` : a(x));
  const ratio = (f: WhatIfFigures): string => (f.marginRatio === undefined ? '∞' : `${formatNumber(f.marginRatio * 100, 4)}%`);
  const state = (f: WhatIfFigures): string => `${f.state}${f.reduceOnly ? ' (reduce-only)' : ''}`;
  const head =
    `What-if for ${r.account} (model ${r.model}, market as of ${r.asOf}, amounts in ${r.currency}): ` +
    `${r.trades.map((t) => `${t.quantity > 0 ? '+' : ''}${t.quantity} ${t.instrument}`).join(', ')} at the mark` +
    `${r.tradeValue === 0 ? '' : ` (paying ${a(r.tradeValue)} ${r.currency} out of equity)`}` +
    `${r.realisedPnl === 0 ? '' : `; realising ${signed(r.realisedPnl)} ${r.currency} of P&L from entry, kept in equity`}\n\n`;
  const rows = [
    ['initial margin', a(r.before.initialMargin), a(r.after.initialMargin), signed(r.change.initialMargin)],
    ['maintenance margin', a(r.before.maintenanceMargin), a(r.after.maintenanceMargin), signed(r.change.maintenanceMargin)],
    ['equity (after haircuts)', a(r.before.equity), a(r.after.equity), signed(r.change.equity)],
    ['excess (equity − IM)', a(r.before.excess), a(r.after.excess), signed(r.change.excess)],
    ['margin ratio (MM / equity)', ratio(r.before), ratio(r.after), ''],
    ['state', state(r.before), state(r.after), r.before.state === r.after.state ? '' : `${r.before.state} → ${r.after.state}`],
  ];
  return head + formatTable(['', 'before', 'after', 'change'], rows);
}

interface WhatIfOptions {
  portfolio: string;
  market: string;
  trade?: string[];
  model: string;
  params?: string;
  accountParams?: string;
  history?: string;
  json?: boolean;
}

export function registerWhatIfCommand(program: Command, io: CliIo): void {
  program
    .command('what-if')
    .description('margin and equity of a portfolio before and after hypothetical trades, on the same market (nothing is changed)')
    .requiredOption('--portfolio <file>', 'portfolio JSON file (with collateral)')
    .requiredOption('--market <file>', 'market snapshot JSON file')
    .option('--trade <instrument=qty>', 'a trade in signed contracts, buy positive, e.g. BTC-PERPETUAL=+1000; repeat for several', (value: string, previous: string[] | undefined) => [...(previous ?? []), value])
    .option('--model <id>', 'margin model id (see `crossmargin models`)', 'scenario-grid')
    .option('--params <file>', 'model parameters JSON file')
    .option('--account-params <file>', 'account parameters JSON: haircuts, marginCallBuffer, liquidationBuffer (docs/accounts.md)')
    .option('--history <files>', HISTORY_OPTION_HELP)
    .option('--json', 'print before, after and change as JSON')
    .addHelpText(
      'after',
      '\nTrades fill at the mark; an option or spot trade pays its value out of equity (as the service\'s what-if).\n' +
        '\nExamples:\n  crossmargin what-if --portfolio samples/crypto-mixed/portfolio.json --market samples/crypto-mixed/market.json \\\n    --trade BTC-PERPETUAL=+1000\n' +
        '  crossmargin what-if --portfolio samples/crypto-mixed/portfolio.json --market samples/crypto-mixed/market.json \\\n    --trade BTC-PERPETUAL=-5000 --trade ETH-PERPETUAL=+2000 --model deribit-pm --json',
    )
    .action((opts: WhatIfOptions) => {
      if (opts.trade === undefined || opts.trade.length === 0) {
        throw new CrossmarginError('USAGE_INVALID', '--trade: give at least one trade, INSTRUMENT=QUANTITY (e.g. --trade BTC-PERPETUAL=+1000)', { field: '--trade' });
      }
      const trades = opts.trade.map(parseTrade);
      getModel(opts.model); // an unknown id fails before any work, naming the known ones
      const report = whatIf(readJsonFile(opts.portfolio), loadMarketSnapshot(opts.market), opts.model, trades, {
        source: opts.portfolio,
        ...(opts.params === undefined ? {} : { params: readJsonFile(opts.params), paramsSource: opts.params }),
        ...(opts.accountParams === undefined ? {} : { accountParams: readJsonFile(opts.accountParams) }),
        margin: { historyLoader: historyLoader(opts.history) },
      });
      io.out(opts.json === true ? `${JSON.stringify(report, undefined, 2)}\n` : formatWhatIf(report));
    });
}
