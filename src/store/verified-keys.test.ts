import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMigrations } from './migrations/run-migrations.js';
import { openSqliteConnection } from './sqlite-store.js';
import { SqlStore } from './sql-store.js';
import { sameSecret, VerifiedKeys } from './verified-keys.js';

const dir = mkdtempSync(join(tmpdir(), 'crossmargin-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('VerifiedKeys', () => {
  const v = { ownWrites: 2, elsewhere: 7 };
  it('answers only the same secret at the same version', () => {
    const keys = new VerifiedKeys<string>();
    keys.set('k1', 'secret-1', v, 'record');
    expect(keys.get('k1', 'secret-1', { ...v })).toBe('record');
    expect(keys.get('k1', 'secret-2', v)).toBeUndefined();
    expect(keys.get('k1', 'secret-1x', v)).toBeUndefined();
    expect(keys.get('k1', 'secret-1', { ...v, ownWrites: 4 })).toBeUndefined();
    expect(keys.get('k1', 'secret-1', { ...v, elsewhere: 8 })).toBeUndefined();
    expect(keys.get('k2', 'secret-1', v)).toBeUndefined();
  });

  it('compares secrets character by character, at any position', () => {
    expect(sameSecret('abcdef', 'abcdef')).toBe(true);
    expect(sameSecret('', '')).toBe(true);
    expect(sameSecret('xbcdef', 'abcdef')).toBe(false);
    expect(sameSecret('abcdex', 'abcdef')).toBe(false);
    expect(sameSecret('abcde', 'abcdef')).toBe(false);
    expect(sameSecret('é', 'e\u0301')).toBe(false);
  });

  it('keeps at most its capacity, dropping the oldest id', () => {
    const keys = new VerifiedKeys<number>(2);
    keys.set('a', 's', v, 1);
    keys.set('b', 's', v, 2);
    keys.set('c', 's', v, 3);
    expect([keys.get('a', 's', v), keys.get('b', 's', v), keys.get('c', 's', v)]).toEqual([undefined, 2, 3]);
  });
});

/** A SQLite store on `file` whose key reads are counted. */
async function countedStore(file: string): Promise<{ store: SqlStore; reads: () => number }> {
  const connection = openSqliteConnection(file);
  await runMigrations(connection);
  let reads = 0;
  // Single-statement reads (the key check's, here: the tests read nothing else through this store between counts).
  const statement = connection.statement.bind(connection);
  connection.statement = (work) => {
    reads++;
    return statement(work);
  };
  return { store: new SqlStore(connection), reads: () => reads };
}

describe('verifyApiKey with verified keys kept (SQLite file, two connections as two processes)', () => {
  it('reads the row once while nothing is committed; a revocation from another connection refuses the key at once', async () => {
    const file = join(dir, 'revoke.db');
    const a = await countedStore(file);
    const b = await countedStore(file);
    try {
      const key = await b.store.createApiKey({ role: 'risk-officer' });
      for (let i = 0; i < 5; i++) expect(await a.store.verifyApiKey(key.plaintext)).toMatchObject({ id: key.record.id, role: 'risk-officer' });
      expect(a.reads()).toBe(1);
      // A wrong secret for a known id is checked in full (the same cost as any refusal), never answered from memory.
      expect(await a.store.verifyApiKey(`${key.plaintext.slice(0, 21)}${'A'.repeat(key.plaintext.length - 21)}`)).toBeUndefined();
      expect(a.reads()).toBe(2);
      await b.store.revokeApiKey(key.record.id, '2024-06-17T08:00:00.000Z');
      expect(await a.store.verifyApiKey(key.plaintext)).toBeUndefined();
      expect(await a.store.verifyApiKey(key.plaintext)).toBeUndefined();
    } finally {
      await a.store.close();
      await b.store.close();
    }
  });

  it("a grant made by this store or another connection is seen on the key's next request", async () => {
    const file = join(dir, 'grant.db');
    const a = await countedStore(file);
    const b = await countedStore(file);
    try {
      const holder = await a.store.createApiKey({ role: 'account-holder' });
      expect(await a.store.verifyApiKey(holder.plaintext)).toMatchObject({ accountIds: [] });
      await a.store.createAccount({ id: 'mine', currency: 'USD', mode: 'cross', ownerKeyId: holder.record.id });
      expect(await a.store.verifyApiKey(holder.plaintext)).toMatchObject({ accountIds: ['mine'] });
      await b.store.createAccount({ id: 'other', currency: 'USD', mode: 'cross', ownerKeyId: holder.record.id });
      const seen = await a.store.verifyApiKey(holder.plaintext);
      expect(seen).toMatchObject({ accountIds: ['mine', 'other'] });
      // The record is shared by the requests that follow: frozen, so no caller can change what the next one sees.
      expect(Object.isFrozen(seen) && Object.isFrozen(seen?.accountIds)).toBe(true);
      const reads = a.reads();
      expect(await a.store.verifyApiKey(holder.plaintext)).toBe(seen);
      expect(a.reads()).toBe(reads);
    } finally {
      await a.store.close();
      await b.store.close();
    }
  });
});
