/**
 * The service fuzzer (test/fuzz/openapi-fuzzer.ts, issue 13) as a benchmark: a seeded run of schema-driven mutated
 * requests over every route of the OpenAPI document, in-process (fastify inject), each answer checked and the state
 * digested around every refused request. Reports fuzzed requests per second; the failures found are reported as
 * figures (the suite's test/server-fuzz.test.ts is what fails on them). Importing it from bench/ is also what makes
 * `npm run build` compile test/fuzz/ into dist/test/fuzz/ for scripts/fuzz-service.mjs.
 */
import { failureClasses, fuzzService } from '../test/fuzz/openapi-fuzzer.js';
import type { BenchResult } from './bench-result.js';

export async function benchServiceFuzz(options: { requests?: number; seed?: number } = {}): Promise<BenchResult> {
  const requests = options.requests ?? 2_000;
  const seed = options.seed ?? 13;
  const report = await fuzzService({ seed, requests });
  return {
    name: 'service-fuzz-inject',
    workload: `${requests.toLocaleString('en-US')} fuzzed requests (seed ${seed}) over the ${report.operations.length} operations of the OpenAPI document, fastify inject, in-memory SQLite, fresh server every 500 requests; each answer checked, store and engine digested around every refused request, reads after every accepted change`,
    opsPerSecond: report.requests / (report.elapsedMs / 1000),
    meanMs: report.elapsedMs / report.requests,
    extra: { probes: report.probes, failures: report.failures.length, failureClasses: failureClasses(report.failures).length },
  };
}
