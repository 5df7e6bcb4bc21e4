import { CrossmarginError } from '../../core/errors.js';
import type { MarginResult, MarginResultOf } from '../margin-result.js';
import { venueBook, venueFxRate } from '../venues/venue-book.js';
import { DriftParamsSchema, type DriftPerpMarket, type DriftSpotMarket } from './drift-params.js';
import { defineModel } from '../define-model.js';
import { DriftDetailsSchema, type DriftDetails } from './drift-details.js';

/**
 * Drift's margin types (drift-labs/protocol-v2 `programs/drift/src/math/margin.rs`, `MarginRequirementType`):
 * Initial (new risk), Fill (mean of initial and maintenance weights, checked after a fill), Maintenance (liquidation).
 */
export type DriftMarginType = 'initial' | 'fill' | 'maintenance';

/** Fixed-point scales of the protocol (`math/constants.rs`). */
const SPOT_WEIGHT_PRECISION = 10_000n; // weights: 10,000 = 1.0 (MARGIN_PRECISION of perp ratios is also 1e4)
const SPOT_IMF_PRECISION = 1_000_000n; // imf_factor: 1,000,000 = 1.0
const AMM_RESERVE_PRECISION = 1e9; // sizes (base amounts and, for unrealised P&L, quote × 1e3) enter √ at 1e9

/** A weight or ratio as the protocol stores it (u32 at 1e4), from a fraction. */
const toWeight = (w: number): bigint => BigInt(Math.round(w * 1e4));
const toImf = (imf: number): bigint => BigInt(Math.round(imf * 1e6));
/** |size| at AMM_RESERVE_PRECISION; token decimals below 1e-9 do not exist on Drift's spot markets (≤ 9 decimals). */
const toSize = (size: number): bigint => BigInt(Math.round(Math.abs(size) * AMM_RESERVE_PRECISION));
const fromWeight = (w: bigint): number => Number(w) / 1e4;

/** Integer square root (floor), as `num_integer::Roots::nth_root(2)` on u128. */
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  while (x * x > n) x -= 1n;
  while ((x + 1n) * (x + 1n) <= n) x += 1n;
  return x;
}

/**
 * `calculate_size_discount_asset_weight` (protocol-v2 `math/margin.rs`): imf 0 → aw; else
 * min(aw, 1.1e6·1e4 / (1e6 + isqrt(size·10 + 1)·imf / 1e5)), all integer (u128) divisions rounded down; size at 1e9, imf at
 * 1e6, weights at 1e4. In fractions: min(aw, 1.1/(1 + imf·√size)).
 */
function sizeDiscountAssetWeight(size: bigint, imf: bigint, assetWeight: bigint): bigint {
  if (imf === 0n) return assetWeight;
  const sqrt = isqrt(size * 10n + 1n);
  const numerator = SPOT_IMF_PRECISION + SPOT_IMF_PRECISION / 10n;
  const discounted = (numerator * SPOT_WEIGHT_PRECISION) / (SPOT_IMF_PRECISION + (sqrt * imf) / 100_000n);
  return discounted < assetWeight ? discounted : assetWeight;
}

/**
 * `calculate_size_premium_liability_weight` (bounded; protocol-v2 `math/margin.rs`): imf 0 → lw; else
 * max(lw, lw − lw/5 + isqrt(size·10 + 1)·imf / (1e5·1e6 / precision)), integer divisions rounded down; precision 1e4
 * for spot liability weights and perp margin ratios. In fractions: max(lw, 0.8·lw + imf·√size).
 */
function sizePremiumLiabilityWeight(size: bigint, imf: bigint, liabilityWeight: bigint): bigint {
  if (imf === 0n) return liabilityWeight;
  const sqrt = isqrt(size * 10n + 1n);
  const premium = liabilityWeight - liabilityWeight / 5n + (sqrt * imf) / ((100_000n * SPOT_IMF_PRECISION) / SPOT_WEIGHT_PRECISION);
  return premium > liabilityWeight ? premium : liabilityWeight;
}

/** The type's default weight (`state/spot_market.rs` get_asset_weight / get_liability_weight): Fill = ⌊(init + maint)/2⌋ at 1e4. */
function byType(initial: number, maintenance: number, type: DriftMarginType): bigint {
  if (type === 'initial') return toWeight(initial);
  if (type === 'maintenance') return toWeight(maintenance);
  return (toWeight(initial) + toWeight(maintenance)) / 2n;
}

/**
 * Deposit weight (§6; protocol-v2 `state/spot_market.rs` `get_asset_weight`): the type's weight (Initial → initial,
 * Fill → mean, Maintenance → maintenance), then the size discount min(w, 1.1/(1 + imf·√size)) for **every** type, at the
 * protocol's fixed point (1e4, rounded down). The deposit-scaled initial weight (`scale_initial_asset_weight_start`) is
 * not modelled.
 */
export function driftAssetWeight(market: DriftSpotMarket, size: number, type: DriftMarginType): number {
  return fromWeight(sizeDiscountAssetWeight(toSize(size), toImf(market.imfFactor), byType(market.initialAssetWeight, market.maintenanceAssetWeight, type)));
}

/**
 * Borrow weight (§6; `state/spot_market.rs` `get_liability_weight`): the type's weight, then the size premium
 * max(w, 0.8·w + imf·√size) for **every** type (1e4 fixed point, rounded down).
 */
export function driftLiabilityWeight(market: DriftSpotMarket, size: number, type: DriftMarginType): number {
  return fromWeight(sizePremiumLiabilityWeight(toSize(size), toImf(market.imfFactor), byType(market.initialLiabilityWeight, market.maintenanceLiabilityWeight, type)));
}

/**
 * Perp margin ratio with size premium (§6; `state/perp_market.rs` `get_margin_ratio`): max(r, 0.8·r + imf·√|base|) at
 * MARGIN_PRECISION 1e4, rounded down; r is the type's ratio (Fill: the mean of initial and maintenance, see driftPerpRatio).
 */
export function driftPerpMarginRatio(ratio: number, imfFactor: number, base: number): number {
  return fromWeight(sizePremiumLiabilityWeight(toSize(base), toImf(imfFactor), toWeight(ratio)));
}

/** The perp market's ratio for a margin type (`get_margin_ratio`: Fill = ⌊(initial + maintenance)/2⌋ at 1e4), with size premium. */
export function driftPerpRatio(market: DriftPerpMarket, base: number, type: DriftMarginType): number {
  return fromWeight(sizePremiumLiabilityWeight(toSize(base), toImf(market.imfFactor), byType(market.marginRatioInitial, market.marginRatioMaintenance, type)));
}

/** Cap of weighted positive unrealised P&L per position at Initial (protocol-v2 `MAX_POSITIVE_UPNL_FOR_INITIAL_MARGIN`), USDC. */
export const DRIFT_MAX_POSITIVE_UPNL_FOR_INITIAL_MARGIN = 100;

/**
 * Weight of a perp position's unrealised P&L (incl. unsettled funding) in total collateral (§6; protocol-v2
 * `state/perp_market.rs` `get_unrealized_asset_weight`): P&L ≤ 0 → 1 (losses count in full); P&L > 0 → Initial / Fill:
 * w_init > 0 ? min(w_init, 1.1/(1 + unrealizedPnlImfFactor·√(P&L))) : 0 (the discount's size is the P&L in quote units,
 * `AMM_TO_QUOTE_PRECISION_RATIO` × quote 1e6 = 1e9); Maintenance: w_maint. The market-wide max-imbalance scaling
 * (`unrealized_pnl_max_imbalance`) needs the whole market's P&L and is not modelled.
 */
export function driftUnrealizedAssetWeight(market: DriftPerpMarket, pnl: number, type: DriftMarginType): number {
  if (!(pnl > 0)) return 1;
  if (type === 'maintenance') return market.unrealizedPnlMaintenanceAssetWeight;
  const w = toWeight(market.unrealizedPnlInitialAssetWeight);
  if (w === 0n) return 0;
  return fromWeight(sizeDiscountAssetWeight(toSize(pnl), toImf(market.unrealizedPnlImfFactor), w));
}

/**
 * Weighted unrealised P&L of one perp position as it enters total collateral (`calculate_perp_position_value_and_pnl`):
 * P&L × its weight, capped at MAX_POSITIVE_UPNL_FOR_INITIAL_MARGIN for Initial; quote price 1 (USDC).
 */
export function driftWeightedUnrealizedPnl(market: DriftPerpMarket, pnl: number, type: DriftMarginType): number {
  const weighted = pnl * driftUnrealizedAssetWeight(market, pnl, type);
  return type === 'initial' ? Math.min(weighted, DRIFT_MAX_POSITIVE_UPNL_FOR_INITIAL_MARGIN) : weighted;
}

/**
 * `drift`: Drift v2 cross margin (§6). Collateral = Σ deposits × asset weight; requirement = Σ borrows × liability
 * weight + Σ |perp base| × oracle × ratio. IM = requirement(Initial), MM = requirement(Maintenance); free
 * collateral and liquidatability in details; the Fill type (mean weights) in details too. Size discount / premium apply
 * to all three types. Prices are the oracle (index); unrealised P&L comes from positions' entry prices (none → book at
 * mark), weighted into collateral by the market's unrealised-P&L weight.
 */
export const driftModel = defineModel({
  id: 'drift',
  description: 'Drift v2: weighted collateral (size discount) vs borrows × liability weight (size premium) + perp notional × margin ratio',
  // Options are not listed on this venue: a book holding one is refused (INSTRUMENT_NOT_LISTED), not approximated.
  accepts: (spec) => spec.kind !== 'option',
  paramsSchema: DriftParamsSchema,
  detailsSchema: DriftDetailsSchema,
  compile(params, context) {
    const q = params.quoteCurrency;
    const spot = (token: string, field: string): DriftSpotMarket => {
      const m = params.spotMarkets[token];
      if (m === undefined) {
        throw new CrossmarginError('SCHEMA_INVALID', `${field}: ${token} is not a Drift spot market in the parameters (known: ${Object.keys(params.spotMarkets).join(', ')})`, {
          field,
        });
      }
      return m;
    };
    return {
      evaluate(portfolio): MarginResultOf<DriftDetails> {
        const book = venueBook(portfolio, context, q, { venue: 'Drift', listsOptions: false });
        const fx = venueFxRate(context, q, portfolio.currency, 'Drift', q, `reporting the margin in the account currency ${portfolio.currency}`);
        const components: MarginResult['components'] = [];
        const tokens: Record<string, unknown>[] = [];
        // Per margin type (Initial / Fill / Maintenance, protocol-v2 math/margin.rs MarginRequirementType): collateral and requirement.
        const collateral = { initial: 0, fill: 0, maintenance: 0 };
        const requirement = { initial: 0, fill: 0, maintenance: 0 };
        const TYPES: readonly DriftMarginType[] = ['initial', 'fill', 'maintenance'];
        // Spot balances: collateral plus spot positions on listed markets (borrows are negative balances).
        const balances = new Map<string, number>();
        for (const [token, amount] of Object.entries(book.collateral)) balances.set(token, (balances.get(token) ?? 0) + amount);
        const perps = book.markets.filter((m) => {
          const isSpot = portfolio.positions.every((p) => {
            const s = context.instruments.spec(p.instrument);
            return s.underlying !== m.market || s.kind === 'spot';
          });
          if (isSpot) balances.set(m.market, (balances.get(m.market) ?? 0) + m.base);
          return !isSpot;
        });
        for (const token of [...balances.keys()].sort()) {
          const size = balances.get(token) as number;
          if (size === 0) continue;
          const field = book.collateral[token] !== undefined ? `collateral.${token}` : `positions (${token})`;
          const market = spot(token, field);
          const value = Math.abs(size) * context.market.fxRate(token, q);
          // The size discount / premium applies to every margin type (state/spot_market.rs get_asset_weight, get_liability_weight).
          if (size > 0) {
            const w = { initial: 0, fill: 0, maintenance: 0 };
            for (const t of TYPES) {
              w[t] = driftAssetWeight(market, size, t);
              collateral[t] += value * w[t];
            }
            tokens.push({ token, balance: size, value, initialAssetWeight: w.initial, fillAssetWeight: w.fill, maintenanceAssetWeight: w.maintenance });
          } else {
            const w = { initial: 0, fill: 0, maintenance: 0 };
            for (const t of TYPES) {
              w[t] = driftLiabilityWeight(market, size, t);
              requirement[t] += value * w[t];
            }
            components.push({ name: 'borrowRequirementInitial', group: token, value: value * w.initial * fx });
            tokens.push({ token, balance: size, value, initialLiabilityWeight: w.initial, fillLiabilityWeight: w.fill, maintenanceLiabilityWeight: w.maintenance });
          }
        }
        const perpRows = perps.map((m) => {
          const cfg = params.perpMarkets[m.market] ?? params.defaultPerpMarket;
          const notional = Math.abs(m.base) * m.oraclePrice + m.optionNotional;
          const base = notional / m.oraclePrice;
          const ratio = { initial: 0, fill: 0, maintenance: 0 };
          for (const t of TYPES) {
            ratio[t] = driftPerpRatio(cfg, base, t);
            requirement[t] += notional * ratio[t];
          }
          // Unrealised P&L at the oracle of the positions that carry an entry price (one perp position per market on
          // Drift, so their P&L is summed), weighted per type into collateral (get_unrealized_asset_weight).
          let pnl = 0;
          for (const p of portfolio.positions) {
            const s = context.instruments.spec(p.instrument);
            if (s.underlying !== m.market || s.kind === 'spot' || p.entryPrice === undefined) continue;
            // Linear: q·mult·(oracle − entry) quote; inverse (face in quote): q·mult·(oracle/entry − 1) quote.
            pnl += s.settlement === 'inverse' ? p.quantity * s.multiplier * (m.oraclePrice / p.entryPrice - 1) : p.quantity * s.multiplier * (m.oraclePrice - p.entryPrice);
          }
          const weightedPnl = { initial: 0, fill: 0, maintenance: 0 };
          if (pnl !== 0) {
            for (const t of TYPES) {
              weightedPnl[t] = driftWeightedUnrealizedPnl(cfg, pnl, t);
              collateral[t] += weightedPnl[t];
            }
          }
          components.push({ name: 'perpRequirementInitial', group: m.market, value: notional * ratio.initial * fx });
          return {
            market: m.market,
            base: m.base,
            oraclePrice: m.oraclePrice,
            notional,
            marginRatioInitial: ratio.initial,
            marginRatioFill: ratio.fill,
            marginRatioMaintenance: ratio.maintenance,
            ...(pnl !== 0 ? { unrealizedPnl: pnl, weightedUnrealizedPnl: weightedPnl } : {}),
          };
        });
        const collateralInit = collateral.initial;
        const collateralMaint = collateral.maintenance;
        const reqInit = requirement.initial;
        const reqMaint = requirement.maintenance;
        components.push({ name: 'totalCollateralInitial', group: 'account', value: collateralInit * fx });
        components.push({ name: 'totalCollateralMaintenance', group: 'account', value: collateralMaint * fx });
        const positions = portfolio.positions.map((p) => {
          const spec = context.instruments.spec(p.instrument);
          const row = perpRows.find((r) => r.market === spec.underlying);
          const contribution = row === undefined ? 0 : (Math.abs(p.quantity) * row.notional * row.marginRatioInitial) / Math.max(1e-300, portfolio.positions.filter((x) => context.instruments.spec(x.instrument).underlying === spec.underlying).reduce((s, x) => s + Math.abs(x.quantity), 0));
          return { instrument: spec.symbol, quantity: p.quantity, contribution: contribution * fx };
        });
        return {
          model: 'drift',
          account: portfolio.account,
          currency: portfolio.currency,
          initialMargin: reqInit * fx,
          maintenanceMargin: reqMaint * fx,
          components,
          positions,
          details: {
            venueParams: { asOf: params.asOf, source: params.source },
            quoteCurrency: q,
            totalCollateralInitial: collateralInit,
            totalCollateralMaintenance: collateralMaint,
            // Fill (mean of initial and maintenance weights and ratios): the check after a fill (protocol-v2 MarginRequirementType::Fill).
            totalCollateralFill: collateral.fill,
            marginRequirementFill: requirement.fill,
            freeCollateral: collateralInit - reqInit,
            liquidatable: collateralMaint < reqMaint,
            spot: tokens,
            perps: perpRows,
            ...(book.approximations.length > 0 ? { approximations: book.approximations } : {}),
          },
        };
      },
    };
  },
});
