import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsCluster, natsServerBinary } from '../../src/bus/local-nats-cluster.js';
import { runWorker, type RunningWorker } from '../../src/server/cluster/run-worker.js';
import { startGateway, type RunningGateway } from '../../src/server/cluster/start-gateway.js';
import { dashboardDirectory } from '../../src/server/dashboard-static.js';

/**
 * End-to-end: the built dashboard (dist/web) served by a cluster gateway (`serve --nats`) on a real three-node NATS
 * JetStream cluster with two in-process engine workers, driven in Debian's Chromium by playwright-core. The page must
 * show the cluster page (docs/dashboard.md "Cluster mode") with the partitions owned by the two workers, the accounts'
 * margins as the gateway answers them, live events, and the partitions moving to the survivor when a worker stops.
 */
const CHROMIUM = process.env['CROSSMARGIN_CHROMIUM'] ?? '/usr/bin/chromium';
const ARTIFACTS = join('test-artifacts', 'e2e');
const browserReady = existsSync(CHROMIUM) && existsSync(join(dashboardDirectory(), 'index.html'));
const natsReady = natsServerBinary() !== undefined;
if (!browserReady) console.warn(`cluster dashboard e2e skipped: needs ${CHROMIUM} and a built dashboard (npm run build)`);
if (!natsReady) console.warn('cluster dashboard e2e skipped: needs nats-server (apt-get install nats-server)');

const TOPOLOGY = { partitions: 8, replicas: 3, duplicateWindowMs: 600_000 };
const WORKERS = ['dash-w1', 'dash-w2'];
const ACCOUNTS = ['dash-a', 'dash-b', 'dash-c', 'dash-d', 'dash-e'];
/** As the dashboard prints amounts (web/src/format.ts). */
const money = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

interface ClusterMargin {
  accountId: string;
  partition: number;
  initialMargin: number;
  equity: number;
  excess: number;
  currency: string;
  state: string;
}

describe.skipIf(!browserReady || !natsReady)('cluster dashboard in Chromium', () => {
  let cluster: NatsCluster;
  let gateway: RunningGateway;
  const workers: RunningWorker[] = [];
  let key: string;
  let browser: Browser;
  let page: Page;
  /** Everything the browser refused under the gateway's Content-Security-Policy (must stay empty). */
  const cspViolations: string[] = [];

  const api = async <T,>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    expect(response.status, `${method} ${path}: ${text}`).toBeLessThan(300);
    return JSON.parse(text) as T;
  };
  const account = (id: string, quantity: number) => ({ id, currency: 'USD', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity }], collateral: { USDC: 40_000 } });
  /** Owners of the partition cells as the page shows them, in partition order. */
  const shownOwners = () => page.getByTestId('partition-cell').evaluateAll((cells) => cells.map((c) => (c as unknown as { dataset: { owner: string } }).dataset.owner));

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    cluster = await NatsCluster.start();
    for (const id of WORKERS) {
      workers.push(await runWorker({ servers: cluster.servers, topology: TOPOLOGY, model: 'scenario-grid', id, leaseMs: 3_000, idleMs: 5, staleAfterMs: 3_600_000 }));
    }
    // The default dashboard directory (dist/web), as the e2e of the single-process service reads it.
    gateway = await startGateway({ servers: cluster.servers, topology: TOPOLOGY, db: ':memory:', host: '127.0.0.1', port: 0, logger: false, writeTimeoutMs: 30_000 });
    key = gateway.createdAdminKey!;
    // Dated now: a worker's engine runs on the wall clock, so the market is not stale.
    const market = { asOf: new Date().toISOString(), underlyings: { BTC: { index: 112_000, vol: { atm: 0.45 } }, ETH: { index: 4_160, vol: { atm: 0.65 } } }, fx: { USDC: 1 } };
    await api('POST', '/market', market);
    // Different sizes, so the excess differs and the table's order says something.
    for (const [i, id] of ACCOUNTS.entries()) await api('POST', '/accounts', account(id, i + 1));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    for (const w of workers.splice(0)) await w.stop();
    await cluster?.stop();
  }, 60_000);

  it('shows the cluster page: 8 partitions owned by the two workers, the margins worst excess first, live events', async () => {
    await page.goto(`${gateway.url}/#key=${encodeURIComponent(key)}`);
    await page.getByTestId('cluster-page').waitFor({ timeout: 15_000 });
    expect(page.url()).not.toContain(key);
    // The single-process pages and their nav are not there.
    expect(await page.locator('header nav a').allTextContents()).toEqual(['Cluster']);
    expect(await page.getByTestId('overview-table').count()).toBe(0);

    await expect.poll(() => page.getByTestId('partition-cell').count(), { timeout: 15_000 }).toBe(8);
    // Both workers hold partitions (each takes its fair share once it has seen the other's heartbeat).
    await expect.poll(async () => new Set(await shownOwners()), { timeout: 15_000 }).toEqual(new Set(WORKERS));
    const status = await api<{ partitions: { partition: number; owner: string }[] }>('GET', '/cluster');
    expect(status.partitions).toHaveLength(8);
    for (const w of WORKERS) await page.locator(`[data-testid="worker-legend"] li[data-worker="${w}"]`).waitFor({ timeout: 5_000 });
    expect(await page.getByTestId('partition-cell').first().getAttribute('aria-label')).toMatch(/^partition 0: owned by dash-w[12], applied log position \d+, lease \d+\.\d s left$/);
    expect(await page.getByTestId('workers-chart').getAttribute('data-y-axis')).toBe('partitions');
    await page.getByTestId('workers-chart').locator('canvas').first().waitFor({ timeout: 5_000 });

    // The margins table: every account with the gateway's figures, sorted by excess, worst first.
    const margins = await api<ClusterMargin[]>('GET', '/margins');
    expect(margins.map((m) => m.accountId).sort()).toEqual([...ACCOUNTS].sort());
    const table = page.getByTestId('cluster-margins');
    await expect.poll(() => table.locator('tbody tr').count(), { timeout: 10_000 }).toBe(ACCOUNTS.length);
    const worstFirst = [...margins].sort((a, b) => a.excess - b.excess).map((m) => m.accountId);
    expect(await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-account')))).toEqual(worstFirst);
    for (const m of margins) {
      const row = table.locator(`tr[data-account="${m.accountId}"]`);
      expect(await row.locator('[data-field="partition"]').textContent()).toBe(String(m.partition));
      expect(await row.locator('[data-field="initialMargin"]').textContent()).toBe(`${money(m.initialMargin)} ${m.currency}`);
      expect(await row.locator('[data-field="equity"]').textContent()).toBe(`${money(m.equity)} ${m.currency}`);
      expect(await row.locator('[data-field="excess"]').textContent()).toBe(`${money(m.excess)} ${m.currency}`);
      expect(await row.locator('[data-state]').getAttribute('data-state')).toBe(m.state);
    }

    // An account created while the page is open, levered past its initial margin (a new healthy account is no news:
    // derive-states.ts): its state transition arrives over the stream with its partition.
    await expect.poll(() => page.getByTestId('stream-status').textContent(), { timeout: 10_000 }).toBe('live');
    const late = await api<{ partition: number; margin: ClusterMargin }>('POST', '/accounts', account('dash-late', 4));
    expect(late.margin.state).not.toBe('healthy');
    // Newest first: the transition comes with its margin-call or liquidation signal, listed above it.
    const event = page.locator('[data-testid="cluster-events"] tr[data-account="dash-late"]', { hasText: `state-transition → ${late.margin.state}` });
    await event.waitFor({ timeout: 15_000 });
    expect(await event.locator('td').nth(1).textContent()).toBe(String(late.partition));
    expect(await event.locator('td').first().textContent()).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    await expect.poll(() => table.locator('tr[data-account="dash-late"] [data-state]').getAttribute('data-state'), { timeout: 5_000 }).toBe(late.margin.state);
    await expect.poll(() => page.getByTestId('market-as-of').textContent(), { timeout: 5_000 }).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
    await page.screenshot({ path: join(ARTIFACTS, 'cluster.png'), fullPage: true });
  }, 90_000);

  it('moves every partition to the surviving worker when one stops', async () => {
    const stopped = workers.shift()!;
    await stopped.stop(); // releases its leases: the survivor takes them on its next rounds
    await expect.poll(shownOwners, { timeout: 15_000, interval: 250 }).toEqual(Array.from({ length: 8 }, () => workers[0]!.id));
    await page.screenshot({ path: join(ARTIFACTS, 'cluster-failover.png'), fullPage: true });
    expect(cspViolations).toEqual([]);
  }, 30_000);
});
