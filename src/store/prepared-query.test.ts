import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runMigrations } from './migrations/run-migrations.js';
import { prepared, preparedBatch } from './prepared-query.js';
import { openSqliteConnection } from './sqlite-store.js';
import type { StoreConnection } from './store-connection.js';

describe('prepared', () => {
  let connection: StoreConnection;
  beforeEach(async () => {
    connection = openSqliteConnection(':memory:');
    await runMigrations(connection);
  });
  afterEach(() => connection.close());

  it('binds new values on every run, constants kept, in a transaction or not', async () => {
    const insert = prepared((db, id: string, createdAt: string) => db.insertInto('accounts').values({ id, currency: 'USD', mode: 'cross', owner_key_id: null, created_at: createdAt }));
    const select = prepared((db, id: string) => db.selectFrom('accounts').select(['id', 'currency', 'created_at']).where('id', '=', id));
    await connection.write(async (tx) => {
      await insert(tx, 'a', '2024-06-17T08:00:00.000Z');
      await insert(tx, 'b', '2024-06-17T09:00:00.000Z');
    });
    expect((await connection.statement((db) => select(db, 'b'))).rows).toEqual([{ id: 'b', currency: 'USD', created_at: '2024-06-17T09:00:00.000Z' }]);
    expect((await connection.read((tx) => select(tx, 'a'))).rows).toEqual([{ id: 'a', currency: 'USD', created_at: '2024-06-17T08:00:00.000Z' }]);
    expect((await connection.statement((db) => select(db, 'c'))).rows).toEqual([]);
  });

  it('refuses a statement that does not pass each value to the builder as it is', async () => {
    const computed = prepared((db, id: string) => db.selectFrom('accounts').select('id').where('id', '=', `${id}-x`));
    await expect(connection.statement((db) => computed(db, 'a'))).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('runs a batch statement for any number of rows, compiled once per size', async () => {
    const insert = preparedBatch(['id', 'created_at'], (db, rows: readonly { id: string; created_at: string }[]) =>
      db.insertInto('accounts').values(rows.map((row) => ({ ...row, currency: 'USD', mode: 'cross' as const, owner_key_id: null }))),
    );
    const existing = preparedBatch(['id'], (db, rows: readonly { id: string }[]) => db.selectFrom('accounts').select('id').where('id', 'in', rows.map((row) => row.id)).orderBy('id'));
    await connection.write((tx) => insert(tx, [{ id: 'a', created_at: 'x' }, { id: 'b', created_at: 'y' }]));
    await connection.write((tx) => insert(tx, [{ id: 'c', created_at: 'z' }]));
    await connection.write((tx) => insert(tx, [{ id: 'd', created_at: 'w' }, { id: 'e', created_at: 'v' }]));
    expect((await connection.statement((db) => existing(db, [{ id: 'e' }, { id: 'nope' }, { id: 'a' }]))).rows).toEqual([{ id: 'a' }, { id: 'e' }]);
    expect((await connection.statement((db) => existing(db, [{ id: 'c' }]))).rows).toEqual([{ id: 'c' }]);
  });
});
