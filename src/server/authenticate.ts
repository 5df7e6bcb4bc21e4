import { CrossmarginError } from '../core/errors.js';
import type { ApiKeyRecord, ApiKeyRole, Store } from '../store/store.js';

/** What a request may do, from its API key. */
export interface Principal {
  readonly key: ApiKeyRecord;
}

/** The sub-protocol a `/stream` client must offer; the only one the server ever answers with. */
export const STREAM_PROTOCOL = 'crossmargin.v1';
/** Prefix of the sub-protocol that carries the key: `cmk.<key>` (a key is a valid protocol token). */
export const KEY_PROTOCOL_PREFIX = 'cmk.';

/** The plaintext key of `Authorization: Bearer <key>`, if any. */
export function bearerKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * The key offered as a WebSocket sub-protocol (`Sec-WebSocket-Protocol: crossmargin.v1, cmk.<key>`), if any: the
 * one header a browser lets a page set on a WebSocket, so the key needs no place in the URL (which gets logged).
 */
export function protocolKey(header: string | string[] | undefined): string | undefined {
  const offered = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((p) => p.trim());
  return offered.find((p) => p.startsWith(KEY_PROTOCOL_PREFIX))?.slice(KEY_PROTOCOL_PREFIX.length);
}

/**
 * Verifies API keys with the store on every request: the key's row is read each time (store/api-key-hash.ts), so a
 * revoked key is refused at once, even when another process revoked it.
 */
export class KeyVerifier {
  constructor(private readonly store: Store) {}

  async verify(plaintext: string | undefined): Promise<Principal> {
    const record = await this.store.verifyApiKey(present(plaintext));
    if (record === undefined) throw new CrossmarginError('UNAUTHENTICATED', 'invalid or revoked API key', { field: 'authorization' });
    return { key: record };
  }

  /**
   * The principal at once when the store verified this key since its last commit (Store.verifiedApiKey), else
   * undefined: then `verify`. Lets the request hook skip a promise on nearly every request.
   */
  verified(plaintext: string | undefined): Principal | undefined {
    const record = this.store.verifiedApiKey(present(plaintext));
    return record === undefined ? undefined : { key: record };
  }
}

function present(plaintext: string | undefined): string {
  if (plaintext === undefined) {
    throw new CrossmarginError('UNAUTHENTICATED', 'missing API key: send "Authorization: Bearer <key>"', { field: 'authorization' });
  }
  return plaintext;
}

/** Admin and risk officer see every account; an account holder its own. */
export function canSeeAccount(principal: Principal, accountId: string): boolean {
  return principal.key.role !== 'account-holder' || principal.key.accountIds.includes(accountId);
}

/** Roles that may call a route: `read` any account data, push `market`, manage `keys` and parameter sets (`admin`). */
export function requireRole(principal: Principal, roles: readonly ApiKeyRecord['role'][], what: string): void {
  if (!roles.includes(principal.key.role)) throw new CrossmarginError('FORBIDDEN', `a ${principal.key.role} key may not ${what}`);
}

/** Every role a key can have. */
export const API_KEY_ROLES: readonly ApiKeyRole[] = ['admin', 'risk-officer', 'account-holder'];

/**
 * Who may call a route of the authenticated context, declared where the route registers (`config` of its options,
 * checked by http-face.ts): its roles, and what it does for the 403 message ("a risk-officer key may not <action>").
 */
export interface RouteRoles {
  readonly roles: readonly ApiKeyRole[];
  readonly action?: string;
}

/** A route any valid key may call: which accounts it sees is the handler's rule (canSeeAccount, visibleAccount). */
export const ANY_ROLE: RouteRoles = { roles: API_KEY_ROLES };

/** A route only keys of `roles` may call; any other key gets 403 FORBIDDEN saying it may not `action`. */
export function allowRoles(roles: readonly ApiKeyRole[], action: string): RouteRoles {
  return { roles, action };
}
