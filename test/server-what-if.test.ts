import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CrossmarginError } from '../src/core/errors.js';
import type { MarginService } from '../src/server/margin-service.js';
import { startTestServer, testMarket, type TestServer } from './server-helpers.js';

/** POST /accounts/:id/what-if answers before, after and change on one market snapshot (issue 16, item 10). */
let s: TestServer;
let admin: { authorization: string };
const call = (method: 'GET' | 'POST', url: string, payload?: unknown) => s.app.inject({ method, url, headers: admin, ...(payload === undefined ? {} : { payload: payload as object }) });

interface Side {
  initialMargin: number;
  maintenanceMargin: number;
  equity: number;
  excess: number;
  state: string;
}
interface Answer extends Side {
  asOf: string;
  status: { excess: number };
  before: Side;
  after: Side;
  change: Omit<Side, 'state'> & { state: { before: string; after: string } };
}

const figures = ['initialMargin', 'maintenanceMargin', 'equity', 'excess'] as const;

beforeAll(async () => {
  s = await startTestServer();
  admin = s.auth(s.adminKey);
  await call('POST', '/market', testMarket(66_000, 3_500));
  const created = await call('POST', '/accounts', { id: 'w1', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2, entryPrice: 66_000 }], collateral: { USDC: 20_000 } });
  expect(created.statusCode).toBe(201);
});

afterAll(async () => {
  await s.close();
});

describe('what-if before/after/change', () => {
  it('closing a perpetual at the mark: change is after − before exactly, on the margin read at the same asOf', async () => {
    const margin = (await call('GET', '/accounts/w1/margin')).json() as { asOf: string; initialMargin: number; maintenanceMargin: number; equity: number; state: string; status: { excess: number } };
    const res = await call('POST', '/accounts/w1/what-if', { trades: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: -2 }] });
    expect(res.statusCode).toBe(200);
    const w = res.json() as Answer;
    expect(w.asOf).toBe(margin.asOf);
    expect(w.before).toEqual({ initialMargin: margin.initialMargin, maintenanceMargin: margin.maintenanceMargin, equity: margin.equity, excess: margin.status.excess, state: margin.state });
    // The top-level fields stay the after-state (older clients read them).
    expect(w.after).toEqual({ initialMargin: w.initialMargin, maintenanceMargin: w.maintenanceMargin, equity: w.equity, excess: w.status.excess, state: w.state });
    for (const f of figures) expect(w.change[f]).toBe(w.after[f] - w.before[f]);
    expect(w.change.state).toEqual({ before: w.before.state, after: w.after.state });
    // Closed: no margin left. Entered at the mark and closed at the mark: equity does not move.
    expect(w.after.initialMargin).toBe(0);
    expect(w.before.initialMargin).toBeGreaterThan(0);
    expect(w.change.equity).toBeCloseTo(0, 6);
  });

  it('an account the last update did not touch: before is evaluated on the what-if market, with the same asOf', async () => {
    // ETH only: the BTC account is not recomputed and its margin keeps the earlier asOf.
    expect((await call('POST', '/market', { asOf: '2024-06-17T09:00:00Z', underlyings: { ETH: { index: 3_600 } } })).statusCode).toBe(200);
    const margin = (await call('GET', '/accounts/w1/margin')).json() as { asOf: string; equity: number; initialMargin: number };
    expect(margin.asOf).toBe('2024-06-17T08:00:00Z');
    const w = (await call('POST', '/accounts/w1/what-if', { trades: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }] })).json() as Answer;
    expect(w.asOf).toBe('2024-06-17T09:00:00Z');
    // BTC did not move, so the before-state equals the (older) reported one.
    expect(w.before.equity).toBeCloseTo(margin.equity, 6);
    expect(w.before.initialMargin).toBeCloseTo(margin.initialMargin, 6);
    for (const f of figures) expect(w.change[f]).toBe(w.after[f] - w.before[f]);
    expect(w.change.initialMargin).toBeGreaterThan(0);
  });

  it('refuses (409 CONFLICT, both asOfs) when the before-state cannot be had on the what-if\'s market, and changes nothing', async () => {
    const service = (s.app as unknown as { marginService: MarginService }).marginService;
    const engine = service.engine;
    const marginBefore = (await call('GET', '/accounts/w1/margin')).json() as Record<string, unknown>;
    const events = (await call('GET', '/events')).json() as unknown[];
    // The account's margin is on an older market, and evaluating it with no trades on the current one fails.
    const figures = engine.marginFigures('w1');
    const margin = vi.spyOn(engine, 'marginFigures').mockImplementation(() => ({ ...figures, asOf: '2000-01-01T00:00:00Z' }));
    const realWhatIf = engine.whatIf.bind(engine);
    const whatIf = vi.spyOn(engine, 'whatIf').mockImplementation((id, trades) => {
      if (trades.length === 0) throw new CrossmarginError('ACCOUNT_UNMARGINABLE', 'not evaluable');
      return realWhatIf(id, trades);
    });
    try {
      const res = await call('POST', '/accounts/w1/what-if', { trades: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }] });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'CONFLICT', details: { accountId: 'w1', beforeAsOf: '2000-01-01T00:00:00Z' } });
    } finally {
      margin.mockRestore();
      whatIf.mockRestore();
    }
    expect((await call('GET', '/accounts/w1/margin')).json()).toEqual(marginBefore);
    expect((await call('GET', '/events')).json()).toEqual(events);
  });
});
