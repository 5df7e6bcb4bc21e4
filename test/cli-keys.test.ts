import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newAdminKeyCommand } from '../src/app/commands/serve-command.js';
import { openStore } from '../src/store/open-store.js';
import { cli, tempFiles } from './cli-helpers.js';

/** A service database as `serve` leaves it: migrated, with one account. */
async function serviceDb(): Promise<string> {
  const db = join(tempFiles().dir, 'service.db');
  const store = await openStore(db);
  await store.createAccount({ id: 'fund-1', currency: 'USD', mode: 'cross' });
  await store.close();
  return db;
}

async function verify(db: string, plaintext: string): Promise<{ id: string; role: string; accountIds: readonly string[] } | undefined> {
  const store = await openStore(db);
  try {
    return await store.verifyApiKey(plaintext);
  } finally {
    await store.close();
  }
}

describe('crossmargin keys', () => {
  it('create prints a key that verifies against the store; list shows it without its secret; revoke ends it', async () => {
    const db = await serviceDb();
    const created = await cli('keys', 'create', '--role', 'admin', '--label', 'lost-key replacement', '--db', db);
    expect(created.code).toBe(0);
    const plaintext = created.out.trim();
    expect(plaintext).not.toBe('');
    const record = await verify(db, plaintext);
    expect(record?.role).toBe('admin');
    expect(created.err).toContain(`created admin key ${record?.id}`);

    const list = await cli('keys', 'list', '--db', db);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(new RegExp(`^${record?.id}\\s+admin\\s+-\\s+lost-key replacement\\s+\\d{4}-\\d\\d-\\d\\dT\\S+\\s+-$`, 'm'));
    const secret = plaintext.slice(plaintext.lastIndexOf(record!.id) + record!.id.length).replace(/^\W+/, '');
    expect(secret.length).toBeGreaterThan(8);
    expect(list.out).not.toContain(secret);
    expect((await cli('keys', 'list', '--db', db, '--json')).out).not.toContain(secret);

    const revoked = await cli('keys', 'revoke', record!.id, '--db', db);
    expect(revoked.code).toBe(0);
    expect(revoked.out).toMatch(new RegExp(`^revoked admin key ${record?.id} at \\d{4}-`));
    expect(await verify(db, plaintext)).toBeUndefined();
    expect((await cli('keys', 'list', '--db', db)).out).toMatch(new RegExp(`^${record?.id}\\s+admin\\s.*\\d\\dZ\\s+\\d{4}-\\d\\d-\\d\\dT\\S+Z$`, 'm'));
    const again = await cli('keys', 'revoke', record!.id, '--db', db);
    expect(again.code).toBe(8);
    expect(again.err).toMatch(/^error \[CONFLICT\]: .*already revoked/);

    // Both changes are in the audit log, made by the command line.
    const store = await openStore(db);
    const audit = await store.listAudit();
    await store.close();
    expect(audit.filter((a) => a.target === record?.id).map((a) => [a.keyId, a.action])).toEqual([
      ['cli', 'key.create'],
      ['cli', 'key.revoke'],
    ]);
  });

  it('an account-holder key owns the accounts given', async () => {
    const db = await serviceDb();
    const run = await cli('keys', 'create', '--role', 'account-holder', '--account', 'fund-1', '--db', db, '--json');
    expect(run.code).toBe(0);
    const created = JSON.parse(run.out) as { id: string; key: string; accountIds: string[] };
    expect((await verify(db, created.key))?.accountIds).toEqual(['fund-1']);
    const missing = await cli('keys', 'create', '--role', 'account-holder', '--account', 'nobody', '--db', db);
    expect(missing.code).toBe(8);
    expect(missing.err).toMatch(/^error \[NOT_FOUND\]: /);
  });

  it('bad input gets one coded line: a role not in the list, accounts on an admin key, a missing database file', async () => {
    const db = await serviceDb();
    const role = await cli('keys', 'create', '--role', 'superuser', '--db', db);
    expect(role.code).toBe(2);
    expect(role.err).toMatch(/^error \[USAGE_INVALID\]: --role: "superuser" is not one of admin, risk-officer, account-holder/);
    const accounts = await cli('keys', 'create', '--role', 'admin', '--account', 'fund-1', '--db', db);
    expect(accounts.code).toBe(2);
    expect(accounts.err).toMatch(/^error \[USAGE_INVALID\]: --account: /);
    const file = join(tempFiles().dir, 'typo.db');
    const missing = await cli('keys', 'create', '--role', 'admin', '--db', file);
    expect(missing.code).toBe(3);
    expect(missing.err).toMatch(/^error \[FILE_NOT_FOUND\]: --db: .*typo\.db: no such database file/);
    const noRole = await cli('keys', 'create', '--db', db);
    expect(noRole.code).toBe(2);
    expect(noRole.err).toMatch(/--role/);
    expect((await cli('keys', 'list', '--db', db)).out).toBe('no API keys\n'); // nothing was created by the refusals
  });

  it("serve's sign-in hint says how to get a new admin key for its database", () => {
    expect(newAdminKeyCommand(undefined)).toBe('crossmargin keys create --role admin --db crossmargin.db');
    expect(newAdminKeyCommand('/var/lib/cm/service.db')).toBe('crossmargin keys create --role admin --db /var/lib/cm/service.db');
    expect(newAdminKeyCommand('postgres://risk:secret@db/cm')).toBe('crossmargin keys create --role admin --db <the same --db URL>');
  });
});
