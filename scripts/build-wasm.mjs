#!/usr/bin/env node
// Builds the WebAssembly SIMD kernels from their AssemblyScript sources (src/numerics/wasm/*.ts) into dist/wasm/.
// Run by `npm run build`; the .wasm files are build outputs (dist/ is not committed). The engine loads them through
// src/numerics/wasm-risk-kernels.ts and falls back to the TypeScript kernels when a file is missing.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'wasm');
mkdirSync(outDir, { recursive: true });

const modules = ['risk-kernels'];
for (const name of modules) {
  const source = join('src', 'numerics', 'wasm', `${name}.ts`);
  const target = join('dist', 'wasm', `${name}.wasm`);
  const { error, stderr } = await asc.main(
    [
      source,
      '--outFile', target,
      '--optimizeLevel', '3',
      '--shrinkLevel', '0',
      '--noAssert',
      '--runtime', 'stub', // the kernels never allocate: no garbage collector
      '--enable', 'simd',
      '--initialMemory', '2', // page 0 holds AssemblyScript's statics; callers' arrays start at 64 KiB and grow it
    ],
    { stdout: process.stdout, stderr: process.stderr, cwd: root },
  );
  if (error) {
    process.stderr.write(`build-wasm: ${name}: ${error.message}\n${stderr.toString()}\n`);
    process.exit(1);
  }
  process.stderr.write(`build-wasm: ${target}\n`);
}
