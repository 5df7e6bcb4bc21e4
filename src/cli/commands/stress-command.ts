import { existsSync } from 'node:fs';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { CrossmarginError } from '../../core/errors.js';
import { loadMarketSnapshot } from '../../market/load-market-snapshot.js';
import { readJsonFile } from '../../market/read-input-file.js';
import { getModel } from '../../models/model-registry.js';
import { DEFAULT_STRESS_LIBRARY, selectBuiltInScenarios } from '../../stress/default-library.js';
import { DEFAULT_STRESS_MODEL } from '../../stress/evaluate-stress.js';
import { readServiceAccounts } from '../service-accounts.js';
import { loadPortfolioInputs } from '../../stress/portfolio-population.js';
import { runStress, type StressRun } from '../../stress/run-stress.js';
import { DEFAULT_COVARIANCE_LOOKBACK, DEFAULT_REVERSE_HORIZON } from '../../stress/stress-covariance.js';
import { parseScenarioLibrary, type StressScenario } from '../../stress/scenario-library.js';
import type { CliIo } from '../cli-io.js';
import { formatCover, formatReverseStress, formatStressReport } from '../format-stress-report.js';
import { HISTORY_OPTION_HELP } from '../history-option.js';
import { PARAM_SET_OPTION_HELP, paramsForModel } from '../param-set-option.js';

interface StressOptions {
  portfolio?: string[];
  db?: string;
  market: string;
  scenarios?: string;
  model: string;
  params?: string;
  paramSet?: string;
  history?: string;
  reverse?: boolean;
  direction?: string;
  horizon: string;
  lookback: string;
  cover?: boolean;
  json?: boolean;
}

/** `--scenarios`: a scenarios JSON file, or a comma list of built-in ids. Default: the whole built-in library. */
function scenariosFrom(option: string | undefined): StressScenario[] {
  if (option === undefined) return [...DEFAULT_STRESS_LIBRARY];
  if (existsSync(option) || option.toLowerCase().endsWith('.json')) return parseScenarioLibrary(readJsonFile(option), option);
  const ids = option.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (ids.length === 0) throw new CrossmarginError('USAGE_INVALID', '--scenarios: give a scenarios file or a comma list of built-in ids', { field: '--scenarios' });
  return selectBuiltInScenarios(ids);
}

/** `--direction BTC=-1,ETH=-0.5` → { BTC: −1, ETH: −0.5 }. */
export function parseDirection(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)=([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)$/i.exec(part);
    if (m === null) throw new CrossmarginError('USAGE_INVALID', `--direction: "${part}" is not UNDERLYING=number (e.g. BTC=-1,ETH=-1)`, { field: '--direction' });
    if ((m[1] as string) in out) throw new CrossmarginError('USAGE_INVALID', `--direction: ${m[1]} is given twice`, { field: '--direction' });
    out[m[1] as string] = Number(m[2]);
  }
  if (Object.keys(out).length === 0 || Object.values(out).every((v) => v === 0)) {
    throw new CrossmarginError('USAGE_INVALID', '--direction: needs at least one non-zero component (e.g. BTC=-1,ETH=-1)', { field: '--direction' });
  }
  return out;
}

function wholeNumber(text: string, field: string, min: number, max: number): number {
  const v = Number(text);
  if (!/^\d+$/.test(text) || v < min || v > max) throw new CrossmarginError('USAGE_INVALID', `${field}: "${text}" is not a whole number from ${min} to ${max}`, { field });
  return v;
}

export function registerStressCommand(program: Command, io: CliIo): void {
  program
    .command('stress')
    .description('stress test: loss per historical / hypothetical / correlation-breakdown scenario against margin and equity; reverse stress; default-fund cover')
    .option('--portfolio <files...>', 'portfolio JSON file(s): one or more portfolio files, JSON arrays of portfolios, or directories of them')
    .option('--db <path-or-url>', "stress the margin service's accounts: its SQLite file or postgres:// URL (as serve --db); instead of or with --portfolio")
    .requiredOption('--market <file>', 'market snapshot JSON file')
    .option('--scenarios <file|ids>', `scenarios JSON file (docs/stress-testing.md), or built-in ids separated by commas (default: all built-in: ${DEFAULT_STRESS_LIBRARY.map((s) => s.id).join(', ')})`)
    .option('--model <id>', 'margin model of the margin column (see `crossmargin models`)', DEFAULT_STRESS_MODEL)
    .option('--params <file>', 'parameters JSON file for --model')
    .option('--param-set <file>', PARAM_SET_OPTION_HELP)
    .option('--history <files>', HISTORY_OPTION_HELP)
    .option('--reverse', 'add reverse stress: the smallest joint move exhausting each account’s equity, along --direction and the most likely one')
    .option('--direction <moves>', 'reverse-stress direction in log moves, e.g. BTC=-1,ETH=-1 (implies --reverse; default: against today’s P&L gradient)')
    .option('--horizon <days>', 'horizon of the reverse-stress covariance, days (Σ = daily Σ × days)', String(DEFAULT_REVERSE_HORIZON))
    .option('--lookback <days>', 'daily returns in the reverse-stress covariance', String(DEFAULT_COVARIANCE_LOOKBACK))
    .option('--cover', 'default-fund Cover-1 and Cover-2 over the scenarios (members = accounts)')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  crossmargin stress --portfolio samples/crypto-mixed/portfolio.json --market samples/crypto-mixed/market.json\n' +
        '  crossmargin stress --portfolio members/ --market market.json --cover --scenarios crypto-2020-03-12,crypto-2022-11-ftx\n' +
        '  crossmargin stress --portfolio p.json --market m.json --reverse --direction BTC=-1,ETH=-1 --horizon 10',
    )
    .action(async (opts: StressOptions) => {
      if (opts.portfolio === undefined && opts.db === undefined) {
        throw new CrossmarginError('USAGE_INVALID', 'name the accounts to stress: --portfolio <files...> or --db <database>', { field: '--portfolio' });
      }
      const service = opts.db === undefined ? [] : await readServiceAccounts(opts.db);
      getModel(opts.model); // an unknown id fails before any work, naming the known ones
      const horizon = wholeNumber(opts.horizon, '--horizon', 1, 250);
      const lookback = wholeNumber(opts.lookback, '--lookback', 30, 100_000);
      const direction = opts.direction === undefined ? undefined : parseDirection(opts.direction);
      const library = scenariosFrom(opts.scenarios);
      const market = loadMarketSnapshot(opts.market);
      const bar = io.interactive ? new SingleBar({ format: 'reverse stress {bar} {value}/{total} accounts', stream: process.stderr }, Presets.shades_classic) : undefined;
      let run: StressRun;
      try {
        run = runStress({
          market,
          accounts: [...loadPortfolioInputs(opts.portfolio ?? []), ...service],
          scenarios: library,
          model: opts.model,
          margin: paramsForModel(opts.model, opts.params, opts.paramSet),
          history: opts.history === undefined ? [] : opts.history.split(',').map((s) => s.trim()).filter((s) => s !== ''),
          ...(opts.reverse === true || direction !== undefined
            ? {
                reverse: {
                  ...(direction === undefined ? {} : { direction }),
                  horizonDays: horizon,
                  lookback,
                  onProgress: (done: number, total: number) => (done === 0 ? bar?.start(total, 0) : bar?.update(done)),
                },
              }
            : {}),
          cover: opts.cover === true,
        });
      } finally {
        // A running bar's redraw timer would keep the process alive after an error on a terminal.
        bar?.stop();
      }
      const { report, reverse, cover, notes, currencies } = run;

      if (opts.json === true) {
        io.out(`${JSON.stringify({ ...report, ...(reverse === undefined ? {} : { reverse }), ...(cover === undefined ? {} : { cover }), notes }, undefined, 2)}\n`);
        return;
      }
      const parts = [formatStressReport(report, notes)];
      if (reverse !== undefined) parts.push(formatReverseStress(reverse));
      if (cover !== undefined) parts.push(formatCover(cover, currencies[0] ?? 'USD'));
      io.out(parts.join('\n'));
    });
}
