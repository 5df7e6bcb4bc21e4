import type { Command } from 'commander';
import { toCrossmarginError } from '../../core/errors.js';
import { readCrifFile } from '../../portfolio/crif/read-crif-file.js';
import { BUNDLED_SIMM_VERSIONS, computeSimm, loadSimmParameters, SIMM_MPORS, type SimmMpor, type SimmNode, type SimmResult, type SimmVersion } from '../../risk/simm/index.js';
import type { CliIo } from '../cli-io.js';
import { withFlagNames } from '../field-flags.js';
import { formatAmount, formatTable } from '../format-table.js';

/** The version and margin period of risk used when the flags are left out: the current bundled calibration, 10 days. */
export const DEFAULT_SIMM_VERSION = '2.6';
export const DEFAULT_SIMM_MPOR = '10d';

/** The one line every SIMM figure carries (docs/models/simm.md "Licence"). */
export function simmLicenceLine(version: string): string {
  return `Figures use the ISDA SIMM v${version} parameters; commercial use of ISDA SIMM is licensed by ISDA.`;
}

/** The parameters' own fields, as flags of this command (loadSimmParameters names `version` and `mpor`). */
const SIMM_FLAGS: Readonly<Record<string, string>> = { version: '--version', mpor: '--mpor' };

/**
 * loadSimmParameters serves the HTTP API too, so its errors name the field (`mpor: … "2d" …`). The flags are this
 * command's own map, not FIELD_FLAGS (field-flags.ts), which applies to every command: `version` is a field of other
 * inputs (parameter sets) where `--version` would be the wrong flag.
 */
function simmParameters(version: string, mpor: string) {
  try {
    // The strings are checked by loadSimmParameters itself, which refuses any other value naming the field.
    return loadSimmParameters(version as SimmVersion, mpor as SimmMpor);
  } catch (error) {
    throw withFlagNames(toCrossmarginError(error), SIMM_FLAGS);
  }
}

/** A node's share of the total, as a percentage with one decimal ('-' when the total is zero: nothing to share). */
function share(amount: number, total: number): string {
  return total === 0 ? '-' : `${((100 * amount) / total).toFixed(1)}%`;
}

/** A node's label: numbered buckets read `bucket 11` (IR buckets are currencies, others `Residual`: left as they are). */
function label(node: SimmNode): string {
  return node.level === 'bucket' && /^\d+$/.test(node.name) ? `bucket ${node.name}` : node.name;
}

/** The tree depth-first, each node with its depth, in the order computeSimm gives (RatesFX, Credit, Equity, Commodity, AddOn). */
function flatten(node: SimmNode, depth = 0): { node: SimmNode; depth: number }[] {
  return [{ node, depth }, ...node.children.flatMap((c) => flatten(c, depth + 1))];
}

/**
 * The SIMM tree as an indented table: each node's margin (USD) and its share of the total, so the lines that drive the
 * figure stand out. Below a product class, margins combine through correlations (square roots of sums), so children
 * need not add up to their parent; the footnote says so, as a reader would otherwise look for the missing part.
 */
export function formatSimmResult(result: SimmResult, info: { source: string; rows: number; version: string; mpor: string }): string {
  const lines = flatten(result.tree);
  const table = formatTable(
    ['node', 'level', `margin (${result.currency})`, 'share of total'],
    lines.map(({ node, depth }) => [`${'  '.repeat(depth)}${label(node)}`, node.level, formatAmount(node.amount, result.currency), share(node.amount, result.total)]),
  );
  return [
    `ISDA SIMM v${info.version}, ${info.mpor === '1d' ? '1-day' : '10-day'} margin period of risk`,
    `CRIF               ${info.source} (${info.rows} rows)`,
    `Initial margin     ${formatAmount(result.total, result.currency)} ${result.currency}`,
    '',
    table,
    'Product classes add up to the total (with add-ons); below them, margins combine through correlations and need not add up.',
    simmLicenceLine(info.version),
    '',
  ].join('\n');
}

interface SimmOptions {
  crif: string;
  version: string;
  mpor: string;
  json?: boolean;
}

export function registerSimmCommand(program: Command, io: CliIo): void {
  program
    .command('simm')
    .description('ISDA SIMM initial margin of a CRIF file, explained: total → product class → risk class → margin type → bucket')
    .requiredOption('--crif <file>', 'CRIF file, CSV or TSV (docs/crif-format.md)')
    .option('--version <version>', `ISDA SIMM version of the parameters (bundled: ${BUNDLED_SIMM_VERSIONS.join(', ')})`, DEFAULT_SIMM_VERSION)
    .option('--mpor <period>', `margin period of risk: ${SIMM_MPORS.join(' or ')}`, DEFAULT_SIMM_MPOR)
    .option('--json', 'print the result as JSON: {total, tree, currency, version, mpor, rows}')
    .addHelpText(
      'after',
      '\nExamples:\n  crossmargin simm --crif samples/crif/crif-sample.csv\n  crossmargin simm --crif samples/crif/crif-sample.csv --mpor 1d --json\n\n' +
        'The method and its parameters: docs/models/simm.md. ISDA SIMM is ISDA\'s: commercial use of it is licensed by ISDA.',
    )
    .action((opts: SimmOptions) => {
      // Parameters first: a bad --version or --mpor is reported before the file is read.
      const parameters = simmParameters(opts.version, opts.mpor);
      const rows = readCrifFile(opts.crif);
      const result = computeSimm(rows, parameters);
      if (opts.json === true) {
        io.out(`${JSON.stringify({ ...result, version: parameters.version, mpor: parameters.mpor, rows: rows.length, licence: simmLicenceLine(parameters.version) }, undefined, 2)}\n`);
        return;
      }
      io.out(formatSimmResult(result, { source: opts.crif, rows: rows.length, version: parameters.version, mpor: parameters.mpor }));
    });
}
