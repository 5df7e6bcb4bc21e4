import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardDirectory } from '../../src/server/dashboard-static.js';
import { startService, type RunningService } from '../../src/server/start-service.js';

/**
 * End-to-end: the built dashboard (dist/web) served by a real service on loopback, driven in Debian's Chromium by
 * playwright-core. Every number checked on screen is compared with what the API answers for the same thing.
 * Screenshots go to test-artifacts/e2e/ (not committed). `.ci/run` installs the chromium package.
 */
const CHROMIUM = process.env['CROSSMARGIN_CHROMIUM'] ?? '/usr/bin/chromium';
const ARTIFACTS = join('test-artifacts', 'e2e');
const ready = existsSync(CHROMIUM) && existsSync(join(dashboardDirectory(), 'index.html'));
if (!ready) console.warn(`dashboard e2e skipped: needs ${CHROMIUM} and a built dashboard (npm run build)`);

/** As the dashboard prints amounts (web/src/format.ts). */
const money = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function market(btc: number, eth: number, asOf: string) {
  return { asOf, underlyings: { BTC: { index: btc, rate: 0, vol: { atm: 0.55 } }, ETH: { index: eth, rate: 0, vol: { atm: 0.7 } } }, fx: { USDC: 1 } };
}

const ACCOUNTS = [
  { id: 'e2e-btc-long', currency: 'USD', mode: 'cross', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2 }], collateral: { USDC: 40_000 } },
  {
    id: 'e2e-spread',
    currency: 'USD',
    mode: 'cross',
    positions: [
      { instrument: 'BTC_USDC-PERPETUAL', quantity: 1 },
      { instrument: 'ETH_USDC-PERPETUAL', quantity: -15 },
    ],
    collateral: { USDC: 30_000 },
  },
  { id: 'e2e-short-call', currency: 'USD', mode: 'cross', positions: [{ instrument: 'BTC-27DEC24-70000-C', quantity: -3 }], collateral: { USDC: 45_000 } },
];

describe.skipIf(!ready)('dashboard in Chromium', () => {
  let service: RunningService;
  let browser: Browser;
  let page: Page;
  let key: string;

  const api = async <T,>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(response.status, `${method} ${path}`).toBeLessThan(300);
    return (await response.json()) as T;
  };
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    service = await startService({
      db: join(mkdtempSync(join(tmpdir(), 'crossmargin-e2e-')), 'e2e.db'),
      host: '127.0.0.1',
      port: 0,
      model: 'scenario-grid',
      logger: false,
      print: () => undefined,
    });
    key = service.createdAdminKey as string;
    await api('POST', '/market', market(66_000, 3_500, '2024-06-17T08:00:00Z'));
    for (const account of ACCOUNTS) await api('POST', '/accounts', account);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  it('the overview lists every account with the API’s equity and margins, and follows the market live', async () => {
    await page.goto(`${service.url}/#key=${encodeURIComponent(key)}`);
    await page.getByTestId('overview-table').waitFor();
    const rows = await api<{ accountId: string; equity: number; initialMargin: number; maintenanceMargin: number; state: string }[]>('GET', '/margins');
    expect(rows.map((r) => r.accountId).sort()).toEqual(ACCOUNTS.map((a) => a.id).sort());
    for (const r of rows) {
      const row = page.locator(`tr[data-account="${r.accountId}"]`);
      await expect.poll(() => row.locator('[data-field="initialMargin"]').textContent()).toBe(money(r.initialMargin));
      expect(await row.locator('[data-field="maintenanceMargin"]').textContent()).toBe(money(r.maintenanceMargin));
      expect(await row.locator('[data-field="equity"]').textContent()).toBe(money(r.equity));
      expect(await row.locator('[data-state]').getAttribute('data-state')).toBe(r.state);
    }
    // The key left the address bar.
    expect(page.url()).not.toContain(key);
    await expect.poll(() => page.getByTestId('stream-status').textContent(), { timeout: 10_000 }).toMatch(/^live/);
    await shot('overview');

    // A market move reaches the open page over the WebSocket, no reload.
    await api('POST', '/market', market(60_000, 3_300, '2024-06-17T09:00:00Z'));
    const after = await api<{ accountId: string; initialMargin: number }[]>('GET', '/margins');
    const moved = after.find((r) => r.accountId === 'e2e-btc-long')!;
    expect(moved.initialMargin).not.toBe(rows.find((r) => r.accountId === 'e2e-btc-long')!.initialMargin);
    await expect
      .poll(() => page.locator('tr[data-account="e2e-btc-long"] [data-field="initialMargin"]').textContent(), { timeout: 10_000 })
      .toBe(money(moved.initialMargin));

    // Search filters the table.
    await page.getByLabel('search accounts').fill('spread');
    await expect.poll(() => page.locator('tbody tr[data-account]').count()).toBe(1);
    await page.getByLabel('search accounts').fill('');
  }, 60_000);

  it('an account page shows the API’s margin, its components, the P&L profile and every other model', async () => {
    await page.locator('tr[data-account="e2e-short-call"] a').click();
    await page.getByTestId('account-id').waitFor();
    const margin = await api<{ equity: number; result: { initialMargin: number; maintenanceMargin: number; components: unknown[] } }>('GET', '/accounts/e2e-short-call/margin');
    await expect.poll(() => page.getByTestId('initial-margin').textContent()).toBe(money(margin.result.initialMargin));
    expect(await page.getByTestId('maintenance-margin').textContent()).toBe(money(margin.result.maintenanceMargin));
    expect(await page.getByTestId('equity').textContent()).toBe(money(margin.equity));
    await page.getByTestId('waterfall').locator('canvas').first().waitFor();
    await page.getByTestId('profile-lines').locator('canvas').first().waitFor();
    await page.getByTestId('profile-heatmap').locator('canvas').first().waitFor();
    const profile = await api<{ worst: { pnl: number } }>('GET', '/accounts/e2e-short-call/profile');
    expect(await page.getByTestId('worst-pnl').textContent()).toBe(money(profile.worst.pnl));
    const reverse = await api<{ directional: { moves: Record<string, number> } }>('GET', '/accounts/e2e-short-call/reverse-stress');
    const btc = reverse.directional.moves.BTC!;
    await expect.poll(() => page.getByTestId('reverse-stress').textContent(), { timeout: 20_000 }).toContain(`BTC ${btc > 0 ? '+' : ''}${(btc * 100).toFixed(1)} %`);
    const comparison = await api<{ models: { model: string; initialMargin?: number }[] }>('GET', '/accounts/e2e-short-call/compare');
    const table = page.getByTestId('compare');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(comparison.models.length);
    for (const m of comparison.models.filter((x) => x.initialMargin !== undefined)) {
      expect(await table.locator(`tr[data-model="${m.model}"] td.num`).first().textContent()).toBe(money(m.initialMargin!));
    }
    // Picking another model's row shows its components in the waterfall.
    await table.locator('tr[data-model="span"]').click();
    await expect.poll(() => page.getByTestId('waterfall-model').textContent()).toMatch(/^Margin components: span \(USD, not the live model\)/);
    await shot('account');
  }, 60_000);

  it('a what-if shows the margins the API computes for the same trades, and commits nothing', async () => {
    const panel = page.getByTestId('what-if');
    await panel.getByLabel('instrument 1').fill('BTC-27DEC24-70000-C');
    await panel.getByLabel('quantity 1').fill('2');
    await panel.getByRole('button', { name: 'Run what-if' }).click();
    await page.getByTestId('what-if-result').waitFor();
    const expected = await api<{ result: { initialMargin: number; maintenanceMargin: number } }>('POST', '/accounts/e2e-short-call/what-if', {
      trades: [{ instrument: 'BTC-27DEC24-70000-C', quantity: 2 }],
    });
    expect(await page.getByTestId('whatif-initialMargin').textContent()).toBe(money(expected.result.initialMargin));
    expect(await page.getByTestId('whatif-maintenanceMargin').textContent()).toBe(money(expected.result.maintenanceMargin));
    const account = await api<{ positions: { instrument: string; quantity: number }[] }>('GET', '/accounts/e2e-short-call');
    expect(account.positions).toEqual([{ instrument: 'BTC-27DEC24-70000-C', quantity: -3 }]);
    await shot('what-if');

    // "Max sell" asks the service for the largest order that keeps equity ≥ initial margin and fills it in.
    const max = await api<{ quantity: number }>('GET', '/accounts/e2e-short-call/max-order?instrument=BTC-27DEC24-70000-C&side=sell');
    await panel.getByRole('button', { name: 'Max sell' }).click();
    await expect.poll(() => page.getByTestId('max-order').textContent()).toContain(`largest sell: ${max.quantity.toLocaleString('en-US')}`);
    expect(await panel.getByLabel('quantity 1').inputValue()).toBe(String(-max.quantity));

    // A bad instrument gets the API's coded error on screen, naming the field.
    await panel.getByLabel('instrument 1').fill('BTC-NOPE');
    await panel.getByRole('button', { name: 'Run what-if' }).click();
    await expect.poll(() => panel.getByRole('alert').textContent()).toMatch(/^[A-Z_]+: .*trades\.0/);
  }, 60_000);

  it('the model lab draws calibrations over time, a backtest with its statistics, and stress results with Cover-1/2', async () => {
    await page.goto(`${service.url}/#/lab`);
    await page.getByTestId('calibration-chart').locator('canvas').first().waitFor({ timeout: 60_000 });
    await page.getByLabel('backtest account').selectOption('e2e-btc-long');
    await page.getByLabel('models').fill('scenario-grid');
    await page.getByRole('button', { name: 'Backtest' }).click();
    await page.getByTestId('backtest-stats').waitFor({ timeout: 60_000 });
    const report = await api<{ models: { model: string; summary: { exceptions: number; T: number } }[] }>('GET', '/lab/backtest?account=e2e-btc-long&models=scenario-grid&days=250');
    const row = page.getByTestId('backtest-stats').locator('tbody tr').first();
    const cells = await row.locator('td').allTextContents();
    expect(cells[0]).toBe('scenario-grid');
    expect(Number(cells[1])).toBe(report.models[0]!.summary.T);
    expect(Number(cells[2])).toBe(report.models[0]!.summary.exceptions);

    await page.getByRole('button', { name: 'Run the scenario library' }).click();
    await page.getByTestId('stress-table').waitFor({ timeout: 60_000 });
    const stress = await api<{ accounts: { accountId: string; equity: number }[]; cover: { cover1: number; cover2: number } }>('GET', '/lab/stress');
    const cover = await page.getByTestId('cover').textContent();
    expect(cover).toContain(`Cover-1: ${money(stress.cover.cover1)}`);
    expect(cover).toContain(`Cover-2: ${money(stress.cover.cover2)}`);
    for (const a of stress.accounts) {
      expect(await page.getByTestId('stress-table').locator('tr', { hasText: a.accountId }).locator('td.num').first().textContent()).toBe(money(a.equity));
    }
    await shot('lab');
  }, 120_000);
});
