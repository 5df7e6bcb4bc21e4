import { readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { calibrate, type CalibrationProgress } from '../../calibration/calibrate.js';
import { parseOpenInterestCsv, type OpenInterestTable } from '../../calibration/open-interest.js';
import { parseParameterSet, sha256Hex, type CalibrationSettingsInput, type ParameterSet, type SourceFile } from '../../calibration/parameter-set.js';
import { isIsoDate } from '../../core/dates.js';
import { CrossmarginError } from '../../core/errors.js';
import { packageRoot } from '../../market/package-root.js';
import { readJsonFile, readTextFile } from '../../market/read-input-file.js';
import { loadMarketHistory } from '../../scenarios/history/load-market-history.js';
import type { CliIo } from '../cli-io.js';
import { formatTable } from '../format-table.js';
import { HISTORY_OPTION_HELP } from '../history-option.js';

interface CalibrateOptions {
  underlyings: string;
  history?: string;
  asOf?: string;
  lookback?: string;
  coverage?: string;
  mpor?: string;
  lambda?: string;
  volForecaster?: string;
  stressedWindow?: string;
  previous?: string;
  openInterest?: string;
  out?: string;
  json?: boolean;
}

const INTEGER = /^\d+$/;
const DECIMAL = /^(\d+\.?\d*|\.\d+)$/;

function usage(field: string, message: string, value?: string): CrossmarginError {
  return new CrossmarginError('USAGE_INVALID', `${field}: ${message}`, { field, ...(value === undefined ? {} : { details: { value } }) });
}

function integerOption(text: string | undefined, field: string): number | undefined {
  if (text === undefined) return undefined;
  if (!INTEGER.test(text.trim())) throw usage(field, `"${text}" is not a whole number`, text);
  return Number(text);
}

function decimalOption(text: string | undefined, field: string): number | undefined {
  if (text === undefined) return undefined;
  if (!DECIMAL.test(text.trim())) throw usage(field, `"${text}" is not a plain decimal number`, text);
  return Number(text);
}

/** `FROM:TO`, two calendar dates, FROM ≤ TO. */
export function parseStressedWindow(text: string): { from: string; to: string } {
  const m = /^\s*(\S+?)\s*:\s*(\S+?)\s*$/.exec(text);
  const from = m?.[1] ?? '';
  const to = m?.[2] ?? '';
  if (m === null || !isIsoDate(from) || !isIsoDate(to)) {
    throw usage('--stressed-window', `"${text}" is not FROM:TO with two calendar dates YYYY-MM-DD (e.g. 2020-02-20:2020-04-30)`, text);
  }
  if (from > to) throw usage('--stressed-window', `from ${from} is after to ${to}`, text);
  return { from, to };
}

/** A path as recorded in the parameter set: relative to the project root when inside it (portable), else as given. */
function recordedPath(path: string): string {
  const rel = relative(packageRoot(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function hashFile(path: string): SourceFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new CrossmarginError('FILE_UNREADABLE', `${path}: cannot read file to hash it (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { field: path, cause: error });
  }
  return { file: recordedPath(path), sha256: sha256Hex(bytes) };
}

function writeOutput(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new CrossmarginError('FILE_UNWRITABLE', `${path}: cannot write (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { field: path, cause: error });
  }
}

const pct = (x: number, digits = 1): string => `${(x * 100).toFixed(digits)}%`;
const points = (x: number): string => (x * 100).toFixed(1);
const fixed = (x: number | undefined, digits: number): string => (x === undefined ? '-' : x.toFixed(digits));
const sci = (x: number | undefined): string => (x === undefined ? '-' : x.toExponential(2));

/** The readable summary: settings, vols and GARCH, scan ranges, correlations, signals, change log, notes. */
export function formatParameterSet(set: ParameterSet): string {
  const s = set.settings;
  const lines: string[] = [];
  const stressed = set.correlations.stressed.window;
  lines.push(
    `Parameter set v${set.version} as of ${set.asOf} (${set.createdFrom.underlyings.join(', ')})${set.supersedes === undefined ? '' : `, supersedes v${set.supersedes.version} of ${set.supersedes.asOf}`}`,
    `History used     ${set.createdFrom.dateRange.from}..${set.createdFrom.dateRange.to}; lookback ${set.lookbackWindow.returns} returns ${set.lookbackWindow.from}..${set.lookbackWindow.to}; ${set.periodsPerYear} periods/year`,
    `Method           coverage ${pct(s.coverage)}, MPOR ${s.mpor} d, λ ${s.lambda}, APC ${s.apcYears}-year floor + stressed weight ${s.stressedWeight}`,
    `Stressed window  ${stressed.from}..${stressed.to} (${stressed.selection}, ${stressed.returns} days)`,
    `Input hash       ${set.createdFrom.inputHash}`,
    '',
    'Volatility (annualised) and GARCH(1,1)',
  );
  lines.push(
    formatTable(
      ['underlying', 'EWMA vol', `${s.lookback}-day vol`, 'ω', 'α (SE)', 'β (SE)', 'α+β', 'half-life d', 'long-run vol', 'converged'],
      set.createdFrom.underlyings.map((u) => {
        const e = set.ewma.underlyings[u];
        const g = set.garch.underlyings[u];
        return [
          u,
          e === undefined ? '-' : pct(e.annualisedVol),
          e === undefined ? '-' : pct(e.lookbackAnnualisedVol),
          sci(g?.omega),
          g === undefined ? '-' : `${g.alpha.toFixed(3)} (${fixed(g.standardErrors.alpha, 3)})`,
          g === undefined ? '-' : `${g.beta.toFixed(3)} (${fixed(g.standardErrors.beta, 3)})`,
          fixed(g?.persistence, 3),
          fixed(g?.halfLifeDays, 1),
          g?.longRunAnnualisedVol === undefined ? '-' : pct(g.longRunAnnualisedVol),
          g === undefined ? '-' : g.converged ? 'yes' : 'no',
        ];
      }),
    ),
  );
  lines.push(`Scan ranges (${pct(s.coverage)} of |${s.mpor}-day log return|; price relative, vol in vol points; pluggable = with APC, rounded up)`);
  lines.push(
    formatTable(
      ['underlying', 'price no APC', 'price APC', 'binding', 'PSR / TIMS / grid', 'vol no APC', 'vol APC', 'binding', 'VSR', 'vol source'],
      set.createdFrom.underlyings.map((u) => {
        const r = set.scanRanges.underlyings[u];
        if (r === undefined) return [u, '-', '-', '-', '-', '-', '-', '-', '-', '-'];
        return [
          u,
          pct(r.withoutApc.priceScanRange, 2),
          pct(r.withApc.priceScanRange, 2),
          r.withApc.priceBinding,
          `${pct(r.span.priceScanRange)}${r.capped ? ' (capped)' : ''}`,
          points(r.withoutApc.volScanRange),
          points(r.withApc.volScanRange),
          r.withApc.volBinding,
          points(r.span.volScanRange),
          r.volSource,
        ];
      }),
    ),
  );
  const order = set.correlations.underlyings;
  if (order.length > 1) {
    const c = set.correlations;
    const rows: string[][] = [];
    for (let i = 0; i < order.length; i++) {
      for (let j = i + 1; j < order.length; j++) {
        const at = (m: number[][]): string => fixed(m[i]?.[j], 3);
        rows.push([`${order[i]}/${order[j]}`, at(c.sample.matrix), at(c.ewma.matrix), at(c.ledoitWolf.matrix), at(c.stressed.matrix)]);
      }
    }
    lines.push(`Correlations (Ledoit–Wolf shrinkage ${c.ledoitWolf.shrinkage.toFixed(3)})`);
    lines.push(formatTable(['pair', 'sample', 'EWMA', 'Ledoit–Wolf', 'stressed'], rows));
    const repaired = (['sample', 'ewma', 'ledoitWolf', 'stressed'] as const).filter((k) => c[k].repaired);
    lines.push(
      repaired.length === 0
        ? 'All correlation matrices are positive semi-definite (no Higham repair).\n'
        : `${repaired.map((k) => `${k}: not PSD (min eigenvalue ${c[k].minEigenvalue.toPrecision(3)}), Higham repair distance ${c[k].repairDistance.toPrecision(3)}`).join('\n')}\n`,
    );
  }
  const list = (title: string, items: readonly string[]): void => {
    lines.push(`${title}${items.length === 0 ? ': none' : ''}`);
    for (const item of items) lines.push(`  - ${item}`);
    lines.push('');
  };
  list('Signals', set.signals.map((x) => `[${x.kind}] ${x.message}`));
  list('Change log', set.changeLog.map((x) => x.sentence));
  if (set.notes.length > 0) list('Notes', set.notes);
  return `${lines.join('\n').trimEnd()}\n`;
}

function volForecasterOption(text: string): 'ewma' | 'har' | 'gbt' {
  if (text === 'ewma' || text === 'har' || text === 'gbt') return text;
  throw usage('--vol-forecaster', `"${text}" is not one of ewma, har, gbt`, text);
}

export function registerCalibrateCommand(program: Command, io: CliIo): void {
  program
    .command('calibrate')
    .description('calibrate a versioned parameter set (vols, GARCH, correlations, scan ranges with APC) from price history')
    .requiredOption('--underlyings <names>', 'comma-separated underlyings, e.g. BTC,ETH (bundled history unless --history names them)')
    .option('--history <files>', HISTORY_OPTION_HELP)
    .option('--as-of <date>', 'calibrate as of this date YYYY-MM-DD: history after it is ignored (default: the last common date)')
    .option('--lookback <days>', 'daily returns in the calibration window (default 500)')
    .option('--coverage <p>', 'scan-range coverage, quantile of |h-day log return| (default 0.99)')
    .option('--mpor <days>', 'margin period of risk h, days (default 2)')
    .option('--lambda <decay>', 'EWMA decay factor (default 0.94)')
    .option('--vol-forecaster <name>', 'realised-vol forecaster for vol scan ranges without an implied-vol index: ewma | har | gbt (default ewma)')
    .option('--stressed-window <from:to>', 'stressed window FROM:TO, e.g. 2020-02-20:2020-04-30 (default: the most volatile 60 days of the APC window)')
    .option('--previous <file>', 'previous parameter set JSON: version + 1, signals and change log against it')
    .option('--open-interest <file>', 'open-interest CSV with columns date,underlying,open_interest (open-interest signal)')
    .option('--out <file>', 'write the parameter set JSON here')
    .option('--json', 'print the parameter set JSON instead of the summary')
    .addHelpText(
      'after',
      '\nExamples:\n  crossmargin calibrate --underlyings BTC,ETH --out params-v1.json\n' +
        '  crossmargin calibrate --underlyings BTC,ETH --as-of 2025-06-30 --stressed-window 2020-02-20:2020-04-30 \\\n    --previous params-v1.json --out params-v2.json\n' +
        '  (docs/calibration.md describes every field)',
    )
    .action((opts: CalibrateOptions) => {
      const underlyings = opts.underlyings.split(',').map((s) => s.trim());
      if (underlyings.some((u) => u === '')) throw usage('--underlyings', `"${opts.underlyings}" has an empty name; expected e.g. BTC,ETH`, opts.underlyings);
      if (opts.asOf !== undefined && !isIsoDate(opts.asOf)) throw usage('--as-of', `"${opts.asOf}" is not a calendar date YYYY-MM-DD`, opts.asOf);
      const settings: CalibrationSettingsInput = {
        ...(opts.asOf === undefined ? {} : { asOf: opts.asOf }),
        ...optional('lookback', integerOption(opts.lookback, '--lookback')),
        ...optional('coverage', decimalOption(opts.coverage, '--coverage')),
        ...optional('mpor', integerOption(opts.mpor, '--mpor')),
        ...optional('lambda', decimalOption(opts.lambda, '--lambda')),
        ...(opts.volForecaster === undefined ? {} : { volForecaster: volForecasterOption(opts.volForecaster) }),
        ...(opts.stressedWindow === undefined ? {} : { stressedWindow: parseStressedWindow(opts.stressedWindow) }),
      };
      const previous = opts.previous === undefined ? undefined : parseParameterSet(readJsonFile(opts.previous), opts.previous);
      let openInterest: OpenInterestTable | undefined;
      if (opts.openInterest !== undefined) openInterest = parseOpenInterestCsv(readTextFile(opts.openInterest), opts.openInterest);

      const specs = opts.history === undefined ? [] : opts.history.split(',').map((s) => s.trim()).filter((s) => s !== '');
      const history = loadMarketHistory(underlyings, specs);
      const sources = [...new Set(history.sources)].map(hashFile);
      if (opts.openInterest !== undefined) sources.push(hashFile(opts.openInterest));

      // Progress only on a terminal: piped stderr stays clean for scripts (and for the tests' one-line errors).
      const bar = io.interactive ? new SingleBar({ format: 'calibrating {bar} {value}/{total} {step}', stream: process.stderr }, Presets.shades_classic) : undefined;
      const steps = underlyings.length * 2 + 1;
      bar?.start(steps, 0, { step: '' });
      const onProgress = (p: CalibrationProgress): void => {
        const done = p.step === 'correlations' ? steps - 1 : p.done * 2 + (p.step === 'scan-ranges' ? 1 : 0);
        bar?.update(done, { step: `${p.step}${p.underlying === undefined ? '' : ` ${p.underlying}`}` });
      };
      let set: ParameterSet;
      try {
        set = calibrate(history, settings, previous, { sources, ...(openInterest === undefined ? {} : { openInterest }), onProgress });
        bar?.update(steps, { step: 'done' });
      } finally {
        bar?.stop();
      }

      const json = `${JSON.stringify(set, undefined, 2)}\n`;
      if (opts.out !== undefined) writeOutput(opts.out, json);
      io.out(opts.json === true ? json : formatParameterSet(set));
      if (opts.out !== undefined) io.err(`wrote ${opts.out} (parameter set v${set.version} as of ${set.asOf})\n`);
    });
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}
