/**
 * A 10-year daily walk-forward backtest of every model that covers the book, on one S&P 500 portfolio (long 2 index futures, short 5
 * far puts, all expiring 2030), decision days 2010-04-19 … 2020-04-15 on the bundled S&P 500 + VIX history:
 * every model margins every day with data up to that day, then the coverage statistics are computed.
 */
import { buildBacktestReport } from '../src/backtest/backtest-report.js';
import { walkForward } from '../src/backtest/walk-forward.js';
import { resolveInstrument } from '../src/instruments/resolve-instrument.js';
import { MODELS } from '../src/models/model-registry.js';
import { loadMarketHistory } from '../src/scenarios/history/load-market-history.js';
import type { BenchResult } from './bench-result.js';

const PORTFOLIO = {
  account: 'spx-10y',
  currency: 'USD',
  positions: [
    { instrument: { symbol: 'ES-DEC30', kind: 'future', underlying: 'SPX', expiry: '2030-12-20', multiplier: 50 }, quantity: 2 },
    { instrument: { symbol: 'SPX-DEC30-1500-P', kind: 'option', underlying: 'SPX', expiry: '2030-12-20', strike: 1500, right: 'put', multiplier: 100 }, quantity: -5 },
  ],
};

export async function benchBacktest(): Promise<BenchResult> {
  const history = loadMarketHistory(['SPX']);
  // Every model with rules for these instruments (deribit-sm, for one, covers inverse contracts only).
  const specs = PORTFOLIO.positions.map((p, i) => resolveInstrument(p.instrument, `positions.${i}.instrument`));
  const models = MODELS.filter((m) => m.accepts === undefined || specs.every((s) => m.accepts!(s))).map((m) => m.id);
  const start = performance.now();
  const walks = walkForward({ portfolio: PORTFOLIO, models, history, from: '2010-04-19', to: '2020-04-15', horizon: 2 });
  const report = buildBacktestReport(walks, history, { portfolio: 'spx-10y', horizon: 2, coverage: 0.99 });
  const ms = performance.now() - start;
  await new Promise<void>((resolve) => setImmediate(resolve));
  const days = walks[0]?.dates.length ?? 0;
  const extra: Record<string, number> = { days, models: models.length, margins: days * models.length };
  for (const m of report.models) extra[`exceptions:${m.model}`] = m.summary.exceptions;
  return {
    name: 'backtest-10y-every-model',
    workload: `walk-forward, ${days} daily decision days (S&P 500, 2010-04-19 … 2020-04-15) × ${models.length} models (${models.join(', ')}) with default parameters, 2-day realised P&L, statistics and report data; one run`,
    opsPerSecond: (days * models.length) / (ms / 1000),
    meanMs: ms,
    extra,
  };
}
