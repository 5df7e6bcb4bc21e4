import { isMainThread, workerData } from 'node:worker_threads';
import type { MonteCarloPlan } from './monte-carlo-kernel.js';

/**
 * Worker-thread entry of buildMonteCarloScenarios (threads > 1). Generates paths [start, end) into the shared output
 * buffer with the same kernel the main thread uses, then signals through `status` (Int32Array over a
 * SharedArrayBuffer: [finished workers, failed workers]) and wakes the waiting main thread.
 *
 * The kernel is imported dynamically inside try/catch: the main thread blocks in Atomics.wait and cannot hear a
 * worker's 'error' event, so every failure, a failed import included, must be reported through `status`.
 */
export interface MonteCarloWorkerData {
  readonly plan: MonteCarloPlan;
  readonly start: number;
  readonly end: number;
  /** SharedArrayBuffer behind the n × paths priceMove output. */
  readonly output: SharedArrayBuffer;
  /** SharedArrayBuffer of two Int32: [finished, failed]. */
  readonly status: SharedArrayBuffer;
}

async function runMonteCarloWorker(data: MonteCarloWorkerData): Promise<void> {
  const status = new Int32Array(data.status);
  try {
    const { monteCarloKernel, monteCarloScratchLength } = await import('./monte-carlo-kernel.js');
    const out = new Float64Array(data.output);
    monteCarloKernel(data.plan, data.start, data.end, out, new Float64Array(monteCarloScratchLength(data.plan)));
  } catch {
    Atomics.add(status, 1, 1);
  } finally {
    Atomics.add(status, 0, 1);
    Atomics.notify(status, 0);
  }
}

// Only act when started as a worker with our data; importing this module anywhere else does nothing.
if (!isMainThread && workerData !== null && typeof workerData === 'object' && 'plan' in workerData) {
  await runMonteCarloWorker(workerData as MonteCarloWorkerData);
}
