#!/usr/bin/env node
// `npm run docs:generate`: rewrites the generated blocks of the docs (parameter tables of docs/models/<id>.md, the
// VaR family's shared parameters, the model list and error table of docs/architecture.md) from the params schemas
// and the error catalogue (src/cli/generated-docs.ts). `--check` writes nothing and exits 1 when a file is stale,
// as test/generated-docs.test.ts does. The TypeScript sources are loaded through Vite's module runner, so no build is
// needed.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');
const { module } = await runnerImport(`${root}src/cli/generated-docs.ts`, { root, configFile: false, logLevel: 'warn' });
const read = (path) => readFileSync(`${root}${path}`, 'utf8');
const stale = [];
for (const { path, content } of module.regenerateDocs(read)) {
  if (read(path) === content) continue;
  stale.push(path);
  if (!check) writeFileSync(`${root}${path}`, content);
}
if (check && stale.length > 0) {
  console.error(`stale generated docs (run npm run docs:generate): ${stale.join(', ')}`);
  process.exit(1);
}
console.log(stale.length === 0 ? 'generated docs are up to date' : `${check ? 'stale' : 'rewrote'}: ${stale.join(', ')}`);
