import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CrossmarginError } from '../../core/errors.js';
import { loadMarketSnapshot } from '../../market/load-market-snapshot.js';
import { readJsonFile } from '../../market/read-input-file.js';
import { computeMargin } from '../../models/compute-margin.js';
import { readDetails } from '../../models/define-model.js';
import { SimmDetailsSchema } from '../../models/simm/simm-details.js';
import { formatCrif } from '../../portfolio/crif/write-crif.js';
import type { CliIo } from '../cli-io.js';
import { formatAmount } from '../format-table.js';

interface CrifOptions {
  portfolio: string;
  market: string;
  params?: string;
  out?: string;
}

function writeOutput(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new CrossmarginError('FILE_UNWRITABLE', `${path}: cannot write (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { field: '--out', cause: error });
  }
}

/**
 * `crossmargin crif`: the SIMM sensitivities of a portfolio on a market snapshot, as CRIF CSV (docs/crif-format.md).
 * The rows are the ones the `simm` model margins (its details.crif), so `crossmargin simm --crif` on the output gives
 * the model's initial margin in USD.
 */
export function registerCrifCommand(program: Command, io: CliIo): void {
  program
    .command('crif')
    .description('SIMM sensitivities of a portfolio (delta +1 %, vega per vol point by expiry tenor) as a CRIF CSV file')
    .requiredOption('--portfolio <file>', 'portfolio JSON file (docs/portfolio-format.md)')
    .requiredOption('--market <file>', 'market snapshot JSON file: the prices and vols the sensitivities are taken on')
    .option('--params <file>', 'simm model parameters JSON (version, mpor, defaultMapping, underlyings, stablecoins; `crossmargin models`)')
    .option('--out <file>', 'write the CRIF here instead of standard output')
    .addHelpText(
      'after',
      '\nExamples:\n  crossmargin crif --portfolio samples/crypto-mixed/portfolio.json --market samples/crypto-mixed/market.json\n' +
        '  crossmargin crif --portfolio samples/btc-options/portfolio.json --market samples/btc-options/market.json --out book.crif.csv\n' +
        '  crossmargin simm --crif book.crif.csv\n\n' +
        'Amounts are USD. Crypto underlyings go to SIMM risk classes by the team\'s choice (default Equity, Residual bucket;\n' +
        'override with --params {"underlyings": {"BTC": {"riskClass": "Commodity", "bucket": "16"}}}). See docs/models/simm.md.',
    )
    .action((opts: CrifOptions) => {
      const market = loadMarketSnapshot(opts.market);
      const result = computeMargin({ document: readJsonFile(opts.portfolio), source: opts.portfolio }, market, 'simm', {
        ...(opts.params === undefined ? {} : { params: readJsonFile(opts.params), paramsSource: opts.params }),
      });
      const details = readDetails(SimmDetailsSchema, result);
      if (details === undefined) throw new CrossmarginError('INTERNAL', 'the simm model returned no sensitivities', { field: 'details' });
      const text = formatCrif(details.crif);
      if (opts.out === undefined) {
        io.out(text);
        return;
      }
      writeOutput(opts.out, text);
      io.out(
        `wrote ${details.crif.length} CRIF rows to ${opts.out} (ISDA SIMM v${details.version}, ${details.mpor}: initial margin ${formatAmount(details.totalUsd, 'USD')} USD)\n`,
      );
    });
}
