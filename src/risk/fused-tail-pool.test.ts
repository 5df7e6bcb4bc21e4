import { existsSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../core/seeded-random.js';
import { buildBook, type BookEntry } from '../portfolio/book.js';
import { aggregateTailMeasures, aggregateTailMeasuresScratchLength } from './aggregate-tail-measures.js';
import { FAILED, NEXT, chunkRunner, makeFusedTailJob, takeChunks } from './fused-tail-job.js';
import { aggregateTailMeasuresParallel, checkThreads, defaultThreads, finishJob } from './fused-tail-pool.js';
import { tailShape } from './tail-measures.js';

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

describe('the batch path thread pool (fused aggregate-and-measure kernel)', () => {
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

  it('a worker that dies holding a chunk is taken over: this thread computes what is not done', () => {
    const n = 250;
    const { pnl, book } = randomCase(7, 300, 10, n);
    const job = makeFusedTailJob(book, pnl, n, 0.975, 0.975, tailShape(0.975, 0.975, n), 16);
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

  it('a worker that reports a failure is taken over at once', () => {
    const n = 100;
    const { pnl, book } = randomCase(9, 100, 6, n);
    const job = makeFusedTailJob(book, pnl, n, 0.99, 0.99, tailShape(0.99, 0.99, n), 16);
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
  const modules = ['fused-tail-pool', 'fused-tail-job', 'fused-tail-worker', 'aggregate-tail-measures'];
  const fresh = dist !== here && modules.every((m) => existsSync(`${dist}${m}.js`) && statSync(`${dist}${m}.js`).mtimeMs >= statSync(`${here}${m}.ts`).mtimeMs);
  it.skipIf(!fresh)('compiled build: 1, 2 and 3 real worker threads give the same bits as the reference', async () => {
    const compiled = (await import(pathToFileURL(`${dist}fused-tail-pool.js`).href)) as typeof import('./fused-tail-pool.js');
    const n = 1000;
    const { pnl, book } = randomCase(20261207, 3000, 40, n);
    const ref = reference(book, pnl, n, 0.99, 0.975);
    for (const threads of [1, 2, 3]) {
      const run = compiled.aggregateTailMeasuresParallel(book, pnl, n, 0.99, 0.975, { threads });
      expect(run.threads).toBe(threads);
      expect(sameBits(run.out, ref)).toBe(true);
    }
  });
});
