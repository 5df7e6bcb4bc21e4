import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CrossmarginError } from '../src/core/errors.js';
import { labCalibration } from '../src/server/lab-tasks.js';

/**
 * The lab runner of the compiled service (dist/): tasks run in a worker thread, give the same results as in-process,
 * keep their error codes across the thread boundary, and leave the event loop free meanwhile.
 */
const compiled = join('dist', 'src', 'server', 'lab-runner.js');

interface Runner {
  readonly mode: string;
  run(task: unknown): Promise<unknown>;
  close(): Promise<void>;
}

describe.skipIf(!existsSync(compiled))('LabRunner (compiled, worker thread)', () => {
  let runner: Runner | undefined;
  const load = async (): Promise<Runner> => {
    const { LabRunner } = (await import(pathToFileURL(compiled).href)) as { LabRunner: new () => Runner };
    runner ??= new LabRunner();
    return runner;
  };

  afterAll(async () => {
    await runner?.close();
  });

  it('runs tasks in a worker with the in-process results', async () => {
    const r = await load();
    expect(r.mode).toBe('worker');
    const input = { underlyings: ['BTC'], points: 3, step: 20, lookback: 250, endDate: '2024-06-17' };
    expect(await r.run({ kind: 'calibration', input })).toEqual(labCalibration(input));
  });

  it('keeps the coded error of a failed task', async () => {
    const r = await load();
    const failure = await r.run({ kind: 'calibration', input: { underlyings: ['BTC'], points: 3, step: 20, lookback: 2000, endDate: '2012-01-01' } }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as CrossmarginError).code).toBe('HISTORY_INVALID');
    expect((failure as CrossmarginError).field).toBe('lookback');
  });

  it('leaves the event loop free while a task runs', async () => {
    const r = await load();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const portfolio = { account: 'lab', currency: 'USD', mode: 'cross', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], collateral: {} };
    const result = (await r.run({
      kind: 'backtest',
      input: { account: 'lab', portfolio, models: ['scenario-grid', 'hs-var'], days: 400, horizon: 1, coverage: 0.99, endDate: '2024-06-17' },
    })) as { models: { dates: string[]; summary: { independenceWindowing?: { kind: string } } }[] };
    clearInterval(timer);
    expect(result.models[0]!.dates).toHaveLength(400);
    // The lab's summary states which series the independence tests used (horizon 1: every day).
    expect(result.models[0]!.summary.independenceWindowing?.kind).toBe('daily');
    // A task computed on this thread would have let no timer fire until it ended.
    expect(ticks).toBeGreaterThan(3);
  });
});
