import type { Command } from 'commander';
import { FIDELITY_FOOTNOTES, FIDELITY_TAGS, modelFidelity } from '../../models/model-fidelity.js';
import { MODELS } from '../../models/model-registry.js';
import { modelParameterDocs } from '../../models/parameter-docs.js';
import type { CliIo } from '../cli-io.js';

export function registerModelsCommand(program: Command, io: CliIo): void {
  program
    .command('models')
    .description('list the margin models with a one-line description and their parameters')
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) => {
      const list = MODELS.map((m) => ({ id: m.id, description: m.description, fidelity: modelFidelity(m.id), parameters: modelParameterDocs(m) }));
      if (opts.json === true) {
        io.out(`${JSON.stringify(list, undefined, 2)}\n`);
        return;
      }
      const text = list
        .map((m) => {
          const width = Math.max(...m.parameters.map((p) => p.name.length));
          const params = m.parameters.map((p) => `    ${p.name.padEnd(width)}  ${p.description} (default ${p.default})`);
          const tag = FIDELITY_TAGS[m.fidelity.level];
          return [`${m.id}${tag === '' ? '' : ` [${tag}]`}  ${m.description}`, `    exactness: ${m.fidelity.level} — ${m.fidelity.note}`, ...params].join('\n');
        })
        .join('\n\n');
      const tags = Object.values(FIDELITY_FOOTNOTES).map((n) => `  ${n}`);
      io.out(`${text}\n\nTags:\n${tags.join('\n')}\n\nParameters go in a JSON file passed with --params; see docs/models/<id>.md.\n`);
    });
}
