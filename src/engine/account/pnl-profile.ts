import { CrossmarginError } from '../../core/errors.js';
import { InstrumentTable } from '../../instruments/instrument-table.js';
import { parseMarketSnapshot, type MarketSnapshot } from '../../market/market-snapshot.js';
import { resolvePortfolio } from '../../portfolio/resolve-portfolio.js';
import { PortfolioFileSchema } from '../../portfolio/portfolio-schema.js';
import { parseWithSchema } from '../../core/validate.js';
import { accountEquity } from './account-equity.js';
import { parseAccountParams } from './account-params.js';
import { exposedUnderlyings } from './evaluate-account.js';
import { scaleUnderlying, type VolDynamics } from './scale-underlying.js';
import { shiftVol } from './shift-vol.js';

/** Default price moves: −30 % to +30 % of the index in 2.5 % steps (25 points). */
export const DEFAULT_PRICE_MOVES: readonly number[] = Array.from({ length: 25 }, (_, i) => Math.round((-0.3 + i * 0.025) * 1000) / 1000);
/** Default vol moves, relative to the vol level: down 30 %, down 15 %, unchanged, up 15 %, up 30 %. */
export const DEFAULT_VOL_MOVES: readonly number[] = [-0.3, -0.15, 0, 0.15, 0.3];

export interface PnlProfileOptions {
  /** Price moves as fractions of each index (−0.1 = a 10 % fall), applied to every underlying in `underlyings` at once. */
  readonly priceMoves?: readonly number[];
  /** Vol moves as fractions of each vol level (0.2 = vols × 1.2). */
  readonly volMoves?: readonly number[];
  /** Underlyings moved together; default: every underlying the account is exposed to (exposedUnderlyings). */
  readonly underlyings?: readonly string[];
  /** How the smile follows the price (default sticky-moneyness, as in the liquidation-price search). */
  readonly vol?: VolDynamics;
  readonly accountParams?: unknown;
}

/** The account's P&L over a price × vol grid (docs/dashboard.md "Scenario P&L profile"); account currency, gain positive. */
export interface PnlProfile {
  readonly currency: string;
  readonly asOf: string;
  readonly underlyings: readonly string[];
  readonly priceMoves: readonly number[];
  readonly volMoves: readonly number[];
  /** pnl[v][p]: P&L when every underlying moves by priceMoves[p] and its vols by volMoves[v]. */
  readonly pnl: readonly (readonly number[])[];
  /** The grid point with the lowest P&L. */
  readonly worst: { readonly priceMove: number; readonly volMove: number; readonly pnl: number };
}

const MAX_POINTS = 2_000;

function checkMoves(moves: readonly number[], field: string, lowest: number): void {
  if (moves.length === 0) throw new CrossmarginError('SCHEMA_INVALID', `${field}: expected at least one move`, { field });
  moves.forEach((m, i) => {
    if (!(Number.isFinite(m) && m > lowest)) {
      throw new CrossmarginError('SCHEMA_INVALID', `${field}.${i}: expected a finite move above ${lowest}, got ${m}`, { field: `${field}.${i}` });
    }
  });
}

/**
 * Revalues the account (positions and collateral, before haircuts: mark-to-market P&L, not equity after haircuts)
 * on each grid point: every underlying in `underlyings` scaled by (1 + price move) with scaleUnderlying (index,
 * forwards, coin fx, sticky-moneyness smile) and its vols scaled by (1 + vol move) with shiftVol. P&L is the value
 * change against today's market; futures and perpetuals contribute their variation from today's reference price.
 */
export function pnlProfile(portfolioDoc: unknown, market: MarketSnapshot, options: PnlProfileOptions = {}): PnlProfile {
  const priceMoves = options.priceMoves ?? DEFAULT_PRICE_MOVES;
  const volMoves = options.volMoves ?? DEFAULT_VOL_MOVES;
  checkMoves(priceMoves, 'priceMoves', -1);
  checkMoves(volMoves, 'volMoves', -1);
  if (priceMoves.length * volMoves.length > MAX_POINTS) {
    throw new CrossmarginError('SCHEMA_INVALID', `priceMoves × volMoves: at most ${MAX_POINTS} grid points, got ${priceMoves.length * volMoves.length}`, { field: 'priceMoves' });
  }
  const params = parseAccountParams(options.accountParams);
  const file = parseWithSchema(PortfolioFileSchema, portfolioDoc, 'account');
  const table = new InstrumentTable();
  const resolved = resolvePortfolio(file, table);
  const underlyings = options.underlyings ?? exposedUnderlyings(resolved, table, market);
  const valueAt = (m: MarketSnapshot): number => {
    const e = accountEquity(resolved, table, m, params, { base: market });
    return e.collateralValue + e.positionsValue;
  };
  const today = valueAt(market);
  const base = market.toJSON();
  let worst = { priceMove: 0, volMove: 0, pnl: Number.POSITIVE_INFINITY };
  const pnl = volMoves.map((volMove) =>
    priceMoves.map((priceMove) => {
      let shifted = base;
      for (const u of underlyings) {
        shifted = scaleUnderlying(shifted, u, 1 + priceMove, options.vol === undefined ? {} : { vol: options.vol });
        shifted = shiftVol(shifted, u, 1 + volMove);
      }
      const value = valueAt(parseMarketSnapshot(shifted, `${market.source ?? 'market'} (price ${priceMove}, vol ${volMove})`)) - today;
      if (value < worst.pnl) worst = { priceMove, volMove, pnl: value };
      return value;
    }),
  );
  return { currency: file.currency, asOf: market.asOf, underlyings, priceMoves, volMoves, pnl, worst };
}
