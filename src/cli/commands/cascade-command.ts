import { writeFileSync } from 'node:fs';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { readServiceAccounts } from '../service-accounts.js';
import { CrossmarginError } from '../../core/errors.js';
import { parseWithSchema } from '../../core/validate.js';
import { readJsonFile } from '../../market/read-input-file.js';
import { renderCascadeHtml } from '../../stress/cascade/cascade-html.js';
import { CascadeConfigSchema } from '../../stress/cascade/cascade-config.js';
import { simulateCascades, type CascadeReport } from '../../stress/cascade/simulate-cascades.js';
import type { CliIo } from '../cli-io.js';
import { formatNumber, formatTable } from '../format-table.js';

interface CascadeOptions {
  accounts?: string;
  seed?: string;
  shock?: string;
  rounds?: string;
  insuranceFund?: string;
  penalty?: string;
  impact?: string;
  underlyings?: string;
  mode?: string;
  relief?: boolean;
  compare?: boolean;
  population?: string;
  db?: string;
  config?: string;
  report?: string[];
  json?: boolean;
}

function numberOf(text: string, field: string): number {
  const percent = text.endsWith('%');
  const body = percent ? text.slice(0, -1) : text;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(body)) throw new CrossmarginError('USAGE_INVALID', `${field}: "${text}" is not a number`, { field });
  return Number(body) / (percent ? 100 : 1);
}

/** `BTC=-0.2,ETH=-25%` → { BTC: -0.2, ETH: -0.25 }. */
export function parseShock(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([A-Za-z0-9._-]+)=(.+)$/.exec(part);
    if (m === null) throw new CrossmarginError('USAGE_INVALID', `--shock: "${part}" is not NAME=move (e.g. BTC=-0.2)`, { field: '--shock' });
    out[m[1]!] = numberOf(m[2]!, `--shock ${m[1]}`);
  }
  return out;
}

function reportPath(values: string[] | undefined): string | undefined {
  if (values === undefined) return undefined;
  if (values.length === 2 && values[0] === 'html') return values[1];
  if (values.length === 1 && values[0]!.endsWith('.html')) return values[0];
  throw new CrossmarginError('USAGE_INVALID', `--report: expected "html <path>" (got "${values.join(' ')}")`, { field: '--report' });
}

export function formatCascadeReport(r: CascadeReport): string {
  const fmt = (v: number): string => formatNumber(v, 4);
  const head = `Liquidation cascade: ${r.population.accounts} accounts (${r.population.source}), shock ${Object.entries(r.shock).filter(([, v]) => v !== 0).map(([u, v]) => `${u} ${fmt(100 * v)}%`).join(', ') || 'none'}, ${r.rounds} rounds\n\n`;
  const totals = formatTable(
    // The conservation error (an internal check, ~1e-9) is in --json only: it is not a figure a user acts on.
    ['variant', 'accounts liq.', 'pools liq.', 'volume USD', 'fund used', 'bad debt', 'socialised', 'p99 loss'],
    r.runs.map((run) => [run.label, fmt(run.totals.accountsLiquidated), fmt(run.totals.poolsLiquidated), fmt(run.totals.volume), fmt(run.totals.insuranceFundUse), fmt(run.totals.badDebt), fmt(run.totals.socialisedLoss), fmt(run.lossDistribution.p99)]),
  );
  const first = r.runs[0]!;
  const perRound = formatTable(
    ['round', ...r.market.map((m) => `${m.underlying} after`), 'liquidated', 'volume USD', 'fund used', 'bad debt', 'socialised'],
    first.rounds.filter((x) => x.round === 1 || x.poolsLiquidated > 0).map((x) => [String(x.round), ...x.pricesAfter.map((p) => fmt(p)), String(x.poolsLiquidated), fmt(x.volume), fmt(x.insuranceFundUse), fmt(x.badDebt), fmt(x.socialisedLoss)]),
  );
  return `${head}${totals}\nRounds with liquidations (${first.label}):\n${perRound}`;
}

export function registerCascadeCommand(program: Command, io: CliIo): void {
  program
    .command('cascade')
    .description('liquidation cascade: a shock, rounds of liquidations moving prices by square-root impact, insurance fund, bad debt and socialised loss (docs/cascades.md)')
    .option('--accounts <n>', 'accounts to generate (default 10000)')
    .option('--seed <n>', 'seed of the generated population (default 1)')
    .option('--shock <moves>', "relative price moves before round 1, e.g. 'BTC=-0.2,ETH=-0.25' (default that)")
    .option('--rounds <n>', 'liquidation rounds (default 20)')
    .option('--insurance-fund <usd>', 'insurance fund at the start, USD (default 1000000)')
    .option('--penalty <rate>', 'liquidation penalty per USD of notional, to the fund (default 0.01)')
    .option('--impact <Y>', 'square-root impact coefficient Y (default 1)')
    .option('--underlyings <list>', 'underlyings of a generated population (default BTC,ETH,SOL,SPX)')
    .option('--mode <mode>', 'cross or isolated (default cross; ignored with --compare)')
    .option('--relief', 'grant intermarket relief between correlated underlyings (ignored with --compare)')
    .option('--compare', 'run cross/isolated × relief on/off on the same population')
    .option('--population <path>', 'portfolio JSON file (one portfolio or an array) or a directory of them, instead of a generated population')
    .option('--db <path-or-url>', "the margin service's accounts as the population: its SQLite file or postgres:// URL (as serve --db)")
    .option('--config <file>', 'JSON settings (docs/cascades.md "Settings"); command-line options override it')
    .option('--report <format-and-path...>', 'write a report: html <path>')
    .option('--json', 'print the report as JSON')
    .action(async (opts: CascadeOptions) => {
      if (opts.db !== undefined && opts.population !== undefined) {
        throw new CrossmarginError('USAGE_INVALID', '--db and --population both name the population: give one', { field: '--db' });
      }
      const service = opts.db === undefined ? undefined : await readServiceAccounts(opts.db);
      const base = opts.config === undefined ? {} : readJsonFile(opts.config);
      if (typeof base !== 'object' || base === null || Array.isArray(base)) throw new CrossmarginError('SCHEMA_INVALID', `${opts.config}: expected a JSON object of settings`, { field: opts.config });
      const over: Record<string, unknown> = { ...(base as Record<string, unknown>) };
      if (opts.accounts !== undefined) over.accounts = numberOf(opts.accounts, '--accounts');
      if (opts.seed !== undefined) over.seed = numberOf(opts.seed, '--seed');
      if (opts.shock !== undefined) over.shock = parseShock(opts.shock);
      if (opts.rounds !== undefined) over.rounds = numberOf(opts.rounds, '--rounds');
      if (opts.insuranceFund !== undefined) over.insuranceFund = numberOf(opts.insuranceFund, '--insurance-fund');
      if (opts.penalty !== undefined) over.penaltyRate = numberOf(opts.penalty, '--penalty');
      if (opts.impact !== undefined) over.impactY = numberOf(opts.impact, '--impact');
      if (opts.underlyings !== undefined) over.underlyings = opts.underlyings.split(',').map((s) => s.trim()).filter((s) => s !== '');
      if (opts.mode !== undefined) over.mode = opts.mode;
      if (opts.relief === true) over.withRelief = true;
      if (opts.compare === true) over.compare = true;
      const config = parseWithSchema(CascadeConfigSchema, over, opts.config ?? 'cascade options', 'USAGE_INVALID');
      const html = reportPath(opts.report);
      const bar = io.interactive ? new SingleBar({ format: 'cascade {bar} {value}/{total} rounds', stream: process.stderr }, Presets.shades_classic) : undefined;
      let started = false;
      let report: CascadeReport;
      try {
        report = simulateCascades(config, {
          ...(opts.population === undefined ? {} : { populationPath: opts.population }),
          ...(service === undefined ? {} : { portfolios: service, portfoliosSource: `service accounts (${opts.db})` }),
          onProgress: (done, total) => {
            if (!started) bar?.start(total, 0);
            started = true;
            bar?.update(done);
          },
        });
      } finally {
        // A running bar's redraw timer would keep the process alive after an error on a terminal.
        bar?.stop();
      }
      if (html !== undefined) {
        try {
          writeFileSync(html, renderCascadeHtml(report));
        } catch (error) {
          throw new CrossmarginError('FILE_UNWRITABLE', `${html}: cannot write (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { field: html, cause: error });
        }
        io.err(`wrote ${html}\n`);
      }
      io.out(opts.json === true ? `${JSON.stringify(report, undefined, 2)}\n` : formatCascadeReport(report));
    });
}
