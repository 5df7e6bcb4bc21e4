import { parseMarketSnapshot, type MarketSnapshot } from '../../market/market-snapshot.js';
import type { EngineEvent, EventSink } from './engine-event.js';
import { LiveEngine, type LiveEngineOptions } from './live-engine.js';

/** Test inputs (not market data): BTC 66,000 and ETH 3,500 with flat vols, USDC at 1. */
export function liveTestMarket(prices: { BTC?: number; ETH?: number } = {}, asOf = '2024-06-17T08:00:00Z'): MarketSnapshot {
  const underlyings: Record<string, { index: number; vol: { atm: number } }> = {};
  if (prices.BTC !== undefined) underlyings.BTC = { index: prices.BTC, vol: { atm: 0.55 } };
  if (prices.ETH !== undefined) underlyings.ETH = { index: prices.ETH, vol: { atm: 0.65 } };
  return parseMarketSnapshot({ asOf, underlyings, fx: { USDC: 1 } }, 'live-test-market');
}

/** A USD account long `btc` BTC_USDC-PERPETUAL (1 BTC each) with `usdc` USDC of collateral. */
export function btcAccount(id: string, btc: number, usdc: number): unknown {
  return { account: id, currency: 'USD', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: btc }], collateral: { USDC: usdc } };
}

export function ethAccount(id: string, eth: number, usdc: number): unknown {
  return { account: id, currency: 'USD', positions: [{ instrument: 'ETH_USDC-PERPETUAL', quantity: eth }], collateral: { USDC: usdc } };
}

/** A clock the test moves by hand, epoch ms. */
export class ManualClock {
  constructor(public t = 1_718_611_200_000) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** A sink that keeps what it was given. */
export class MemorySink implements EventSink {
  readonly events: EngineEvent[] = [];
  append(event: EngineEvent): void {
    this.events.push(event);
  }
}

/** An engine on isolated-simple (IM 10 %, MM 5 % of notional) with a manual clock and a memory sink. */
export function testEngine(overrides: Partial<LiveEngineOptions> = {}): { engine: LiveEngine; clock: ManualClock; sink: MemorySink } {
  const clock = new ManualClock();
  const sink = new MemorySink();
  const engine = new LiveEngine({ model: 'isolated-simple', clock, staleAfterMs: 60_000, spikeBand: 0.25, sink, ...overrides });
  return { engine, clock, sink };
}
