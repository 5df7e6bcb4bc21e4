import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startService, type RunningService } from '../src/server/start-service.js';

/**
 * Issue 15: the demo shows liquidations happening. `serve --demo` replays the bundled BTC/ETH history over its demo
 * accounts; an account the market pushes into liquidation is planned and liquidated by the simulated executor, its
 * slices stored once each, the insurance fund's ledger moving with it.
 */
describe('the demo replay carries liquidations out', () => {
  let service: RunningService | undefined;
  afterAll(async () => {
    await service?.close();
  });

  it('a demo account is liquidated during the replay: a completed plan with its fills, and the fund ledger has its lines', async () => {
    service = await startService({
      db: join(mkdtempSync(join(tmpdir(), 'crossmargin-demo-')), 'demo.db'),
      host: '127.0.0.1',
      port: 0,
      model: 'scenario-grid',
      logger: false,
      demo: true,
      replaySpeed: 400,
      print: () => undefined,
    });
    const store = service.store;
    // The opening deposit is there from the start.
    expect((await store.insuranceFundBalances())['USDC']).toBeGreaterThan(0);
    const completed = async (): Promise<number> => {
      let n = 0;
      for (const account of await store.listAccounts()) {
        const plan = await store.latestLiquidationPlan(account.id);
        if (plan?.status === 'completed' && (await store.listLiquidationFills(plan.id)).length > 0) n++;
      }
      return n;
    };
    await expect.poll(completed, { timeout: 60_000, interval: 500 }).toBeGreaterThan(0);
    // Every fill of a plan is one slice, stored once; the ledger has more than the opening deposit.
    for (const account of await store.listAccounts()) {
      const plan = await store.latestLiquidationPlan(account.id);
      if (plan === undefined) continue;
      const slices = (await store.listLiquidationFills(plan.id)).map((f) => f.slice);
      expect(new Set(slices).size).toBe(slices.length);
    }
    expect((await store.listInsuranceFund()).length).toBeGreaterThan(1);
  }, 90_000);
});
