import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { CrossmarginError } from '../../core/errors.js';
import { loadMarketSnapshot } from '../../market/load-market-snapshot.js';
import { parseMarketSnapshot, type MarketSnapshot } from '../../market/market-snapshot.js';
import { readJsonFile } from '../../market/read-input-file.js';
import type { SpanImport } from '../../models/span/import/import-span-file.js';
import { agreementRiskFiles, parseAgreement } from '../../agreement/agreement-schema.js';
import { computeAgreementMargin } from '../../agreement/compute-agreement-margin.js';
import { computeMargin } from '../../models/compute-margin.js';
import type { MarginResult } from '../../models/margin-result.js';
import { approximationsOf, hasApproximations, modelFidelity, resultFidelity, resultFidelityTag } from '../../models/model-fidelity.js';
import type { CliIo } from '../cli-io.js';
import { HISTORY_OPTION_HELP, historyLoader } from '../history-option.js';
import { PARAM_SET_OPTION_HELP, paramsForModel } from '../param-set-option.js';
import { formatAmount, formatTable } from '../format-table.js';
import { noteUnmapped, readSpanFileOption, SPAN_FILE_OPTION_HELP } from '../span-file-option.js';

/** "exact", or the tag and why ("placeholder — default perp tier ratios are placeholders…"); see model-fidelity.ts. */
function exactness(r: MarginResult): string {
  const f = modelFidelity(r.model);
  const tag = resultFidelityTag(r.model, hasApproximations(r));
  const approximations = hasApproximations(r) ? `; approximations: ${approximationsOf(r).join('; ')}` : '';
  return tag === '' ? 'exact' : `${tag} — ${f.note}${approximations}`;
}

/** Human-readable margin report: summary, components (with the scenario that set each), position contributions. */
export function formatMarginResult(r: MarginResult): string {
  const summary = [
    `Account             ${r.account ?? '-'}`,
    `Model               ${r.model}`,
    `Exactness           ${exactness(r)}`,
    `Initial margin      ${formatAmount(r.initialMargin, r.currency)} ${r.currency}`,
    `Maintenance margin  ${formatAmount(r.maintenanceMargin, r.currency)} ${r.currency}`,
  ];
  if (r.worstScenario !== undefined) {
    summary.push(`Worst scenario      #${r.worstScenario.id} ${r.worstScenario.label} (P&L ${formatAmount(r.worstScenario.pnl, r.currency)} ${r.currency})`);
  }
  const components = formatTable(
    ['component', 'group', `value (${r.currency})`, 'scenario'],
    r.components.map((c) => [c.name, c.group, formatAmount(c.value, r.currency), c.scenario === undefined ? '' : `#${c.scenario.id} ${c.scenario.label}`]),
  );
  const positions = formatTable(
    ['instrument', 'quantity', `contribution (${r.currency})`],
    r.positions.map((p) => [p.instrument, String(p.quantity), formatAmount(p.contribution, r.currency)]),
  );
  const spreads =
    r.spreads === undefined || r.spreads.length === 0
      ? ''
      : `\n${formatTable(
          ['spread', 'group', 'priority', 'count', 'legs (cc tier/period side: delta consumed)', `charge / credit (${r.currency})`],
          r.spreads.map((s) => [
            s.type,
            s.group,
            String(s.priority),
            String(Number(s.count.toPrecision(6))),
            s.legs.map((l) => `${l.cc} ${l.period ?? (l.tier === undefined ? '' : `t${l.tier}`)} ${l.side}: ${Number(l.deltaConsumed.toPrecision(6))}`).join('; '),
            s.charge !== undefined ? `+${formatAmount(s.charge, r.currency)}` : `−${formatAmount(s.credit ?? 0, r.currency)}`,
          ]),
        )}`;
  return `${summary.join('\n')}\n\n${components}\n${positions}${spreads}`;
}

interface MarginOptions {
  portfolio: string;
  market?: string;
  model?: string;
  params?: string;
  paramSet?: string;
  spanFile?: string;
  agreement?: string;
  history?: string;
  json?: boolean;
}

/**
 * The market: the given file, or — for a SPAN file, whose arrays need no prices — an empty one on its business date,
 * with the file's own currency conversion rates (pa2 Type T, XML curConv) when it has any.
 */
function marketFor(opts: MarginOptions, span: SpanImport | undefined): MarketSnapshot {
  if (opts.market !== undefined) return loadMarketSnapshot(opts.market);
  const date = (span?.document as { businessDate?: unknown } | undefined)?.businessDate;
  if (typeof date !== 'string') throw new CrossmarginError('USAGE_INVALID', '--market <file> is required (only a SPAN file with a businessDate can stand in for it)', { field: '--market' });
  const fx = span?.report.fx ?? {};
  return parseMarketSnapshot({ asOf: `${date}T00:00:00Z`, underlyings: {}, ...(Object.keys(fx).length === 0 ? {} : { fx }) }, opts.spanFile);
}

export function registerMarginCommand(program: Command, io: CliIo): void {
  program
    .command('margin')
    .description('margin of one portfolio under one model')
    .requiredOption('--portfolio <file>', 'portfolio JSON file (docs/portfolio-format.md; `crossmargin schema portfolio`)')
    .option('--market <file>', 'market snapshot JSON file (optional with --span-file: the file carries the arrays)')
    .option('--model <id>', 'margin model id (see `crossmargin models`)')
    .option('--params <file>', 'model parameters JSON file (defaults apply to anything omitted)')
    .option('--param-set <file>', PARAM_SET_OPTION_HELP)
    .option('--span-file <file>', SPAN_FILE_OPTION_HELP)
    .option('--agreement <file>', 'cross-margining agreement (docs/models/agreement.md): markets, models, eligible pairs, cap, a market\'s SPAN file (riskFile); replaces --model')
    .option('--history <files>', HISTORY_OPTION_HELP)
    .option('--json', 'print the MarginResult as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  crossmargin margin --portfolio samples/btc-options/portfolio.json \\\n    --market samples/btc-options/market.json --model scenario-grid\n' +
        '  crossmargin margin --model span --span-file docs/examples/span/mcmillan.span.json \\\n    --portfolio docs/examples/span/covered-write.portfolio.json\n' +
        '  crossmargin margin --model hs-var --history data/btc_usd_daily.csv \\\n    --portfolio samples/btc-options/portfolio.json --market samples/btc-options/market.json\n' +
        '  crossmargin margin --agreement docs/examples/agreement/agreement.json \\\n    --portfolio docs/examples/agreement/portfolio.json --market docs/examples/agreement/market.json',
    )
    .action(async (opts: MarginOptions) => {
      if (opts.agreement !== undefined) {
        if (opts.model !== undefined || opts.spanFile !== undefined || opts.paramSet !== undefined) {
          throw new CrossmarginError('USAGE_INVALID', '--agreement names its own models: drop --model/--span-file/--param-set', { field: '--agreement' });
        }
        const agreement = readJsonFile(opts.agreement);
        const riskParameters = await agreementRiskParameters(opts.agreement, agreement, io);
        const result = computeAgreementMargin({ document: readJsonFile(opts.portfolio), source: opts.portfolio }, marketFor(opts, undefined), agreement, {
          agreementSource: opts.agreement,
          riskParameters,
        });
        io.out(opts.json === true ? `${JSON.stringify({ ...result, fidelity: resultFidelity(result.model, result) }, undefined, 2)}\n` : formatMarginResult(result));
        return;
      }
      if (opts.model === undefined) throw new CrossmarginError('USAGE_INVALID', '--model <id> is required (see `crossmargin models`)', { field: '--model' });
      const span = opts.spanFile === undefined ? undefined : await readSpanFileOption(opts.spanFile, io);
      const market = marketFor(opts, span);
      const result = computeMargin({ document: readJsonFile(opts.portfolio), source: opts.portfolio }, market, opts.model, {
        ...paramsForModel(opts.model, opts.params, opts.paramSet),
        ...(opts.spanFile === undefined || span === undefined ? {} : { riskParameters: span.document, riskParametersSource: opts.spanFile }),
        historyLoader: historyLoader(opts.history),
      });
      if (opts.spanFile !== undefined && span !== undefined) noteUnmapped(opts.spanFile, span, io);
      io.out(opts.json === true ? `${JSON.stringify({ ...result, fidelity: resultFidelity(result.model, result) }, undefined, 2)}\n` : formatMarginResult(result));
    });
}

/**
 * The risk-parameter files an agreement's models name (`riskFile`, relative to the agreement file), read: a span
 * market's exchange file (.spn, .pa2) or JSON form through the SPAN importer, any other model's as JSON. Keyed by the
 * ref's path for computeAgreementMargin.
 */
async function agreementRiskParameters(agreementPath: string, agreement: unknown, io: CliIo): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const { path, file, model } of agreementRiskFiles(parseAgreement(agreement, agreementPath))) {
    const at = resolve(dirname(agreementPath), file);
    if (model === 'span') {
      const imported = await readSpanFileOption(at, io);
      noteUnmapped(at, imported, io);
      out[path] = imported.document;
    } else {
      out[path] = readJsonFile(at);
    }
  }
  return out;
}
