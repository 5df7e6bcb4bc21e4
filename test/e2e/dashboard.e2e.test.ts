import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
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
/** As the dashboard prints an engine clock (web/src/format.ts utcMinute). */
const utcMinute = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
/** The unmarginable state's deep red and healthy's green (web/src/format.ts STATE_COLOURS), as computed styles. */
const UNMARGINABLE_RED = 'rgb(142, 0, 0)';
const HEALTHY_GREEN = 'rgb(46, 125, 50)';
/** A computed style of the element, read in the page (this file is compiled without the DOM library). */
const computed = (locator: Locator, property: 'color' | 'backgroundColor') =>
  locator.evaluate((e, p) => (globalThis as unknown as { getComputedStyle(x: unknown): Record<string, string> }).getComputedStyle(e)[p], property);

/** One API call against a running service with a key; fails the test on a non-2xx answer. */
async function call<T>(target: RunningService, key: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${target.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const detail = response.status < 300 ? '' : `: ${await response.clone().text()}`;
  expect(response.status, `${method} ${path}${detail}`).toBeLessThan(300);
  return (await response.json()) as T;
}

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
  // Collateral clear of liquidation on both markets the tests push (the service's liquidation driver would otherwise
  // close part of the short, and the tests below want its book as created): equity ≈ 33,300 against a maintenance
  // margin ≈ 19,100 at BTC 66,000, ≈ 41,900 against ≈ 16,400 at 60,000. The what-if test checks it had no plan.
  { id: 'e2e-short-call', currency: 'USD', mode: 'cross', positions: [{ instrument: 'BTC-27DEC24-70000-C', quantity: -3 }], collateral: { USDC: 60_000 } },
];

/** GET /accounts/:id/liquidation-plan (the fields the tests read); undefined when the account never had a plan (404). */
interface LiquidationPlanView {
  status: 'active' | 'completed' | 'cancelled';
  plan: {
    asOf: string;
    slices: { index: number; instrument: string; quantity: number; priceCurrency: string; expected: { equityAfter: number } }[];
    expected: { equity: number; maintenanceMargin: number };
  };
  fills: { slice: number; price: number; position: number }[];
  outcome?: { result: string; equity: number };
}
async function liquidationPlan(target: RunningService, key: string, accountId: string): Promise<LiquidationPlanView | undefined> {
  const response = await fetch(`${target.url}/accounts/${encodeURIComponent(accountId)}/liquidation-plan`, { headers: { authorization: `Bearer ${key}` } });
  if (response.status === 404) return undefined;
  expect(response.status, `GET liquidation-plan of ${accountId}: ${await response.clone().text()}`).toBe(200);
  return (await response.json()) as LiquidationPlanView;
}

/** A service of a test's own (its market moves touch no other test's accounts), its admin key and an API caller. */
async function ownService(db: string) {
  const other = await startService({ db: join(mkdtempSync(join(tmpdir(), 'crossmargin-e2e-')), db), host: '127.0.0.1', port: 0, model: 'scenario-grid', logger: false, print: () => undefined });
  const otherKey = other.createdAdminKey as string;
  const call2 = <T,>(method: string, path: string, body?: unknown): Promise<T> => call<T>(other, otherKey, method, path, body);
  return { other, otherKey, call2 };
}

describe.skipIf(!ready)('dashboard in Chromium', () => {
  let service: RunningService;
  let browser: Browser;
  let page: Page;
  let key: string;
  /** Everything the browser refused under the service's Content-Security-Policy (must stay empty). */
  const cspViolations: string[] = [];

  const api = <T,>(method: string, path: string, body?: unknown): Promise<T> => call<T>(service, key, method, path, body);
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
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
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

  it('layout at 1024 and 1400 px: the Events panel never covers the As-of column; charts have axis names with units', async () => {
    for (const width of [1400, 1024]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${service.url}/#/`);
      await page.getByTestId('overview-table').waitFor();
      const events = await page.locator('aside.events').boundingBox();
      const asOfHeader = page.locator('[data-testid="overview-table"] th', { hasText: 'As of' });
      await asOfHeader.scrollIntoViewIfNeeded();
      const column = await asOfHeader.boundingBox();
      const scroller = await page.locator('.table-scroll').boundingBox();
      expect(events, `width ${width}`).not.toBeNull();
      expect(column, `width ${width}`).not.toBeNull();
      const overlap = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
        a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
      expect(overlap(events!, column!), `width ${width}: Events ${JSON.stringify(events)} over As of ${JSON.stringify(column)}`).toBe(false);
      // The column is inside the page (scrolled to within its table's box), not cut off at the viewport's edge.
      expect(column!.x + column!.width, `width ${width}`).toBeLessThanOrEqual(Math.min(width, scroller!.x + scroller!.width) + 1);
      await page.screenshot({ path: join(ARTIFACTS, `overview-${width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1400, height: 1000 });
    // The header clock is the market's as-of, labelled.
    const market = await api<{ asOf: string }>('GET', '/market');
    await expect.poll(() => page.getByTestId('market-as-of').textContent()).toBe(utcMinute(Date.parse(market.asOf)));
    // Axis names with units: the waterfall (ECharts option, read back from the chart instance) and the model table's basis.
    await page.goto(`${service.url}/#/account/e2e-short-call`);
    await page.getByTestId('waterfall').locator('canvas').first().waitFor();
    await expect.poll(() => page.getByTestId('compare-basis').textContent()).toMatch(/^As of \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC, model live scenario-grid/);
    await expect.poll(() => page.getByTestId('profile-basis').textContent()).toMatch(/^As of .* UTC, model scenario-grid/);
    expect(await page.getByTestId('waterfall').getAttribute('data-y-axis')).toBe('margin (USD)');
    // uPlot's legend lists the series without a `--` for every value (a static legend).
    await page.getByTestId('profile-lines').locator('canvas').first().waitFor();
    expect(await page.getByTestId('profile-lines').locator('.u-legend').textContent()).not.toContain('--');
    // Back where the next test starts.
    await page.goto(`${service.url}/#/`);
    await page.getByTestId('overview-table').waitFor();
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
    const expected = await api<{ initialMargin: number; maintenanceMargin: number }>('POST', '/accounts/e2e-short-call/what-if', {
      trades: [{ instrument: 'BTC-27DEC24-70000-C', quantity: 2 }],
    });
    expect(await page.getByTestId('whatif-initialMargin').textContent()).toBe(money(expected.initialMargin));
    expect(await page.getByTestId('whatif-maintenanceMargin').textContent()).toBe(money(expected.maintenanceMargin));
    // The panel asks for the model's explanation and names the model.
    expect(await page.getByTestId('what-if-as-of').textContent()).toContain('model scenario-grid');
    const account = await api<{ positions: { instrument: string; quantity: number }[] }>('GET', '/accounts/e2e-short-call');
    expect(account.positions).toEqual([{ instrument: 'BTC-27DEC24-70000-C', quantity: -3 }]);
    // Nor did the liquidation driver touch it: never in liquidation on these markets, so it never had a plan.
    expect(await liquidationPlan(service, key, 'e2e-short-call')).toBeUndefined();
    // Now, After and Change come from that one answer (one market, its asOf): Change is After − Now on screen.
    const full = await api<{ asOf: string; before: Record<string, number>; after: Record<string, number>; change: Record<string, number> }>(
      'POST',
      '/accounts/e2e-short-call/what-if',
      { trades: [{ instrument: 'BTC-27DEC24-70000-C', quantity: 2 }] },
    );
    for (const f of ['initialMargin', 'maintenanceMargin', 'equity', 'excess']) {
      expect(await page.getByTestId(`whatif-before-${f}`).textContent()).toBe(money(full.before[f]!));
      expect(await page.getByTestId(`whatif-change-${f}`).textContent()).toBe(`${full.change[f]! >= 0 ? '+' : ''}${money(full.change[f]!)}`);
    }
    expect(await page.getByTestId('what-if-as-of').textContent()).toContain(utcMinute(Date.parse(full.asOf)));
    await shot('what-if');

    // "Max sell" asks the service for the largest order that keeps equity ≥ initial margin and fills it in; the
    // After column of the previous what-if is cleared (it no longer answers the rows).
    const max = await api<{ quantity: number }>('GET', '/accounts/e2e-short-call/max-order?instrument=BTC-27DEC24-70000-C&side=sell');
    await panel.getByRole('button', { name: 'Max sell' }).click();
    await expect.poll(() => page.getByTestId('what-if-result').count()).toBe(0);
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

  it('the dashboard and the API docs run under the Content-Security-Policy, which refuses inline scripts', async () => {
    // Every dashboard page above ran without a refusal.
    expect(cspViolations).toEqual([]);
    // A page of its own, so the tests after this one find `page` as they left it.
    const other = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const refused: string[] = [];
    other.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) refused.push(message.text());
    });
    try {
      await other.goto(`${service.url}/docs`);
      await other.locator('.swagger-ui .opblock').first().waitFor({ timeout: 20_000 });
      await other.screenshot({ path: join(ARTIFACTS, 'docs.png'), fullPage: true });
      expect(refused).toEqual([]);
      // The policy is in force: an injected inline script does not run. (A string, not a function: this file is
      // compiled without the DOM library.)
      await other.goto(`${service.url}/`);
      await other.evaluate("const script = document.createElement('script'); script.textContent = 'window.inlineRan = true'; document.body.append(script);");
      expect(await other.evaluate('window.inlineRan')).toBeUndefined();
      await expect.poll(() => refused.length).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  }, 60_000);

  it('an account the engine cannot margin is red with its reason on the overview, and its page shows the held-margin banner', async () => {
    // A service of its own: the market starts before the option's expiry and then jumps past it.
    const { other, otherKey, call2 } = await ownService('unmarginable.db');
    try {
      await call2('POST', '/market', market(66_000, 3_500, '2024-06-17T08:00:00Z'));
      // A short coin-settled BTC call with USDC collateral only: in the money at expiry it would need BTC to pay.
      await call2('POST', '/accounts', { id: 'e2e-expiring', currency: 'USD', mode: 'cross', positions: [{ instrument: 'BTC-28JUN24-60000-C', quantity: -1 }], collateral: { USDC: 100_000 } });
      await call2('POST', '/accounts', ACCOUNTS[0]);
      type Row = { accountId: string; state?: string; reason?: string; initialMargin?: number; equity?: number };
      const before = await call2<Row[]>('GET', '/margins');
      expect(before.find((r) => r.accountId === 'e2e-expiring')?.state).toBe('healthy');

      await page.goto(`${other.url}/#key=${encodeURIComponent(otherKey)}`);
      const row = page.locator('tr[data-account="e2e-expiring"]');
      await expect.poll(() => row.locator('[data-state]').getAttribute('data-state')).toBe('healthy');
      await expect.poll(() => page.getByTestId('stream-status').textContent(), { timeout: 10_000 }).toMatch(/^live/);

      // Past the expiry (28 Jun 08:00 UTC) with BTC at 70,000: the call settles in the money, no BTC to pay with.
      await call2('POST', '/market', market(70_000, 3_500, '2024-06-28T09:00:00Z'));
      const rows = await call2<Row[]>('GET', '/margins');
      const held = rows.find((r) => r.accountId === 'e2e-expiring')!;
      expect(held.state).toBe('unmarginable');
      expect(held.reason).toBeTruthy();
      const reason = held.reason!;

      // Overview: a red badge (not healthy's green) and a red row, the reason beside it; the held figures stay.
      await expect.poll(() => row.locator('[data-state]').getAttribute('data-state'), { timeout: 10_000 }).toBe('unmarginable');
      const badge = row.locator('[data-state="unmarginable"]');
      expect(await computed(badge, 'backgroundColor')).toBe(UNMARGINABLE_RED);
      expect(await computed(page.locator(`tr[data-account="${ACCOUNTS[0]!.id}"] [data-state]`), 'backgroundColor')).toBe(HEALTHY_GREEN);
      expect(await row.getAttribute('class')).toContain('unmarginable');
      expect(await computed(row.locator('td').first(), 'backgroundColor')).toBe('rgb(253, 236, 234)');
      expect(await row.locator('[data-field="reason"]').textContent()).toBe(reason);
      expect(await row.locator('[data-field="initialMargin"]').textContent()).toBe(money(held.initialMargin!));
      // The transition reached the event list over the WebSocket, red, with the reason.
      const event = page.locator('.events li[data-state="unmarginable"]').first();
      await expect.poll(() => event.textContent(), { timeout: 10_000 }).toContain(`e2e-expiring: healthy → unmarginable: ${reason}`);
      expect(await computed(event, 'color')).toBe(UNMARGINABLE_RED);
      // The state filter offers it, with its count; the chip in the toolbar says how many there are.
      expect(await page.getByTestId('unmarginable-count').textContent()).toBe('1 unmarginable');
      const filter = page.getByLabel('filter by state');
      expect(await filter.locator('option[value="unmarginable"]').textContent()).toBe('unmarginable (1)');
      await filter.selectOption('unmarginable');
      await expect.poll(() => page.locator('tbody tr[data-account]').count()).toBe(1);
      await shot('overview-unmarginable');
      await filter.selectOption('all');

      // Account page: the red banner with the reason and since when; the held figures; reduce-only what-if.
      const margin = await call2<{ state: string; equity: number; result: { initialMargin: number }; status: { reduceOnly: boolean }; unmarginable: { reason: string; code: string; since: number } }>(
        'GET',
        '/accounts/e2e-expiring/margin',
      );
      expect(margin.state).toBe('unmarginable');
      expect(margin.status.reduceOnly).toBe(true);
      await row.locator('a').click();
      const banner = page.getByTestId('unmarginable-banner');
      await banner.waitFor();
      const text = await banner.textContent();
      expect(text).toContain('Unmarginable — margin held at the last good figure; reduce-only');
      expect(text).toContain(margin.unmarginable.reason);
      expect(await page.getByTestId('unmarginable-since').textContent()).toBe(`since ${utcMinute(margin.unmarginable.since)}`);
      expect(await computed(banner, 'color')).toBe(UNMARGINABLE_RED);
      expect(await page.locator('h2 [data-state]').getAttribute('data-state')).toBe('unmarginable');
      await expect.poll(() => page.getByTestId('initial-margin').textContent()).toBe(money(margin.result.initialMargin));
      expect(await page.getByTestId('equity').textContent()).toBe(money(margin.equity));
      const panel = page.getByTestId('what-if');
      expect(await panel.getByTestId('reduce-only').textContent()).toContain('Reduce-only (unmarginable)');
      // Selling more of the short call would add risk: the service allows 0, and the panel says it is reduce-only.
      const max = await call2<{ quantity: number; reason: string }>('GET', '/accounts/e2e-expiring/max-order?instrument=BTC-28JUN24-60000-C&side=sell');
      expect(max.quantity).toBe(0);
      await panel.getByLabel('instrument 1').fill('BTC-28JUN24-60000-C');
      await panel.getByRole('button', { name: 'Max sell' }).click();
      await expect.poll(() => page.getByTestId('max-order').textContent()).toBe(`reduce-onlylargest sell: 0 (${max.reason})`);
      await shot('account-unmarginable');
    } finally {
      await other.close();
    }
  }, 90_000);

  it('an account a market move pushes into liquidation is liquidated by the service, and its page shows the plan the API has', async () => {
    // A service of its own, so the market move touches no other test's accounts.
    const { other, otherKey, call2 } = await ownService('liquidation.db');
    try {
      type Margin = { state: string; equity: number; result: { maintenanceMargin: number } };
      await call2('POST', '/market', market(66_000, 3_500, '2024-06-17T08:00:00Z'));
      // Long 2 BTC perpetuals bought at 66,000 on 21,000 USDC: healthy there (maintenance 19,800 on this model).
      const position = { instrument: 'BTC_USDC-PERPETUAL', quantity: 2, entryPrice: 66_000 };
      await call2('POST', '/accounts', { id: 'e2e-liquidated', currency: 'USD', mode: 'cross', positions: [position], collateral: { USDC: 21_000 } });
      const before = await call2<Margin>('GET', '/accounts/e2e-liquidated/margin');
      expect(before.state).toBe('healthy');
      expect(before.equity).toBeGreaterThanOrEqual(before.result.maintenanceMargin);
      expect(await liquidationPlan(other, otherKey, 'e2e-liquidated')).toBeUndefined();

      await page.goto(`${other.url}/#key=${encodeURIComponent(otherKey)}`);
      const row = page.locator('tr[data-account="e2e-liquidated"]');
      await expect.poll(() => row.locator('[data-state]').getAttribute('data-state')).toBe('healthy');
      await expect.poll(() => page.getByTestId('stream-status').textContent(), { timeout: 10_000 }).toMatch(/^live/);

      // BTC falls to 60,000: 12,000 lost, equity below maintenance. The driver plans and closes the long in slices.
      await call2('POST', '/market', market(60_000, 3_300, '2024-06-17T09:00:00Z'));
      let view: LiquidationPlanView | undefined;
      await expect
        .poll(
          async () => {
            view = await liquidationPlan(other, otherKey, 'e2e-liquidated');
            // A plan that ended still in liquidation is followed by another: wait for the last one.
            return view?.outcome?.result === 'still-in-liquidation' ? 'completed, planning again' : view?.status;
          },
          { timeout: 10_000 },
        )
        .toBe('completed');
      const { plan, fills, outcome } = view!;
      // Liquidated for real: slices were executed and the position is smaller, still long.
      expect(plan.slices.length).toBeGreaterThan(0);
      expect(fills.length).toBeGreaterThan(0);
      const after = await call2<{ positions: { instrument: string; quantity: number }[] }>('GET', '/accounts/e2e-liquidated');
      const left = after.positions.find((p) => p.instrument === position.instrument)?.quantity ?? 0;
      expect(left).toBeGreaterThanOrEqual(0);
      expect(left).toBeLessThan(position.quantity);
      expect(left).toBe(fills.at(-1)!.position);
      const margin = await call2<Margin>('GET', '/accounts/e2e-liquidated/margin');
      expect(margin.state).not.toBe('liquidation');

      // The overview heard it live: the completion in the event list, the row in its new state.
      await expect
        .poll(() => page.locator('.events li', { hasText: 'e2e-liquidated: liquidation complete' }).first().textContent(), { timeout: 10_000 })
        .toContain(`e2e-liquidated: liquidation complete (${outcome!.result}`);
      await expect.poll(() => row.locator('[data-state]').getAttribute('data-state'), { timeout: 10_000 }).toBe(margin.state);

      // The account page: the plan panel with the API's status, expected figures and slices.
      await row.locator('a').click();
      const panel = page.getByTestId('liquidation-plan');
      await panel.waitFor();
      expect(await page.getByTestId('account-id').textContent()).toBe('e2e-liquidated');
      await expect.poll(() => page.getByTestId('liquidation-status').textContent()).toBe(view!.status);
      const label = await page.getByTestId('liquidation-expected-label').textContent();
      expect(label).toMatch(/^Expected figures: computed at planning time/);
      expect(label).toContain(`on the market of ${plan.asOf.slice(0, 16).replace('T', ' ')}`);
      expect(await page.getByTestId('liquidation-expected-equity').textContent()).toBe(`${money(plan.expected.equity)} / ${money(plan.expected.maintenanceMargin)}`);
      // One row per slice, plus one per collateral conversion fill (numbered past the slices).
      const conversions = fills.filter((f) => f.slice >= plan.slices.length).length;
      const rows = page.getByTestId('liquidation-slices').locator('tbody tr[data-slice]');
      expect(await rows.count()).toBe(plan.slices.length + conversions);
      const executed = new Map(fills.map((f) => [f.slice, f]));
      for (const slice of plan.slices) {
        const cells = await rows.nth(slice.index).locator('td').allTextContents();
        expect(cells[0]).toBe(String(slice.index + 1));
        expect(cells[1]).toBe(slice.instrument);
        expect(cells[2]).toBe(slice.quantity.toLocaleString('en-US'));
        expect(cells[7]).toBe(money(slice.expected.equityAfter));
        const fill = executed.get(slice.index);
        expect(cells[9]).toBe(fill === undefined ? 'pending' : `${money(fill.price)} ${slice.priceCurrency}`);
      }
      const told = await page.getByTestId('liquidation-outcome').textContent();
      expect(told).toContain(`Outcome (${outcome!.result})`);
      expect(told).toContain(`equity ${money(outcome!.equity)}`);
      // The page's own figures are the account's after the liquidation.
      await expect.poll(() => page.getByTestId('equity').textContent()).toBe(money(margin.equity));
      expect(await page.getByTestId('maintenance-margin').textContent()).toBe(money(margin.result.maintenanceMargin));
      await shot('liquidation');
    } finally {
      await other.close();
    }
  }, 30_000);
});
