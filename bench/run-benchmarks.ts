/**
 * `npm run bench`: runs every benchmark and prints one JSON document on stdout (progress goes to stderr) and writes
 * it to bench-results.json.
 * Figures are wall-clock on this machine; the `machine` block says which.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { benchAggregation } from './aggregation.bench.js';
import type { BenchResult } from './bench-result.js';
import { benchBlack76 } from './black76.bench.js';
import { benchRevaluation } from './revaluation.bench.js';
import { benchSpan } from './span.bench.js';
import { benchFhsEs, benchMcEs } from './var.bench.js';
import { benchFhsEs100k } from './fhs-es-100k.bench.js';
import { benchBacktest } from './backtest.bench.js';
import { benchLiveEngine } from './live-engine.bench.js';
import { benchServiceLoad } from './service-load.bench.js';
import { benchCascade } from './cascade.bench.js';
import { benchServiceFuzz } from './service-fuzz.bench.js';
import { benchApiKeyVerify } from './api-key-verify.bench.js';
import { benchPeerWorkloads } from './peer-workloads.bench.js';
import { benchCluster } from './cluster.bench.js';

const BENCHMARKS: readonly [string, () => Promise<BenchResult | BenchResult[]>][] = [
  ['black76-price', () => benchBlack76()],
  ['revaluation-kernel', () => benchRevaluation()],
  ['aggregation-kernel', () => benchAggregation()],
  ['span-computed-arrays', () => benchSpan()],
  ['mc-es-option-book', () => benchMcEs()],
  ['fhs-es-accounts', () => benchFhsEs()],
  ['fhs-es-100k', () => benchFhsEs100k()],
  ['backtest-10y-every-model', () => benchBacktest()],
  ['live-engine-10k-accounts', () => benchLiveEngine({ whatIfs: 20_000 })],
  ['live-engine-100k', () => benchLiveEngine({ accounts: 100_000, updates: 12, whatIfs: 20_000, name: 'live-engine-100k' })],
  ['live-engine-100k-fhs-es', () => benchLiveEngine({ accounts: 100_000, updates: 8, whatIfs: 5_000, model: 'fhs-es', name: 'live-engine-100k-fhs-es' })],
  ['service-load-http', () => benchServiceLoad()],
  ['cascade-100k-accounts-20-rounds', () => benchCascade()],
  ['service-fuzz-inject', () => benchServiceFuzz()],
  ['api-key-verify', () => benchApiKeyVerify()],
  ['peer-workloads', () => benchPeerWorkloads()],
  ['cluster-jetstream', () => benchCluster()],
  ['cluster-jetstream-1m', () => benchCluster({ accounts: 1_000_000, trades: 10_000, workers: 4, partitions: 64, concurrency: 2_048, loadInFlight: 1_024, name: 'cluster-jetstream-1m' })],
];

// `npm run bench -- service-load-http live-engine-10k-accounts` runs only the named ones (all by default).
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !BENCHMARKS.some(([name]) => name === w));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map(([name]) => name).join(', ')}\n`);
  process.exit(2);
}
const selected = wanted.length === 0 ? BENCHMARKS : BENCHMARKS.filter(([name]) => wanted.includes(name));
const results: BenchResult[] = [];
for (const [i, [name, run]] of selected.entries()) {
  process.stderr.write(`[${i + 1}/${selected.length}] ${name} ...`);
  const started = performance.now();
  const out = await run();
  results.push(...(Array.isArray(out) ? out : [out]));
  process.stderr.write(` ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
const report = {
  date: new Date().toISOString(),
  machine: { node: process.version, platform: process.platform, arch: process.arch, cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), memoryGiB: totalmem() / 2 ** 30 },
  results,
};
const text = `${JSON.stringify(report, undefined, 2)}\n`;
// stdout carries only the JSON (use `npm run -s bench` to drop npm's own banner); a copy goes to bench-results.json.
writeFileSync('bench-results.json', text);
process.stderr.write('wrote bench-results.json\n');
process.stdout.write(text);
