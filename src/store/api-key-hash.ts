import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * API keys are `cmk_<id>_<secret>`: the id finds the row, the secret is checked against a salted scrypt hash, so a
 * leaked database gives neither usable keys nor a cheap way to guess them. The parameters are stored with each hash
 * so that they can be raised later without invalidating existing keys.
 */

const KEY_PREFIX = 'cmk';
const HASH_BYTES = 32;
/** scrypt cost: N = 2^14, r = 8 (16 MiB, ~50 ms); the secret is 256 random bits, so this guards only against reuse. */
const DEFAULT_PARAMS = { N: 16_384, r: 8, p: 1 } as const;

export interface ApiKeyHash {
  readonly salt: string;
  readonly hash: string;
  /** `scrypt$N$r$p`. */
  readonly params: string;
}

export interface ParsedApiKey {
  readonly id: string;
  readonly secret: string;
}

function scryptAsync(secret: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, HASH_BYTES, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key)));
  });
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

export async function hashApiKeySecret(secret: string): Promise<ApiKeyHash> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(secret, salt, DEFAULT_PARAMS);
  return {
    salt: salt.toString('base64'),
    hash: hash.toString('base64'),
    params: `scrypt$${DEFAULT_PARAMS.N}$${DEFAULT_PARAMS.r}$${DEFAULT_PARAMS.p}`,
  };
}

export async function verifyApiKeySecret(secret: string, stored: ApiKeyHash): Promise<boolean> {
  const [scheme, n, r, p] = stored.params.split('$');
  if (scheme !== 'scrypt') return false;
  const expected = Buffer.from(stored.hash, 'base64');
  const actual = await scryptAsync(secret, Buffer.from(stored.salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  // Constant-time comparison: the time taken must not reveal how much of the hash matched.
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
