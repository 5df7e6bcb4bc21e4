import type { Command } from 'commander';
import { z } from 'zod';
import { ModelParameterSetSchema } from '../../calibration/parameter-set-file.js';
import { ParameterSetSchema } from '../../calibration/parameter-set.js';
import { CrossmarginError } from '../../core/errors.js';
import { InstrumentSpecInputSchema } from '../../instruments/instrument-spec.js';
import { MarketSnapshotSchema } from '../../market/market-snapshot-schema.js';
import { MarketUpdateSchema } from '../../market/market-update.js';
import { getModel } from '../../models/model-registry.js';
import { OrderInputSchema, PortfolioFileSchema, PositionInputSchema } from '../../portfolio/portfolio-schema.js';
import type { CliIo } from '../cli-io.js';

/*
 * The portfolio schema leaves an inline instrument an open object because the instruments layer validates it (so
 * its errors name the exact spec field); the published schema spells the spec out, from the same zod schema.
 */
const instrument = z.union([z.string().min(1), InstrumentSpecInputSchema]);
const PublishedPortfolioSchema = PortfolioFileSchema.extend({
  positions: z.array(PositionInputSchema.extend({ instrument })),
  openOrders: z.array(OrderInputSchema.extend({ instrument })).optional(),
});

interface FileType {
  readonly name: string;
  readonly description: string;
  /** The zod schema; `model` only for params, whose schema is the model's. */
  schema(model: string | undefined): z.ZodType;
}

export const FILE_TYPES: readonly FileType[] = [
  { name: 'portfolio', description: 'portfolio file (--portfolio; POST /accounts): docs/portfolio-format.md', schema: () => PublishedPortfolioSchema },
  { name: 'market', description: 'market snapshot file (--market): docs/market-data.md', schema: () => MarketSnapshotSchema },
  { name: 'market-update', description: 'partial market update (POST /market): docs/service.md "Market input"', schema: () => MarketUpdateSchema },
  {
    name: 'params',
    description: 'model parameters file (--params) of --model <id>: docs/models/<id>.md',
    schema: (model) => {
      if (model === undefined) throw new CrossmarginError('USAGE_INVALID', 'schema params needs --model <id> (see `crossmargin models`)', { field: '--model' });
      return getModel(model).paramsSchema;
    },
  },
  {
    name: 'param-set',
    description: 'parameter set (--param-set; POST /parameter-sets): calibrate\'s output or {model, version, params}: docs/calibration.md',
    schema: () => z.union([ParameterSetSchema, ModelParameterSetSchema]),
  },
];

/** JSON Schema (draft 2020-12) of a file as written: defaults are optional, refinements the engine still checks. */
export function fileJsonSchema(name: string, model?: string): Record<string, unknown> {
  const type = FILE_TYPES.find((t) => t.name === name);
  if (type === undefined) {
    throw new CrossmarginError('USAGE_INVALID', `<name>: unknown file type "${name}"; known: ${FILE_TYPES.map((t) => t.name).join(', ')}`, {
      field: '<name>',
      details: { known: FILE_TYPES.map((t) => t.name) },
    });
  }
  const schema = z.toJSONSchema(type.schema(model), { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: `crossmargin ${name}${name === 'params' && model !== undefined ? ` (${model})` : ''}`, description: type.description };
}

const listing = (): string => FILE_TYPES.map((t) => `  ${t.name.padEnd(14)}${t.description}`).join('\n');

export function registerSchemaCommand(program: Command, io: CliIo): void {
  program
    .command('schema')
    .description('print the JSON Schema of an input file type (generated from the schemas the engine validates with)')
    .argument('[name]', `file type: ${FILE_TYPES.map((t) => t.name).join(' | ')}`)
    .option('--model <id>', 'the model whose parameters `schema params` describes')
    .option('--list', 'list the file types')
    .addHelpText('after', `\nFile types:\n${listing()}\n\nExamples:\n  crossmargin schema portfolio > portfolio.schema.json\n  crossmargin schema params --model span`)
    .action((name: string | undefined, opts: { model?: string; list?: boolean }) => {
      if (opts.list === true) {
        io.out(`${listing()}\n`);
        return;
      }
      if (name === undefined) throw new CrossmarginError('USAGE_INVALID', `<name>: name a file type (${FILE_TYPES.map((t) => t.name).join(', ')}) or give --list`, { field: '<name>' });
      io.out(`${JSON.stringify(fileJsonSchema(name, opts.model), undefined, 2)}\n`);
    });
}
