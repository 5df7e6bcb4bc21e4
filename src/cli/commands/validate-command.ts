import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { summariseBacktest, summariseExceptions, type BacktestSummary, type ExceptionSummary, type Z2TestOptions } from '../../backtest/statistics/backtest-summary.js';
import { parseBacktestCsv } from '../../backtest/statistics/parse-backtest-csv.js';
import type { Z2NullDistribution } from '../../backtest/statistics/z2-critical-value.js';
import { CrossmarginError, toCrossmarginError } from '../../core/errors.js';
import { readTextFile } from '../../market/read-input-file.js';
import type { CliIo } from '../cli-io.js';
import { formatNumber, formatPValue, formatTable } from '../format-table.js';

/**
 * `crossmargin validate`: VaR/ES backtest statistics of a file of exceptions or of P&L/VaR(/ES) series
 * (docs/backtesting.md). All statistics are the pure functions of backtest/statistics; this only reads the file,
 * parses options and prints.
 */
interface ValidateOptions {
  exceptions: string;
  coverage: string;
  esAlpha?: string;
  testLevel: string;
  z2Null?: string;
  simulations?: string;
  seed?: string;
  horizon: string;
  window?: string;
  full?: boolean;
  json?: boolean;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DEFAULT_ES_ALPHA = 0.025;
const DEFAULT_SIMULATIONS = 20_000;
const DEFAULT_SEED = 1;

function usage(field: string, message: string): CrossmarginError {
  return new CrossmarginError('USAGE_INVALID', `${field}: ${message}`, { field });
}

function probabilityOption(text: string, field: string): number {
  const v = Number(text);
  if (!DECIMAL.test(text.trim()) || !(v > 0 && v < 1)) throw usage(field, `"${text}" is not a number strictly between 0 and 1`);
  return v;
}

function integerOption(text: string, field: string, min: number, max: number): number {
  const v = Number(text);
  if (!/^\d+$/.test(text.trim()) || !(v >= min && v <= max)) throw usage(field, `"${text}" is not an integer in [${min}, ${max}]`);
  return v;
}

/** A whole number of days (its range is checked where the number of days is known). */
function daysOption(text: string, field: string): number {
  if (!/^\d+$/.test(text.trim())) throw usage(field, `"${text}" is not a whole number of days`);
  return Number(text);
}

/** `normal`, or `t<ν>` / `t:<ν>` with ν > 1 (`t3`, `t:4.5`). */
function distributionOption(text: string): Z2NullDistribution {
  const t = text.trim().toLowerCase();
  if (t === 'normal') return 'normal';
  const m = /^t:?(\d+\.?\d*|\.\d+)$/.exec(t);
  const nu = m === null ? NaN : Number(m[1]);
  if (!(nu > 1)) throw usage('--z2-null', `"${text}" is not "normal" or "t<ν>" with ν > 1 (e.g. t3)`);
  return { t: nu };
}

function describeDistribution(d: Z2NullDistribution): string {
  return d === 'normal' ? 'normal' : `Student-t ν = ${d.t}`;
}

function fmt(v: number | undefined, digits = 5): string {
  return v === undefined ? '-' : formatNumber(v, digits);
}

const pValue = (p: number | undefined): string => (p === undefined ? '-' : formatPValue(p));

function percent(v: number): string {
  return `${Number((v * 100).toPrecision(6))} %`;
}

function verdict(p: number | undefined, testLevel: number): string {
  if (p === undefined) return '-';
  return p < 1 - testLevel ? 'rejected' : 'not rejected';
}

/**
 * The statistics take the traffic-light window as the field `window` (a number or 'full'), as the API would; the
 * command shows the flag the user typed, `--window` or `--full`.
 */
function withWindowFlag<T>(full: boolean, compute: () => T): T {
  try {
    return compute();
  } catch (error) {
    const e = toCrossmarginError(error);
    if (e.field !== 'window' || !e.message.startsWith('window:')) throw e;
    const flag = full ? '--full' : '--window';
    throw new CrossmarginError(e.code, `${flag}${e.message.slice('window'.length)}`, { field: flag, ...(e.details === undefined ? {} : { details: e.details }), cause: e });
  }
}

/** "green ≤ 4, yellow 5–9, red ≥ 10" for the window's computed thresholds. */
function zones(yellowFrom: number, redFrom: number): string {
  const yellow = yellowFrom >= redFrom ? 'no yellow' : yellowFrom === redFrom - 1 ? `yellow ${yellowFrom}` : `yellow ${yellowFrom}–${redFrom - 1}`;
  return `green ≤ ${yellowFrom - 1}, ${yellow}, red ≥ ${redFrom}`;
}

function formatSummary(summary: ExceptionSummary | BacktestSummary, source: string, what: string, testLevel: number): string {
  const s = summary;
  const lines: string[] = [];
  lines.push(
    `${source}: ${s.T} days of ${what}, VaR coverage ${percent(s.coverage)}; ` +
      `${s.exceptions} exceptions (${percent(s.exceptionRate)}), ${formatNumber(s.expected, 5)} expected\n\n`,
  );
  const rows: string[][] = [
    ['Kupiec POF, χ²(1)', fmt(s.pof.stat), pValue(s.pof.p), verdict(s.pof.p, testLevel)],
    [
      `Kupiec TUFF, χ²(1)${s.tuff.v === undefined ? ' (no exception)' : ` (first on day ${s.tuff.v})`}`,
      fmt(s.tuff.stat),
      pValue(s.tuff.p),
      verdict(s.tuff.p, testLevel),
    ],
    ['Christoffersen independence, χ²(1)', fmt(s.independence.stat), pValue(s.independence.p), verdict(s.independence.p, testLevel)],
    ['conditional coverage, χ²(2)', fmt(s.conditionalCoverage.stat), pValue(s.conditionalCoverage.p), verdict(s.conditionalCoverage.p, testLevel)],
  ];
  const full = 'acerbiSzekely' in s ? s : undefined;
  const as = full?.acerbiSzekely;
  if (as !== undefined) {
    rows.push([`Acerbi–Szekely Z1 (${as.exceedances} exceedances)`, fmt(as.z1), '-', '-']);
    const c = as.critical;
    rows.push([
      'Acerbi–Szekely Z2',
      fmt(as.z2),
      '-',
      c === undefined ? '-' : `${c.rejected ? 'rejected' : 'not rejected'} (critical ${fmt(c.value, 4)})`,
    ]);
  }
  lines.push(formatTable(['test', 'statistic', 'p-value', `at ${percent(testLevel)}`], rows));
  const c = s.independence.counts;
  const w = s.independenceWindowing;
  lines.push(`\nindependence and conditional coverage on ${w.description}${w.kind === 'daily' ? '' : `, ${w.exceptions} exceptions`}\n`);
  lines.push(`transitions: n00 ${c.n00}, n01 ${c.n01}, n10 ${c.n10}, n11 ${c.n11}\n`);
  const tl = s.trafficLight;
  lines.push(
    `traffic light (${tl.window === s.T && s.T > 250 ? 'all' : 'last'} ${tl.window} days): ${tl.zone}, ${tl.exceptions} exceptions, ` +
      `P(X ≤ ${tl.exceptions}) = ${percent(tl.cumulativeProbability)}, ` +
      `plus factor ${tl.plus.toFixed(2)}, multiplier ${tl.multiplier.toFixed(2)}, FRTB multiplier ${tl.frtbMultiplier.toFixed(2)}; ` +
      `zones for ${tl.window} days: ${zones(tl.yellowFrom, tl.redFrom)}\n`,
  );
  if (as !== undefined) {
    const crit = as.critical;
    lines.push(
      `Acerbi–Szekely at ES α = ${percent(as.alpha)}: Z2 below 0 means the tail is underestimated` +
        (crit === undefined
          ? ' (add --z2-null normal|tν for a simulated critical value)\n'
          : `; critical value ${fmt(crit.value, 5)} at ${percent(crit.level)} from ${crit.simulations} simulations under a ${describeDistribution(crit.distribution)} null (seed ${crit.seed})\n`),
    );
  }
  if (full !== undefined) {
    const p = full.procyclicality;
    lines.push(
      `margin: average ${fmt(full.averageMargin, 6)}, coverage ratio ${fmt(full.coverageRatio, 4)} (Σ margin / Σ loss over loss days); ` +
        `peak-to-trough ${fmt(p.peakToTrough, 4)}, largest 1-day ${fmt(p.max1Day, 4)}, largest 30-day ${fmt(p.max30Day, 4)}\n`,
    );
    for (const note of full.notes) lines.push(`note: ${note}\n`);
  }
  return lines.join('');
}

export function registerValidateCommand(program: Command, io: CliIo): void {
  program
    .command('validate')
    .description('backtest statistics of VaR exceptions or P&L/VaR(/ES) series: Kupiec POF and TUFF, Christoffersen, Basel traffic light, Acerbi–Szekely')
    .requiredOption('--exceptions <file>', 'CSV: one 0/1 per line (no header), or a header with pnl,var and optionally es, es_var, margin (see docs/backtesting.md)')
    .option('--coverage <level>', 'VaR confidence level of the var column / the exceptions', '0.99')
    .option('--es-alpha <alpha>', `ES tail probability for Acerbi–Szekely (default ${DEFAULT_ES_ALPHA}, i.e. 97.5 % ES)`)
    .option('--test-level <level>', 'test level for the rejected / not rejected column and the Z2 critical value', '0.95')
    .option('--z2-null <dist>', 'simulate the Z2 critical value under this null: normal or t<ν> (e.g. t3)')
    .option('--simulations <n>', `simulations for the Z2 critical value (default ${DEFAULT_SIMULATIONS})`)
    .option('--seed <n>', `seed of the Z2 simulation (default ${DEFAULT_SEED})`)
    .option('--horizon <days>', 'days of P&L each row covers (the MPOR); above 1 rows overlap and the Christoffersen tests use every horizon-th row', '1')
    .option('--window <days>', 'traffic light on the last N days (default: the last 250, or all if fewer); zones computed for N by the Basel binomial rule')
    .option('--full', 'traffic light on all days (instead of --window)')
    .option('--json', 'print as JSON')
    .action((opts: ValidateOptions) => {
      const coverage = probabilityOption(opts.coverage, '--coverage');
      const testLevel = probabilityOption(opts.testLevel, '--test-level');
      const esAlpha = opts.esAlpha === undefined ? DEFAULT_ES_ALPHA : probabilityOption(opts.esAlpha, '--es-alpha');
      const distribution = opts.z2Null === undefined ? undefined : distributionOption(opts.z2Null);
      if (distribution === undefined && (opts.simulations !== undefined || opts.seed !== undefined)) {
        throw usage(opts.simulations !== undefined ? '--simulations' : '--seed', 'only applies with --z2-null');
      }
      const simulations = opts.simulations === undefined ? DEFAULT_SIMULATIONS : integerOption(opts.simulations, '--simulations', 1, 10_000_000);
      const seed = opts.seed === undefined ? DEFAULT_SEED : integerOption(opts.seed, '--seed', 0, Number.MAX_SAFE_INTEGER);
      const horizon = integerOption(opts.horizon, '--horizon', 1, 365);
      if (opts.window !== undefined && opts.full === true) throw usage('--window', 'cannot be combined with --full (choose one window)');
      // The range (a minimum for the coverage level, at most the days in the file) is checked by the statistics.
      const window = opts.full === true ? ('full' as const) : opts.window === undefined ? undefined : daysOption(opts.window, '--window');
      const windowing = { horizon, ...(window === undefined ? {} : { window }) };

      const data = parseBacktestCsv(readTextFile(opts.exceptions), opts.exceptions);
      let summary: ExceptionSummary | BacktestSummary;
      let what: string;
      if (data.form === 'indicators') {
        if (opts.esAlpha !== undefined || distribution !== undefined) {
          throw usage(opts.esAlpha !== undefined ? '--es-alpha' : '--z2-null', 'needs a file with pnl, var and es columns (the indicator form has no ES)');
        }
        summary = withWindowFlag(opts.full === true, () => summariseExceptions(data.indicators, coverage, windowing));
        what = '0/1 exception indicators';
      } else {
        const bar = distribution !== undefined && data.es !== undefined && io.interactive
          ? new SingleBar({ format: 'simulating Z2 {bar} {value}/{total}', stream: process.stderr }, Presets.shades_classic)
          : undefined;
        let barStarted = false;
        const z2Test: Z2TestOptions | undefined =
          distribution === undefined
            ? undefined
            : {
                level: testLevel,
                distribution,
                simulations,
                seed,
                onProgress: (done, total) => {
                  if (bar === undefined) return;
                  if (!barStarted) bar.start(total, 0);
                  barStarted = true;
                  bar.update(done);
                },
              };
        try {
          summary = withWindowFlag(opts.full === true, () => summariseBacktest({
            ...windowing,
            pnl: data.pnl,
            var: data.var,
            coverage,
            esAlpha,
            ...(data.es === undefined ? {} : { es: data.es }),
            ...(data.esVar === undefined ? {} : { esVar: data.esVar }),
            ...(data.margin === undefined ? {} : { margin: data.margin }),
            ...(z2Test === undefined ? {} : { z2Test }),
          }));
        } finally {
          bar?.stop();
        }
        what = data.columns.join(', ');
      }
      if (opts.json === true) {
        io.out(`${JSON.stringify({ source: opts.exceptions, form: data.form, testLevel, ...summary }, undefined, 2)}\n`);
        return;
      }
      io.out(formatSummary(summary, opts.exceptions, what, testLevel));
    });
}
