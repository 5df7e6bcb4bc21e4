import { InstrumentTable } from '../instruments/instrument-table.js';
import type { MarketSnapshot } from '../market/market-snapshot.js';
import { resolvePortfolio } from '../portfolio/resolve-portfolio.js';
import { compileRevaluation } from '../revaluation/compile-revaluation.js';
import { revalueKernelFast, revaluationScratchLength } from '../revaluation/revalue-kernel-fast.js';
import type { MarketHistory } from '../scenarios/history/market-history.js';
import type { ScenarioSet } from '../scenarios/scenario-set.js';

/**
 * Realised P&L of a portfolio from the close of day i to the close of day i + h (the MPOR), account currency, gain
 * positive: the book revalued with what actually happened — each underlying's actual relative price move, the
 * actual relative change of its implied vol (the vol index, or the EWMA proxy the day-i market used), and the
 * calendar time that passed — through the same revaluation kernel the margins use. Collateral (other than the
 * account currency) is in the book as spot holdings, so a coin-margined account's collateral loss counts too.
 */
export function realisedPnl(
  portfolioDocument: unknown,
  history: MarketHistory,
  marketAt: (i: number) => MarketSnapshot,
  i: number,
  h: number,
): number {
  const table = new InstrumentTable();
  const portfolio = resolvePortfolio(portfolioDocument, table, undefined, undefined, { collateralAsPositions: true });
  const today = marketAt(i);
  const later = marketAt(i + h);
  const underlyings = history.underlyings.filter((u) => today.has(u));
  const set: ScenarioSet = {
    count: 1,
    underlyings,
    ids: [history.dates[i + h]!],
    labels: [`realised ${history.dates[i]} → ${history.dates[i + h]}`],
    priceMove: Float64Array.from(underlyings, (u) => later.underlying(u).index / today.underlying(u).index - 1),
    volShift: Float64Array.from(underlyings, (u) => atmVol(later, u) / atmVol(today, u) - 1),
    volShiftMode: 'relative',
    timeStep: Float64Array.of((later.asOfMs - today.asOfMs) / (365 * 86_400_000)),
    weight: Float64Array.of(1),
  };
  const specs = table.specs();
  const pnl = new Float64Array(specs.length);
  revalueKernelFast(compileRevaluation(specs, today, set), set, pnl, new Float64Array(revaluationScratchLength(set)));
  let total = 0;
  for (const p of portfolio.positions) {
    total += p.quantity * today.fxRate(table.spec(p.instrument).currency, portfolio.currency) * pnl[p.instrument]!;
  }
  return total;
}

/** The flat ATM vol a history-built market carries (any strike, any expiry). */
function atmVol(market: MarketSnapshot, underlying: string): number {
  const u = market.underlying(underlying);
  return u.hasVol ? u.vol(market.asOfMs + 30 * 86_400_000, u.index) : 1;
}
