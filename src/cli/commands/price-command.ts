import type { Command } from 'commander';
import { resolveInstrument } from '../../instruments/resolve-instrument.js';
import { loadMarketSnapshot } from '../../market/load-market-snapshot.js';
import { priceInstrument } from '../../pricing/instrument-pricer.js';
import type { CliIo } from '../cli-io.js';
import { formatNumber, formatTable } from '../format-table.js';

/**
 * Greeks in the units Deribit and OKX show (the raw ones are ∂V/∂F per contract in the settlement currency, vega per
 * 1.00 of vol, theta per year):
 * - delta in coins of the underlying: linear ∂V/∂F (settlement-currency value per 1 of price); inverse (value in coin)
 *   F·∂V/∂F, the premium-adjusted coin delta N(d1) − V;
 * - delta in USD: the coin delta × F;
 * - theta per calendar day: θ_year / 365; vega per vol point (1 %): vega / 100.
 */
export function traderGreeks(settlement: 'linear' | 'inverse', forward: number, greeks: { readonly delta: number; readonly vega: number; readonly theta: number }): {
  deltaCoin: number;
  deltaUsd: number;
  thetaPerDay: number;
  vegaPerVolPoint: number;
} {
  const deltaCoin = settlement === 'inverse' ? greeks.delta * forward : greeks.delta;
  return { deltaCoin, deltaUsd: deltaCoin * forward, thetaPerDay: greeks.theta / 365, vegaPerVolPoint: greeks.vega / 100 };
}

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
      const t = traderGreeks(r.settlement, r.forward, r.greeks);
      if (opts.json === true) {
        // Raw derivatives kept; trader-unit fields next to them, named with their units.
        io.out(`${JSON.stringify({ ...r, greeks: { ...r.greeks, ...t } }, undefined, 2)}\n`);
        return;
      }
      const coin = spec.underlying;
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
        [`delta (${coin})`, formatNumber(t.deltaCoin)],
        ['delta (USD)', formatNumber(t.deltaUsd)],
        ['gamma (∂²V/∂F²)', formatNumber(r.greeks.gamma)],
        [`vega (${r.currency} per vol point)`, formatNumber(t.vegaPerVolPoint)],
        [`theta (${r.currency} per day)`, formatNumber(t.thetaPerDay)],
      ];
      io.out(formatTable(['field', 'value'], rows));
    });
}
