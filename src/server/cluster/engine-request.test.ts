import { describe, expect, it } from 'vitest';
import { btcAccount, liveTestMarket, testEngine } from '../../engine/live/live-engine-test-fixtures.js';
import { answerEngineRequest, answerOf } from './engine-request.js';

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
});
