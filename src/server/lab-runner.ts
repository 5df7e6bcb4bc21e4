import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { CrossmarginError } from '../core/errors.js';
import type { LabResults, LabTask } from './lab-tasks.js';
import { labTask, type LabOutcome } from './lab-worker.js';

/** Results kept (a small LRU per runner: lab views are re-opened, the market moves on). */
const CACHE_SIZE = 64;

/** The compiled worker beside this module, when running compiled (from TypeScript sources there is none). */
function workerUrl(): URL | undefined {
  if (!import.meta.url.endsWith('.js')) return undefined;
  const url = new URL('./lab-worker.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url : undefined;
}

/**
 * Runs the model lab's tasks (lab-tasks.ts) off the service's event loop: in one worker thread (piscina) when the
 * service runs compiled, so a ten-second backtest never stalls the market feed, the WebSocket or other requests;
 * in-process when running from TypeScript sources (tests). Tasks queue one at a time (the machine has few cores and
 * the engine needs one). Results are cached by task; identical tasks asked at once share one computation; a failed
 * task is not cached.
 */
export class LabRunner {
  private readonly pool: Piscina | undefined;
  private readonly cache = new Map<string, Promise<unknown>>();

  constructor(options: { readonly worker?: boolean } = {}) {
    const url = options.worker === false ? undefined : workerUrl();
    this.pool = url === undefined ? undefined : new Piscina({ filename: url.href, name: 'labTask', minThreads: 0, maxThreads: 1, idleTimeout: 60_000 });
  }

  /** `worker` when tasks run in a worker thread. */
  get mode(): 'worker' | 'in-process' {
    return this.pool === undefined ? 'in-process' : 'worker';
  }

  run<K extends LabTask['kind']>(task: Extract<LabTask, { kind: K }>): Promise<LabResults[K]> {
    const key = JSON.stringify(task);
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit as Promise<LabResults[K]>;
    }
    const running = this.execute(task).then((outcome) => {
      if (!outcome.ok) throw new CrossmarginError(outcome.error.code, outcome.error.message, { field: outcome.error.field, details: outcome.error.details });
      return outcome.value as LabResults[K];
    });
    this.cache.set(key, running);
    running.catch(() => this.cache.delete(key));
    if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
    return running;
  }

  /** Stops the worker (server close). */
  async close(): Promise<void> {
    await this.pool?.destroy();
  }

  private async execute(task: LabTask): Promise<LabOutcome> {
    if (this.pool === undefined) return labTask(task);
    return (await this.pool.run(task)) as LabOutcome;
  }
}
