/**
 * Throughput of the Black-76 pricing kernel: revaluations per second over a prebuilt batch of inputs held in
 * typed arrays, the shape the revaluation stage feeds it (one price per instrument × scenario).
 *
 * Deterministic: inputs come from a seeded mulberry32 generator, so every run times the same batch; the
 * checksum in `extra` lets a reader confirm that.
 *
 * Run directly after `npm run build`: `node dist/bench/black76.bench.js` prints the BenchResult as JSON.
 */

import { pathToFileURL } from 'node:url';

import { mulberry32 } from '../src/core/seeded-random.js';
import { black76Price } from '../src/pricing/black76-price.js';
import type { BenchResult } from './bench-result.js';

export interface Black76BenchOptions {
  /** Prices per timed pass (default 1,000,000). */
  readonly batchSize?: number;
  /** Timed passes after one untimed warm-up pass (default 5). */
  readonly passes?: number;
  /** Seed of the input generator (default 20261121). */
  readonly seed?: number;
}

interface Black76Batch {
  readonly isCall: Uint8Array;
  readonly forward: Float64Array;
  readonly strike: Float64Array;
  readonly tau: Float64Array;
  readonly vol: Float64Array;
  readonly discount: Float64Array;
}

/**
 * Inputs spanning the fixture's box: calls and puts, forwards 1,000–100,000 (USD, log-uniform), strike/forward
 * 0.5–2 (log-uniform), 1–730 days (ACT/365), vol 0.1–2.0, rates −1 % to 10 % (as discount factors).
 */
function buildBatch(size: number, seed: number): Black76Batch {
  const next = mulberry32(seed);
  const batch: Black76Batch = {
    isCall: new Uint8Array(size),
    forward: new Float64Array(size),
    strike: new Float64Array(size),
    tau: new Float64Array(size),
    vol: new Float64Array(size),
    discount: new Float64Array(size),
  };
  for (let i = 0; i < size; i++) {
    const forward = 1000 * Math.exp(next() * Math.log(100));
    const tau = (1 + Math.floor(next() * 730)) / 365;
    batch.isCall[i] = next() < 0.5 ? 1 : 0;
    batch.forward[i] = forward;
    batch.strike[i] = forward * Math.exp((next() * 2 - 1) * Math.LN2);
    batch.tau[i] = tau;
    batch.vol[i] = 0.1 + 1.9 * next();
    batch.discount[i] = Math.exp(-(-0.01 + 0.11 * next()) * tau);
  }
  return batch;
}

/** One pass of the kernel over the batch into `out`; returns the sum so the work cannot be optimised away. */
function pricePass(batch: Black76Batch, out: Float64Array): number {
  const { isCall, forward, strike, tau, vol, discount } = batch;
  let sum = 0;
  for (let i = 0; i < out.length; i++) {
    const price = black76Price(isCall[i] === 1, forward[i]!, strike[i]!, tau[i]!, vol[i]!, discount[i]!);
    out[i] = price;
    sum += price;
  }
  return sum;
}

/** Times black76Price over a seeded batch; opsPerSecond is prices (revaluations) per second over all passes. */
export async function benchBlack76(options: Black76BenchOptions = {}): Promise<BenchResult> {
  const batchSize = options.batchSize ?? 1_000_000;
  const passes = options.passes ?? 5;
  const seed = options.seed ?? 20261121;
  const batch = buildBatch(batchSize, seed);
  const out = new Float64Array(batchSize);

  // Untimed warm-up so the timed passes measure optimised code, not the JIT tiers.
  let checksum = pricePass(batch, out);
  let totalMs = 0;
  let bestMs = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass < passes; pass++) {
    const start = performance.now();
    checksum = pricePass(batch, out);
    const elapsedMs = performance.now() - start;
    totalMs += elapsedMs;
    bestMs = Math.min(bestMs, elapsedMs);
    // Yield between passes so a runner's progress output and timers are not starved.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  const meanMs = totalMs / passes;
  return {
    name: 'black76-price',
    workload:
      `${batchSize.toLocaleString('en-US')} Black-76 prices per pass (calls and puts, F 1e3–1e5, K/F 0.5–2, ` +
      `1–730 days, vol 0.1–2.0, r −1 %–10 %) from Float64Array inputs into a Float64Array, ` +
      `${passes} timed passes after 1 warm-up, seed ${seed}`,
    opsPerSecond: (batchSize * passes) / (totalMs / 1000),
    meanMs,
    extra: {
      batchSize,
      passes,
      bestPassOpsPerSecond: batchSize / (bestMs / 1000),
      checksum,
    },
  };
}

// Executed directly (not imported by a runner): print the result as JSON.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchBlack76(), undefined, 2));
}
