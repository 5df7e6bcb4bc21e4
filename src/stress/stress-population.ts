import { CrossmarginError } from '../core/errors.js';
import { InstrumentTable } from '../instruments/instrument-table.js';
import type { MarketSnapshot } from '../market/market-snapshot.js';
import type { PortfolioInput } from '../models/compute-margin.js';
import type { ModelContext } from '../models/margin-model.js';
import { riskUnderlyings } from '../models/scenario-pipeline.js';
import { inverseDeltaOnePnl, linearDeltaOnePnl } from '../pricing/delta-one.js';
import { instrumentMarketInputs } from '../pricing/instrument-inputs.js';
import { priceInstrument } from '../pricing/instrument-pricer.js';
import { resolvePortfolio, type ResolvedPortfolio } from '../portfolio/resolve-portfolio.js';

/**
 * Accounts stressed together: every portfolio resolved into one instrument table, collateral included as spot
 * holdings (DESIGN.md "Collateral is part of the book"), so one revaluation serves the whole population and a
 * coin-margined account is stressed on both sides.
 */
export interface StressPopulation {
  readonly inputs: readonly PortfolioInput[];
  readonly portfolios: readonly ResolvedPortfolio[];
  readonly context: ModelContext;
  /** Underlyings the market prices and some book holds: the ones scenarios move. */
  readonly underlyings: readonly string[];
  /** Equity per account, account currency (see accountEquityValue). */
  readonly equity: readonly number[];
}

/**
 * Equity of an account today, in its currency, without haircuts (docs/stress-testing.md "Equity"):
 *
 *   equity = Σ_c balance_c × fx(c → account) + Σ_options qty × premium × fx + Σ_spot qty × multiplier × price × fx
 *
 * Futures and perpetuals are worth their unrealised P&L from their entry price when they have one, else 0 (their
 * P&L is marked into collateral). This is the valuation of
 * engine/account/account-equity.ts with zero haircuts, written here because stress/ sits below engine/ in the layer
 * order and may not import it. Stress P&L is then the change of this value under a scenario.
 */
export function accountEquityValue(portfolio: ResolvedPortfolio, context: ModelContext): number {
  const { market, instruments } = context;
  let equity = 0;
  for (const [ccy, balance] of Object.entries(portfolio.collateral)) equity += balance * market.fxRate(ccy, portfolio.currency);
  for (const p of portfolio.positions) {
    if (p.role === 'collateral') continue;
    const spec = instruments.spec(p.instrument);
    const field = portfolio.source === undefined ? p.field : `${portfolio.source}: ${p.field}`;
    let perContract = 0; // settlement currency
    if (spec.kind === 'option') perContract = priceInstrument(spec, market, field).value;
    else if (spec.kind === 'spot') perContract = spec.multiplier * instrumentMarketInputs(spec, market, field, { needVol: false }).reference;
    else if (p.entryPrice !== undefined) {
      const mark = instrumentMarketInputs(spec, market, field, { needVol: false }).reference;
      perContract = spec.settlement === 'inverse' ? inverseDeltaOnePnl(spec.multiplier, p.entryPrice, mark) : linearDeltaOnePnl(spec.multiplier, p.entryPrice, mark);
    }
    equity += p.quantity * perContract * market.fxRate(spec.currency, portfolio.currency);
  }
  return equity;
}

/**
 * Resolves the population. SCHEMA_INVALID (and the instruments' errors) name the portfolio's source; two accounts
 * with the same id are USAGE_INVALID, since results are reported by account.
 */
export function preparePopulation(inputs: readonly PortfolioInput[], market: MarketSnapshot): StressPopulation {
  if (inputs.length === 0) throw new CrossmarginError('USAGE_INVALID', 'portfolio: no portfolios to stress', { field: 'portfolio' });
  const instruments = new InstrumentTable();
  const portfolios = inputs.map((p) => resolvePortfolio(p.document, instruments, p.source, undefined, { collateralAsPositions: true }));
  const seen = new Map<string, string>();
  portfolios.forEach((p, i) => {
    const where = p.source ?? `portfolios.${i}`;
    const previous = seen.get(p.account);
    if (previous !== undefined) {
      throw new CrossmarginError('USAGE_INVALID', `${where}: account "${p.account}" is also in ${previous}; account ids must be unique in a population`, {
        field: `${where}: account`,
      });
    }
    seen.set(p.account, where);
  });
  const firstField = new Map<number, string>();
  for (const p of portfolios) {
    for (const pos of p.positions) if (!firstField.has(pos.instrument)) firstField.set(pos.instrument, p.source === undefined ? pos.field : `${p.source}: ${pos.field}`);
  }
  const context: ModelContext = { instruments, market, fieldOf: (i) => firstField.get(i) ?? `instruments.${i}` };
  return { inputs, portfolios, context, underlyings: riskUnderlyings(context), equity: portfolios.map((p) => accountEquityValue(p, context)) };
}
