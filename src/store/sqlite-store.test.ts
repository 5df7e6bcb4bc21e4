import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from './open-store.js';
import { describeStoreContract } from './store-contract.js';
import { openSqliteStore, SQLITE_PRAGMAS } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'crossmargin-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = (): string => join(dir, `store-${++files}.db`);

describeStoreContract('SQLite in memory', () => openSqliteStore(':memory:'));
describeStoreContract('SQLite file', () => openSqliteStore(freshFile()));

describe('SQLite store', () => {
  it('opens with WAL, synchronous = FULL and foreign keys on', async () => {
    expect(SQLITE_PRAGMAS).toEqual(expect.arrayContaining(['journal_mode = WAL', 'synchronous = FULL', 'foreign_keys = ON']));
    const file = freshFile();
    await (await openSqliteStore(file)).close();
    const db = new Database(file);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('keeps everything across close and reopen, and migrations apply once', async () => {
    const file = freshFile();
    const first = await openSqliteStore(file);
    await first.createAccount({ id: 'a', currency: 'USD', mode: 'cross' });
    await first.applyTrade({ accountId: 'a', instrument: 'BTC-PERPETUAL', quantity: 7, idempotencyKey: 't1' });
    await first.setCollateral({ accountId: 'a', currency: 'BTC', amount: 1.2 });
    const key = await first.createApiKey({ role: 'admin' });
    await first.appendEvent({ accountId: 'a', type: 'margin-call', payload: { shortfall: 1 }, at: '2024-06-17T08:00:00Z' });
    await first.close();

    const second = await openSqliteStore(file);
    try {
      expect(await second.listPositions('a')).toEqual([{ accountId: 'a', instrument: 'BTC-PERPETUAL', quantity: 7 }]);
      expect(await second.listCollateral('a')).toEqual([{ accountId: 'a', currency: 'BTC', amount: 1.2 }]);
      expect(await second.verifyApiKey(key.plaintext)).toMatchObject({ role: 'admin' });
      expect(await second.listEvents({ accountId: 'a' })).toHaveLength(1);
      // The retry after a restart is still recognised.
      expect(await second.applyTrade({ accountId: 'a', instrument: 'BTC-PERPETUAL', quantity: 7, idempotencyKey: 't1' })).toMatchObject({ replayed: true });
    } finally {
      await second.close();
    }
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare('SELECT version FROM schema_migrations').all()).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }, { version: 5 }]);
    } finally {
      db.close();
    }
  });

  it('never writes the plaintext key or its secret to disk', async () => {
    const file = freshFile();
    const store = await openSqliteStore(file);
    const { plaintext } = await store.createApiKey({ role: 'risk-officer' });
    await store.close();
    // `cmk_` + 16 hex id + `_`, then the secret (base64url, which may itself contain `_`).
    const secret = plaintext.slice(21);
    expect(secret).toHaveLength(43);
    for (const name of readdirSync(dir).filter((f) => f.startsWith(file.split('/').pop() ?? ''))) {
      const bytes = readFileSync(join(dir, name)).toString('latin1');
      expect(bytes).not.toContain(secret);
    }
  });

  it('rejects calls after close', async () => {
    const store = await openSqliteStore(':memory:');
    await store.close();
    await expect(store.listAccounts()).rejects.toMatchObject({ code: 'INTERNAL' });
    await store.close();
  });

  it('keeps every acknowledged trade when the writer is killed with SIGKILL', async () => {
    const file = freshFile();
    const setup = await openSqliteStore(file);
    await setup.createAccount({ id: 'k', currency: 'USD', mode: 'cross' });
    await setup.close();

    const writer = fileURLToPath(new URL('./sqlite-kill-writer.mjs', import.meta.url));
    const child = spawn(process.execPath, [writer, file, 'k', '1000000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const acked = await new Promise<number>((resolve, reject) => {
      let buffered = '';
      let last = -1;
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          const match = /^ACK (\d+)$/.exec(line);
          if (match !== null) last = Number(match[1]);
        }
        if (last >= 300 && child.exitCode === null && !child.killed) child.kill('SIGKILL');
      });
      child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(last + 1) : reject(new Error(`writer ended ${code}: ${stderr}`))));
    });
    expect(acked).toBeGreaterThan(300);

    const store = await openSqliteStore(file);
    try {
      const [position] = await store.listPositions('k');
      // Every acknowledged trade is there; at most one more was committed but not yet acknowledged.
      expect(position?.quantity).toBeGreaterThanOrEqual(acked);
      expect(position?.quantity).toBeLessThanOrEqual(acked + 1);
      for (let i = 0; i < acked; i++) {
        const retry = await store.applyTrade({ accountId: 'k', instrument: 'BTC-PERPETUAL', quantity: 1, idempotencyKey: `kill-${i}` });
        expect(retry.replayed).toBe(true);
      }
    } finally {
      await store.close();
    }
  });
});

describe('openStore', () => {
  it('opens SQLite for a path or a sqlite: URL and migrates it', async () => {
    for (const url of [freshFile(), `sqlite:${freshFile()}`, `sqlite://${freshFile()}`, ':memory:', 'sqlite::memory:']) {
      const store = await openStore(url);
      expect(store.backend).toBe('sqlite');
      await store.createAccount({ id: 'a', currency: 'USD', mode: 'cross' });
      await store.close();
    }
  });

  it('reports a database it cannot open as a coded error', async () => {
    await expect(openStore(join(dir, 'no-such-dir', 'x.db'))).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
