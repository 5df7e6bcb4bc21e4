/**
 * Counts requests that failed authentication (no key, a malformed, unknown, revoked or wrong key) per client address
 * in fixed windows. Checked *before* a key is verified, so an address over its budget costs neither a store read nor a
 * hash until its window ends. Kept apart from the per-key limiter (@fastify/rate-limit, keyed by the verified key id)
 * because a failed request has no key id to charge: charging the bearer string would give a fresh budget per guess.
 */
export class AuthFailureLimiter {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
    /** Addresses tracked at most; past it, expired windows are dropped, then the oldest. */
    private readonly maxAddresses = 100_000,
  ) {}

  /** Milliseconds until `address` may try again, or 0 when it is within its budget. */
  blockedFor(address: string): number {
    const window = this.#windows.get(address);
    if (window === undefined) return 0;
    const now = this.now();
    if (window.resetAt <= now) {
      this.#windows.delete(address);
      return 0;
    }
    return window.count >= this.limit ? window.resetAt - now : 0;
  }

  /** Charges one failure to `address`. */
  fail(address: string): void {
    const now = this.now();
    const window = this.#windows.get(address);
    if (window !== undefined && window.resetAt > now) {
      window.count += 1;
      return;
    }
    this.#windows.delete(address);
    if (this.#windows.size >= this.maxAddresses) this.#prune(now);
    this.#windows.set(address, { count: 1, resetAt: now + this.windowMs });
  }

  #prune(now: number): void {
    for (const [address, window] of this.#windows) if (window.resetAt <= now) this.#windows.delete(address);
    // Still full: drop the oldest windows (Map order is insertion order), which are the nearest to their end.
    for (const address of this.#windows.keys()) {
      if (this.#windows.size < this.maxAddresses) break;
      this.#windows.delete(address);
    }
  }
}
