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

// Each source is built twice: over its own memory (one thread), and over an imported shared memory for the kernel
// pool's threads (`-shared`: every thread's instance reads and writes one SharedArrayBuffer-backed memory).
const builds = [
  { name: 'risk-kernels', source: 'risk-kernels', extra: ['--initialMemory', '2'] }, // page 0 holds AssemblyScript's statics; callers' arrays start at 64 KiB and grow it
  {
    name: 'risk-kernels-shared',
    source: 'risk-kernels',
    extra: ['--enable', 'threads', '--importMemory', '--sharedMemory', '--initialMemory', '2', '--maximumMemory', '65536'],
  },
];
for (const { name, source: sourceName, extra } of builds) {
  const source = join('src', 'numerics', 'wasm', `${sourceName}.ts`);
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
      ...extra,
    ],
    { stdout: process.stdout, stderr: process.stderr, cwd: root },
  );
  if (error) {
    process.stderr.write(`build-wasm: ${name}: ${error.message}\n${stderr.toString()}\n`);
    process.exit(1);
  }
  process.stderr.write(`build-wasm: ${target}\n`);
}
