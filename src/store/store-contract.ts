import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CrossmarginError } from '../core/errors.js';
import type { Store } from './store.js';
import { describeLiquidationStoreContract } from './store-contract-liquidation.js';

/** Asserts that `promise` rejects with a CrossmarginError of `code` (naming `field` when given); returns it. */
export async function rejectsWith(promise: Promise<unknown>, code: string, field?: string): Promise<CrossmarginError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CrossmarginError);
  const coded = error as CrossmarginError;
  expect(coded.code).toBe(code);
  if (field !== undefined) expect(coded.field).toBe(field);
  return coded;
}

/**
 * The behaviour every `Store` must have, run against each backend (`sqlite-store.test.ts`, `postgres-store.test.ts`).
 * `openFresh` returns a store over an empty, migrated database.
 */
export function describeStoreContract(name: string, openFresh: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await openFresh();
    });
    afterEach(async () => {
      await store.close();
    });

    const at = (minute: number): string => new Date(Date.UTC(2024, 5, 17, 8, minute)).toISOString();


    it('creates, lists and gets accounts; a duplicate id is rejected', async () => {
      const created = await store.createAccount({ id: 'acct-2', currency: 'USD', mode: 'cross' });
      await store.createAccount({ id: 'acct-1', currency: 'BTC', mode: 'isolated' });
      expect(created.ownerKeyId).toBeUndefined();
      expect((await store.listAccounts()).map((a) => a.id)).toEqual(['acct-1', 'acct-2']);
      expect(await store.getAccount('acct-1')).toMatchObject({ id: 'acct-1', currency: 'BTC', mode: 'isolated', ownerKeyId: undefined });
      expect(await store.getAccount('nope')).toBeUndefined();
      await rejectsWith(store.createAccount({ id: 'acct-1', currency: 'USD', mode: 'cross' }), 'CONFLICT', 'id');
      await rejectsWith(store.createAccount({ id: 'acct-3', currency: 'USD', mode: 'both' as 'cross' }), 'SCHEMA_INVALID', 'mode');
    });

    it('sets absolute positions and collateral; zero removes; unknown accounts and bad numbers are rejected', async () => {
      await store.createAccount({ id: 'a', currency: 'USD', mode: 'cross' });
      await store.setPosition({ accountId: 'a', instrument: 'BTC-PERPETUAL', quantity: 25_000 });
      await store.setPosition({ accountId: 'a', instrument: 'BTC-27DEC24-60000-C', quantity: -10 });
      await store.setPosition({ accountId: 'a', instrument: 'BTC-PERPETUAL', quantity: 100 });
      await store.setPosition({ accountId: 'a', instrument: 'ETH-PERPETUAL', quantity: 5 });
      await store.setPosition({ accountId: 'a', instrument: 'ETH-PERPETUAL', quantity: 0 });
      expect(await store.listPositions('a')).toEqual([
        { accountId: 'a', instrument: 'BTC-27DEC24-60000-C', quantity: -10 },
        { accountId: 'a', instrument: 'BTC-PERPETUAL', quantity: 100 },
      ]);
      await store.setCollateral({ accountId: 'a', currency: 'BTC', amount: 1.2 });
      await store.setCollateral({ accountId: 'a', currency: 'USDC', amount: 50_000 });
      await store.setCollateral({ accountId: 'a', currency: 'BTC', amount: 1.5 });
      expect(await store.listCollateral('a')).toEqual([
        { accountId: 'a', currency: 'BTC', amount: 1.5 },
        { accountId: 'a', currency: 'USDC', amount: 50_000 },
      ]);
      await rejectsWith(store.setPosition({ accountId: 'ghost', instrument: 'X', quantity: 1 }), 'NOT_FOUND', 'accountId');
      await rejectsWith(store.setCollateral({ accountId: 'a', currency: 'BTC', amount: -1 }), 'SCHEMA_INVALID', 'amount');
      await rejectsWith(store.setPosition({ accountId: 'a', instrument: 'X', quantity: Number.NaN }), 'SCHEMA_INVALID', 'quantity');
    });

    it('applies a trade once per idempotency key: a retry returns the original result', async () => {
      await store.createAccount({ id: 'a', currency: 'USD', mode: 'cross' });
      const trade = { accountId: 'a', instrument: 'BTC-PERPETUAL', quantity: 10, idempotencyKey: 'k1' };
      const first = await store.applyTrade(trade);
      expect(first).toMatchObject({ position: 10, replayed: false });
      await store.applyTrade({ ...trade, quantity: 5, idempotencyKey: 'k2' });
      const retry = await store.applyTrade(trade);
      expect(retry).toEqual({ ...first, replayed: true });
      expect(await store.listPositions('a')).toEqual([{ accountId: 'a', instrument: 'BTC-PERPETUAL', quantity: 15 }]);
    });

    it('rejects a reused idempotency key with different content and changes nothing', async () => {
      await store.createAccount({ id: 'a', currency: 'USD', mode: 'cross' });
      await store.createAccount({ id: 'b', currency: 'USD', mode: 'cross' });
      await store.applyTrade({ accountId: 'a', instrument: 'BTC-PERPETUAL', quantity: 10, idempotencyKey: 'k' });
      await rejectsWith(store.applyTrade({ accountId: 'a', instrument: 'BTC-PERPETUAL', quantity: 11, idempotencyKey: 'k' }), 'CONFLICT', 'idempotencyKey');
      await rejectsWith(store.applyTrade({ accountId: 'a', instrument: 'ETH-PERPETUAL', quantity: 10, idempotencyKey: 'k' }), 'CONFLICT', 'idempotencyKey');
      expect(await store.listPositions('a')).toEqual([{ accountId: 'a', instrument: 'BTC-PERPETUAL', quantity: 10 }]);
      // Keys are per account: another account may use the same key.
      expect(await store.applyTrade({ accountId: 'b', instrument: 'BTC-PERPETUAL', quantity: 3, idempotencyKey: 'k' })).toMatchObject({ position: 3 });
    });

    it('applies concurrent retries of one key once, and concurrent distinct trades all', async () => {
      await store.createAccount({ id: 'a', currency: 'USD', mode: 'cross' });
      const retries = await Promise.all(
        Array.from({ length: 8 }, () => store.applyTrade({ accountId: 'a', instrument: 'X', quantity: 2, idempotencyKey: 'same' })),
      );
      expect(retries.filter((r) => !r.replayed)).toHaveLength(1);
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.applyTrade({ accountId: 'a', instrument: 'X', quantity: 1, idempotencyKey: `k${i}` })));
      expect(await store.listPositions('a')).toEqual([{ accountId: 'a', instrument: 'X', quantity: 22 }]);
    });

    it('keeps a position’s entry price through writes, trades and reads (absent stays absent)', async () => {
      await store.createAccount({ id: 'a', currency: 'USD', mode: 'cross', positions: [{ instrument: 'X', quantity: 2, entryPrice: 100 }, { instrument: 'Y', quantity: 1 }] });
      expect(await store.listPositions('a')).toEqual([
        { accountId: 'a', instrument: 'X', quantity: 2, entryPrice: 100 },
        { accountId: 'a', instrument: 'Y', quantity: 1 },
      ]);
      await store.applyTrade({ accountId: 'a', instrument: 'X', quantity: 1, idempotencyKey: 't', entryPrice: 110 });
      await store.setPositions('a', [{ instrument: 'Y', quantity: 4, entryPrice: 7.5 }]);
      expect(await store.listPositions('a')).toEqual([
        { accountId: 'a', instrument: 'X', quantity: 3, entryPrice: 110 },
        { accountId: 'a', instrument: 'Y', quantity: 4, entryPrice: 7.5 },
      ]);
      await rejectsWith(store.setPositions('a', [{ instrument: 'X', quantity: 1, entryPrice: -1 }]), 'SCHEMA_INVALID');
    });

    it('removes a position a trade brings to zero', async () => {
      await store.createAccount({ id: 'a', currency: 'USD', mode: 'cross' });
      await store.applyTrade({ accountId: 'a', instrument: 'X', quantity: 3, idempotencyKey: '1' });
      expect(await store.applyTrade({ accountId: 'a', instrument: 'X', quantity: -3, idempotencyKey: '2' })).toMatchObject({ position: 0 });
      expect(await store.listPositions('a')).toEqual([]);
    });

    it('leaves nothing behind when a multi-row write fails part-way', async () => {
      await store.createAccount({ id: 'a', currency: 'USD', mode: 'cross' });
      // The key row is inserted before the second account is found missing: the whole key must roll back.
      await rejectsWith(store.createApiKey({ role: 'account-holder', accountIds: ['a', 'missing'] }), 'NOT_FOUND', 'accountIds.1');
      expect(await store.listApiKeys()).toEqual([]);
      const admin = await store.createApiKey({ role: 'admin' });
      await rejectsWith(store.createAccount({ id: 'b', currency: 'USD', mode: 'cross', ownerKeyId: admin.record.id }), 'SCHEMA_INVALID', 'ownerKeyId');
      await rejectsWith(store.createAccount({ id: 'c', currency: 'USD', mode: 'cross', ownerKeyId: 'nokey' }), 'NOT_FOUND', 'ownerKeyId');
      await rejectsWith(store.applyTrade({ accountId: 'ghost', instrument: 'X', quantity: 1, idempotencyKey: 'k' }), 'NOT_FOUND', 'accountId');
      expect((await store.listAccounts()).map((x) => x.id)).toEqual(['a']);
    });

    it('keeps the latest market snapshot', async () => {
      expect(await store.latestMarketSnapshot()).toBeUndefined();
      await store.appendMarketSnapshot({ asOf: '2024-06-17T08:00:00Z', json: { underlyings: { BTC: { index: 66_000 } } } });
      const second = await store.appendMarketSnapshot({ asOf: '2024-06-17T08:01:00Z', json: { underlyings: { BTC: { index: 66_100 } } } });
      expect(await store.latestMarketSnapshot()).toEqual(second);
      expect(second.asOf).toBe('2024-06-17T08:01:00.000Z');
    });

    it('uploads, lists and activates versioned parameter sets', async () => {
      await store.uploadParameterSet({ model: 'span', version: '1', json: { scan: 0.1 } });
      await store.uploadParameterSet({ model: 'span', version: '2', json: { scan: 0.2 } });
      await store.uploadParameterSet({ model: 'var', version: '1', json: { alpha: 0.99 } });
      expect(await store.activeParameterSet('span')).toBeUndefined();
      await store.activateParameterSet('span', '1');
      await store.activateParameterSet('span', '2');
      expect(await store.activeParameterSet('span')).toMatchObject({ version: '2', json: { scan: 0.2 }, active: true });
      expect((await store.listParameterSets('span')).map((p) => [p.version, p.active])).toEqual([
        ['1', false],
        ['2', true],
      ]);
      expect(await store.listParameterSets()).toHaveLength(3);
      // Same content again is a no-op; other content under a stored version is rejected.
      expect(await store.uploadParameterSet({ model: 'span', version: '1', json: { scan: 0.1 } })).toMatchObject({ version: '1' });
      await rejectsWith(store.uploadParameterSet({ model: 'span', version: '1', json: { scan: 0.3 } }), 'CONFLICT', 'version');
      await rejectsWith(store.activateParameterSet('span', '9'), 'NOT_FOUND', 'version');
      expect(await store.activeParameterSet('span')).toMatchObject({ version: '2' });
    });

    it('appends events durably in order and lists them by account, since and cursor', async () => {
      await store.createAccount({ id: 'a', currency: 'USD', mode: 'cross' });
      await store.createAccount({ id: 'b', currency: 'USD', mode: 'cross' });
      const e1 = await store.appendEvent({ accountId: 'a', type: 'state-transition', payload: { from: 'healthy', to: 'margin-call' }, at: at(1) });
      const e2 = await store.appendEvent({ accountId: 'b', type: 'margin-call', payload: { shortfall: 10 }, at: at(2) });
      const e3 = await store.appendEvent({ accountId: 'a', type: 'liquidation', payload: { reason: 'equity < maintenance' }, at: at(3) });
      expect(e1.id).toBeLessThan(e2.id);
      expect(e2.id).toBeLessThan(e3.id);
      expect(await store.listEvents()).toEqual([e1, e2, e3]);
      expect(await store.listEvents({ accountId: 'a' })).toEqual([e1, e3]);
      expect(await store.listEvents({ since: at(2) })).toEqual([e2, e3]);
      expect(await store.listEvents({ afterId: e1.id, limit: 1 })).toEqual([e2]);
      await rejectsWith(store.appendEvent({ accountId: 'ghost', type: 'margin-call', payload: {}, at: at(4) }), 'NOT_FOUND', 'accountId');
      await rejectsWith(store.appendEvent({ accountId: 'a', type: 'boom' as 'margin-call', payload: {}, at: at(4) }), 'SCHEMA_INVALID', 'type');
      await rejectsWith(store.appendEvent({ accountId: 'a', type: 'margin-call', payload: {}, at: 'yesterday' }), 'SCHEMA_INVALID', 'at');
      expect(await store.listEvents()).toHaveLength(3);
    });

    it('keeps the audit log in order with the key that made each change', async () => {
      const a1 = await store.appendAudit({ keyId: 'k1', action: 'account.create', target: 'a', payload: { currency: 'USD' }, at: at(1) });
      const a2 = await store.appendAudit({ keyId: 'k2', action: 'trade', target: 'a', payload: { quantity: 1 }, at: at(2) });
      const a3 = await store.appendAudit({ keyId: 'k1', action: 'collateral.set', target: 'a', payload: null, at: at(3) });
      expect(await store.listAudit()).toEqual([a1, a2, a3]);
      expect(await store.listAudit({ keyId: 'k1' })).toEqual([a1, a3]);
      expect(await store.listAudit({ since: at(2), limit: 1 })).toEqual([a2]);
    });

    it('stores API keys hashed, verifies them and carries roles and owned accounts', async () => {
      await store.createAccount({ id: 'a', currency: 'USD', mode: 'cross' });
      const holder = await store.createApiKey({ role: 'account-holder', accountIds: ['a'], label: 'fund' });
      const officer = await store.createApiKey({ role: 'risk-officer' });
      await store.createAccount({ id: 'b', currency: 'USD', mode: 'cross', ownerKeyId: holder.record.id });
      expect(holder.plaintext).toMatch(/^cmk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      expect(await store.verifyApiKey(holder.plaintext)).toMatchObject({ id: holder.record.id, role: 'account-holder', accountIds: ['a', 'b'] });
      expect(await store.verifyApiKey(officer.plaintext)).toMatchObject({ role: 'risk-officer', accountIds: [] });
      expect(await store.getAccount('b')).toMatchObject({ ownerKeyId: holder.record.id });
      // A wrong secret under a real id, an unknown id and garbage are all just "not a key".
      const wrong = holder.plaintext.slice(0, -1) + (holder.plaintext.endsWith('A') ? 'B' : 'A');
      expect(await store.verifyApiKey(wrong)).toBeUndefined();
      expect(await store.verifyApiKey(`cmk_0000000000000000_${'x'.repeat(43)}`)).toBeUndefined();
      expect(await store.verifyApiKey('let me in')).toBeUndefined();
      const listed = await store.listApiKeys();
      expect(listed).toHaveLength(2);
      expect(JSON.stringify(listed)).not.toContain(holder.plaintext.slice(21));
      await rejectsWith(store.createApiKey({ role: 'admin', accountIds: ['a'] }), 'SCHEMA_INVALID', 'accountIds');
      const revoked = await store.revokeApiKey(officer.record.id, at(5));
      expect(revoked.revokedAt).toBe(at(5));
      expect(await store.verifyApiKey(officer.plaintext)).toBeUndefined();
      await rejectsWith(store.revokeApiKey(officer.record.id, at(6)), 'CONFLICT', 'id');
    });

    it('writes a batch of positions or balances in one transaction: one invalid row and nothing is written', async () => {
      const audit = { keyId: 'k', action: 'positions.set', target: 'a', payload: {}, at: at(1) };
      await store.createAccount({ id: 'a', currency: 'USD', mode: 'cross', positions: [{ instrument: 'X', quantity: 1 }], collateral: { USDC: 10 } });
      await rejectsWith(
        store.setPositions('a', [{ instrument: 'Y', quantity: 2 }, { instrument: 'Z', quantity: Number.NaN }], audit),
        'SCHEMA_INVALID',
      );
      await rejectsWith(store.setCollateralBalances('a', { BTC: 1, USDC: -5 }, { ...audit, action: 'collateral.set' }), 'SCHEMA_INVALID');
      // A bad audit entry rolls the change back too.
      await rejectsWith(store.setPositions('a', [{ instrument: 'Y', quantity: 2 }], { ...audit, at: 'not a date' }), 'SCHEMA_INVALID');
      await rejectsWith(store.setCollateralBalances('missing', { USDC: 1 }, audit), 'NOT_FOUND');
      await rejectsWith(store.createAccount({ id: 'b', currency: 'USD', mode: 'cross', positions: [{ instrument: 'X', quantity: 1 }], collateral: { USDC: -1 } }, audit), 'SCHEMA_INVALID');
      expect(await store.listPositions('a')).toEqual([{ accountId: 'a', instrument: 'X', quantity: 1 }]);
      expect(await store.listCollateral('a')).toEqual([{ accountId: 'a', currency: 'USDC', amount: 10 }]);
      expect(await store.getAccount('b')).toBeUndefined();
      expect(await store.listAudit()).toEqual([]);

      await store.setPositions('a', [{ instrument: 'X', quantity: 0 }, { instrument: 'Y', quantity: 2 }], audit);
      await store.setCollateralBalances('a', { USDC: 0, BTC: 1.5 }, (rows) => ({ ...audit, action: 'collateral.set', payload: { rows: rows.length } }));
      expect(await store.listPositions('a')).toEqual([{ accountId: 'a', instrument: 'Y', quantity: 2 }]);
      expect(await store.listCollateral('a')).toEqual([{ accountId: 'a', currency: 'BTC', amount: 1.5 }]);
      expect((await store.listAudit()).map((e) => [e.action, e.payload])).toEqual([
        ['positions.set', {}],
        ['collateral.set', { rows: 2 }],
      ]);
    });

    it('writes the audit entry of a change in its transaction; a replayed trade or a refused change has none', async () => {
      const audit = (action: string) => ({ keyId: 'k', action, target: 't', payload: {}, at: at(2) });
      await store.createAccount({ id: 'a', currency: 'USD', mode: 'cross' }, audit('account.create'));
      await rejectsWith(store.createAccount({ id: 'a', currency: 'USD', mode: 'cross' }, audit('account.create')), 'CONFLICT');
      await store.applyTrade({ accountId: 'a', instrument: 'X', quantity: 1, idempotencyKey: 't1' }, audit('trade.apply'));
      expect((await store.applyTrade({ accountId: 'a', instrument: 'X', quantity: 1, idempotencyKey: 't1' }, audit('trade.apply'))).replayed).toBe(true);
      const snap = await store.appendMarketSnapshot({ asOf: at(3), json: {} }, (r) => ({ ...audit('market.push'), payload: { snapshotId: r.id } }));
      const key = await store.createApiKey({ role: 'admin' }, (r) => ({ ...audit('key.create'), target: r.id }));
      await rejectsWith(store.revokeApiKey('nope', at(4), audit('key.revoke')), 'NOT_FOUND');
      const entries = await store.listAudit();
      expect(entries.map((e) => e.action)).toEqual(['account.create', 'trade.apply', 'market.push', 'key.create']);
      expect(entries[2]?.payload).toEqual({ snapshotId: snap.id });
      expect(entries[3]?.target).toBe(key.record.id);
    });
  });

  describeLiquidationStoreContract(name, openFresh);
}
