import { describe, expect, it } from 'vitest';
import { btcAccount, liveTestMarket, testEngine } from '../../engine/live/live-engine-test-fixtures.js';
import { catalogueLoader, compareOf, profileOf } from '../dashboard-routes.js';
import { answerEngineRequest as answerWith, answerOf, type EngineAnswer } from './engine-request.js';

const history = catalogueLoader();
const answerEngineRequest = (engine: Parameters<typeof answerWith>[0], owns: (id: string) => boolean, body: unknown): EngineAnswer => answerWith(engine, owns, body, history);

describe('answerEngineRequest (a gateway\'s engine request on the owner)', () => {
  it('answers what-if and maximum order for an owned account, and refuses the rest coded', async () => {
    const { engine } = testEngine();
    await engine.onMarket(liveTestMarket({ BTC: 66000 }));
    await engine.upsertAccount(btcAccount('btc-1', 1, 20000));
    const owns = (id: string) => id !== 'moving';
    const whatIf = answerEngineRequest(engine, owns, { op: 'what-if', accountId: 'btc-1', trades: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }] });
    expect(answerOf(whatIf)).toMatchObject({ accountId: 'btc-1', before: { initialMargin: 6600 }, after: { initialMargin: 13200 } });
    expect(answerOf(answerEngineRequest(engine, owns, { op: 'max-order', accountId: 'btc-1', instrument: 'BTC_USDC-PERPETUAL', side: 'buy' }))).toMatchObject({ accountId: 'btc-1', side: 'buy' });
    expect(answerEngineRequest(engine, owns, { op: 'what-if', accountId: 'moving', trades: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }] })).toMatchObject({ ok: false, code: 'UNAVAILABLE', field: 'accountId' });
    expect(answerEngineRequest(engine, owns, { op: 'what-if', accountId: 'nobody', trades: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }] })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(answerEngineRequest(engine, owns, { op: 'max-order', accountId: 'btc-1', instrument: 'BTC_USDC-PERPETUAL', side: 'up' })).toMatchObject({ ok: false, code: 'SCHEMA_INVALID', field: 'side' });
    expect(answerEngineRequest(engine, owns, { op: 'drop-table' })).toMatchObject({ ok: false, code: 'SCHEMA_INVALID', field: 'op' });
    expect(() => answerOf({ ok: false, code: 'NOT_A_CODE', message: 'x' })).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });

  it('answers the account\'s book, its profile and its comparison as the single-process routes compute them', async () => {
    const { engine } = testEngine();
    await engine.upsertAccount(btcAccount('btc-1', 2, 30000));
    const owns = () => true;
    // Before any market: the book is known, the views that need prices are refused as on the single-process service.
    expect(answerOf(answerEngineRequest(engine, owns, { op: 'account', accountId: 'btc-1' }))).toEqual({ positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2 }], collateral: { USDC: 30000 } });
    expect(answerEngineRequest(engine, owns, { op: 'profile', accountId: 'btc-1' })).toMatchObject({ ok: false, code: 'NOT_FOUND', field: 'market' });
    await engine.onMarket(liveTestMarket({ BTC: 66000 }));
    const query = { underlyings: ['BTC'], priceMoves: [-0.1, 0, 0.1], volMoves: [0] };
    const profile = answerOf(answerEngineRequest(engine, owns, { op: 'profile', accountId: 'btc-1', ...query }));
    expect(profile).toEqual(profileOf(engine, 'btc-1', query));
    expect(profile).toMatchObject({ accountId: 'btc-1', priceMoves: [-0.1, 0, 0.1], pnl: [[-13200, 0, 13200]] }); // one row per vol move, 2 BTC × ±6,600
    const compare = answerOf(answerEngineRequest(engine, owns, { op: 'compare', accountId: 'btc-1' }));
    expect(compare).toEqual(compareOf(engine, 'btc-1', history));
    expect(compare).toMatchObject({ accountId: 'btc-1', liveModel: engine.settings().model });
    expect(answerEngineRequest(engine, owns, { op: 'profile', accountId: 'btc-1', priceMoves: [Number.NaN] })).toMatchObject({ ok: false, code: 'SCHEMA_INVALID', field: 'priceMoves.0' });
    expect(answerEngineRequest(engine, owns, { op: 'compare', accountId: 'btc-1', extra: 1 })).toMatchObject({ ok: false, code: 'SCHEMA_INVALID' });
  });
});
