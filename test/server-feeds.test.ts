import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFeed } from '../src/server/feeds/feed.js';
import { HistoryReplayFeed } from '../src/server/feeds/history-replay-feed.js';
import { RecordedFeedFile } from '../src/server/feeds/recorded-feed-file.js';
import type { MarginService } from '../src/server/margin-service.js';
import { tempFiles } from './cli-helpers.js';
import { startTestServer, testMarket, type TestServer } from './server-helpers.js';

let s: TestServer;
let service: MarginService;

beforeAll(async () => {
  s = await startTestServer();
  service = (s.app as unknown as { marginService: MarginService }).marginService;
  await service.createAccount({ id: 'f1', currency: 'USD', mode: 'cross', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }], collateral: { USDC: 20_000 } }, { keyId: 'test' });
});

afterAll(async () => {
  await s.close();
});

describe('feeds', () => {
  it('pushes a recorded feed file (JSON lines) through the service, skipping comments and blank lines', async () => {
    const lines = [JSON.stringify(testMarket(60_000, 3_000, '2024-06-17T08:00:00Z')), '# a comment', '', JSON.stringify(testMarket(61_000, 3_000, '2024-06-17T08:01:00Z'))];
    const path = tempFiles().write('feed.jsonl', `${lines.join('\n')}\n`);
    const pushed = await runFeed(new RecordedFeedFile(path), service, { signal: new AbortController().signal });
    expect(pushed).toBe(2);
    expect(service.margin('f1').result.initialMargin).toBeCloseTo(6_100, 6);
    expect((await s.store.listAudit()).filter((e) => e.keyId === 'feed:recorded-file')).toHaveLength(2);
  });

  it('replays bundled history days at the chosen speed and stops when aborted', async () => {
    const feed = new HistoryReplayFeed({ underlyings: ['BTC', 'ETH'], daysPerSecond: 200, after: '2024-06-17T08:01:00Z' });
    const stop = new AbortController();
    let seen = 0;
    const pushed = await runFeed(feed, service, {
      signal: stop.signal,
      onSnapshot: () => {
        if (++seen === 3) stop.abort();
      },
    });
    expect(pushed).toBe(3);
    expect(Date.parse(service.engine.currentMarket()?.asOf ?? '')).toBeGreaterThan(Date.parse('2024-06-17T08:01:00Z'));
  });
});

describe('limits', () => {
  it('refuses a body over the size limit with 413 and a coded body', async () => {
    const big = { ...testMarket(60_000, 3_000, '2025-01-01T00:00:00Z'), pad: 'x'.repeat(1_100_000) };
    const r = await s.app.inject({ method: 'POST', url: '/market', headers: s.auth(s.adminKey), payload: big });
    expect(r.statusCode).toBe(413);
    expect(r.json().code).toBeDefined();
  });
});
