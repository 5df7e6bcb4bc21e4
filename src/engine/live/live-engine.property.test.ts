import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../market/market-snapshot.js';
import type { MarketSnapshotFile } from '../../market/market-snapshot-schema.js';
import type { PortfolioFile } from '../../portfolio/portfolio-schema.js';
import type { AccountFloor } from './engine-checkpoint.js';
import { ManualClock, MemorySink } from './live-engine-test-fixtures.js';
import { LiveEngine } from './live-engine.js';

/**
 * Issue 15: the engine's incremental state (compiled rows kept between ticks, only exposed accounts re-margined,
 * figures in columns, restarts from checkpoint and current-state rows) equals a from-scratch recompute after any
 * sequence of trades, collateral changes, market updates and restarts. Market updates keep one asOf, so an account
 * not exposed to an update is exactly what a recompute gives (a new asOf alone re-margins nothing: docs/live-engine.md).
 * The margin-call buffer is 0, so the state is a function of the figures (no hysteresis history to replay).
 */

const ASOF = '2024-06-17T08:00:00Z';
const INSTRUMENTS = ['BTC_USDC-PERPETUAL', 'ETH_USDC-PERPETUAL', 'BTC_USDC-28JUN24-70000-C', 'BTC_USDC-28JUN24-60000-P', 'ETH_USDC-28JUN24-3500-C', 'BTC', 'ETH'] as const;
const ACCOUNT_PARAMS = { marginCallBuffer: 0 };

type Op =
  | { kind: 'trade'; account: number; instrument: number; quantity: number }
  | { kind: 'collateral'; account: number; currency: 'USDC' | 'BTC'; balance: number }
  | { kind: 'market'; underlying: 'BTC' | 'ETH'; move: number; vol?: number }
  | { kind: 'add'; account: number }
  | { kind: 'restart' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('trade' as const), account: fc.nat(5), instrument: fc.nat(INSTRUMENTS.length - 1), quantity: fc.integer({ min: -5, max: 5 }).filter((q) => q !== 0) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('collateral' as const), account: fc.nat(5), currency: fc.constantFrom('USDC' as const, 'BTC' as const), balance: fc.integer({ min: 0, max: 400_000 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('market' as const), underlying: fc.constantFrom('BTC' as const, 'ETH' as const), move: fc.double({ min: -0.2, max: 0.2, noNaN: true }), vol: fc.option(fc.double({ min: 0.3, max: 1.2, noNaN: true }), { nil: undefined }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('add' as const), account: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

function newEngine(model: string, clock: ManualClock): LiveEngine {
  // A spike band wide enough that the generated moves are all accepted.
  return new LiveEngine({ model, clock, staleAfterMs: 1e12, spikeBand: 10, accountParams: ACCOUNT_PARAMS, sink: new MemorySink(), threads: 1 });
}

/** The engine rebuilt as restoreEngine does: documents seeded with their stored state, then the market with the checkpoint and rows. */
async function restarted(engine: LiveEngine, model: string, clock: ManualClock): Promise<LiveEngine> {
  const market = engine.currentMarket()?.toJSON() as MarketSnapshotFile;
  const floors: Record<string, AccountFloor> = {};
  for (const { accountId, ...floor } of engine.accountStates()) floors[accountId] = floor;
  const next = newEngine(model, clock);
  for (const id of engine.accountIds()) await next.upsertAccount(engine.account(id), { previousState: floors[id]?.state });
  await next.restore(market, engine.checkpoint(), floors);
  return next;
}

/** Every account margined from scratch on the engine's market. */
async function fromScratch(docs: readonly PortfolioFile[], market: MarketSnapshotFile, model: string, clock: ManualClock): Promise<LiveEngine> {
  const fresh = newEngine(model, clock);
  for (const doc of docs) await fresh.upsertAccount(doc);
  await fresh.onMarket(parseMarketSnapshot(market));
  return fresh;
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

async function check(model: string, ops: readonly Op[]): Promise<void> {
  const clock = new ManualClock();
  let engine = newEngine(model, clock);
  const prices = { BTC: 66_000, ETH: 3_500 };
  const vols = { BTC: 0.55, ETH: 0.65 };
  const file = (): MarketSnapshotFile => ({
    asOf: ASOF,
    underlyings: { BTC: { index: prices.BTC, rate: 0, vol: { atm: vols.BTC } }, ETH: { index: prices.ETH, rate: 0, vol: { atm: vols.ETH } } },
    fx: { USDC: 1 },
  });
  await engine.onMarket(parseMarketSnapshot(file()));
  const ids = (): string[] => engine.accountIds();
  for (let a = 0; a < 3; a++) await engine.upsertAccount({ account: `a${a}`, currency: 'USD', positions: [{ instrument: INSTRUMENTS[a]!, quantity: 1 }], collateral: { USDC: 100_000 } });
  for (const op of ops) {
    clock.advance(1000);
    const id = ids()[op.kind === 'trade' || op.kind === 'collateral' ? op.account % ids().length : 0] as string;
    if (op.kind === 'trade') await engine.applyTrade(id, INSTRUMENTS[op.instrument]!, op.quantity);
    else if (op.kind === 'collateral') await engine.setCollateral(id, op.currency, op.balance);
    else if (op.kind === 'add') await engine.upsertAccount({ account: `n${op.account}`, currency: 'USD', positions: [{ instrument: INSTRUMENTS[op.account % INSTRUMENTS.length]!, quantity: -2 }], collateral: { USDC: 50_000 } });
    else if (op.kind === 'restart') engine = await restarted(engine, model, clock);
    else {
      prices[op.underlying] *= 1 + op.move;
      if (op.vol !== undefined) vols[op.underlying] = op.vol;
      await engine.onMarket({ asOf: ASOF, underlyings: { [op.underlying]: { index: prices[op.underlying], ...(op.vol === undefined ? {} : { vol: { atm: op.vol } }) } } });
    }
    const reference = await fromScratch(
      ids().map((i) => engine.account(i)),
      engine.currentMarket()?.toJSON() as MarketSnapshotFile,
      model,
      clock,
    );
    for (const i of ids()) {
      const live = engine.margin(i);
      const want = reference.margin(i);
      const same = close(live.initialMargin, want.initialMargin) && close(live.maintenanceMargin, want.maintenanceMargin) && close(live.equity, want.equity) && live.state === want.state;
      if (!same) {
        throw new Error(
          `after ${op.kind} ${JSON.stringify(op)}: account ${i} live IM ${live.initialMargin} MM ${live.maintenanceMargin} equity ${live.equity} ${live.state}; ` +
            `recomputed IM ${want.initialMargin} MM ${want.maintenanceMargin} equity ${want.equity} ${want.state}`,
        );
      }
      // The explained result (made on read) states the reported figures.
      expect(live.result.initialMargin).toBe(live.initialMargin);
    }
  }
}

describe('LiveEngine incremental state equals a from-scratch recompute (property)', () => {
  for (const model of ['scenario-grid', 'isolated-simple']) {
    it(`${model}: after random trades, collateral changes, market updates and restarts`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), (ops) => check(model, ops)),
        { numRuns: 25 },
      );
    });
  }
});

describe('LiveEngine what-if equals margining the account after the trades (property)', () => {
  for (const model of ['scenario-grid', 'isolated-simple']) {
    it(`${model}: the figures of a what-if are those of the traded account margined on its own`, async () => {
      const clock = new ManualClock();
      const market = parseMarketSnapshot({ asOf: ASOF, underlyings: { BTC: { index: 66_000, vol: { atm: 0.55 } }, ETH: { index: 3_500, vol: { atm: 0.65 } } }, fx: { USDC: 1 } });
      const engine = newEngine(model, clock);
      await engine.onMarket(market);
      // Perpetuals sometimes carry an entry price away from the mark: a reduction then realises P&L.
      const positions = fc.array(
        fc.record({ instrument: fc.constantFrom(...INSTRUMENTS), quantity: fc.integer({ min: -5, max: 5 }).filter((q) => q !== 0), entry: fc.option(fc.double({ min: 0.8, max: 1.2, noNaN: true }), { nil: undefined }) }),
        { minLength: 1, maxLength: 4 },
      ).map((ps) => ps.map(({ instrument, quantity, entry }) => (entry !== undefined && instrument.endsWith('PERPETUAL') ? { instrument, quantity, entryPrice: entry * (instrument.startsWith('BTC') ? 66_000 : 3_500) } : { instrument, quantity })));
      const trades = fc.array(fc.record({ instrument: fc.constantFrom(...INSTRUMENTS), quantity: fc.integer({ min: -6, max: 6 }).filter((q) => q !== 0) }), { minLength: 1, maxLength: 3 });
      let n = 0;
      await fc.assert(
        fc.asyncProperty(positions, trades, fc.integer({ min: 0, max: 300_000 }), async (held, traded, usdc) => {
          const id = `w${n++}`;
          await engine.upsertAccount({ account: id, currency: 'USD', positions: held, collateral: { USDC: usdc, BTC: 1 } });
          const w = engine.whatIf(id, traded);
          const alone = newEngine(model, clock);
          await alone.onMarket(market);
          await alone.upsertAccount({ ...engine.account(id), positions: w.positions });
          const want = alone.margin(id);
          expect(close(w.initialMargin, want.initialMargin), `IM ${w.initialMargin} vs ${want.initialMargin}`).toBe(true);
          expect(close(w.maintenanceMargin, want.maintenanceMargin), `MM ${w.maintenanceMargin} vs ${want.maintenanceMargin}`).toBe(true);
          // Trades at the mark: the account after them, less what they cost, plus the P&L reductions realise.
          expect(close(w.equity + w.tradeValue - w.realisedPnl, want.equity), `equity ${w.equity} + ${w.tradeValue} - ${w.realisedPnl} vs ${want.equity}`).toBe(true);
          // Filled at the mark, a trade moves equity only through haircuts: none on positions, so not at all here.
          expect(close(w.equity, engine.margin(id).equity), `equity ${w.equity} vs before ${engine.margin(id).equity}`).toBe(true);
          expect(w.result.initialMargin).toBe(w.initialMargin);
        }),
        { numRuns: 40 },
      );
    });
  }
});
