import type { MarginResult, MarginResultOf } from '../margin-result.js';
import { onlyQuoteCollateral, venueBook, venueFxRate } from '../venues/venue-book.js';
import { DydxV4ParamsSchema, type DydxLiquidityTier } from './dydx-v4-params.js';
import { defineModel } from '../define-model.js';
import { DydxV4DetailsSchema, type DydxV4Details } from './dydx-v4-details.js';

/** Parts per million, as the chain stores margin fractions (`initial_margin_ppm`, `maintenance_fraction_ppm`). */
const PPM = 1_000_000n;
/** USDC amount → quote quantums (USDC 1e-6), the unit of the chain's open-interest caps (`open_interest_lower_cap`). */
const toQuantums = (usdc: number): bigint => BigInt(Math.round(usdc * 1e6));

/**
 * Initial margin fraction with open-interest scaling (crypto-venues.md §5, PR #1125), in whole parts per million as the
 * chain computes it: dydxprotocol/v4-chain `protocol/x/perpetuals/types/liquidity_tier.go`,
 * `GetAdjustedInitialMarginPpm`: upper cap 0 or OI ≤ lower → base; OI ≥ upper → 1,000,000; else
 * base + (1,000,000 − base)·(OI − lower)/(upper − lower) with an integer division (big.Int Div, rounded down), OI and
 * caps in quote quantums. `GetInitialMarginQuoteQuantums` then rounds IMR = quantums × ppm / 1e6 up. Returned as a
 * fraction (ppm / 1e6).
 */
export function dydxInitialMarginFraction(tier: DydxLiquidityTier, openInterest: number): number {
  return Number(dydxInitialMarginPpm(tier, openInterest)) / 1e6;
}

/** The OI-adjusted IMF in ppm (integer), `GetAdjustedInitialMarginPpm` of liquidity_tier.go; see dydxInitialMarginFraction. */
export function dydxInitialMarginPpm(tier: DydxLiquidityTier, openInterest: number): bigint {
  // The chain stores initial_margin_ppm as an integer: a fraction given with more digits is rounded to whole ppm.
  const base = BigInt(Math.round(tier.initialMarginFraction * 1e6));
  if (tier.openInterestUpper === 0) return base;
  const oi = toQuantums(openInterest);
  const lower = toQuantums(tier.openInterestLower);
  const upper = toQuantums(tier.openInterestUpper);
  if (oi <= lower) return base;
  if (oi >= upper) return PPM;
  // BigInt division truncates toward zero; both operands are positive here, so it is the chain's floor.
  const scaled = base + ((PPM - base) * (oi - lower)) / (upper - lower);
  return scaled < PPM ? scaled : PPM;
}

/**
 * Liquidation price of a position of `size` base units at oracle `price` (§5, TV-X1):
 * p' = (e − s·p − MMR_others)/(|s|·MMF − s); undefined when no positive price liquidates it.
 */
export function dydxLiquidationPrice(equity: number, size: number, price: number, maintenanceMarginFraction: number, otherMaintenance = 0): number | undefined {
  const denominator = Math.abs(size) * maintenanceMarginFraction - size;
  if (size === 0 || denominator === 0) return undefined;
  const p = (equity - size * price - otherMaintenance) / denominator;
  return p > 0 && Number.isFinite(p) ? p : undefined;
}

/** Quote quantums (USDC 1e-6), rounded up as the protocol does (§5 "round up"), for line-by-line comparison. */
const quantums = (usdc: number): number => Math.ceil(usdc * 1e6 - 1e-6);

/**
 * `dydx-v4`: per market IMR = notional·IMF(OI), MMR = notional·baseIMF·maintenanceFraction (not OI-scaled);
 * account IM/MM are the sums (§5). Equity is the USDC collateral (positions are at the oracle price).
 */
export const dydxV4Model = defineModel({
  id: 'dydx-v4',
  description: 'dYdX v4: notional × initial margin fraction (open-interest scaled) / maintenance fraction per market, summed; liquidation prices',
  // Options are not listed on this venue: a book holding one is refused (INSTRUMENT_NOT_LISTED), not approximated.
  accepts: (spec) => spec.kind !== 'option',
  paramsSchema: DydxV4ParamsSchema,
  detailsSchema: DydxV4DetailsSchema,
  compile(params, context) {
    const q = params.quoteCurrency;
    const tierOf = (market: string): { tier: DydxLiquidityTier; openInterest: number; name: string } => {
      const m = params.markets[market];
      const name = m?.liquidityTier ?? params.defaultLiquidityTier;
      const t = params.liquidityTiers[name] as DydxLiquidityTier;
      const tier: DydxLiquidityTier = {
        initialMarginFraction: m?.initialMarginFraction ?? t.initialMarginFraction,
        maintenanceFraction: m?.maintenanceFraction ?? t.maintenanceFraction,
        openInterestLower: m?.openInterestLower ?? t.openInterestLower,
        openInterestUpper: m?.openInterestUpper ?? t.openInterestUpper,
      };
      return { tier, openInterest: m?.openInterest ?? 0, name };
    };
    return {
      evaluate(portfolio): MarginResultOf<DydxV4Details> {
        const book = venueBook(portfolio, context, q, { venue: 'dYdX v4', listsOptions: false });
        const equity = onlyQuoteCollateral(book.collateral, q, 'dYdX v4');
        const fx = venueFxRate(context, q, portfolio.currency, 'dYdX v4', q, `reporting the margin in the account currency ${portfolio.currency}`);
        const rows = book.markets.map((m) => {
          const { tier, openInterest, name } = tierOf(m.market);
          const notional = Math.abs(m.base) * m.oraclePrice + m.optionNotional;
          const imf = dydxInitialMarginFraction(tier, openInterest);
          const mmf = tier.initialMarginFraction * tier.maintenanceFraction;
          const imr = Math.min(notional * imf, notional);
          const mmr = notional * mmf;
          return { m, notional, imf, mmf, imr, mmr, tierName: name };
        });
        const totalImr = rows.reduce((s, r) => s + r.imr, 0);
        const totalMmr = rows.reduce((s, r) => s + r.mmr, 0);
        // Liquidation prices: cross → other markets' MMR held fixed (§5 "Cross: numerator e − s·p − MMR_others");
        // isolated → closed form only for a single-market account (per-market collateral is not in the book).
        const liquidationPrices: Record<string, number | undefined> = {};
        const single = rows.length === 1;
        for (const r of rows) {
          if (r.m.optionNotional > 0 || (portfolio.mode === 'isolated' && !single)) continue;
          liquidationPrices[r.m.market] = dydxLiquidationPrice(equity, r.m.base, r.m.oraclePrice, r.mmf, totalMmr - r.mmr);
        }
        const components: MarginResult['components'] = [
          ...rows.map((r) => ({ name: 'initialMarginRequirement', group: r.m.market, value: r.imr * fx })),
          ...rows.map((r) => ({ name: 'maintenanceMarginRequirement', group: r.m.market, value: r.mmr * fx })),
          { name: 'totalNetCollateral', group: 'account', value: equity * fx },
        ];
        const positions = portfolio.positions.map((p) => {
          const spec = context.instruments.spec(p.instrument);
          const r = rows.find((x) => x.m.market === spec.underlying);
          const share = r === undefined || r.m.instruments.length === 0 ? 0 : r.imr / r.m.instruments.length;
          return { instrument: spec.symbol, quantity: p.quantity, contribution: share * fx };
        });
        return {
          model: 'dydx-v4',
          account: portfolio.account,
          currency: portfolio.currency,
          initialMargin: totalImr * fx,
          maintenanceMargin: totalMmr * fx,
          components,
          positions,
          details: {
            venueParams: { asOf: params.asOf, source: params.source },
            mode: portfolio.mode,
            quoteCurrency: q,
            totalNetCollateral: equity,
            initialMarginQuoteQuantums: quantums(totalImr),
            maintenanceMarginQuoteQuantums: quantums(totalMmr),
            acceptsNewOrders: equity >= totalImr,
            liquidatable: equity < totalMmr,
            markets: rows.map((r) => ({
              market: r.m.market,
              liquidityTier: r.tierName,
              size: r.m.base,
              oraclePrice: r.m.oraclePrice,
              notional: r.notional,
              initialMarginFraction: r.imf,
              maintenanceMarginFraction: r.mmf,
              initialMarginRequirement: r.imr,
              maintenanceMarginRequirement: r.mmr,
              liquidationPrice: liquidationPrices[r.m.market],
            })),
            ...(book.approximations.length > 0 ? { approximations: book.approximations } : {}),
          },
        };
      },
    };
  },
});
