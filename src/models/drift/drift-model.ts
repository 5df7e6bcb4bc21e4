import { CrossmarginError } from '../../core/errors.js';
import type { MarginResult, MarginResultOf } from '../margin-result.js';
import { venueBook, venueFxRate } from '../venues/venue-book.js';
import { DriftParamsSchema, type DriftSpotMarket } from './drift-params.js';
import { defineModel } from '../define-model.js';
import { DriftDetailsSchema, type DriftDetails } from './drift-details.js';

/** Deposit weight (§6): Initial → min(aw, 1.1/(1 + imf·√size)) (size discount); Maintenance → aw. */
export function driftAssetWeight(market: DriftSpotMarket, size: number, type: 'initial' | 'maintenance'): number {
  if (type === 'maintenance') return market.maintenanceAssetWeight;
  return Math.min(market.initialAssetWeight, 1.1 / (1 + market.imfFactor * Math.sqrt(Math.abs(size))));
}

/** Borrow weight (§6): Initial → max(lw, 0.8·lw + imf·√size) (size premium); Maintenance → lw. */
export function driftLiabilityWeight(market: DriftSpotMarket, size: number, type: 'initial' | 'maintenance'): number {
  if (type === 'maintenance') return market.maintenanceLiabilityWeight;
  return Math.max(market.initialLiabilityWeight, 0.8 * market.initialLiabilityWeight + market.imfFactor * Math.sqrt(Math.abs(size)));
}

/** Perp margin ratio with size premium (§6): max(r, 0.8·r + imf·√|base|). */
export function driftPerpMarginRatio(ratio: number, imfFactor: number, base: number): number {
  return Math.max(ratio, 0.8 * ratio + imfFactor * Math.sqrt(Math.abs(base)));
}

/**
 * `drift`: Drift v2 cross margin (§6). Collateral = Σ deposits × asset weight; requirement = Σ borrows × liability
 * weight + Σ |perp base| × oracle × ratio. IM = requirement(Initial), MM = requirement(Maintenance); free
 * collateral and liquidatability in details. Prices are the oracle (index); unrealised P&L is zero (book at mark).
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
        let collateralInit = 0;
        let collateralMaint = 0;
        let reqInit = 0;
        let reqMaint = 0;
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
          if (size > 0) {
            const wi = driftAssetWeight(market, size, 'initial');
            const wm = driftAssetWeight(market, size, 'maintenance');
            collateralInit += value * wi;
            collateralMaint += value * wm;
            tokens.push({ token, balance: size, value, initialAssetWeight: wi, maintenanceAssetWeight: wm });
          } else {
            const wi = driftLiabilityWeight(market, size, 'initial');
            const wm = driftLiabilityWeight(market, size, 'maintenance');
            reqInit += value * wi;
            reqMaint += value * wm;
            components.push({ name: 'borrowRequirementInitial', group: token, value: value * wi * fx });
            tokens.push({ token, balance: size, value, initialLiabilityWeight: wi, maintenanceLiabilityWeight: wm });
          }
        }
        const perpRows = perps.map((m) => {
          const cfg = params.perpMarkets[m.market] ?? params.defaultPerpMarket;
          const notional = Math.abs(m.base) * m.oraclePrice + m.optionNotional;
          const base = notional / m.oraclePrice;
          const ri = driftPerpMarginRatio(cfg.marginRatioInitial, cfg.imfFactor, base);
          const rm = driftPerpMarginRatio(cfg.marginRatioMaintenance, cfg.imfFactor, base);
          reqInit += notional * ri;
          reqMaint += notional * rm;
          components.push({ name: 'perpRequirementInitial', group: m.market, value: notional * ri * fx });
          return { market: m.market, base: m.base, oraclePrice: m.oraclePrice, notional, marginRatioInitial: ri, marginRatioMaintenance: rm };
        });
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
