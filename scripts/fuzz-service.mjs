#!/usr/bin/env node
// Longer runs of the service fuzzer (issue 13) than the suite's test/server-fuzz.test.ts, on the compiled code:
//
//   npm run build && node scripts/fuzz-service.mjs --requests 50000 --seed 7
//
// Options: --requests N (default 50000), --seed S (default 7), --per-epoch N (requests per fresh server, default
// 500), --epoch E (run only epoch E: each epoch is a fresh server with its own random stream, so a failure reported
// in epoch E reproduces alone), --model ID (engine model, default isolated-simple), --max-failures N (stop early),
// --report FILE (the whole report as JSON), --classes N (failure classes printed, default 60), --trace (every request
// and its status on stderr).
// Exit code: 0 without failures, 1 with failures, 2 on bad usage or a missing build.
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// bench/service-fuzz.bench.ts imports the fuzzer, so `npm run build` (tsconfig.build.json: src, bench) compiles it here.
const fuzzer = join(root, 'dist', 'test', 'fuzz', 'openapi-fuzzer.js');

function usage(message) {
  process.stderr.write(`${message}\nusage: node scripts/fuzz-service.mjs [--requests N] [--seed S] [--per-epoch N] [--epoch E] [--trace] [--model ID] [--max-failures N] [--report FILE] [--classes N]\n`);
  process.exit(2);
}

const options = { requests: 50_000, seed: 7, perEpoch: 500, epoch: undefined, trace: false, model: undefined, maxFailures: undefined, report: undefined, classes: 60 };
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const flag = args[i];
  const value = args[i + 1];
  const int = () => {
    const n = Number(value);
    if (value === undefined || !Number.isSafeInteger(n) || n < 0) usage(`${flag} needs a non-negative integer, got ${value ?? '(nothing)'}`);
    i += 1;
    return n;
  };
  const text = () => {
    if (value === undefined || value.startsWith('--')) usage(`${flag} needs a value`);
    i += 1;
    return value;
  };
  switch (flag) {
    case '--requests':
      options.requests = int();
      break;
    case '--seed':
      options.seed = int();
      break;
    case '--per-epoch':
      options.perEpoch = Math.max(1, int());
      break;
    case '--epoch':
      options.epoch = int();
      break;
    case '--trace':
      options.trace = true;
      break;
    case '--model':
      options.model = text();
      break;
    case '--max-failures':
      options.maxFailures = Math.max(1, int());
      break;
    case '--report':
      options.report = text();
      break;
    case '--classes':
      options.classes = int();
      break;
    case '--help':
    case '-h':
      usage('Fuzzes every route of the service\'s OpenAPI document (test/fuzz/openapi-fuzzer.ts).');
      break;
    default:
      usage(`unknown option ${flag}`);
  }
}

if (!existsSync(fuzzer)) {
  process.stderr.write(`no compiled fuzzer at ${fuzzer}: run \`npm run build\` first (bench/service-fuzz.bench.ts pulls test/fuzz/ into the build)\n`);
  process.exit(2);
}
const { formatFailures, formatStatuses, formatSummary, fuzzService } = await import(pathToFileURL(fuzzer).href);

let lastShown = 0;
const started = Date.now();
const report = await fuzzService({
  seed: options.seed,
  requests: options.requests,
  requestsPerEpoch: options.perEpoch,
  ...(options.epoch === undefined ? {} : { onlyEpoch: options.epoch }),
  ...(options.trace
    ? {
        onAnswer: (index, r, status) =>
          process.stderr.write(`#${index} ${status} ${r.method} ${r.url} [${r.principal}]${r.body === undefined ? '' : ` ${r.body.slice(0, 300)}`}${r.mutations.length > 0 ? `   ← ${r.mutations.join(' | ').slice(0, 300)}` : ''}\n`),
      }
    : {}),
  ...(options.model === undefined ? {} : { model: options.model }),
  ...(options.maxFailures === undefined ? {} : { maxFailures: options.maxFailures }),
  onProgress: (done, total, failures) => {
    if (done - lastShown >= 1_000 || done === total) {
      lastShown = done;
      process.stderr.write(`  ${done}/${total} requests, ${failures} failures, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    }
  },
});

process.stdout.write(`${formatSummary(report)}\n\nanswers by operation:\n${formatStatuses(report)}\n\n`);
if (report.failures.length > 0) process.stdout.write(`${formatFailures(report, undefined, options.classes)}\n`);
if (options.report !== undefined) {
  writeFileSync(options.report, `${JSON.stringify(report, undefined, 2)}\n`);
  process.stderr.write(`wrote ${options.report}\n`);
}
process.exit(report.failures.length === 0 ? 0 : 1);
