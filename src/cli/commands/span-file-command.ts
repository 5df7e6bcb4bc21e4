import type { Command } from 'commander';
import { loadSpanFile } from '../../models/span/load-span-file.js';
import { SpanFileSchema } from '../../models/span/span-file-schema.js';
import { parseWithSchema } from '../../core/validate.js';
import type { CliIo } from '../cli-io.js';
import { formatTable } from '../format-table.js';
import { readSpanFileOption } from '../span-file-option.js';

/** Contract rows can number hundreds of thousands: widths are computed with a loop, not a spread into Math.max. */
function formatLongTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h) => h.length);
  for (const r of rows) r.forEach((cell, c) => (widths[c] = Math.max(widths[c] ?? 0, cell.length)));
  const line = (cells: readonly string[]): string => cells.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd();
  const out = [line(headers), line(widths.map((w) => '-'.repeat(w)))];
  for (const r of rows) out.push(line(r));
  return `${out.join('\n')}\n`;
}

export function registerSpanFileCommand(program: Command, io: CliIo): void {
  const spanFile = program
    .command('span-file')
    .description("read exchanges' SPAN risk-parameter files (CME XML .spn, CME positional .pa2, or the engine's JSON)")
    .addHelpText('after', '\nExample:\n  crossmargin span-file inspect samples/span/mcmillan.pa2');

  spanFile
    .command('inspect')
    .description('list the exchanges, combined commodities and contracts of a SPAN file, and what could not be mapped')
    .argument('<file>', 'the SPAN file (.spn, .pa2 or .json; docs/span-import.md)')
    .option('--json', 'print the listing as JSON')
    .addHelpText('after', '\nExamples:\n  crossmargin span-file inspect samples/span/mcmillan.spn\n  crossmargin span-file inspect samples/span/mcmillan.pa2 --json')
    .action(async (path: string, opts: { json?: boolean }) => {
      const imported = await readSpanFileOption(path, io);
      // Validated exactly as `margin --span-file` would, so a file that inspects cleanly also margins.
      const file = parseWithSchema(SpanFileSchema, imported.document, path, 'MODEL_PARAMS_INVALID');
      loadSpanFile(imported.document, path);
      const { report } = imported;
      const combinedCommodities = file.combinedCommodities.map((c) => ({
        cc: c.cc,
        currency: c.currency,
        contracts: c.contracts.length,
        futures: c.contracts.filter((k) => k.kind === 'future').length,
        options: c.contracts.filter((k) => k.kind === 'option').length,
        physicals: c.contracts.filter((k) => k.kind === 'physical').length,
        wfprMethod: c.wfprMethod,
        scanTiers: c.scanTiers.length,
        intraTiers: c.intraTiers.length,
        interTiers: c.interTiers.length,
        intraSpreads: c.intraSpreads.length,
        deliveryMonths: c.deliveryRates.map((d) => d.period),
        somRate: c.somRate,
      }));
      const contracts = file.combinedCommodities.flatMap((c) =>
        c.contracts.map((k) => ({
          symbol: k.symbol,
          cc: c.cc,
          kind: k.kind,
          ...(k.right === undefined ? {} : { right: k.right }),
          ...(k.strike === undefined ? {} : { strike: k.strike }),
          period: k.period,
          price: k.price,
          cvf: k.cvf,
          delta: k.ra.d * k.deltaScalingFactor,
        })),
      );
      const listing = {
        file: path,
        format: report.format,
        exchangeComplex: file.exchangeComplex,
        businessDate: file.businessDate,
        records: report.records,
        exchanges: report.exchanges,
        combinedCommodities,
        interSpreads: file.interSpreads.length,
        contracts,
        unmapped: report.unmapped,
        fx: report.fx,
      };
      if (opts.json === true) {
        io.out(`${JSON.stringify(listing, undefined, 2)}\n`);
        return;
      }
      const summary = [
        `File                ${path} (${report.format})`,
        `Exchange complex    ${file.exchangeComplex}`,
        `Business date       ${file.businessDate}`,
        `Exchanges           ${report.exchanges.length === 0 ? '-' : report.exchanges.join(', ')}`,
        `Records read        ${report.records}`,
        `Inter spreads       ${file.interSpreads.length}`,
        ...(Object.keys(report.fx).length === 0 ? [] : [`FX (USD per unit)   ${Object.entries(report.fx).map(([c, v]) => `${c} ${v}`).join(', ')}`]),
      ].join('\n');
      const ccTable = formatTable(
        ['cc', 'currency', 'futures', 'options', 'physicals', 'scan tiers', 'intra tiers', 'inter tiers', 'intra spreads', 'delivery months', 'SOM rate'],
        combinedCommodities.map((c) => [
          c.cc,
          c.currency,
          String(c.futures),
          String(c.options),
          String(c.physicals),
          String(c.scanTiers),
          String(c.intraTiers),
          String(c.interTiers),
          String(c.intraSpreads),
          c.deliveryMonths.length === 0 ? '-' : c.deliveryMonths.join(' '),
          String(c.somRate),
        ]),
      );
      const contractTable = formatLongTable(
        ['symbol', 'cc', 'kind', 'period', 'price', 'cvf', 'delta'],
        contracts.map((k) => [k.symbol, k.cc, k.kind, k.period, String(k.price), String(k.cvf), String(k.delta)]),
      );
      const unmapped =
        report.unmapped.length === 0
          ? 'Everything read was mapped.\n'
          : `Not mapped:\n${formatLongTable(['item', 'count', 'reason'], report.unmapped.map((u) => [u.item, String(u.count), u.reason]))}`;
      io.out(`${summary}\n\n${ccTable}\n${contractTable}\n${unmapped}`);
    });
}
