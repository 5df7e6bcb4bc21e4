import { isMainThread, parentPort } from 'node:worker_threads';
import type { KernelJob } from './kernel-job.js';

/**
 * Worker-thread entry of the kernel pool (kernel-pool.ts). The worker stays alive between jobs; each message is a
 * KernelJob over shared memory, and the worker takes chunks of it until none is left. Results and progress go only
 * through shared memory (the caller blocks in Atomics.wait and hears no messages), so a failure, a failed import
 * included, is counted in the job's FAILED slot and the caller computes the chunks left over.
 */
async function onJob(job: KernelJob): Promise<void> {
  try {
    const { chunkRunner, takeChunks } = await import('./kernel-job.js');
    takeChunks(job, chunkRunner(job));
  } catch {
    Atomics.add(job.control, 3, 1); // FAILED
    Atomics.notify(job.control, 1); // wake the caller waiting on FINISHED
  }
}

if (!isMainThread && parentPort !== null) parentPort.on('message', (job: KernelJob) => void onJob(job));
