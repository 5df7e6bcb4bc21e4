import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountStateRecord, Store } from './store.js';
import { rejectsWith } from './store-contract.js';

/**
 * The contract of the restart and liquidation part of `Store` (current-state rows, bulk reads, liquidation plans and
 * fills, the insurance-fund ledger), run by `describeStoreContract` against each backend.
 */
export function describeLiquidationStoreContract(name: string, openFresh: () => Promise<Store>): void {
  describe(`Store contract (account states, liquidation, insurance fund): ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await openFresh();
    });
    afterEach(async () => {
      await store.close();
    });

    const at = (minute: number): string => new Date(Date.UTC(2024, 5, 17, 8, minute)).toISOString();
    const audit = (action: string) => ({ keyId: 'system', action, target: 't', payload: {}, at: at(0) });


    function state(accountId: string, equity: number, extra: Partial<AccountStateRecord> = {}): AccountStateRecord {
      return { accountId, state: 'healthy', initialMargin: 10, maintenanceMargin: 5, equity, currency: 'USD', asOf: at(1), updatedAt: at(1), ...extra };
    }

    it('upserts 1,200 account-state rows in one market commit; a refused commit writes nothing', async () => {
      const ids = Array.from({ length: 1200 }, (_, i) => `s${String(i).padStart(4, '0')}`);
      await Promise.all(ids.map((id) => store.createAccount({ id, currency: 'USD', mode: 'cross' })));
      const unmarginable = { reason: 'no vol for BTC', code: 'MARKET_VOL_MISSING', field: 'underlyings.BTC.vol', since: 1_718_611_200_000 };
      // Given in reverse order, listed by account; one unmarginable row, one computed on no market yet.
      const rows = [...ids].reverse().map((id, i) =>
        i === 7 ? state(id, -1, { state: 'unmarginable', unmarginable }) : i === 8 ? state(id, 0, { asOf: '' }) : state(id, i),
      );
      const snapshot = await store.commitMarket({ asOf: at(1), json: { n: 1 }, accountStates: rows });
      const stored = await store.listAccountStates();
      expect(stored.map((s) => s.accountId)).toEqual(ids);
      expect(stored).toEqual([...rows].reverse());
      expect(stored.find((s) => s.state === 'unmarginable')).toEqual({ ...state(ids[1192] ?? '', -1), state: 'unmarginable', unmarginable });

      // The last row names an unknown account: the snapshot and every earlier chunk roll back.
      const updates = ids.map((id) => state(id, 1_000, { state: 'margin-call', updatedAt: at(2) }));
      await rejectsWith(store.commitMarket({ asOf: at(2), json: { n: 2 }, accountStates: [...updates, state('ghost', 1)] }), 'NOT_FOUND', 'accountId');
      // A bad row is refused before anything runs.
      await rejectsWith(
        store.commitMarket({ asOf: at(2), json: { n: 2 }, accountStates: [...updates.slice(0, 600), state('s0001', 1, { initialMargin: -1 })] }),
        'SCHEMA_INVALID',
        'initialMargin',
      );
      expect(await store.latestMarketSnapshot()).toEqual(snapshot);
      expect(await store.listAccountStates()).toEqual(stored);

      // Upserted: the next commit replaces the rows it names (the last row of an account wins) and keeps the others.
      await store.commitMarket({ asOf: at(3), json: { n: 3 }, accountStates: [...updates.slice(0, 700), state('s0000', 42)] });
      const after = await store.listAccountStates();
      expect(after).toHaveLength(1200);
      expect(after[0]).toEqual(state('s0000', 42));
      expect(after[1]).toEqual(updates[1]);
      expect(after[699]).toEqual(updates[699]);
      expect(after[700]).toEqual(stored[700]);
    });

    it('puts current-state rows in one transaction and lists every position and balance by account', async () => {
      for (const id of ['c', 'a', 'b']) await store.createAccount({ id, currency: 'USD', mode: 'cross' });
      await store.putAccountStates([state('b', 1), state('a', 2)]);
      // `updatedAt` is normalised like every timestamp; `asOf` names the market as its file wrote it.
      await store.putAccountStates([state('a', 3, { state: 'liquidation', asOf: '2024-06-17T08:01:00Z', updatedAt: '2024-06-17T08:01:00Z' })]);
      await store.putAccountStates([]);
      const expected = [state('a', 3, { state: 'liquidation', asOf: '2024-06-17T08:01:00Z' }), state('b', 1)];
      expect(await store.listAccountStates()).toEqual(expected);
      await rejectsWith(store.putAccountStates([state('c', 1), state('ghost', 1)]), 'NOT_FOUND', 'accountId');
      await rejectsWith(store.putAccountStates([state('c', 1), state('a', 1, { state: 'fine' as 'healthy' })]), 'SCHEMA_INVALID', 'state');
      await rejectsWith(store.putAccountStates([state('c', 1, { updatedAt: 'later' })]), 'SCHEMA_INVALID', 'updatedAt');
      await rejectsWith(store.putAccountStates([state('c', Number.NaN)]), 'SCHEMA_INVALID', 'equity');
      await rejectsWith(store.putAccountStates([state('c', 1, { asOf: 'monday' })]), 'SCHEMA_INVALID', 'asOf');
      expect(await store.listAccountStates()).toEqual(expected);

      await store.setPositions('b', [{ instrument: 'X', quantity: 1 }]);
      await store.setPositions('a', [{ instrument: 'Y', quantity: -2 }, { instrument: 'X', quantity: 3, entryPrice: 100 }]);
      await store.setCollateralBalances('b', { USDC: 5 });
      await store.setCollateralBalances('a', { USDC: 1, BTC: 0.5 });
      expect(await store.listAllPositions()).toEqual([
        { accountId: 'a', instrument: 'X', quantity: 3, entryPrice: 100 },
        { accountId: 'a', instrument: 'Y', quantity: -2 },
        { accountId: 'b', instrument: 'X', quantity: 1 },
      ]);
      expect(await store.listAllCollateral()).toEqual([
        { accountId: 'a', currency: 'BTC', amount: 0.5 },
        { accountId: 'a', currency: 'USDC', amount: 1 },
        { accountId: 'b', currency: 'USDC', amount: 5 },
      ]);
    });

    it('saves liquidation plans: a re-save is a no-op, other content or a second active plan is a conflict', async () => {
      await store.createAccount({ id: 'a', currency: 'USD', mode: 'cross' });
      await store.createAccount({ id: 'b', currency: 'USD', mode: 'cross' });
      expect(await store.latestLiquidationPlan('a')).toBeUndefined();
      const plan = { id: 'a@1', accountId: 'a', json: { slices: [{ instrument: 'X', quantity: -1 }] }, createdAt: at(5) };
      const saved = await store.saveLiquidationPlan(plan, (r) => ({ ...audit('liquidation.plan'), target: r.id }));
      expect(saved).toEqual({ ...plan, status: 'active' });
      expect(await store.saveLiquidationPlan(plan, audit('liquidation.plan'))).toEqual(saved);
      await rejectsWith(store.saveLiquidationPlan({ ...plan, json: { slices: [] } }), 'CONFLICT', 'id');
      await rejectsWith(store.saveLiquidationPlan({ ...plan, accountId: 'b' }), 'CONFLICT', 'id');
      await rejectsWith(store.saveLiquidationPlan({ ...plan, id: 'a@2', createdAt: at(6) }), 'CONFLICT', 'accountId');
      await rejectsWith(store.saveLiquidationPlan({ ...plan, id: 'g@1', accountId: 'ghost' }), 'NOT_FOUND', 'accountId');
      await rejectsWith(store.saveLiquidationPlan({ ...plan, id: 'a@3', createdAt: 'soon' }), 'SCHEMA_INVALID', 'createdAt');
      const other = await store.saveLiquidationPlan({ id: 'b@1', accountId: 'b', json: {}, createdAt: at(7) });
      expect(await store.getLiquidationPlan('a@1')).toEqual(saved);
      expect(await store.getLiquidationPlan('nope')).toBeUndefined();
      expect(await store.activeLiquidationPlans()).toEqual([saved, other]);
      expect((await store.listAudit()).map((e) => e.target)).toEqual(['a@1']);

      // Once the first plan has ended, the account may get a new one; the latest is the newest of any status.
      const ended = await store.completeLiquidationPlan({ planId: 'a@1', status: 'cancelled', outcome: { reason: 'recovered' }, at: at(8) });
      expect(ended).toEqual({ ...saved, status: 'cancelled', completedAt: at(8), outcome: { reason: 'recovered' } });
      expect(await store.saveLiquidationPlan(plan)).toEqual(ended);
      expect(await store.latestLiquidationPlan('a')).toEqual(ended);
      const next = await store.saveLiquidationPlan({ ...plan, id: 'a@2', createdAt: at(9) });
      expect(await store.latestLiquidationPlan('a')).toEqual(next);
      expect(await store.activeLiquidationPlans()).toEqual([other, next]);
    });

    it('applies a liquidation fill once per slice: position, balance never below 0, the fund’s penalty', async () => {
      await store.createAccount({
        id: 'a',
        currency: 'USD',
        mode: 'cross',
        positions: [{ instrument: 'X', quantity: 10, entryPrice: 100 }, { instrument: 'Z', quantity: 2, entryPrice: 50 }],
        collateral: { USD: 1_000 },
      });
      await store.createAccount({ id: 'b', currency: 'USD', mode: 'cross' });
      await store.saveLiquidationPlan({ id: 'p', accountId: 'a', json: {}, createdAt: at(1) });
      const fill = { planId: 'p', accountId: 'a', slice: 0, instrument: 'X', quantity: -4, price: 95, cashDelta: -300, cashCurrency: 'USD', fundReceived: 50, at: at(2) };
      const first = await store.applyLiquidationFill(fill, (r) => ({ ...audit('liquidation.fill'), payload: { position: r.position } }));
      expect(first).toEqual({ ...fill, position: 6, balance: 700, replayed: false });
      // A reduction keeps the entry price.
      expect(await store.listPositions('a')).toContainEqual({ accountId: 'a', instrument: 'X', quantity: 6, entryPrice: 100 });

      // A retry (even at another time) answers the original and writes nothing; other content is a conflict.
      expect(await store.applyLiquidationFill({ ...fill, at: at(3) }, audit('liquidation.fill'))).toEqual({ ...first, replayed: true });
      await rejectsWith(store.applyLiquidationFill({ ...fill, quantity: -5 }), 'CONFLICT', 'slice');
      await rejectsWith(store.applyLiquidationFill({ ...fill, fundReceived: 0 }), 'CONFLICT', 'slice');
      expect(await store.listCollateral('a')).toEqual([{ accountId: 'a', currency: 'USD', amount: 700 }]);
      expect(await store.insuranceFundBalances()).toEqual({ USD: 50 });
      expect((await store.listAudit()).map((e) => e.payload)).toEqual([{ position: 6 }]);

      // Closing the rest removes the position; the balance stops at 0 (the row goes, as a 0 balance does).
      const second = await store.applyLiquidationFill({ ...fill, slice: 1, quantity: -6, cashDelta: -900, fundReceived: 0 });
      expect(second).toMatchObject({ position: 0, balance: 0 });
      // Crossing zero leaves no entry price; a currency without a balance stays at 0.
      const third = await store.applyLiquidationFill({ ...fill, slice: 2, instrument: 'Z', quantity: -3, cashDelta: -1, cashCurrency: 'BTC', fundReceived: 0.01 });
      expect(third).toMatchObject({ position: -1, balance: 0 });
      expect(await store.listPositions('a')).toEqual([{ accountId: 'a', instrument: 'Z', quantity: -1 }]);
      expect(await store.listCollateral('a')).toEqual([]);
      expect(await store.insuranceFundBalances()).toEqual({ BTC: 0.01, USD: 50 });
      expect(await store.listInsuranceFund()).toEqual([
        { id: expect.any(Number), currency: 'USD', amount: 50, accountId: 'a', planId: 'p', reason: 'penalty', at: at(2) },
        { id: expect.any(Number), currency: 'BTC', amount: 0.01, accountId: 'a', planId: 'p', reason: 'penalty', at: at(2) },
      ]);
      expect(await store.listLiquidationFills('p')).toEqual([first, { ...second, replayed: false }, { ...third, replayed: false }]);
      expect(await store.listLiquidationFills('nope')).toEqual([]);

      await rejectsWith(store.applyLiquidationFill({ ...fill, planId: 'nope', slice: 3 }), 'NOT_FOUND', 'planId');
      await rejectsWith(store.applyLiquidationFill({ ...fill, accountId: 'ghost', slice: 3 }), 'NOT_FOUND', 'accountId');
      await rejectsWith(store.applyLiquidationFill({ ...fill, accountId: 'b', slice: 3 }), 'CONFLICT', 'accountId');
      await rejectsWith(store.applyLiquidationFill({ ...fill, slice: -1 }), 'SCHEMA_INVALID', 'slice');
      await rejectsWith(store.applyLiquidationFill({ ...fill, slice: 3, fundReceived: -1 }), 'SCHEMA_INVALID', 'fundReceived');
      await rejectsWith(store.applyLiquidationFill({ ...fill, slice: 3, price: Number.POSITIVE_INFINITY }), 'SCHEMA_INVALID', 'price');
      // A bad audit entry rolls the fill back: nothing of it is stored and the slice is still unapplied.
      await rejectsWith(store.applyLiquidationFill({ ...fill, slice: 3, instrument: 'Z', quantity: 1, cashDelta: 5 }, { ...audit('x'), at: 'never' }), 'SCHEMA_INVALID', 'at');
      expect(await store.listLiquidationFills('p')).toHaveLength(3);
      expect(await store.listPositions('a')).toEqual([{ accountId: 'a', instrument: 'Z', quantity: -1 }]);
      expect(await store.listCollateral('a')).toEqual([]);
      expect(await store.insuranceFundBalances()).toEqual({ BTC: 0.01, USD: 50 });

      // An ended plan takes no new slice, but a retry of an applied one still answers the original.
      await store.completeLiquidationPlan({ planId: 'p', status: 'completed', outcome: {}, at: at(4) });
      await rejectsWith(store.applyLiquidationFill({ ...fill, slice: 3 }), 'CONFLICT', 'planId');
      expect(await store.applyLiquidationFill(fill)).toEqual({ ...first, replayed: true });
    });

    it('applies concurrent retries of a plan save, a slice and a completion once', async () => {
      await store.createAccount({ id: 'a', currency: 'USD', mode: 'cross', positions: [{ instrument: 'X', quantity: 8 }], collateral: { USD: 100 } });
      await store.addInsuranceFundEntry({ currency: 'USD', amount: 50, reason: 'deposit', at: at(0) });
      const plan = { id: 'p', accountId: 'a', json: { n: 1 }, createdAt: at(1) };
      const saves = await Promise.all(Array.from({ length: 4 }, () => store.saveLiquidationPlan(plan)));
      expect(saves).toEqual(Array.from({ length: 4 }, () => ({ ...plan, status: 'active' })));
      const fill = { planId: 'p', accountId: 'a', slice: 0, instrument: 'X', quantity: -2, price: 1, cashDelta: -10, cashCurrency: 'USD', fundReceived: 1, at: at(2) };
      const fills = await Promise.all(Array.from({ length: 6 }, () => store.applyLiquidationFill(fill)));
      expect(fills.filter((r) => !r.replayed)).toHaveLength(1);
      const completion = { planId: 'p', status: 'completed' as const, outcome: {}, at: at(3), fundCover: { currency: 'USD', amount: 5, badDebt: 0 } };
      const completions = await Promise.all(Array.from({ length: 4 }, () => store.completeLiquidationPlan(completion)));
      expect(new Set(completions.map((c) => JSON.stringify(c))).size).toBe(1);
      expect(await store.listPositions('a')).toEqual([{ accountId: 'a', instrument: 'X', quantity: 6 }]);
      expect(await store.listCollateral('a')).toEqual([{ accountId: 'a', currency: 'USD', amount: 95 }]);
      expect(await store.insuranceFundBalances()).toEqual({ USD: 46 });
    });

    it('completes a plan: the fund’s cover credits the account and debits the fund; a repeat is a no-op', async () => {
      await store.createAccount({ id: 'a', currency: 'USD', mode: 'cross', collateral: { BTC: 0.1 } });
      await store.addInsuranceFundEntry({ currency: 'USD', amount: 1_000, reason: 'deposit', at: at(0) });
      const plan = await store.saveLiquidationPlan({ id: 'p', accountId: 'a', json: { slices: 1 }, createdAt: at(1) });
      const completion = {
        planId: 'p',
        status: 'completed' as const,
        outcome: { finalEquity: -290, covered: 250, badDebt: 40 },
        at: at(5),
        fundCover: { currency: 'USD', amount: 250, badDebt: 40 },
      };
      const done = await store.completeLiquidationPlan(completion, (r) => ({ ...audit('liquidation.complete'), payload: { status: r.status } }));
      expect(done).toEqual({ ...plan, status: 'completed', completedAt: at(5), outcome: completion.outcome });
      expect(await store.getLiquidationPlan('p')).toEqual(done);
      expect(await store.activeLiquidationPlans()).toEqual([]);
      expect(await store.listCollateral('a')).toEqual([
        { accountId: 'a', currency: 'BTC', amount: 0.1 },
        { accountId: 'a', currency: 'USD', amount: 250 },
      ]);
      expect(await store.insuranceFundBalances()).toEqual({ USD: 750 });
      expect((await store.listInsuranceFund()).map((e) => [e.reason, e.amount, e.accountId, e.planId])).toEqual([
        ['deposit', 1_000, undefined, undefined],
        ['cover', -250, 'a', 'p'],
      ]);

      // The same end again changes nothing (no second cover, no audit entry); the other end is a conflict.
      expect(await store.completeLiquidationPlan(completion, audit('liquidation.complete'))).toEqual(done);
      await rejectsWith(store.completeLiquidationPlan({ ...completion, status: 'cancelled' }), 'CONFLICT', 'status');
      await rejectsWith(store.completeLiquidationPlan({ ...completion, planId: 'nope' }), 'NOT_FOUND', 'planId');
      await rejectsWith(store.completeLiquidationPlan({ ...completion, status: 'done' as 'completed' }), 'SCHEMA_INVALID', 'status');
      await rejectsWith(store.completeLiquidationPlan({ ...completion, fundCover: { currency: 'USD', amount: -1, badDebt: 0 } }), 'SCHEMA_INVALID', 'fundCover.amount');
      expect(await store.insuranceFundBalances()).toEqual({ USD: 750 });
      expect((await store.listAudit()).map((e) => e.payload)).toEqual([{ status: 'completed' }]);

      // A cancellation without cover moves no money.
      await store.saveLiquidationPlan({ id: 'q', accountId: 'a', json: {}, createdAt: at(6) });
      expect(await store.completeLiquidationPlan({ planId: 'q', status: 'cancelled', outcome: null, at: at(7) })).toMatchObject({ status: 'cancelled', outcome: null });
      expect(await store.listInsuranceFund()).toHaveLength(2);
    });

    it('keeps the insurance-fund ledger: balances per currency, account filter and cursor paging', async () => {
      expect(await store.insuranceFundBalances()).toEqual({});
      expect(await store.listInsuranceFund()).toEqual([]);
      await store.createAccount({ id: 'a', currency: 'USD', mode: 'cross' });
      await store.saveLiquidationPlan({ id: 'p', accountId: 'a', json: {}, createdAt: at(1) });
      const e1 = await store.addInsuranceFundEntry({ currency: 'USD', amount: 500, reason: 'deposit', at: '2024-06-17T08:00:00Z' });
      const e2 = await store.addInsuranceFundEntry({ currency: 'BTC', amount: 1.5, reason: 'deposit', at: at(1) });
      const e3 = await store.addInsuranceFundEntry({ currency: 'USD', amount: -120.5, accountId: 'a', planId: 'p', reason: 'cover', at: at(2) });
      expect(e1).toEqual({ id: e1.id, currency: 'USD', amount: 500, reason: 'deposit', at: at(0) });
      expect(e1.id).toBeLessThan(e2.id);
      expect(e2.id).toBeLessThan(e3.id);
      expect(await store.insuranceFundBalances()).toEqual({ BTC: 1.5, USD: 379.5 });
      expect(await store.listInsuranceFund()).toEqual([e1, e2, e3]);
      expect(await store.listInsuranceFund({ accountId: 'a' })).toEqual([e3]);
      expect(await store.listInsuranceFund({ afterId: e1.id, limit: 1 })).toEqual([e2]);
      await rejectsWith(store.addInsuranceFundEntry({ currency: 'USD', amount: Number.NaN, reason: 'deposit', at: at(3) }), 'SCHEMA_INVALID', 'amount');
      await rejectsWith(store.addInsuranceFundEntry({ currency: '', amount: 1, reason: 'deposit', at: at(3) }), 'SCHEMA_INVALID', 'currency');
      await rejectsWith(store.addInsuranceFundEntry({ currency: 'USD', amount: 1, reason: '', at: at(3) }), 'SCHEMA_INVALID', 'reason');
      await rejectsWith(store.addInsuranceFundEntry({ currency: 'USD', amount: 1, reason: 'deposit', at: 'today' }), 'SCHEMA_INVALID', 'at');
      await rejectsWith(store.addInsuranceFundEntry({ currency: 'USD', amount: 1, accountId: 'ghost', reason: 'deposit', at: at(3) }), 'NOT_FOUND', 'accountId');
      await rejectsWith(store.addInsuranceFundEntry({ currency: 'USD', amount: 1, planId: 'nope', reason: 'deposit', at: at(3) }), 'NOT_FOUND', 'planId');
      await rejectsWith(store.listInsuranceFund({ limit: 0 }), 'SCHEMA_INVALID', 'limit');
      expect(await store.listInsuranceFund()).toHaveLength(3);
    });
  });
}
