import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFailures, formatSummary, fuzzService, type FuzzReport } from './fuzz/openapi-fuzzer.js';
import type { FindingKind } from './fuzz/oracles.js';
import { dropTestDatabases, TEST_BACKENDS } from './server-helpers.js';

/**
 * Issue 13: a bounded, seeded fuzz of every route of the OpenAPI document (test/fuzz/openapi-fuzzer.ts). One run per
 * backend in beforeAll; each `it` asserts one property over all of its answers and, on failure, prints the seed, the
 * failing requests (method, url, body, mutations) and the answers.
 *
 *   FUZZ_SEED=7 FUZZ_REQUESTS=2500 npx vitest run test/server-fuzz.test.ts
 *
 * Longer runs: `npm run build && node scripts/fuzz-service.mjs --requests 50000 --seed 7`.
 */

const envInt = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? Number.NaN : Number(raw);
  return Number.isSafeInteger(n) && n >= 1 ? n : fallback;
};

const SEED = envInt('FUZZ_SEED', 13);
const REQUESTS = envInt('FUZZ_REQUESTS', 2_000);
/** PostgreSQL (CI) gets a shorter run: the request mix is the same, the backend-specific failures show early. */
const PG_REQUESTS = envInt('FUZZ_PG_REQUESTS', Math.min(REQUESTS, 500));

afterAll(async () => {
  await dropTestDatabases();
});

describe.each(TEST_BACKENDS)('service fuzz on $name', (backend) => {
  let report: FuzzReport;
  const requests = backend.name === 'sqlite' ? REQUESTS : PG_REQUESTS;

  beforeAll(async () => {
    report = await fuzzService({
      seed: SEED,
      requests,
      ...(backend.name === 'sqlite' ? {} : { newDb: () => backend.newDb() }),
    });
    console.log(`${backend.name}: ${formatSummary(report)}`);
  }, 600_000);

  const expectNo = (kinds: readonly FindingKind[]): void => {
    const failures = report.failures.filter((f) => kinds.includes(f.kind));
    expect(failures.length, `\n${formatFailures(report, kinds)}`).toBe(0);
  };

  it(`exercises every operation of the OpenAPI document (seed ${SEED}, ${requests} requests)`, () => {
    expect(report.requests).toBe(requests);
    expect(report.operations.length).toBeGreaterThan(10);
    const missing = report.operations.filter((op) => report.statuses[op] === undefined);
    expect(missing, 'operations never requested').toEqual([]);
  });

  it('builds a valid example of every operation (its unmutated example is answered 2xx)', () => {
    const refused = Object.entries(report.baseline).filter(([, status]) => status < 200 || status >= 300);
    expect(refused, `valid examples refused (update test/fuzz/service-dictionary.ts hints?):\n${refused.map(([op, s]) => `${op} → ${s}`).join('\n')}`).toEqual([]);
  });

  it('never answers 5xx', () => expectNo(['server-error']));
  it('answers every error with a coded body {code, message, field?, details?} from the catalogue', () => expectNo(['error-shape']));
  it('leaks no internals (stack traces, paths, database errors, raw internal messages)', () => expectNo(['leak']));
  it('changes nothing (store, audit, events, keys, engine margins) on a non-2xx answer', () => expectNo(['state-changed']));
  it('refuses requests the OpenAPI document does not allow', () => expectNo(['accepted-invalid']));
  it('refuses requests without a valid key or with a role that may not make them', () => expectNo(['accepted-unauthorised']));
  it('refuses expired or unknown instruments, unpriced currencies and absurd numbers', () => expectNo(['accepted-hostile']));
  it('answers 2xx with finite numbers, in the documented response shape', () => expectNo(['bad-success-body']));
  it('keeps serving the accounts and the market after every accepted change', () => expectNo(['broken-after-change']));
  it('answers the exact retry of an accepted trade or collateral change as before, changing nothing', () => expectNo(['not-idempotent']));
  it('keeps a store the engine can be restored from (a restart would work)', () => expectNo(['not-restorable']));
});
