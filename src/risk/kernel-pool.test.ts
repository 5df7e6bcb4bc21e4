import { existsSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../core/seeded-random.js';
import { buildBook, type BookEntry } from '../portfolio/book.js';
import { aggregateTailMeasures, aggregateTailMeasuresScratchLength } from './aggregate-tail-measures.js';
import { FAILED, NEXT, chunkRunner, makeMeasureJob, takeChunks } from './kernel-job.js';
import { aggregateParallel, aggregateTailMeasuresParallel, checkThreads, defaultThreads, finishJob, revalueParallel, tailMeasuresRowsParallel } from './kernel-pool.js';
import { tailMeasures, tailMeasuresScratchLength, tailShape } from './tail-measures.js';
import { discardPoolMemory, poolMemory } from '../numerics/wasm-shared-kernels.js';
import { aggregateKernel } from '../portfolio/aggregate-kernel.js';
import { KIND_CALL, KIND_DELTA_ONE, KIND_PUT, type RevaluationPlan } from '../revaluation/revaluation-plan.js';
import { revalueKernelFast, revaluationScratchLength } from '../revaluation/revalue-kernel-fast.js';
import type { ScenarioSet } from '../scenarios/scenario-set.js';

function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function randomCase(seed: number, rows: number, instruments: number, n: number) {
  const next = mulberry32(seed);
  const pnl = new Float64Array(instruments * n).map(() => (next() - 0.5) * 100);
  const entries: BookEntry[] = [];
  for (let r = 0; r < rows; r++) {
    const width = Math.floor(next() * 22);
    for (let p = 0; p < width; p++) entries.push({ row: r, instrument: Math.floor(next() * instruments), weight: Math.round((next() - 0.5) * 20) || 1 });
  }
  return { pnl, book: buildBook(rows, entries) };
}

function reference(book: ReturnType<typeof buildBook>, pnl: Float64Array, n: number, varAlpha: number, esAlpha: number): Float64Array {
  const ref = new Float64Array(3 * book.rowCount);
  aggregateTailMeasures(book, pnl, n, varAlpha, esAlpha, new Float64Array(aggregateTailMeasuresScratchLength(n)), ref);
  return ref;
}

/** A W1-like plan: options (and a few delta-one rows, linear and inverse) on 3 underlyings, random scenarios. */
function randomRevaluation(seed: number, instruments: number, n: number): { plan: RevaluationPlan; set: ScenarioSet } {
  const next = mulberry32(seed);
  const kind = Int32Array.from({ length: instruments }, (_, i) => (i % 7 === 0 ? KIND_DELTA_ONE : next() < 0.5 ? KIND_CALL : KIND_PUT));
  const reference = Float64Array.from({ length: instruments }, () => 100 + next() * 900);
  const plan: RevaluationPlan = {
    instrumentCount: instruments,
    kind,
    inverse: Int32Array.from({ length: instruments }, (_, i) => (i % 5 === 0 ? 1 : 0)),
    underlyingIndex: Int32Array.from({ length: instruments }, (_, i) => i % 3),
    reference,
    strike: reference.map((f) => f * (0.6 + 0.8 * next())),
    tau: Float64Array.from({ length: instruments }, () => 0.02 + next()),
    rate: new Float64Array(instruments).fill(0.03),
    vol: Float64Array.from({ length: instruments }, () => 0.2 + next()),
    multiplier: new Float64Array(instruments).fill(1),
    baseValue: new Float64Array(instruments),
  };
  const set: ScenarioSet = {
    count: n,
    underlyings: ['A', 'B', 'C'],
    ids: Array.from({ length: n }, (_, s) => String(s)),
    labels: Array.from({ length: n }, (_, s) => `s${s}`),
    priceMove: Float64Array.from({ length: 3 * n }, () => (next() - 0.5) * 0.6),
    volShift: Float64Array.from({ length: 3 * n }, () => (next() - 0.4) * 0.3),
    volShiftMode: 'absolute',
    timeStep: new Float64Array(n),
    weight: new Float64Array(n).fill(1),
  };
  return { plan, set };
}

function rowsReference(matrix: Float64Array, rows: number, n: number): Float64Array {
  const out = new Float64Array(3 * rows);
  const scratch = new Float64Array(tailMeasuresScratchLength(n));
  for (let r = 0; r < rows; r++) tailMeasures(matrix, r * n, n, 0.99, 0.975, scratch, out, 3 * r);
  return out;
}

function revalueReference(plan: RevaluationPlan, set: ScenarioSet): Float64Array {
  const out = new Float64Array(plan.instrumentCount * set.count);
  revalueKernelFast(plan, set, out, new Float64Array(revaluationScratchLength(set)));
  return out;
}

describe('the kernel thread pool (fused aggregate-and-measure, aggregation, revaluation)', () => {
  it('equals the TypeScript fused kernel bit for bit, whatever the thread count (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 300 }), fc.constantFrom(1, 2, 3, 8), (seed, rows, n, threads) => {
        const { pnl, book } = randomCase(seed, rows, 12, n);
        const run = aggregateTailMeasuresParallel(book, pnl, n, 0.99, 0.975, { threads });
        expect(sameBits(run.out, reference(book, pnl, n, 0.99, 0.975))).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('aggregation, row measures and revaluation on the pool equal their kernels bit for bit, whatever the thread count (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 120 }), fc.constantFrom(1, 2, 3), (seed, items, n, threads) => {
        const { pnl, book } = randomCase(seed, items, 9, n);
        const ref = new Float64Array(items * n);
        aggregateKernel(book, pnl, n, ref);
        const aggregated = aggregateParallel(book, pnl, n, { threads });
        expect(sameBits(aggregated.out, ref)).toBe(true);
        const measured = rowsReference(ref, items, n);
        // The aggregation's output (a view of the pool memory, valid until another input is laid out there) measured
        // in place, again and again: the row jobs are laid out after it and never overwrite it.
        for (let again = 0; again < 3; again++) expect(sameBits(tailMeasuresRowsParallel(aggregated.out, items, n, 0.99, 0.975, { threads }).out, measured)).toBe(true);
        expect(sameBits(aggregated.out, ref)).toBe(true);
        expect(sameBits(tailMeasuresRowsParallel(ref, items, n, 0.99, 0.975, { threads }).out, measured)).toBe(true);
        const { plan, set } = randomRevaluation(seed, items, n);
        expect(sameBits(revalueParallel(plan, set, { threads }).out, revalueReference(plan, set))).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('a worker that dies holding a chunk is taken over: this thread computes what is not done', () => {
    const n = 250;
    const { pnl, book } = randomCase(7, 300, 10, n);
    const job = makeMeasureJob(book, pnl, n, 0.975, 0.975, tailShape(0.975, 0.975, n), 16);
    // A "worker" takes chunk 0 and never finishes it.
    const taken = Atomics.add(job.control, NEXT, 1);
    Atomics.store(job.state, taken, 1);
    const runner = chunkRunner(job);
    const here = takeChunks(job, runner);
    expect(here).toBe(job.chunks - 1);
    let tookOver = false;
    const more = finishJob(job, runner, 20, () => {
      tookOver = true;
    });
    expect(tookOver).toBe(true);
    expect(more).toBe(1);
    expect(sameBits(job.out, reference(book, pnl, n, 0.975, 0.975))).toBe(true);
  });

  it('after a take-over, later jobs are laid out in a fresh pool memory (a late write of a stalled worker lands nowhere)', () => {
    const before = poolMemory();
    expect(before).toBeDefined();
    discardPoolMemory();
    const after = poolMemory();
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(after!.memory).not.toBe(before!.memory);
    const { pnl, book } = randomCase(3, 50, 5, 64);
    expect(sameBits(aggregateTailMeasuresParallel(book, pnl, 64, 0.99, 0.975, { threads: 1 }).out, reference(book, pnl, 64, 0.99, 0.975))).toBe(true);
  });

  it('a worker that reports a failure is taken over at once', () => {
    const n = 100;
    const { pnl, book } = randomCase(9, 100, 6, n);
    const job = makeMeasureJob(book, pnl, n, 0.99, 0.99, tailShape(0.99, 0.99, n), 16);
    Atomics.store(job.control, NEXT, job.chunks); // every chunk "taken" by workers that then failed
    Atomics.store(job.control, FAILED, 1);
    const more = finishJob(job, chunkRunner(job), 60_000, () => undefined);
    expect(more).toBe(job.chunks);
    expect(sameBits(job.out, reference(book, pnl, n, 0.99, 0.99))).toBe(true);
  });

  it('validates the thread count and CROSSMARGIN_THREADS', () => {
    expect(checkThreads(4)).toBe(4);
    for (const bad of [0, -1, 2.5, 257, Number.NaN]) expect(() => checkThreads(bad)).toThrow(expect.objectContaining({ code: 'USAGE_INVALID', field: 'threads' }));
    const saved = process.env.CROSSMARGIN_THREADS;
    try {
      process.env.CROSSMARGIN_THREADS = '3';
      expect(defaultThreads()).toBe(3);
      process.env.CROSSMARGIN_THREADS = 'many';
      expect(() => defaultThreads()).toThrow(expect.objectContaining({ code: 'USAGE_INVALID', field: 'CROSSMARGIN_THREADS' }));
      delete process.env.CROSSMARGIN_THREADS;
      expect(defaultThreads()).toBeGreaterThanOrEqual(1);
    } finally {
      if (saved === undefined) delete process.env.CROSSMARGIN_THREADS;
      else process.env.CROSSMARGIN_THREADS = saved;
    }
  });

  // The compiled build (npm test compiles to dist/ first) has the `.js` worker: run real worker threads there.
  const here = fileURLToPath(new URL('.', import.meta.url));
  const dist = here.replace(/\/src\/risk\/$/, '/dist/src/risk/');
  const modules = ['kernel-pool', 'kernel-job', 'kernel-worker', 'aggregate-tail-measures', '../revaluation/revalue-kernel-fast'];
  const fresh = dist !== here && modules.every((m) => existsSync(`${dist}${m}.js`) && statSync(`${dist}${m}.js`).mtimeMs >= statSync(`${here}${m}.ts`).mtimeMs);
  it.skipIf(!fresh)('compiled build: 1, 2 and 3 real worker threads give the same bits as the references (all three kernels)', async () => {
    const compiled = (await import(pathToFileURL(`${dist}kernel-pool.js`).href)) as typeof import('./kernel-pool.js');
    const n = 1000;
    const { pnl, book } = randomCase(20261207, 3000, 40, n);
    const ref = reference(book, pnl, n, 0.99, 0.975);
    const rows = new Float64Array(book.rowCount * n);
    aggregateKernel(book, pnl, n, rows);
    const { plan, set } = randomRevaluation(11, 1500, 800);
    const matrix = revalueReference(plan, set);
    for (const threads of [1, 2, 3]) {
      const run = compiled.aggregateTailMeasuresParallel(book, pnl, n, 0.99, 0.975, { threads });
      expect(run.threads).toBe(threads);
      expect(sameBits(run.out, ref)).toBe(true);
      const aggregated = compiled.aggregateParallel(book, pnl, n, { threads });
      expect(aggregated.threads).toBe(threads);
      expect(sameBits(aggregated.out, rows)).toBe(true);
      const measured = compiled.tailMeasuresRowsParallel(rows, book.rowCount, n, 0.99, 0.975, { threads });
      expect(measured.threads).toBe(threads);
      expect(sameBits(measured.out, rowsReference(rows, book.rowCount, n))).toBe(true);
      const revalued = compiled.revalueParallel(plan, set, { threads });
      expect(revalued.threads).toBe(threads);
      expect(sameBits(revalued.out, matrix)).toBe(true);
    }
  });
});
