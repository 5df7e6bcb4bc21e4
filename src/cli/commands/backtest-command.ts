import { writeFileSync } from 'node:fs';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import type { BacktestReport } from '../../backtest/backtest-report.js';
import { renderBacktestHtml } from '../../backtest/report/html-report.js';
import { backtestUnderlyings, runBacktest, type FailedModel } from '../../backtest/run-backtest.js';
import { isIsoDate } from '../../core/dates.js';
import { CrossmarginError } from '../../core/errors.js';
import { readJsonFile } from '../../market/read-input-file.js';
import { MODELS, getModel } from '../../models/model-registry.js';
import { loadMarketHistory } from '../../scenarios/history/load-market-history.js';
import type { CliIo } from '../cli-io.js';
import { formatPValue, formatTable } from '../format-table.js';
import { HISTORY_OPTION_HELP } from '../history-option.js';
import { PARAM_SET_OPTION_HELP, paramsByModel } from '../param-set-option.js';

interface BacktestOptions {
  portfolio: string;
  models?: string;
  params?: string;
  paramSet?: string;
  history?: string;
  from: string;
  to: string;
  horizon: string;
  coverage: string;
  report?: string;
  json?: boolean;
}

/** What the command prints: the report of the models that ran, and the models that could not. */
export interface CliBacktestReport extends BacktestReport {
  readonly failed: readonly FailedModel[];
}

function numberOption(text: string, field: string, check: (v: number) => boolean, expected: string): number {
  const v = Number(text);
  if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(text) || !check(v)) throw new CrossmarginError('USAGE_INVALID', `${field}: "${text}" is not ${expected}`, { field });
  return v;
}

function fmt(v: number | undefined, digits = 4): string {
  return v === undefined || !Number.isFinite(v) ? '-' : Number(v.toPrecision(digits)).toLocaleString('en-US');
}

/** Model comparison table: one row per model, the least and steadiest adequate collateral first. */
export function formatBacktestReport(r: BacktestReport & { readonly failed?: readonly FailedModel[] }): string {
  const rows = r.ranking.map((rank) => {
    const m = r.models.find((x) => x.model === rank.model)!;
    const s = m.summary;
    return [
      m.model,
      fmt(s.averageMargin, 6),
      `${s.exceptions}/${s.T}`,
      s.pof.p === undefined ? '-' : formatPValue(s.pof.p),
      s.conditionalCoverage.p === undefined ? '-' : formatPValue(s.conditionalCoverage.p),
      `${s.trafficLight.zone} (${s.trafficLight.exceptions})`,
      s.acerbiSzekely === undefined ? '-' : fmt(s.acerbiSzekely.z2, 3),
      fmt(s.procyclicality.peakToTrough, 3),
      fmt(s.procyclicality.max30Day, 3),
      rank.adequate ? 'yes' : 'no',
    ];
  });
  for (const f of r.failed ?? []) rows.push([f.model, '-', '-', '-', '-', `error [${f.error.code}]`, '-', '-', '-', f.error.message]);
  const first = r.models[0]?.summary;
  const head = `Backtest ${r.portfolio}: ${r.from}..${r.to}, ${r.horizon}-day realised P&L, coverage ${r.coverage}\n`;
  // Which series CC p is computed on: every h-th day when the h-day P&L of consecutive days overlaps.
  const windowing = first === undefined ? '' : `independence and conditional coverage (CC p) on ${first.independenceWindowing.description}\n`;
  const zone = `zone (last ${first?.trafficLight.window ?? 250})`;
  return `${head}${windowing}\n${formatTable(['model', 'avg margin', 'exceptions', 'POF p', 'CC p', zone, 'Z2', 'peak/trough', 'max 30d rise', 'adequate'], rows)}\n${r.verdict}\n`;
}

export function registerBacktestCommand(program: Command, io: CliIo): void {
  program
    .command('backtest')
    .description('walk-forward backtest (no look-ahead) of one portfolio under one or more models, with coverage tests and a report')
    .requiredOption('--portfolio <file>', 'portfolio JSON file; instruments must not expire inside the window (use perpetuals, spot or far expiries)')
    .requiredOption('--from <date>', 'first decision day, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last decision day, YYYY-MM-DD')
    .option('--models <ids>', `comma-separated model ids (default: all: ${MODELS.map((m) => m.id).join(', ')})`)
    .option('--params <file>', 'JSON object: model id → parameters, e.g. {"hs-var": {"lookback": 250}}')
    .option('--param-set <file>', PARAM_SET_OPTION_HELP)
    .option('--history <files>', HISTORY_OPTION_HELP)
    .option('--horizon <days>', 'days over which realised P&L is measured (the MPOR); above 1 the independence tests use every horizon-th day (non-overlapping windows)', '2')
    .option('--coverage <level>', 'coverage the exception tests check', '0.99')
    .option('--report <file>', 'write a self-contained HTML report (charts and statistics)')
    .option('--json', 'print the report data as JSON')
    .action((opts: BacktestOptions) => {
      for (const [field, value] of [['--from', opts.from], ['--to', opts.to]] as const) {
        if (!isIsoDate(value)) throw new CrossmarginError('USAGE_INVALID', `${field}: "${value}" is not a calendar date YYYY-MM-DD`, { field });
      }
      const horizon = numberOption(opts.horizon, '--horizon', (v) => Number.isInteger(v) && v >= 1 && v <= 30, 'a whole number of days from 1 to 30');
      const coverage = numberOption(opts.coverage, '--coverage', (v) => v > 0.5 && v < 1, 'a level between 0.5 and 1');
      const models = opts.models === undefined ? MODELS.map((m) => m.id) : opts.models.split(',').map((s) => s.trim());
      models.forEach((m) => getModel(m));
      const portfolio = readJsonFile(opts.portfolio);
      const params = opts.params === undefined ? {} : (readJsonFile(opts.params) as Record<string, unknown>);
      if (typeof params !== 'object' || params === null || Array.isArray(params)) {
        throw new CrossmarginError('SCHEMA_INVALID', `${opts.params}: expected an object of model id → parameters`, { field: opts.params });
      }
      const modelParams = paramsByModel(models, params, opts.paramSet);
      // The history of the portfolio's underlyings (collateral coins included) up to the last realised day.
      const underlyings = backtestUnderlyings(portfolio, opts.portfolio);
      const history = loadMarketHistory(underlyings, opts.history === undefined ? [] : opts.history.split(',').map((s) => s.trim()));
      const bar = io.interactive ? new SingleBar({ format: 'backtesting {bar} {value}/{total} margins', stream: process.stderr }, Presets.shades_classic) : undefined;
      let started = false;
      let run: ReturnType<typeof runBacktest>;
      try {
        run = runBacktest({
          portfolio,
          source: opts.portfolio,
          models,
          params: modelParams,
          history,
          from: opts.from,
          to: opts.to,
          horizon,
          coverage,
          modelErrors: 'collect',
          onProgress: (done, total) => {
            if (!started) bar?.start(total, 0);
            started = true;
            bar?.update(done);
          },
        });
      } finally {
        // A bar left running keeps its redraw timer, and with it the process, alive after an error on a terminal.
        bar?.stop();
      }
      const report: CliBacktestReport = { ...run.report, failed: run.failed };
      if (opts.report !== undefined) {
        try {
          // The page has no table row for a failed model: its verdict names it.
          const notes = report.failed.map((f) => ` ${f.model} could not margin this book: [${f.error.code}] ${f.error.message}.`).join('');
          writeFileSync(opts.report, renderBacktestHtml({ ...report, verdict: `${report.verdict}${notes}` }));
        } catch (error) {
          throw new CrossmarginError('FILE_UNWRITABLE', `${opts.report}: cannot write (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { field: opts.report, cause: error });
        }
        io.err(`wrote ${opts.report}\n`);
      }
      io.out(opts.json === true ? `${JSON.stringify(report, (_, v: unknown) => (v instanceof Float64Array ? Array.from(v) : v), 2)}\n` : formatBacktestReport(report));
    });
}
