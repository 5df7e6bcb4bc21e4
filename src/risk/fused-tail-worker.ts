import { isMainThread, parentPort } from 'node:worker_threads';
import type { FusedTailJob } from './fused-tail-job.js';

/**
 * Worker-thread entry of the batch path's pool (fused-tail-pool.ts). The worker stays alive between jobs; each
 * message is a FusedTailJob over shared memory, and the worker takes chunks of it until none is left. Results and
 * progress go only through shared memory (the caller blocks in Atomics.wait and hears no messages), so a failure,
 * a failed import included, is counted in the job's FAILED slot and the caller computes the chunks left over.
 */
async function onJob(job: FusedTailJob): Promise<void> {
  try {
    const { chunkRunner, takeChunks } = await import('./fused-tail-job.js');
    takeChunks(job, chunkRunner(job));
  } catch {
    Atomics.add(job.control, 3, 1); // FAILED
    Atomics.notify(job.control, 1); // wake the caller waiting on FINISHED
  }
}

if (!isMainThread && parentPort !== null) parentPort.on('message', (job: FusedTailJob) => void onJob(job));
