import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../market/market-snapshot.js';
import { resolveInstrument } from '../instruments/resolve-instrument.js';
import { loadMarketHistory } from '../scenarios/history/load-market-history.js';
import { computeMargin } from './compute-margin.js';
import { MODELS } from './model-registry.js';
import { TEST_INSTRUMENTS, testMarket } from './model-test-fixtures.js';

/** Every model's `details` is its contract with readers (backtests, venue health): each result must pass its schema. */
describe('MarginResult.details matches the model detailsSchema', () => {
  const market = testMarket();
  it.each(MODELS.filter((m) => m.needsHistory !== true).map((m) => m.id))('%s', (id) => {
    const model = MODELS.find((m) => m.id === id)!;
    const positions = TEST_INSTRUMENTS.filter((i) => model.accepts === undefined || model.accepts(resolveInstrument(i, 'test'))).map((instrument, k) => ({
      instrument,
      quantity: k % 2 === 0 ? 1 : -2,
    }));
    for (const mode of ['cross', 'isolated'] as const) {
      const r = computeMargin({ document: { account: 'd', currency: 'USD', mode, positions, collateral: { USDC: 1000 } } }, market, id);
      if (r.details !== undefined) expect(() => model.detailsSchema.parse(r.details)).not.toThrow();
    }
  });

  const history = parseMarketSnapshot({ asOf: '2025-09-23T23:00:00Z', underlyings: { BTC: { index: 112017.21 }, ETH: { index: 4164.26 } }, fx: { USDC: 1 } });
  it.each(MODELS.filter((m) => m.needsHistory === true).map((m) => m.id))('%s (history)', (id) => {
    const model = MODELS.find((m) => m.id === id)!;
    for (const mode of ['cross', 'isolated'] as const) {
      const document = { account: 'd', mode, positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }, { instrument: 'ETH_USDC-PERPETUAL', quantity: -10 }], collateral: { BTC: 0.1 } };
      const r = computeMargin({ document }, history, id, { params: id === 'mc-es' ? { paths: 1000 } : {}, historyLoader: (u) => loadMarketHistory(u) });
      expect(r.details).toBeDefined();
      expect(() => model.detailsSchema.parse(r.details)).not.toThrow();
    }
  });
});
