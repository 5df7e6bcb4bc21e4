import { describe, expect, it } from 'vitest';
import type { EngineEvent } from './engine-event.js';
import { btcAccount, liveTestMarket, testEngine } from './live-engine-test-fixtures.js';

const T0 = 1_718_611_200_000;
const updates = [
  { update: liveTestMarket({ BTC: 66000, ETH: 3500 }, '2024-06-17T08:00:00Z').toJSON(), at: T0 },
  // A 40 % jump: held.
  { update: liveTestMarket({ BTC: 92400, ETH: 3510 }, '2024-06-17T08:00:01Z').toJSON(), at: T0 + 1_000 },
  // Older than the market: refused, skipped.
  { update: liveTestMarket({ BTC: 1, ETH: 1 }, '2024-06-17T07:00:00Z').toJSON(), at: T0 + 1_500 },
  { update: liveTestMarket({ BTC: 66100, ETH: 3520 }, '2024-06-17T08:00:02Z').toJSON(), at: T0 + 2_000 },
  // Another jump, held at the end.
  { update: liveTestMarket({ BTC: 99000, ETH: 3530 }, '2024-06-17T08:00:03Z').toJSON(), at: T0 + 3_000 },
];

describe('LiveEngine.onMarkets (several market updates in one tick, issue 17)', () => {
  it('leaves the guard, the market, the staleness and the spike events a tick per update would', async () => {
    const one = testEngine();
    const batched = testEngine();
    for (const { engine } of [one, batched]) await engine.upsertAccount(btcAccount('btc-1', 1, 20000));
    for (const { update, at } of updates) await one.engine.onMarket(update, { at }).catch(() => undefined);
    const result = await batched.engine.onMarkets(updates);

    expect(result.refused.map((r) => [r.index, r.error.code, r.error.field])).toEqual([[2, 'MARKET_DATA_INVALID', 'asOf']]);
    expect(result.held).toEqual(['BTC']);
    expect(batched.engine.checkpoint()).toEqual(one.engine.checkpoint());
    expect(batched.engine.checkpoint().guard.BTC).toEqual({ lastAccepted: 66100, held: 99000 });
    // Each underlying stamped with its own update's time, not the engine clock's.
    expect(batched.engine.checkpoint().lastUpdate).toEqual({ BTC: T0 + 2_000, ETH: T0 + 3_000 });
    expect(batched.engine.currentMarket()?.toJSON()).toEqual(one.engine.currentMarket()?.toJSON());
    // The same figures; the batch re-margined on the market after them all (the tick per update left btc-1 at the
    // market of its last BTC change, the last update moving only ETH).
    expect({ ...batched.engine.marginFigures('btc-1'), asOf: '' }).toEqual({ ...one.engine.marginFigures('btc-1'), asOf: '' });
    expect(batched.engine.marginFigures('btc-1').asOf).toBe('2024-06-17T08:00:03Z');
    const spikes = (events: readonly EngineEvent[]) => events.filter((e) => e.type.startsWith('spike-'));
    expect(spikes(batched.sink.events)).toEqual(spikes(one.sink.events));
    expect(spikes(batched.sink.events).map((e) => [e.type, e.at])).toEqual([
      ['spike-held', T0 + 1_000],
      ['spike-dropped', T0 + 2_000],
      ['spike-held', T0 + 3_000],
    ]);
  });

  it('changes nothing when every update is refused', async () => {
    const { engine, sink } = testEngine();
    await engine.onMarket(liveTestMarket({ BTC: 66000 }, '2024-06-17T08:00:00Z'));
    const before = { checkpoint: engine.checkpoint(), market: engine.currentMarket(), events: sink.events.length };
    const result = await engine.onMarkets([{ update: liveTestMarket({ BTC: 1 }, '2024-06-17T07:00:00Z').toJSON() }]);
    expect(result).toMatchObject({ recomputed: [], accepted: [], held: [] });
    expect(result.refused).toHaveLength(1);
    expect({ checkpoint: engine.checkpoint(), market: engine.currentMarket(), events: sink.events.length }).toEqual(before);
    await expect(engine.onMarket(liveTestMarket({ BTC: 1 }, '2024-06-17T07:00:00Z'))).rejects.toMatchObject({ code: 'MARKET_DATA_INVALID', field: 'asOf' });
  });
});
