import { expect } from 'vitest';
import { CrossmarginError } from '../core/errors.js';
import type { MarketSnapshot } from '../market/market-snapshot.js';
import { computeBookMargins, type BookMargins } from './compute-book-margins.js';
import { computeMargins, type ComputeMarginsOptions, type PortfolioInput } from './compute-margin.js';
import type { MarginResult } from './margin-result.js';

/** Equal to 1e-12 relative (issue 14: batch vs per-account margins). */
export const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b));

export interface BatchExpectation {
  /** The path computeBookMargins must report (default: not checked). */
  readonly path?: BookMargins['path'];
  /** Accounts the batch path must leave to `evaluate` (default: not checked). */
  readonly perAccountCount?: number;
  readonly threads?: number;
}

/**
 * computeBookMargins = computeMargins account by account: initial and maintenance margin to 1e-12 relative, the
 * same account currency. Returns both, and how many accounts matched bit for bit.
 */
export function expectBatchEqualsPerAccount(
  docs: readonly PortfolioInput[],
  market: MarketSnapshot,
  model: string,
  options: ComputeMarginsOptions = {},
  expected: BatchExpectation = {},
): { book: BookMargins; alone: MarginResult[]; identical: number } {
  const alone = computeMargins(docs, market, model, options);
  const book = computeBookMargins(docs, market, model, { ...options, threads: expected.threads ?? 1 });
  if (expected.path !== undefined) expect(book.path).toBe(expected.path);
  if (expected.perAccountCount !== undefined) expect(book.perAccountCount).toBe(expected.perAccountCount);
  expect(book.accountCount).toBe(docs.length);
  let identical = 0;
  alone.forEach((r, a) => {
    expect(close(book.initialMargin[a]!, r.initialMargin), `${model} account ${a} initial ${book.initialMargin[a]} vs ${r.initialMargin}`).toBe(true);
    expect(close(book.maintenanceMargin[a]!, r.maintenanceMargin), `${model} account ${a} maintenance ${book.maintenanceMargin[a]} vs ${r.maintenanceMargin}`).toBe(true);
    expect(book.currencyOf(a)).toBe(r.currency);
    if (Object.is(book.initialMargin[a], r.initialMargin) && Object.is(book.maintenanceMargin[a], r.maintenanceMargin)) identical++;
  });
  return { book, alone, identical };
}

/** The code of the CrossmarginError `run` throws, or undefined when it returns (other errors are rethrown). */
export function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (e) {
    if (e instanceof CrossmarginError) return e.code;
    throw e;
  }
}
