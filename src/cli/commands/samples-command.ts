import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { toCrossmarginError } from '../../core/errors.js';
import { loadMarketSnapshot } from '../../market/load-market-snapshot.js';
import { readJsonFile } from '../../market/read-input-file.js';
import { computeMargin } from '../../models/compute-margin.js';
import type { MarginResult } from '../../models/margin-result.js';
import { MODELS } from '../../models/model-registry.js';
import type { CliIo } from '../cli-io.js';
import { historyLoader } from '../history-option.js';
import { formatAmount, formatTable } from '../format-table.js';
import { packageRoot } from '../../market/package-root.js';

export interface SampleRun {
  readonly sample: string;
  readonly model: string;
  /** The margin, or why this model cannot margin this sample (a venue without options, say). */
  readonly result?: MarginResult;
  readonly error?: { readonly code: string; readonly message: string };
}

/** Sample folders under `root/samples` holding portfolio.json and market.json (and optional params/<model>.json). */
export function listSamples(root: string): string[] {
  const dir = join(root, 'samples');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'portfolio.json')))
    .map((d) => d.name)
    .sort();
}

/** Margin of every bundled sample portfolio under every model: the README's main job. */
export function runSamples(root: string, onStep?: () => void): SampleRun[] {
  const runs: SampleRun[] = [];
  for (const sample of listSamples(root)) {
    const dir = join(root, 'samples', sample);
    const market = loadMarketSnapshot(join(dir, 'market.json'));
    const portfolioPath = join(dir, 'portfolio.json');
    for (const model of MODELS) {
      const paramsPath = join(dir, 'params', `${model.id}.json`);
      const params = existsSync(paramsPath) ? { params: readJsonFile(paramsPath), paramsSource: paramsPath } : {};
      const options = { ...params, historyLoader: historyLoader(undefined) };
      try {
        runs.push({ sample, model: model.id, result: computeMargin({ document: readJsonFile(portfolioPath), source: portfolioPath }, market, model.id, options) });
      } catch (error) {
        const e = toCrossmarginError(error);
        runs.push({ sample, model: model.id, error: { code: e.code, message: e.message } });
      }
      onStep?.();
    }
  }
  return runs;
}

export function registerSamplesCommand(program: Command, io: CliIo): void {
  program
    .command('samples')
    .description('margin of each bundled sample portfolio under each model, as a table')
    .option('--json', 'print every MarginResult as JSON')
    .action((opts: { json?: boolean }) => {
      const root = packageRoot();
      const total = listSamples(root).length * MODELS.length;
      const bar = io.interactive ? new SingleBar({ format: 'margining {bar} {value}/{total}', stream: process.stderr }, Presets.shades_classic) : undefined;
      bar?.start(total, 0);
      let runs: SampleRun[];
      try {
        runs = runSamples(root, () => bar?.increment());
      } finally {
        // A running bar's redraw timer would keep the process alive after an error on a terminal.
        bar?.stop();
      }
      if (opts.json === true) {
        io.out(`${JSON.stringify(runs, undefined, 2)}\n`);
        return;
      }
      const rows = runs.map(({ sample, model, result: r, error }) =>
        r === undefined
          ? [sample, model, '-', '-', '-', `cannot margin this book: [${error?.code}] ${error?.message ?? ''}`]
          : [
              sample,
              r.model,
              r.currency,
              formatAmount(r.initialMargin, r.currency),
              formatAmount(r.maintenanceMargin, r.currency),
              r.worstScenario === undefined ? '-' : `#${r.worstScenario.id} ${r.worstScenario.label}`,
            ],
      );
      io.out(formatTable(['sample', 'model', 'ccy', 'initial margin', 'maintenance margin', 'worst scenario'], rows));
    });
}
