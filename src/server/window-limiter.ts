/**
 * Counts requests per key (a client address, a verified API key id) in fixed windows of `windowMs`; the service's
 * two rate limits (docs/service.md "Rate limits"), both charged in the authentication hook of build-server.ts:
 *
 * - failed authentications (no key, a malformed, unknown, revoked or wrong key) per client address, checked *before*
 *   a key is verified, so an address over its budget costs neither a store read nor a hash until its window ends. A
 *   failed request has no key id to charge: charging the bearer string would give a fresh budget per guess.
 * - requests per verified key id, charged once the key is proven.
 *
 * A Map lookup and an increment per request: @fastify/rate-limit, used before, cost a hook, an LRU and a key string
 * per request, several percent of a what-if's server time.
 */
export class WindowLimiter {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
    /** Keys tracked at most; past it, expired windows are dropped, then the oldest. */
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

  /** Charges one request (or failure) to `address`. */
  charge(address: string): void {
    this.#charge(address, this.now());
  }

  /** Charges one request to `address`; milliseconds until its window ends when that took it past its budget, else 0. */
  take(address: string): number {
    const now = this.now();
    const window = this.#charge(address, now);
    return window.count > this.limit ? window.resetAt - now : 0;
  }

  #charge(address: string, now: number): { count: number; resetAt: number } {
    const window = this.#windows.get(address);
    if (window !== undefined && window.resetAt > now) {
      window.count += 1;
      return window;
    }
    this.#windows.delete(address);
    if (this.#windows.size >= this.maxAddresses) this.#prune(now);
    const fresh = { count: 1, resetAt: now + this.windowMs };
    this.#windows.set(address, fresh);
    return fresh;
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
