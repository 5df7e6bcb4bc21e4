import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testMarket, type TestServer } from './server-helpers.js';

/** Entry prices through the API (docs/accounts.md "Entry price"): stored, averaged by trades, counted in equity. */
let s: TestServer;
let admin: { authorization: string };
const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => s.app.inject({ method, url, headers: admin, ...(payload === undefined ? {} : { payload: payload as object }) });

beforeAll(async () => {
  s = await startTestServer();
  admin = s.auth(s.adminKey);
  await call('POST', '/market', testMarket(66_000, 3_500));
});

afterAll(async () => {
  await s.close();
});

describe('entry prices', () => {
  it('equity counts unrealised P&L from the entry price of a stored position', async () => {
    const created = await call('POST', '/accounts', { id: 'e1', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2, entryPrice: 60_000 }], collateral: { USDC: 20_000 } });
    expect(created.statusCode).toBe(201);
    expect(created.json().positions).toEqual([{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2, entryPrice: 60_000 }]);
    const margin = (await call('GET', '/accounts/e1/margin')).json() as { equity: number };
    expect(margin.equity).toBeCloseTo(20_000 + 2 * 6_000, 8);
  });

  it('a trade at the mark averages the entry; at an explicit price it uses that price; equity follows the market', async () => {
    await call('POST', '/accounts', { id: 'e2', positions: [], collateral: { USDC: 50_000 } });
    expect((await call('POST', '/accounts/e2/trades', { instrument: 'BTC_USDC-PERPETUAL', quantity: 1, idempotencyKey: 'a' })).statusCode).toBe(200);
    expect((await call('POST', '/accounts/e2/trades', { instrument: 'BTC_USDC-PERPETUAL', quantity: 1, idempotencyKey: 'b', price: 70_000 })).statusCode).toBe(200);
    const account = (await call('GET', '/accounts/e2')).json() as { positions: { entryPrice?: number }[] };
    expect(account.positions[0]?.entryPrice).toBeCloseTo(68_000, 8);
    // Filled at 66,000 and 70,000, marked at 66,000: −4,000 unrealised.
    expect(((await call('GET', '/accounts/e2/margin')).json() as { equity: number }).equity).toBeCloseTo(46_000, 8);
    await call('POST', '/market', testMarket(71_000, 3_500, '2024-06-17T09:00:00Z'));
    expect(((await call('GET', '/accounts/e2/margin')).json() as { equity: number }).equity).toBeCloseTo(50_000 + 2 * 3_000, 8);
    // A what-if adds at the mark: no change in equity from the fill itself.
    const whatIf = (await call('POST', '/accounts/e2/what-if', { trades: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 3 }] })).json() as { equity: number };
    expect(whatIf.equity).toBeCloseTo(56_000, 8);
  });

  it('an entry price on an option is refused before anything is written, naming the field', async () => {
    const res = await call('POST', '/accounts', { id: 'e3', positions: [{ instrument: 'BTC-27DEC24-70000-C', quantity: 1, entryPrice: 5_000 }], collateral: { USDC: 1_000 } });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'SCHEMA_INVALID', field: 'positions.0.entryPrice' });
    expect((await call('GET', '/accounts/e3')).statusCode).toBe(404);
  });
});
