/**
 * The database's state as far as a key check can tell, both read synchronously before the key's row is read: the
 * count of this store's own write transactions, and a number that changes whenever another connection or process
 * commits (SQLite's `PRAGMA data_version`).
 */
export interface KeysVersion {
  readonly ownWrites: number;
  readonly elsewhere: number;
}

/**
 * API keys already verified, by key id, each with the database version it was read at (issue 15: the row read was
 * most of a what-if request's authentication time under load, more than the what-if itself).
 *
 * Fail closed: an entry counts only while nothing has been committed since its row was read, by this store or by any
 * other connection, so a revocation, a new grant or a rotation takes effect on the very next request, from whichever
 * process it was made. The version is taken *before* the row is read, so a row read just before a concurrent commit
 * is never kept as current after it. The secret is compared in constant time, and a wrong secret falls through to
 * the full check, so a hit tells a caller nothing but that the secret it holds is right. At most `capacity` ids.
 */
export class VerifiedKeys<T> {
  readonly #byId = new Map<string, { readonly version: KeysVersion; readonly secret: string; readonly record: T }>();

  constructor(private readonly capacity = 4096) {}

  /** The record verified for `id` with this secret at this version, or undefined (check it in full). */
  get(id: string, secret: string, version: KeysVersion): T | undefined {
    const seen = this.#byId.get(id);
    if (seen === undefined || seen.version.ownWrites !== version.ownWrites || seen.version.elsewhere !== version.elsewhere) return undefined;
    return sameSecret(seen.secret, secret) ? seen.record : undefined;
  }

  /** Keeps a record verified in full against a row read at `version` (taken before the read). */
  set(id: string, secret: string, version: KeysVersion, record: T): void {
    this.#byId.delete(id);
    if (this.#byId.size >= this.capacity) this.#byId.delete(this.#byId.keys().next().value as string);
    this.#byId.set(id, { version, secret, record });
  }
}

/**
 * Whether two secrets are equal, in time that depends only on their lengths (a key's secret has one fixed length):
 * every character is compared, with no early exit. Without a Buffer per call, unlike crypto.timingSafeEqual: this
 * runs on every authenticated request (issue 15).
 */
export function sameSecret(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let differ = 0;
  for (let i = 0; i < a.length; i++) differ |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return differ === 0;
}
