import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_PARAMETER_SET } from '../src/server/demo-accounts.js';
import type { MarginService } from '../src/server/margin-service.js';
import { startService, type RunningService } from '../src/server/start-service.js';

/** `serve --demo` on a fresh SQLite file, replaying `daysPerSecond` history days per second. */
function startDemo(daysPerSecond: number): Promise<RunningService> {
  return startService({
    db: join(mkdtempSync(join(tmpdir(), 'crossmargin-demo-')), 'demo.db'),
    host: '127.0.0.1',
    port: 0,
    model: 'scenario-grid',
    logger: false,
    demo: true,
    replaySpeed: daysPerSecond,
    print: () => undefined,
  });
}

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
    service = await startDemo(400);
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
    // A penalty received or a deficit covered: some liquidation of the replay moves the fund (not necessarily the first).
    await expect.poll(async () => (await store.listInsuranceFund()).length, { timeout: 60_000, interval: 500 }).toBeGreaterThan(1);
  }, 90_000);
});

/**
 * Issue 16 (item 12): what a new user sees in the demo's first ticks. No account sits in liquidation with negative
 * equity unless a liquidation plan carries it out; the demo's initial/maintenance ratio above 1 shows margin calls
 * before liquidation; the replay starts late enough in the history for the model lab's defaults.
 */
describe('the demo on first open', () => {
  let service: RunningService | undefined;
  afterAll(async () => {
    await service?.close();
  });

  it('first ticks: margin calls, no unplanned negative equity in liquidation; the lab defaults run on the replay history', async () => {
    service = await startDemo(40);
    const running = service;
    const margins = (running.app as unknown as { marginService: MarginService }).marginService;
    // The demo's parameter set is active: initial margin above maintenance, so margin-call is a state between them.
    const active = (await running.store.listParameterSets(DEMO_PARAMETER_SET.model)).find((p) => p.active);
    expect(active?.version).toBe(DEMO_PARAMETER_SET.version);
    const ticks = 60;
    const start = await expect.poll(() => margins.engine.currentMarket()?.asOfMs, { timeout: 20_000 }).toBeDefined().then(() => margins.engine.currentMarket()!.asOfMs);
    const seen = new Set<string>();
    const unplanned: string[] = [];
    // Sampled while the first `ticks` days replay (one day per tick).
    while ((margins.engine.currentMarket()!.asOfMs - start) / 86_400_000 < ticks) {
      for (const id of margins.engine.accountIds()) {
        const m = margins.engine.margin(id);
        seen.add(m.state);
        if (m.state === 'liquidation' && m.equity < 0 && (await running.store.latestLiquidationPlan(id)) === undefined) unplanned.push(`${id} ${m.asOf} equity ${m.equity}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(unplanned).toEqual([]);
    expect(seen.has('margin-call')).toBe(true);
    // Where a liquidation ran, the account ends it healthy (flat), or its plan records the deficit the fund covered.
    for (const account of await running.store.listAccounts()) {
      const plan = await running.store.latestLiquidationPlan(account.id);
      if (plan?.status !== 'completed') continue;
      const m = margins.engine.margin(account.id);
      const outcome = plan.outcome as { deficit?: number; result?: string } | undefined;
      expect(outcome?.result, account.id).toBeDefined();
      if (m.equity < 0) expect(outcome?.deficit, `${account.id}: equity ${m.equity} after a completed plan`).toBeGreaterThan(0);
    }

    // The model lab's defaults (web/src/pages/lab-page.tsx): backtest 250 days of scenario-grid and hs-var, and the
    // calibration chart's 12 points 30 days apart over a 500-day lookback, on history up to the replay's market.
    const auth = { authorization: `Bearer ${running.createdAdminKey ?? ''}` };
    const backtest = await running.app.inject({ method: 'GET', url: '/lab/backtest?account=demo-btc-long&models=scenario-grid,hs-var&days=250', headers: auth });
    expect(backtest.statusCode, backtest.body).toBe(200);
    expect((backtest.json() as { models: unknown[] }).models).toHaveLength(2);
    const calibration = await running.app.inject({ method: 'GET', url: '/lab/calibration?underlyings=BTC,ETH&points=12&step=30', headers: auth });
    expect(calibration.statusCode, calibration.body).toBe(200);
  }, 120_000);
});
