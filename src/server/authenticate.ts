import { createHash } from 'node:crypto';
import { CrossmarginError } from '../core/errors.js';
import type { ApiKeyRecord, Store } from '../store/store.js';

/** What a request may do, from its API key. */
export interface Principal {
  readonly key: ApiKeyRecord;
}

/** The plaintext key of `Authorization: Bearer <key>`, if any. */
export function bearerKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Verifies API keys with the store, remembering verified keys for a short time: verification is a scrypt hash by
 * design (tens of milliseconds), far too slow to repeat on every request of a busy client. The cache is keyed by a
 * SHA-256 of the plaintext (the plaintext is not kept) and is cleared for a key when it is revoked here.
 */
export class KeyVerifier {
  private readonly cache = new Map<string, { record: ApiKeyRecord; until: number }>();

  constructor(
    private readonly store: Store,
    private readonly ttlMs = 60_000,
  ) {}

  async verify(plaintext: string | undefined): Promise<Principal> {
    if (plaintext === undefined) throw new CrossmarginError('UNAUTHENTICATED', 'missing API key: send "Authorization: Bearer <key>"');
    const digest = createHash('sha256').update(plaintext).digest('hex');
    const now = Date.now();
    const hit = this.cache.get(digest);
    if (hit !== undefined && hit.until > now) return { key: hit.record };
    const record = await this.store.verifyApiKey(plaintext);
    if (record === undefined) {
      this.cache.delete(digest);
      throw new CrossmarginError('UNAUTHENTICATED', 'invalid or revoked API key');
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(digest, { record, until: now + this.ttlMs });
    return { key: record };
  }

  /** Forgets a key (revoked or changed) so the next request re-verifies it. */
  forget(keyId: string): void {
    for (const [digest, entry] of this.cache) if (entry.record.id === keyId) this.cache.delete(digest);
  }

  /** Grants a newly created account to a cached account-holder key (it owns the account from now on). */
  grant(keyId: string, accountId: string): void {
    for (const entry of this.cache.values()) {
      if (entry.record.id === keyId && !entry.record.accountIds.includes(accountId)) {
        entry.record = { ...entry.record, accountIds: [...entry.record.accountIds, accountId] };
      }
    }
  }
}

/** Admin and risk officer see every account; an account holder its own. */
export function canSeeAccount(principal: Principal, accountId: string): boolean {
  return principal.key.role !== 'account-holder' || principal.key.accountIds.includes(accountId);
}

/** Roles that may call a route: `read` any account data, push `market`, manage `keys` and parameter sets (`admin`). */
export function requireRole(principal: Principal, roles: readonly ApiKeyRecord['role'][], what: string): void {
  if (!roles.includes(principal.key.role)) throw new CrossmarginError('FORBIDDEN', `a ${principal.key.role} key may not ${what}`);
}
