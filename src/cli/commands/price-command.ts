import type { Command } from 'commander';
import { resolveInstrument } from '../../instruments/resolve-instrument.js';
import { loadMarketSnapshot } from '../../market/load-market-snapshot.js';
import { priceInstrument } from '../../pricing/instrument-pricer.js';
import type { CliIo } from '../cli-io.js';
import { formatNumber, formatTable } from '../format-table.js';

export function registerPriceCommand(program: Command, io: CliIo): void {
  program
    .command('price')
    .description('price and greeks of one instrument (Black-76; inverse options in coin)')
    .requiredOption('--market <file>', 'market snapshot JSON file')
    .requiredOption('--instrument <name>', 'Deribit-style name, e.g. BTC-28JUN24-60000-C (see docs/instrument-names.md)')
    .option('--json', 'print as JSON')
    .action((opts: { market: string; instrument: string; json?: boolean }) => {
      const market = loadMarketSnapshot(opts.market);
      const spec = resolveInstrument(opts.instrument, 'instrument');
      const r = priceInstrument(spec, market, 'instrument');
      if (opts.json === true) {
        io.out(`${JSON.stringify(r, undefined, 2)}\n`);
        return;
      }
      const rows: [string, string][] = [
        ['instrument', r.instrument],
        ['kind', `${r.kind} (${r.settlement}, settles in ${r.currency})`],
        ['as of', r.asOf],
        ...(r.expiry === undefined ? [] : ([['expiry', `${r.expiry} (τ = ${formatNumber(r.tau)} y)`]] as [string, string][])),
        ['index', formatNumber(r.index)],
        ['forward', formatNumber(r.forward)],
        ...(r.strike === undefined ? [] : ([['strike', formatNumber(r.strike)]] as [string, string][])),
        ...(r.vol === undefined ? [] : ([['vol', `${formatNumber(r.vol * 100, 4)}%`]] as [string, string][])),
        ['unit price', `${formatNumber(r.unitPrice)}`],
        [`value / contract (${r.currency})`, formatNumber(r.value)],
        ['delta (∂V/∂F)', formatNumber(r.greeks.delta)],
        ['gamma (∂²V/∂F²)', formatNumber(r.greeks.gamma)],
        ['vega (per 1.00 vol)', formatNumber(r.greeks.vega)],
        ['theta (per year)', formatNumber(r.greeks.theta)],
      ];
      io.out(formatTable(['field', 'value'], rows));
    });
}
