import { CrossmarginError } from '../../core/errors.js';
import { InstrumentTable } from '../../instruments/instrument-table.js';
import type { PortfolioInput } from '../../models/compute-margin.js';
import { resolvePortfolio, type ResolvedPortfolio } from '../../portfolio/resolve-portfolio.js';
import { loadPortfolioInputs } from '../portfolio-population.js';
import { populationBuilder, type CascadePopulation } from './cascade-population.js';

/** Currencies held as cash at 1 USD (stablecoins stand in for USD, data/SOURCES.md). */
export const CASH_CURRENCIES: ReadonlySet<string> = new Set(['USD', 'USDC', 'USDT']);

export interface PortfolioSet {
  readonly portfolios: readonly ResolvedPortfolio[];
  readonly table: InstrumentTable;
  /** Underlyings the cascade must price: those of positions, then coin collateral, first-seen order. */
  readonly underlyings: readonly string[];
}

/**
 * Reads portfolios in the portfolio-file contract (DESIGN.md "Portfolio file") from a file (one portfolio or a JSON
 * array of them) or a directory (every `*.json`, sorted by name): loadPortfolioInputs, then portfolioSetOf.
 */
export function readPortfolioSet(path: string): PortfolioSet {
  return portfolioSetOf(loadPortfolioInputs([path]));
}

/** Resolves portfolio documents (files, or the service's accounts) into one instrument table. */
export function portfolioSetOf(inputs: readonly PortfolioInput[]): PortfolioSet {
  if (inputs.length === 0) throw new CrossmarginError('USAGE_INVALID', 'the population holds no portfolios', { field: 'population' });
  const table = new InstrumentTable();
  const portfolios = inputs.map((input) => resolvePortfolio(input.document, table, input.source));
  const underlyings: string[] = [];
  const add = (u: string): void => {
    if (!CASH_CURRENCIES.has(u) && !underlyings.includes(u)) underlyings.push(u);
  };
  for (const p of portfolios) for (const pos of p.positions) add(table.spec(pos.instrument).underlying);
  for (const p of portfolios) for (const c of Object.keys(p.collateral)) add(c);
  return { portfolios, table, underlyings };
}

/**
 * Converts portfolios to a cascade population at start prices `prices` (USD, index = `underlyings`). Every position
 * becomes units of its underlying, linear in USD (docs/cascades.md "Population from files"):
 * linear future/perpetual/spot: quantity × multiplier; inverse future/perpetual (face value in USD): quantity ×
 * multiplier / P₀, whose USD P&L N·(P/P₀ − 1) is exactly linear. Options are refused (the cascade is delta-one).
 * Collateral in USD, USDC, USDT is cash; a coin with a price (BTC) is a spot holding, marked and liquidated like a
 * position; anything else is MARKET_FX_MISSING. Unrealised P&L of positions with an entry price, at the start
 * prices, is added to the cash. Accounts must be in a USD currency.
 */
export function populationFromPortfolios(set: PortfolioSet, underlyings: readonly string[], prices: Float64Array): CascadePopulation {
  const index = new Map(underlyings.map((u, i) => [u, i]));
  const b = populationBuilder(underlyings);
  for (const p of set.portfolios) {
    const where = p.source ?? p.account;
    if (!CASH_CURRENCIES.has(p.currency)) {
      throw new CrossmarginError('SCHEMA_INVALID', `${where}: currency: cascade accounts must be in USD, USDC or USDT (got ${p.currency})`, { field: 'currency' });
    }
    let cash = 0;
    const coins: [number, number][] = [];
    for (const [currency, amount] of Object.entries(p.collateral)) {
      if (CASH_CURRENCIES.has(currency)) cash += amount;
      else if (index.has(currency)) coins.push([index.get(currency)!, amount]);
      else throw new CrossmarginError('MARKET_FX_MISSING', `${where}: collateral.${currency}: no price for this currency`, { field: `collateral.${currency}` });
    }
    if (cash < 0) throw new CrossmarginError('SCHEMA_INVALID', `${where}: collateral: cash balance ${cash} is negative`, { field: 'collateral' });
    // Positions with an entry price bring their unrealised P&L at the start prices (USD; docs/accounts.md "Entry
    // price"): it is part of the account's equity, so it starts as cash (it may make the account start underwater).
    for (const pos of p.positions) {
      const spec = set.table.spec(pos.instrument);
      const u = index.get(spec.underlying);
      if (pos.entryPrice === undefined || u === undefined) continue;
      const p0 = prices[u]!;
      cash += spec.settlement === 'inverse' ? pos.quantity * spec.multiplier * (p0 / pos.entryPrice - 1) : pos.quantity * spec.multiplier * (p0 - pos.entryPrice);
    }
    b.account(cash, p.account);
    for (const pos of p.positions) {
      const spec = set.table.spec(pos.instrument);
      if (spec.kind === 'option') {
        throw new CrossmarginError('INSTRUMENT_SPEC_INVALID', `${where}: ${pos.field}: ${spec.symbol} is an option; cascades take delta-one instruments only (spot, futures, perpetuals)`, { field: pos.field });
      }
      const u = index.get(spec.underlying);
      if (u === undefined) throw new CrossmarginError('MARKET_UNDERLYING_MISSING', `${where}: ${pos.field}: no price for ${spec.underlying}`, { field: pos.field });
      const units = spec.settlement === 'inverse' ? (pos.quantity * spec.multiplier) / prices[u]! : pos.quantity * spec.multiplier;
      b.position(u, units, spec.kind === 'spot');
    }
    for (const [u, amount] of coins) b.position(u, amount, true);
  }
  return b.build();
}
