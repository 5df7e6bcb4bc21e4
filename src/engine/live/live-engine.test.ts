import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../../core/errors.js';
import type { EngineEvent, EventSink } from './engine-event.js';
import { LiveEngine, type AccountStateRow } from './live-engine.js';
import { btcAccount, ethAccount, liveTestMarket, ManualClock, testEngine } from './live-engine-test-fixtures.js';

const PERP = 'BTC_USDC-PERPETUAL';

describe('LiveEngine exposure index', () => {
  it('a BTC update recomputes only BTC-exposed accounts; the ETH account is untouched', async () => {
    const { engine, clock } = testEngine();
    await engine.onMarket(liveTestMarket({ BTC: 66000, ETH: 3500 }));
    await engine.upsertAccount(btcAccount('btc-1', 1, 20000));
    await engine.upsertAccount(btcAccount('btc-2', 2, 20000));
    await engine.upsertAccount(ethAccount('eth-1', 10, 20000));
    const ethBefore = engine.margin('eth-1');
    clock.advance(1000);

    const update = await engine.onMarket(liveTestMarket({ BTC: 67000 }, '2024-06-17T08:00:01Z'));
    expect(update.recomputed).toEqual(['btc-1', 'btc-2']);
    expect(update.accepted).toEqual(['BTC']);
    expect(engine.margin('btc-1').result.initialMargin).toBeCloseTo(6700, 6);
    expect(engine.margin('btc-2').result.initialMargin).toBeCloseTo(13400, 6);
    const ethAfter = engine.margin('eth-1');
    expect(ethAfter.computedAt).toBe(ethBefore.computedAt);
    expect(ethAfter.result).toEqual(ethBefore.result);
    // ETH kept its last value in the merged market.
    expect(engine.currentMarket()?.underlying('ETH').index).toBe(3500);
  });

  it('an update that changes nothing recomputes nothing; an ETH update recomputes only ETH accounts', async () => {
    const { engine, clock } = testEngine();
    await engine.onMarket(liveTestMarket({ BTC: 66000, ETH: 3500 }));
    await engine.upsertAccount(btcAccount('btc-1', 1, 20000));
    await engine.upsertAccount(ethAccount('eth-1', 10, 20000));
    clock.advance(1000);
    expect((await engine.onMarket(liveTestMarket({ BTC: 66000, ETH: 3500 }))).recomputed).toEqual([]);
    expect((await engine.onMarket(liveTestMarket({ ETH: 3600 }))).recomputed).toEqual(['eth-1']);
  });

  it('a trade moves the account in the index (a BTC account that buys ETH is recomputed on ETH updates)', async () => {
    const { engine } = testEngine();
    await engine.onMarket(liveTestMarket({ BTC: 66000, ETH: 3500 }));
    await engine.upsertAccount(btcAccount('btc-1', 1, 20000));
    expect((await engine.onMarket(liveTestMarket({ ETH: 3600 }))).recomputed).toEqual([]);
    await engine.applyTrade('btc-1', 'ETH_USDC-PERPETUAL', 2);
    expect((await engine.onMarket(liveTestMarket({ ETH: 3700 }))).recomputed).toEqual(['btc-1']);
    await engine.removeAccount('btc-1');
    expect((await engine.onMarket(liveTestMarket({ ETH: 3800 }))).recomputed).toEqual([]);
  });

  it('refuses a market older than its own', async () => {
    const { engine } = testEngine();
    await engine.onMarket(liveTestMarket({ BTC: 66000 }, '2024-06-17T08:00:10Z'));
    await expect(engine.onMarket(liveTestMarket({ BTC: 66000 }, '2024-06-17T08:00:00Z'))).rejects.toMatchObject({ code: 'MARKET_DATA_INVALID' });
  });
});

/** A sink whose appends wait until the test releases them, logging into `log`. */
class SlowSink implements EventSink {
  private pending: (() => void)[] = [];
  constructor(
    private readonly log: string[],
    private readonly fail = false,
  ) {}
  append(event: EngineEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push(() => {
        if (this.fail) {
          reject(new Error('disk full'));
          return;
        }
        this.log.push(`append ${event.seq} ${event.type}`);
        resolve();
      });
    });
  }
  /** Releases the oldest waiting append. */
  release(): boolean {
    const next = this.pending.shift();
    next?.();
    return next !== undefined;
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('LiveEngine persist before publish', () => {
  it('listeners see an event only after its append resolved, and the state changes only then', async () => {
    const log: string[] = [];
    const sink = new SlowSink(log);
    const engine = new LiveEngine({ model: 'isolated-simple', clock: new ManualClock(), staleAfterMs: 60_000, spikeBand: 0.25, sink });
    engine.subscribe((e) => log.push(`publish ${e.seq} ${e.type}`));
    await engine.onMarket(liveTestMarket({ BTC: 66000 }));
    await engine.upsertAccount(btcAccount('btc-1', 1, 20000));

    const pending = engine.setCollateral('btc-1', 'USDC', 5000); // IM 6600 > 5000 > MM 3300: margin call
    await settle();
    expect(log).toEqual([]);
    expect(engine.margin('btc-1').state).toBe('healthy');
    sink.release();
    await settle();
    expect(log).toEqual(['append 1 state-transition']);
    expect(engine.margin('btc-1').state).toBe('healthy');
    sink.release();
    await pending;
    expect(log).toEqual(['append 1 state-transition', 'append 2 margin-call', 'publish 1 state-transition', 'publish 2 margin-call']);
    expect(engine.margin('btc-1').state).toBe('margin-call');
  });

  it('a rejected append publishes nothing and leaves the state as it was', async () => {
    const log: string[] = [];
    const sink = new SlowSink(log, true);
    const engine = new LiveEngine({ model: 'isolated-simple', clock: new ManualClock(), staleAfterMs: 60_000, spikeBand: 0.25, sink });
    engine.subscribe((e) => log.push(`publish ${e.seq} ${e.type}`));
    await engine.onMarket(liveTestMarket({ BTC: 66000 }));
    await engine.upsertAccount(btcAccount('btc-1', 1, 20000));

    const pending = engine.setCollateral('btc-1', 'USDC', 5000);
    await settle();
    sink.release();
    const error = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CrossmarginError);
    expect((error as CrossmarginError).code).toBe('INTERNAL');
    expect(log).toEqual([]);
    expect(engine.margin('btc-1').state).toBe('healthy');
    expect(engine.account('btc-1').collateral).toEqual({ USDC: 20000 });
    // The engine keeps working after a failed change (later calls are not blocked).
    expect(engine.margin('btc-1').result.initialMargin).toBeCloseTo(6600, 6);
  });
});

describe('LiveEngine current-state rows (fail closed)', () => {
  it('a rejected state row refuses the change: nothing applied, nothing published, the rows of a later change are whole', async () => {
    const written: AccountStateRow[][] = [];
    let refuse = false;
    const published: EngineEvent[] = [];
    const engine = new LiveEngine({
      model: 'isolated-simple',
      clock: new ManualClock(),
      staleAfterMs: 60_000,
      spikeBand: 0.25,
      sink: { append: () => undefined },
      stateSink: {
        write: (rows) => {
          if (refuse) throw new Error('disk full');
          written.push([...rows]);
        },
      },
    });
    engine.subscribe((e) => published.push(e));
    await engine.onMarket(liveTestMarket({ BTC: 66000 }));
    await engine.upsertAccount(btcAccount('btc-1', 1, 20000));
    // A new account's first figures are written.
    expect(written.flat().map((r) => [r.accountId, r.state, r.initialMargin])).toEqual([['btc-1', 'healthy', 6600]]);
    refuse = true;
    // Collateral down to a margin call: its row is refused, so the change is.
    await expect(engine.setCollateral('btc-1', 'USDC', 5000)).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(engine.margin('btc-1').state).toBe('healthy');
    expect(engine.account('btc-1').collateral).toEqual({ USDC: 20000 });
    expect(published).toEqual([]);
    refuse = false;
    await engine.setCollateral('btc-1', 'USDC', 5000);
    expect(written.at(-1)?.map((r) => [r.accountId, r.state])).toEqual([['btc-1', 'margin-call']]);
    expect(published.map((e) => e.type)).toEqual(['state-transition', 'margin-call']);
  });

  it('a restore with a stored floor never reports less than it while the market is stale', async () => {
    const clock = new ManualClock();
    const first = new LiveEngine({ model: 'isolated-simple', clock, staleAfterMs: 60_000, spikeBand: 0.25, sink: { append: () => undefined } });
    await first.onMarket(liveTestMarket({ BTC: 66000 }));
    await first.upsertAccount(btcAccount('btc-1', 1, 20000));
    const checkpoint = first.checkpoint();
    // The stored row says more than the market gives now (figures from before the restart).
    const floors = { 'btc-1': { ...first.accountStates()[0]!, initialMargin: 9000, maintenanceMargin: 4500 } };
    clock.advance(120_000); // the stored market is stale at restart
    const second = new LiveEngine({ model: 'isolated-simple', clock, staleAfterMs: 60_000, spikeBand: 0.25, sink: { append: () => undefined } });
    await second.upsertAccount(first.account('btc-1'), { previousState: 'healthy' });
    await second.restore(first.currentMarket()!.toJSON(), checkpoint, floors);
    const m = second.margin('btc-1');
    expect(m.stale).toBe(true);
    expect([m.initialMargin, m.maintenanceMargin]).toEqual([9000, 4500]);
    expect(m.result.details?.['staleFloor']).toMatchObject({ recomputedInitialMargin: 6600, floorInitialMargin: 9000 });
  });

  it('holdFloors: an account taken over from another owner keeps that owner\'s floor while stale, and only then', async () => {
    const clock = new ManualClock();
    const engine = new LiveEngine({ model: 'isolated-simple', clock, staleAfterMs: 60_000, spikeBand: 0.25, sink: { append: () => undefined } });
    await engine.onMarket(liveTestMarket({ BTC: 66000 }));
    await engine.upsertAccount(btcAccount('btc-1', 1, 20000));
    await engine.upsertAccount(btcAccount('btc-2', 1, 20000));
    const fresh = engine.marginFigures('btc-1');
    // The previous owner reported more (figures it floored at while the market was stale).
    const row = engine.accountState('btc-1')!;
    const floorFields = { initialMargin: 9000, maintenanceMargin: 4500, equity: row.equity, currency: row.currency, state: row.state, asOf: row.asOf };
    // Fresh market here: the floor seeds the hysteresis but does not hold the figures.
    await engine.holdFloors({ 'btc-1': floorFields, 'not-here': floorFields });
    expect(engine.marginFigures('btc-1')).toEqual(fresh);
    clock.advance(120_000);
    await engine.holdFloors({ 'btc-1': floorFields });
    const held = engine.margin('btc-1');
    expect(held.stale).toBe(true);
    expect([held.initialMargin, held.maintenanceMargin]).toEqual([9000, 4500]);
    // An account without a floor given is margined as before.
    expect(engine.marginFigures('btc-2').initialMargin).toBe(fresh.initialMargin);
  });
});

describe('LiveEngine oracle-spike guard', () => {
  it('holds a 40 % jump and applies it when a second update confirms it', async () => {
    const { engine, clock, sink } = testEngine();
    await engine.onMarket(liveTestMarket({ BTC: 66000 }));
    await engine.upsertAccount(btcAccount('btc-1', 1, 20000));
    clock.advance(1000);
    const spike = await engine.onMarket(liveTestMarket({ BTC: 92400 }, '2024-06-17T08:00:01Z'));
    expect(spike).toMatchObject({ held: ['BTC'], accepted: [], recomputed: [] });
    expect(engine.currentMarket()?.underlying('BTC').index).toBe(66000);
    expect(engine.margin('btc-1').result.initialMargin).toBeCloseTo(6600, 6);
    expect(sink.events.at(-1)).toMatchObject({ type: 'spike-held', underlying: 'BTC', lastAccepted: 66000, held: 92400 });

    const confirm = await engine.onMarket(liveTestMarket({ BTC: 92000 }, '2024-06-17T08:00:02Z'));
    expect(confirm).toMatchObject({ held: [], accepted: ['BTC'], recomputed: ['btc-1'] });
    expect(engine.currentMarket()?.underlying('BTC').index).toBe(92000);
    expect(engine.margin('btc-1').result.initialMargin).toBeCloseTo(9200, 6);
    expect(sink.events.map((e) => e.type)).toContain('spike-confirmed');
  });

  it('drops a spike followed by a normal update', async () => {
    const { engine, sink } = testEngine();
    await engine.onMarket(liveTestMarket({ BTC: 66000 }));
    await engine.onMarket(liveTestMarket({ BTC: 92400 }));
    const normal = await engine.onMarket(liveTestMarket({ BTC: 66500 }));
    expect(normal.accepted).toEqual(['BTC']);
    expect(engine.currentMarket()?.underlying('BTC').index).toBe(66500);
    expect(sink.events.map((e) => e.type)).toEqual(['spike-held', 'spike-dropped']);
    // The dropped spike is forgotten: another 40 % jump is held again, against 66,500.
    expect((await engine.onMarket(liveTestMarket({ BTC: 93000 }))).held).toEqual(['BTC']);
  });

  it('a held update does not refresh staleness', async () => {
    const { engine, clock } = testEngine();
    await engine.onMarket(liveTestMarket({ BTC: 66000 }));
    await engine.upsertAccount(btcAccount('btc-1', 1, 20000));
    clock.advance(50_000);
    await engine.onMarket(liveTestMarket({ BTC: 92400 }));
    clock.advance(20_000);
    expect(engine.margin('btc-1').stale).toBe(true);
    // The staleness list alone (what a cluster worker publishes) is margin's.
    expect(engine.staleUnderlyings('btc-1')).toEqual(['BTC']);
    expect(engine.margin('btc-1').staleUnderlyings).toEqual(['BTC']);
  });
});

describe('LiveEngine staleness', () => {
  it('flags results stale past staleAfterMs and never reports a lower recomputed margin while stale', async () => {
    const { engine, clock } = testEngine();
    await engine.onMarket(liveTestMarket({ BTC: 66000, ETH: 3500 }));
    await engine.upsertAccount(btcAccount('btc-1', 2, 20000));
    await engine.upsertAccount(ethAccount('eth-1', 10, 20000));
    expect(engine.margin('btc-1').stale).toBe(false);
    expect(engine.tick()).toEqual([]);

    clock.advance(60_001);
    await engine.onMarket(liveTestMarket({ ETH: 3500 })); // ETH heartbeat: ETH fresh, BTC not
    expect(engine.tick()).toEqual(['btc-1']);
    const stale = engine.margin('btc-1');
    expect(stale).toMatchObject({ stale: true, staleUnderlyings: ['BTC'] });
    expect(engine.margin('eth-1').stale).toBe(false);

    // Halving the position would halve the margin, but the market is stale: the floor holds.
    const reduced = await engine.applyTrade('btc-1', PERP, -1);
    expect(reduced?.result.initialMargin).toBeCloseTo(13200, 6);
    expect(reduced?.result.maintenanceMargin).toBeCloseTo(6600, 6);
    expect(reduced?.result.details?.staleFloor).toMatchObject({ recomputedInitialMargin: 6600, floorInitialMargin: 13200 });
    // A higher recomputed margin is reported at once.
    const increased = await engine.applyTrade('btc-1', PERP, 2);
    expect(increased?.result.initialMargin).toBeCloseTo(19800, 6);

    // A fresh BTC update (same price) makes the account fresh and recomputes it: the lower margin is reported again.
    await engine.applyTrade('btc-1', PERP, -2);
    expect(engine.margin('btc-1').result.initialMargin).toBeCloseTo(19800, 6);
    const fresh = await engine.onMarket(liveTestMarket({ BTC: 66000 }));
    expect(fresh.recomputed).toEqual(['btc-1']);
    expect(engine.margin('btc-1')).toMatchObject({ stale: false });
    expect(engine.margin('btc-1').result.initialMargin).toBeCloseTo(6600, 6);
  });
});

describe('LiveEngine state machine', () => {
  it('collateral drops: margin call, then liquidation; added back: healthy only past the hysteresis', async () => {
    const { engine, sink } = testEngine({ accountParams: { marginCallBuffer: 0.1 } });
    const seen: EngineEvent[] = [];
    engine.subscribe((e) => seen.push(e));
    await engine.onMarket(liveTestMarket({ BTC: 66000 }));
    await engine.upsertAccount(btcAccount('btc-1', 1, 20000)); // IM 6,600, MM 3,300
    expect(sink.events).toEqual([]);

    expect((await engine.setCollateral('btc-1', 'USDC', 6000))?.state).toBe('margin-call');
    expect((await engine.setCollateral('btc-1', 'USDC', 3000))?.state).toBe('liquidation');
    expect((await engine.setCollateral('btc-1', 'USDC', 7000))?.state).toBe('margin-call'); // < 6,600 × 1.1
    expect((await engine.setCollateral('btc-1', 'USDC', 7300))?.state).toBe('healthy');

    expect(sink.events.map((e) => (e.type === 'state-transition' ? `${e.from}→${e.to}` : e.type))).toEqual([
      'healthy→margin-call',
      'margin-call',
      'margin-call→liquidation',
      'liquidation',
      'liquidation→margin-call',
      'margin-call→healthy',
    ]);
    expect(sink.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seen).toEqual(sink.events);
    expect(sink.events[1]).toMatchObject({ type: 'margin-call', accountId: 'btc-1', equity: 6000, shortfall: expect.closeTo(600, 6) });
  });

  it('a market move puts an account into a margin call', async () => {
    const { engine, sink } = testEngine();
    await engine.onMarket(liveTestMarket({ BTC: 66000 }));
    await engine.upsertAccount(btcAccount('btc-1', 1, 7000));
    const update = await engine.onMarket(liveTestMarket({ BTC: 72000 })); // IM 7,200 > 7,000
    expect(update.events.map((e) => e.type)).toEqual(['state-transition', 'margin-call']);
    expect(engine.margin('btc-1').state).toBe('margin-call');
    expect(sink.events).toEqual(update.events);
  });

  it('an account upserted before any market is evaluated on the first market', async () => {
    const { engine } = testEngine();
    await engine.upsertAccount(btcAccount('btc-1', 1, 20000));
    expect(() => engine.margin('btc-1')).toThrow(/no margin yet/);
    expect((await engine.onMarket(liveTestMarket({ BTC: 66000 }))).recomputed).toEqual(['btc-1']);
    expect(engine.margin('btc-1').state).toBe('healthy');
  });

  it('an account whose underlying is missing from the market is kept with an error', async () => {
    const { engine } = testEngine();
    await engine.onMarket(liveTestMarket({ BTC: 66000 }));
    await engine.upsertAccount(ethAccount('eth-1', 1, 20000));
    expect(() => engine.margin('eth-1')).toThrow(/ETH/);
    await engine.onMarket(liveTestMarket({ ETH: 3500 }));
    expect(engine.margin('eth-1').result.initialMargin).toBeCloseTo(350, 6);
  });

  it('refuses bad input without changing state', async () => {
    const { engine } = testEngine();
    await engine.onMarket(liveTestMarket({ BTC: 66000 }));
    await expect(engine.upsertAccount({ account: 'x', positions: [{ instrument: 'NOPE-XYZ', quantity: 1 }] })).rejects.toBeInstanceOf(CrossmarginError);
    await expect(engine.applyTrade('missing', PERP, 1)).rejects.toMatchObject({ field: 'accountId' });
    await engine.upsertAccount(btcAccount('btc-1', 1, 20000));
    await expect(engine.setCollateral('btc-1', 'USDC', -5)).rejects.toMatchObject({ code: 'SCHEMA_INVALID' });
    expect(engine.accountIds()).toEqual(['btc-1']);
    expect(engine.account('btc-1').collateral).toEqual({ USDC: 20000 });
  });
});

describe('LiveEngine what-if', () => {
  it('reports the margin after hypothetical trades and leaves the engine unchanged', async () => {
    const { engine, sink } = testEngine();
    await engine.onMarket(liveTestMarket({ BTC: 66000 }));
    await engine.upsertAccount(btcAccount('btc-1', 1, 10000));
    const before = engine.margin('btc-1');
    const w = engine.whatIf('btc-1', [{ instrument: PERP, quantity: 1 }]);
    expect(w.result.initialMargin).toBeCloseTo(13200, 6);
    expect(w.state).toBe('margin-call');
    expect(w.positions).toEqual([{ instrument: PERP, quantity: 2 }]);
    expect(w.tradeValue).toBe(0); // a perpetual is worth 0 at mark
    expect(engine.margin('btc-1')).toEqual(before);
    expect(engine.account('btc-1').positions).toEqual([{ instrument: PERP, quantity: 1 }]);
    expect(sink.events).toEqual([]);
    // Closing the position leaves no margin.
    expect(engine.whatIf('btc-1', [{ instrument: PERP, quantity: -1 }]).result.initialMargin).toBe(0);
    // Explained up front (the service's answer) or on first read: the same answer.
    const trades = [{ instrument: PERP, quantity: 1 }];
    expect(JSON.parse(JSON.stringify(engine.whatIf('btc-1', trades, { explained: true })))).toEqual(JSON.parse(JSON.stringify(engine.whatIf('btc-1', trades))));
    // The before-state's figures alone are margin's.
    expect(engine.marginFigures('btc-1')).toEqual({
      initialMargin: before.initialMargin,
      maintenanceMargin: before.maintenanceMargin,
      equity: before.equity,
      excess: before.status.excess,
      state: before.state,
      asOf: before.asOf,
    });
  });

  it('a reduction realises the P&L from the entry price: closing at the mark keeps equity (fast and general paths)', async () => {
    const { engine } = testEngine();
    await engine.onMarket(liveTestMarket({ BTC: 66000 }));
    await engine.upsertAccount({ account: 'long', currency: 'USD', positions: [{ instrument: PERP, quantity: 2, entryPrice: 60_000 }], collateral: { USDC: 10_000 } });
    const before = engine.margin('long');
    // 2 × (66,000 − 60,000) of unrealised P&L in equity.
    expect(before.equity).toBeCloseTo(22_000, 6);
    const close = engine.whatIf('long', [{ instrument: PERP, quantity: -2 }]);
    expect(close.realisedPnl).toBeCloseTo(12_000, 6);
    expect(close.equity).toBeCloseTo(before.equity, 6);
    // Half closed: half realised, the rest still unrealised from the same entry.
    const half = engine.whatIf('long', [{ instrument: PERP, quantity: -1 }]);
    expect(half.realisedPnl).toBeCloseTo(6_000, 6);
    expect(half.positions).toEqual([{ instrument: PERP, quantity: 1, entryPrice: 60_000 }]);
    expect(half.equity).toBeCloseTo(before.equity, 6);
    // Through zero: the long's P&L realised, the new short starts at the mark.
    const flip = engine.whatIf('long', [{ instrument: PERP, quantity: -3 }]);
    expect(flip.realisedPnl).toBeCloseTo(12_000, 6);
    expect(flip.equity).toBeCloseTo(before.equity, 6);
    // The general path (a spec the book has never seen is traded alongside) gives the same figures.
    const spec = { symbol: 'BTC-TEST-SPOT', kind: 'spot', underlying: 'BTC', currency: 'USDC', multiplier: 1 };
    const general = engine.whatIf('long', [{ instrument: PERP, quantity: -2 }, { instrument: spec, quantity: 0.5 }]);
    expect(general.realisedPnl).toBeCloseTo(12_000, 6);
    expect(general.equity).toBeCloseTo(before.equity, 6);
  });
});

describe('LiveEngine maximum order size', () => {
  async function bookWith(usdc: number, model = 'isolated-simple'): Promise<LiveEngine> {
    const { engine } = testEngine({ model });
    await engine.onMarket(liveTestMarket({ BTC: 66000 }));
    await engine.upsertAccount(btcAccount('btc-1', 1, usdc));
    return engine;
  }

  it('buying the returned size leaves equity at initial margin; slightly more breaks it', async () => {
    const engine = await bookWith(20000);
    const max = engine.maxOrderSize('btc-1', PERP, 'buy');
    expect(max.unbounded).toBe(false);
    expect(max.quantity).toBeCloseTo(20000 / 6600 - 1, 6); // 6,600 × (1 + q) = 20,000
    const at = engine.whatIf('btc-1', [{ instrument: PERP, quantity: max.quantity }]);
    expect(at.equity).toBeGreaterThanOrEqual(at.result.initialMargin);
    expect(at.equity - at.result.initialMargin).toBeLessThan(1e-3);
    const over = engine.whatIf('btc-1', [{ instrument: PERP, quantity: max.quantity * (1 + 1e-6) }]);
    expect(over.equity).toBeLessThan(over.result.initialMargin);
  });

  it('selling may close the long and go short up to the limit', async () => {
    const engine = await bookWith(20000);
    const max = engine.maxOrderSize('btc-1', PERP, 'sell');
    expect(max.position).toBe(1);
    expect(max.quantity).toBeCloseTo(1 + 20000 / 6600, 6);
  });

  it('in a margin call: 0 for an order that adds, up to closing for one that reduces', async () => {
    const engine = await bookWith(5000);
    expect(engine.margin('btc-1').state).toBe('margin-call');
    expect(engine.maxOrderSize('btc-1', PERP, 'buy')).toMatchObject({ quantity: 0 });
    expect(engine.maxOrderSize('btc-1', PERP, 'sell')).toMatchObject({ quantity: 1 });
  });

  it('works under scenario-grid too', async () => {
    const engine = await bookWith(20000, 'scenario-grid');
    const max = engine.maxOrderSize('btc-1', PERP, 'buy');
    expect(max.quantity).toBeGreaterThan(0);
    const at = engine.whatIf('btc-1', [{ instrument: PERP, quantity: max.quantity }]);
    const over = engine.whatIf('btc-1', [{ instrument: PERP, quantity: max.quantity * (1 + 1e-6) }]);
    expect(at.equity).toBeGreaterThanOrEqual(at.result.initialMargin);
    expect(over.equity).toBeLessThan(over.result.initialMargin);
  });
});

describe('LiveEngine stale events', () => {
  it('emits one persisted, published stale event per staleness episode', async () => {
    const { engine, clock, sink } = testEngine();
    const published: EngineEvent[] = [];
    engine.subscribe((e) => published.push(e));
    await engine.onMarket(liveTestMarket({ BTC: 66_000, ETH: 3_500 }));
    await engine.upsertAccount(btcAccount('a1', 1, 20_000));
    const staleEvents = () => sink.events.filter((e) => e.type === 'stale');

    expect((await engine.staleTick()).events).toEqual([]);
    clock.advance(60_001);
    const first = await engine.staleTick();
    expect(first.stale).toEqual(['a1']);
    expect(first.events).toMatchObject([{ type: 'stale', accountId: 'a1', staleUnderlyings: ['BTC'] }]);
    // Still the same episode: no second event.
    clock.advance(30_000);
    expect((await engine.staleTick()).events).toEqual([]);
    expect(staleEvents()).toHaveLength(1);
    expect(published.filter((e) => e.type === 'stale')).toHaveLength(1);

    // Fresh again, then stale again: a new episode, a new event.
    await engine.onMarket(liveTestMarket({ BTC: 66_100 }, '2024-06-17T08:02:00Z'));
    expect((await engine.staleTick()).stale).toEqual([]);
    clock.advance(60_001);
    expect((await engine.staleTick()).events).toHaveLength(1);
    expect(staleEvents()).toHaveLength(2);
    expect(staleEvents().map((e) => e.seq)).toEqual([...new Set(staleEvents().map((e) => e.seq))]);
  });

  it('seeds the previous state of an account (restore): the hysteresis continues', async () => {
    const { engine, sink } = testEngine({ accountParams: { marginCallBuffer: 0.1 } });
    await engine.onMarket(liveTestMarket({ BTC: 66_000 }));
    // Equity 7,000: above initial 6,600, below 6,600 × 1.1 = 7,260.
    expect((await engine.upsertAccount(btcAccount('fresh', 1, 7_000)))?.state).toBe('healthy');
    expect((await engine.upsertAccount(btcAccount('seeded', 1, 7_000), { previousState: 'margin-call' }))?.state).toBe('margin-call');
    expect(sink.events).toEqual([]);
  });
});

describe('LiveEngine fails closed (issue 13)', () => {
  const optionAccount = (id: string, quantity: number, collateral: Record<string, number>) => ({
    account: id,
    currency: 'USD',
    positions: [{ instrument: 'BTC-28JUN24-60000-C', quantity }, { instrument: PERP, quantity: 1 }],
    collateral,
  });

  it('an expiry that cannot settle makes the account unmarginable: held figures, reduce-only, an event with the reason', async () => {
    const { engine, sink } = testEngine();
    await engine.onMarket(liveTestMarket({ BTC: 66000 }));
    await engine.upsertAccount(optionAccount('short', -1, { USDC: 100_000 }));
    const before = engine.margin('short');
    const update = await engine.onMarket(liveTestMarket({ BTC: 70000 }, '2024-06-28T09:00:00Z'));
    expect(update.settled).toEqual([]);
    const after = engine.margin('short');
    expect(after.state).toBe('unmarginable');
    expect(engine.marginFigures('short')).toMatchObject({ state: 'unmarginable', initialMargin: before.initialMargin });
    expect(after.status.reduceOnly).toBe(true);
    expect(after.result.initialMargin).toBe(before.result.initialMargin);
    expect(after.unmarginable).toMatchObject({ code: 'INSTRUMENT_EXPIRED', field: 'collateral.BTC' });
    expect(sink.events.at(-1)).toMatchObject({ type: 'state-transition', from: 'healthy', to: 'unmarginable', code: 'INSTRUMENT_EXPIRED' });
    expect(engine.maxOrderSize('short', PERP, 'buy').quantity).toBe(0);
    expect(engine.maxOrderSize('short', PERP, 'sell').quantity).toBe(1);
    // Admission refuses what cannot be margined, naming the position.
    expect(() => engine.admit(optionAccount('new', 1, { USDC: 1 }))).toThrow(expect.objectContaining({ code: 'INSTRUMENT_EXPIRED', field: 'positions.0.instrument' }));
  });

  it('settles what can be settled, and a checkpoint restores guard, staleness and floors in a new engine', async () => {
    const { engine, clock } = testEngine();
    await engine.onMarket(liveTestMarket({ BTC: 66000, ETH: 3500 }));
    await engine.upsertAccount(optionAccount('long', 2, { USDC: 1_000 }));
    await engine.upsertAccount(btcAccount('btc', 1, 20_000));
    const held = await engine.onMarket(liveTestMarket({ BTC: 200_000 }, '2024-06-17T08:01:00Z'));
    expect(held.held).toEqual(['BTC']);
    clock.advance(120_000);
    // BTC is stale now (60 s), ETH fresh.
    await engine.onMarket(liveTestMarket({ ETH: 3600 }, '2024-06-17T08:03:00Z'));
    const saved = engine.checkpoint();
    const market = engine.currentMarket()?.toJSON();
    expect(saved.guard.BTC).toEqual({ lastAccepted: 66000, held: 200_000 });

    const restarted = testEngine();
    restarted.clock.advance(120_000);
    const next = restarted.engine;
    for (const id of ['long', 'btc']) await next.upsertAccount(engine.account(id));
    await next.restore(market as NonNullable<typeof market>, saved);
    // Staleness comes from the stored update times: BTC is still stale after the restart, ETH is not.
    expect(next.margin('btc').staleUnderlyings).toEqual(['BTC']);
    expect(next.margin('btc').result.initialMargin).toBe(engine.margin('btc').result.initialMargin);
    expect(next.currentMarket()?.underlying('BTC').index).toBe(66000);
    const confirm = await next.onMarket(liveTestMarket({ BTC: 199_000 }, '2024-06-17T08:04:00Z'));
    expect(confirm.accepted).toEqual(['BTC']);
    expect(confirm.events.map((e) => e.type)).toContain('spike-confirmed');
    const settled = await next.onMarket(liveTestMarket({ BTC: 190_000 }, '2024-06-28T09:00:00Z'));
    expect(settled.settled.map((s) => s.accountId)).toEqual(['long']);
    expect(next.account('long').positions).toEqual([{ instrument: PERP, quantity: 1 }]);
    expect(next.account('long').collateral.BTC).toBeCloseTo((2 * 130_000) / 190_000, 12);
  });
});
