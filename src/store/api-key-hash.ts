import { createHmac, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * API keys are `cmk_<id>_<secret>`: the id (16 hex) finds the row, the secret (256 random bits, 43 base64url
 * characters) is checked against a keyed digest `HMAC-SHA256(salt, secret)`, compared in constant time.
 *
 * Why not a slow hash: scrypt and friends make *guessable* secrets (passwords) expensive to brute-force from a leaked
 * database. A 256-bit random secret cannot be guessed at any speed, so slowness bought nothing and cost ~50 ms of CPU
 * per check, which anyone could spend for us by sending wrong secrets for a known key id (and the difference with an
 * unknown id, ~1 ms, told which ids exist). An HMAC costs microseconds for known and unknown ids alike.
 *
 * The HMAC key is the row's random salt, not a server-wide pepper: a pepper would need its own secret storage and
 * rotation, and losing it would invalidate every key, while with secrets of this entropy it would add no protection
 * worth that (a leaked row's digest is still a 256-bit preimage problem). The salt makes equal secrets give unequal
 * digests across rows. The scheme is stored with each row (`params`), so it can change later.
 *
 * Rows written before this scheme carry `scrypt$N$r$p` and are still verified, at scrypt's cost; the store rewrites
 * such a row to the HMAC scheme on its first successful use (sql-store.ts `verifyApiKey`) and guards wrong secrets
 * against it with `LegacyScryptGuard`.
 */

const KEY_PREFIX = 'cmk';
const DIGEST_BYTES = 32;
const SALT_BYTES = 32;
/** `params` of rows hashed with HMAC-SHA256 keyed by the row's salt. */
export const HMAC_SCHEME = 'hmac-sha256$v1';
/** Fixed key of the dummy HMAC run for unknown ids, so that they cost what a known id costs. */
const DUMMY_SALT = randomBytes(SALT_BYTES);
const DUMMY_DIGEST = randomBytes(DIGEST_BYTES);

export interface ApiKeyHash {
  readonly salt: string;
  readonly hash: string;
  /** `hmac-sha256$v1`, or `scrypt$N$r$p` for rows written before it (legacy). */
  readonly params: string;
}

export interface ParsedApiKey {
  readonly id: string;
  readonly secret: string;
}

export function newApiKeySecret(): { id: string; secret: string; plaintext: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, plaintext: `${KEY_PREFIX}_${id}_${secret}` };
}

export function parseApiKey(plaintext: string): ParsedApiKey | undefined {
  const match = /^cmk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/.exec(plaintext);
  if (match === null || match[1] === undefined || match[2] === undefined) return undefined;
  return { id: match[1], secret: match[2] };
}

function hmac(secret: string, salt: Buffer): Buffer {
  return createHmac('sha256', salt).update(secret, 'utf8').digest();
}

/** The digest to store for a new secret (fresh random salt). */
export function hashApiKeySecret(secret: string): ApiKeyHash {
  const salt = randomBytes(SALT_BYTES);
  return { salt: salt.toString('base64'), hash: hmac(secret, salt).toString('base64'), params: HMAC_SCHEME };
}

/** Whether `stored` is a row of the old scrypt scheme (verify with `verifyLegacyApiKeySecret`). */
export function isLegacyApiKeyHash(stored: ApiKeyHash): boolean {
  return stored.params.startsWith('scrypt$');
}

/** Checks a secret against an HMAC row; false for any other scheme. Microseconds, constant time in the digest. */
export function verifyApiKeySecret(secret: string, stored: ApiKeyHash): boolean {
  if (stored.params !== HMAC_SCHEME) return false;
  return digestsEqual(hmac(secret, Buffer.from(stored.salt, 'base64')), Buffer.from(stored.hash, 'base64'));
}

/** The same work as `verifyApiKeySecret` against a row that does not exist (unknown or revoked id): always false. */
export function verifyApiKeySecretDummy(secret: string): false {
  digestsEqual(hmac(secret, DUMMY_SALT), DUMMY_DIGEST);
  return false;
}

/**
 * Secrets already checked against a row's digest, by key id: a key used again skips the HMAC (whose OpenSSL set-up
 * is most of a request's authentication time under load). The row is still read on every request, so revocation
 * and rotation take effect at once: an entry counts only while the row's digest and scheme are the ones it was
 * checked against. The secret is compared in constant time. A hit costs less than a check, but a hit needs the right
 * secret, so the difference tells a caller nothing it does not know. At most `capacity` ids are kept.
 */
export class CheckedSecrets {
  readonly #byId = new Map<string, { readonly hash: string; readonly params: string; readonly secret: Buffer }>();

  constructor(private readonly capacity = 4096) {}

  verify(id: string, secret: string, stored: ApiKeyHash): boolean {
    const given = Buffer.from(secret, 'utf8');
    const seen = this.#byId.get(id);
    if (seen !== undefined && seen.hash === stored.hash && seen.params === stored.params && seen.secret.length === given.length && timingSafeEqual(seen.secret, given)) return true;
    const ok = verifyApiKeySecret(secret, stored);
    if (ok) {
      this.#byId.delete(id);
      if (this.#byId.size >= this.capacity) this.#byId.delete(this.#byId.keys().next().value as string);
      this.#byId.set(id, { hash: stored.hash, params: stored.params, secret: given });
    }
    return ok;
  }
}

function digestsEqual(actual: Buffer, expected: Buffer): boolean {
  // A stored digest of another length (a damaged row) is compared with itself so the time taken stays the same.
  const same = actual.length === expected.length;
  return timingSafeEqual(actual, same ? expected : actual) && same;
}

function scryptAsync(secret: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, DIGEST_BYTES, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** scrypt cost of the legacy rows: N = 2^14, r = 8 (16 MiB, ~50 ms). */
const LEGACY_SCRYPT = { N: 16_384, r: 8, p: 1 } as const;

/** A row as the old scheme wrote it: for tests of the upgrade path only. */
export async function hashApiKeySecretScrypt(secret: string): Promise<ApiKeyHash> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(secret, salt, LEGACY_SCRYPT);
  return { salt: salt.toString('base64'), hash: hash.toString('base64'), params: `scrypt$${LEGACY_SCRYPT.N}$${LEGACY_SCRYPT.r}$${LEGACY_SCRYPT.p}` };
}

/** Checks a secret against a legacy `scrypt$N$r$p` row (~50 ms); false for any other scheme. */
export async function verifyLegacyApiKeySecret(secret: string, stored: ApiKeyHash): Promise<boolean> {
  const [scheme, n, r, p] = stored.params.split('$');
  if (scheme !== 'scrypt') return false;
  const expected = Buffer.from(stored.hash, 'base64');
  const actual = await scryptAsync(secret, Buffer.from(stored.salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return digestsEqual(actual, expected);
}

/** After a wrong secret against a legacy row, that key id is not scrypt-checked again for this long, ms. */
export const LEGACY_FAILURE_COOLDOWN_MS = 2_000;

/**
 * Bounds the scrypt work that wrong secrets against still-legacy rows can cause: at most one scrypt per key id at a
 * time (a concurrent check of the same id waits for it, then starts over: the row is upgraded by then, or the id is
 * cooling down), and none for `cooldownMs` after a failure. During a cooldown every secret for that id is refused
 * unchecked, the right one included; a client retries after the cooldown, and after one success the row is HMAC and
 * this guard no longer applies to it. Per-address limits (build-server.ts) bound how often one client can trigger it.
 */
export class LegacyScryptGuard {
  readonly #failedUntil = new Map<string, number>();
  readonly #inFlight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly cooldownMs = LEGACY_FAILURE_COOLDOWN_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * `check` (the scrypt) for key `id`, unless the id is cooling down (false unchecked). Resolves `retry` when another
   * check of the same id was running: the caller should start over (re-read the row).
   */
  async run(id: string, check: () => Promise<boolean>): Promise<boolean | 'retry'> {
    const running = this.#inFlight.get(id);
    if (running !== undefined) {
      await running.catch(() => undefined);
      return 'retry';
    }
    const until = this.#failedUntil.get(id);
    if (until !== undefined) {
      if (until > this.now()) return false;
      this.#failedUntil.delete(id);
    }
    const work = check();
    this.#inFlight.set(id, work);
    try {
      const ok = await work;
      if (!ok) this.#failedUntil.set(id, this.now() + this.cooldownMs);
      return ok;
    } finally {
      this.#inFlight.delete(id);
    }
  }
}
