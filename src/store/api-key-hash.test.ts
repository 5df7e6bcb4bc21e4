import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CheckedSecrets,
  HMAC_SCHEME,
  LEGACY_FAILURE_COOLDOWN_MS,
  LegacyScryptGuard,
  hashApiKeySecret,
  hashApiKeySecretScrypt,
  newApiKeySecret,
  parseApiKey,
  verifyApiKeySecret,
  verifyApiKeySecretDummy,
  verifyLegacyApiKeySecret,
} from './api-key-hash.js';
import { runMigrations } from './migrations/run-migrations.js';
import { openPostgresConnection } from './postgres-store.js';
import { SqlStore } from './sql-store.js';
import { openSqliteConnection } from './sqlite-store.js';
import type { StoreConnection } from './store-connection.js';

/** Counts scrypt runs: a wrong secret must never reach scrypt for an HMAC row, nor twice in a row for a legacy one. */
const crypto = vi.hoisted(() => ({ scryptCalls: 0, hmacCalls: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  const scrypt = (...args: Parameters<typeof actual.scrypt>) => {
    crypto.scryptCalls += 1;
    return (actual.scrypt as (...a: unknown[]) => void)(...args);
  };
  const createHmac = (...args: Parameters<typeof actual.createHmac>) => {
    crypto.hmacCalls += 1;
    return actual.createHmac(...args);
  };
  return { ...actual, default: { ...actual, scrypt, createHmac }, scrypt, createHmac };
});

beforeEach(() => {
  crypto.scryptCalls = 0;
  crypto.hmacCalls = 0;
});

describe('API key digest', () => {
  it('stores HMAC-SHA256 under a fresh salt, verifies the right secret only', () => {
    const { secret, plaintext, id } = newApiKeySecret();
    expect(parseApiKey(plaintext)).toEqual({ id, secret });
    const a = hashApiKeySecret(secret);
    const b = hashApiKeySecret(secret);
    expect(a.params).toBe(HMAC_SCHEME);
    expect(Buffer.from(a.salt, 'base64')).toHaveLength(32);
    expect(Buffer.from(a.hash, 'base64')).toHaveLength(32);
    // Same secret, different rows: different digests.
    expect(a.hash).not.toBe(b.hash);
    expect(verifyApiKeySecret(secret, a)).toBe(true);
    expect(verifyApiKeySecret(`${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`, a)).toBe(false);
    expect(verifyApiKeySecret(secret, { ...a, params: 'scrypt$16384$8$1' })).toBe(false);
    expect(verifyApiKeySecret(secret, { ...a, hash: Buffer.from('short').toString('base64') })).toBe(false);
    expect(verifyApiKeySecretDummy(secret)).toBe(false);
    expect(crypto.scryptCalls).toBe(0);
  });

  it('CheckedSecrets: a secret checked once skips the HMAC while the row is unchanged; a wrong secret, a new digest or an evicted id is checked again', () => {
    const checked = new CheckedSecrets(2);
    const key = newApiKeySecret();
    const stored = hashApiKeySecret(key.secret);
    const wrong = `${key.secret.slice(0, -1)}${key.secret.endsWith('A') ? 'B' : 'A'}`;
    crypto.hmacCalls = 0;
    expect(checked.verify(key.id, key.secret, stored)).toBe(true);
    expect(checked.verify(key.id, key.secret, stored)).toBe(true);
    expect(crypto.hmacCalls).toBe(1);
    // A wrong secret after the right one: refused, by a full check.
    expect(checked.verify(key.id, wrong, stored)).toBe(false);
    expect(crypto.hmacCalls).toBe(2);
    // The row rotated to another secret: the remembered one no longer counts.
    const other = newApiKeySecret();
    const rotated = hashApiKeySecret(other.secret);
    expect(checked.verify(key.id, key.secret, rotated)).toBe(false);
    expect(checked.verify(key.id, other.secret, rotated)).toBe(true);
    expect(checked.verify(key.id, key.secret, { ...stored, params: 'scrypt$16384$8$1' })).toBe(false);
    // Capacity 2: a third id evicts the oldest, which is checked in full again.
    const b = newApiKeySecret();
    const c = newApiKeySecret();
    const bRow = hashApiKeySecret(b.secret);
    const cRow = hashApiKeySecret(c.secret);
    expect(checked.verify(b.id, b.secret, bRow) && checked.verify(c.id, c.secret, cRow)).toBe(true);
    const before = crypto.hmacCalls;
    expect(checked.verify(key.id, other.secret, rotated)).toBe(true);
    expect(crypto.hmacCalls).toBe(before + 1);
  });

  it('still verifies a legacy scrypt row', async () => {
    const { secret } = newApiKeySecret();
    const legacy = await hashApiKeySecretScrypt(secret);
    expect(legacy.params).toBe('scrypt$16384$8$1');
    expect(await verifyLegacyApiKeySecret(secret, legacy)).toBe(true);
    expect(await verifyLegacyApiKeySecret(newApiKeySecret().secret, legacy)).toBe(false);
    expect(await verifyLegacyApiKeySecret(secret, hashApiKeySecret(secret))).toBe(false);
  });

  it('guard: no scrypt for an id during its cooldown, one at a time per id', async () => {
    let now = 0;
    const guard = new LegacyScryptGuard(1_000, () => now);
    let checks = 0;
    const check = (ok: boolean) => async () => {
      checks += 1;
      return ok;
    };
    expect(await guard.run('a', check(false))).toBe(false);
    expect(await guard.run('a', check(true))).toBe(false);
    expect(checks).toBe(1);
    expect(await guard.run('b', check(true))).toBe(true);
    now = 1_000;
    expect(await guard.run('a', check(true))).toBe(true);
    expect(checks).toBe(3);
    let release: (ok: boolean) => void = () => undefined;
    const first = guard.run('c', () => new Promise<boolean>((resolve) => (release = resolve)));
    const second = guard.run('c', check(true));
    release(true);
    expect(await first).toBe(true);
    expect(await second).toBe('retry');
    expect(checks).toBe(3);
  });
});

const pgUrl = process.env['CROSSMARGIN_PG_URL'];
const pgSchemas: string[] = [];

async function pgAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  for (const schema of pgSchemas.splice(0)) await pgAdmin(`DROP SCHEMA ${schema} CASCADE`);
});

const backends: [string, () => Promise<StoreConnection>][] = [['SQLite', async () => openSqliteConnection(':memory:')]];
if (pgUrl !== undefined && pgUrl !== '') {
  backends.push([
    'PostgreSQL',
    async () => {
      const schema = `cm_keys_${randomBytes(6).toString('hex')}`;
      await pgAdmin(`CREATE SCHEMA ${schema}`);
      pgSchemas.push(schema);
      const url = new URL(pgUrl);
      url.searchParams.set('options', `-c search_path=${schema}`);
      return openPostgresConnection(url.toString(), 4);
    },
  ]);
}

describe.each(backends)('verifyApiKey on %s', (_name, openConnection) => {
  let now = Date.parse('2024-06-17T08:00:00Z');
  const open = async () => {
    const connection = await openConnection();
    await runMigrations(connection);
    return { connection, store: new SqlStore(connection, { now: () => new Date(now) }) };
  };
  const row = async (connection: StoreConnection, id: string) => connection.read((tx) => tx.selectFrom('api_keys').select(['salt', 'hash', 'params']).where('id', '=', id).executeTakeFirst());
  /** Turns a key's row back into what the scrypt scheme wrote, as in a database from before the HMAC scheme. */
  const makeLegacy = async (connection: StoreConnection, plaintext: string) => {
    const { id, secret } = parseApiKey(plaintext)!;
    const legacy = await hashApiKeySecretScrypt(secret);
    await connection.write((tx) => tx.updateTable('api_keys').set({ salt: legacy.salt, hash: legacy.hash, params: legacy.params }).where('id', '=', id).execute());
    crypto.scryptCalls = 0;
    return id;
  };
  const wrongSecretFor = (plaintext: string) => `${plaintext.slice(0, 21)}${newApiKeySecret().secret}`;

  it('writes HMAC rows; a wrong secret for a known id, an unknown id or a revoked key never runs scrypt', async () => {
    const { connection, store } = await open();
    try {
      const key = await store.createApiKey({ role: 'admin' });
      expect(await row(connection, key.record.id)).toMatchObject({ params: HMAC_SCHEME });
      expect(await store.verifyApiKey(key.plaintext)).toMatchObject({ id: key.record.id, role: 'admin' });
      for (let i = 0; i < 5; i++) expect(await store.verifyApiKey(wrongSecretFor(key.plaintext))).toBeUndefined();
      expect(await store.verifyApiKey(`cmk_0123456789abcdef_${newApiKeySecret().secret}`)).toBeUndefined();
      // Checked once, the secret is not hashed again while the row is unchanged; revoking it still refuses it at once.
      crypto.hmacCalls = 0;
      expect(await store.verifyApiKey(key.plaintext)).toMatchObject({ id: key.record.id });
      expect(crypto.hmacCalls).toBe(0);
      await store.revokeApiKey(key.record.id, new Date(now).toISOString());
      expect(await store.verifyApiKey(key.plaintext)).toBeUndefined();
      expect(crypto.scryptCalls).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('upgrades a legacy scrypt row on its first successful use: scrypt once, HMAC after', async () => {
    const { connection, store } = await open();
    try {
      const key = await store.createApiKey({ role: 'risk-officer', label: 'old' });
      const id = await makeLegacy(connection, key.plaintext);
      const before = await row(connection, id);
      expect(before).toMatchObject({ params: 'scrypt$16384$8$1' });
      expect(await store.verifyApiKey(key.plaintext)).toMatchObject({ id, role: 'risk-officer', label: 'old' });
      expect(crypto.scryptCalls).toBe(1);
      const after = await row(connection, id);
      expect(after).toMatchObject({ params: HMAC_SCHEME });
      expect(after?.['salt']).not.toBe(before?.['salt']);
      for (let i = 0; i < 3; i++) expect(await store.verifyApiKey(key.plaintext)).toMatchObject({ id });
      expect(await store.verifyApiKey(wrongSecretFor(key.plaintext))).toBeUndefined();
      expect(crypto.scryptCalls).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('concurrent first uses of a legacy key run scrypt once and all succeed', async () => {
    const { connection, store } = await open();
    try {
      const key = await store.createApiKey({ role: 'admin' });
      await makeLegacy(connection, key.plaintext);
      const results = await Promise.all([1, 2, 3, 4].map(() => store.verifyApiKey(key.plaintext)));
      expect(results.map((r) => r?.id)).toEqual(Array(4).fill(key.record.id));
      expect(crypto.scryptCalls).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('after a wrong secret against a legacy row, that id is not scrypt-checked until its cooldown ends', async () => {
    const { connection, store } = await open();
    try {
      const key = await store.createApiKey({ role: 'admin' });
      const id = await makeLegacy(connection, key.plaintext);
      expect(await store.verifyApiKey(wrongSecretFor(key.plaintext))).toBeUndefined();
      expect(crypto.scryptCalls).toBe(1);
      for (let i = 0; i < 10; i++) expect(await store.verifyApiKey(wrongSecretFor(key.plaintext))).toBeUndefined();
      // The right secret too is refused unchecked while the id cools down.
      expect(await store.verifyApiKey(key.plaintext)).toBeUndefined();
      expect(crypto.scryptCalls).toBe(1);
      expect(await row(connection, id)).toMatchObject({ params: 'scrypt$16384$8$1' });
      now += LEGACY_FAILURE_COOLDOWN_MS;
      expect(await store.verifyApiKey(key.plaintext)).toMatchObject({ id });
      expect(crypto.scryptCalls).toBe(2);
      expect(await row(connection, id)).toMatchObject({ params: HMAC_SCHEME });
    } finally {
      await store.close();
    }
  });
});
