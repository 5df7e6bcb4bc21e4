import { isMainThread, parentPort } from 'node:worker_threads';
import type { BookJob } from './book-partition.js';
import type { CompiledModel } from './margin-model.js';

/**
 * Worker-thread entry of the partitioned batch path (book-partition.ts). Stays alive between jobs; compiles the
 * job's model once per job, then takes slices of accounts until none is left. Progress and failures go through the
 * job's shared counters only (the caller waits in Atomics.wait): a failure is counted in FAILED and the caller
 * computes the slices left over itself.
 */
let compiledFor: { id: number; compiled: CompiledModel } | undefined;

async function onJob(job: BookJob): Promise<void> {
  try {
    const { bookRunner, compileBookJob } = await import('./book-partition.js');
    const { takeChunks } = await import('../risk/kernel-job.js');
    if (compiledFor?.id !== job.id) compiledFor = { id: job.id, compiled: compileBookJob(job) };
    takeChunks(job, bookRunner(job, compiledFor.compiled));
  } catch {
    Atomics.add(job.control, 3, 1); // FAILED
    Atomics.notify(job.control, 1); // wake the caller waiting on FINISHED
  }
}

if (!isMainThread && parentPort !== null) parentPort.on('message', (job: BookJob) => void onJob(job));
