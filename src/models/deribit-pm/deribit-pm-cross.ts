import { CrossmarginError } from '../../core/errors.js';
import type { ResolvedPortfolio } from '../../portfolio/resolve-portfolio.js';
import type { MarginComponent, MarginResultOf } from '../margin-result.js';
import type { DeribitPmDetails } from './deribit-pm-details.js';
import { initialRiskVectors, positionContributions, rowComponents, rowDetail, type RowOpenOrders } from './deribit-pm-report.js';
import { venueFieldsFor } from './deribit-pm-params.js';
import { worstCase, type DeribitPmPlan, type RowRisk } from './deribit-pm-rows.js';

/** One collateral balance in X:PM: its USD value and the haircut that IM takes off it. */
export interface CrossCollateralLine {
  readonly asset: string;
  readonly balance: number;
  readonly priceUsd: number;
  readonly valueUsd: number;
  readonly haircut: number;
  readonly haircutUsd: number;
}

/**
 * X:PM, Deribit cross-collateral portfolio margin (crypto-venues.md §1 "Models": X:PM; §1.1 X:PM [V params exist; U
 * combination]). Every settlement currency's S:PM risk matrix is valued in USD at today's index of that currency
 * (balances "in USD"), then combined:
 * - `sum` (default): worst_USD = Σ_c worst_c × S_c. No netting across currencies: Deribit lets an offset currency
 *   offset upside only in its own products, so nothing suggests netting BTC against ETH scenarios.
 * - `aligned`: the USD aggregated vectors are added entry by entry (every underlying moves by the same relative step
 *   in scenario j) and worst_USD = max(0, −min(Σ_c agg_c × S_c)). Never above `sum`.
 * Add-ons (roll, delta, correlation, legacy contingencies) and open-orders margin add up in USD.
 * RMM_USD = worst_USD + add-ons; MM_USD = Σ_c mm_factor_c × RMM_c × S_c (`sum`) or mm_factor × RMM_USD (`aligned`).
 * Collateral haircuts "apply to IM" [V]: IM_USD = RMM_USD + open orders + Σ_assets balance × price_USD × haircut_asset,
 * haircut per asset from the dated parameters (`haircut`, overridden in `currencies`). The result is computed in USD
 * and stated in the account currency (USD → account at today's rate; a USD account sees the USD figures).
 */
export function crossMarginResult(plan: DeribitPmPlan, portfolio: ResolvedPortfolio, rows: readonly number[], risks: readonly RowRisk[], orders: readonly RowOpenOrders[]): MarginResultOf<DeribitPmDetails> {
  if (portfolio.mode === 'isolated') {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', 'mode: deribit-pm x-pm margins the whole account together; an isolated portfolio needs mode "s-pm"', { field: 'mode' });
  }
  const { market } = plan.context;
  const { params, layout } = plan;
  const usdOf = (ccy: string): number => market.fxRate(ccy, 'USD');
  const toAccount = market.fxRate('USD', portfolio.currency);
  const fxOf = (r: { currency: string }): number => usdOf(r.currency) * toAccount;

  const usdRows = risks.map((r) => {
    const s = usdOf(r.currency);
    return { r, s, standard: r.stdAgg.map((x) => x * s + 0), extended: r.extAgg.map((x) => x * s + 0) };
  });
  let worstUsd = 0;
  let combined: { standard: number[]; extended: number[]; worst: ReturnType<typeof worstCase> } | undefined;
  if (params.crossAggregation === 'aligned' && usdRows.length > 0) {
    const standard = new Array<number>(layout.standardCount).fill(0);
    const extended = new Array<number>(layout.extendedMoves.length).fill(0);
    for (const u of usdRows) {
      u.standard.forEach((x, j) => (standard[j]! += x));
      u.extended.forEach((x, j) => (extended[j]! += x));
    }
    const worst = worstCase(standard, extended, layout, params.priceRange);
    combined = { standard, extended, worst };
    worstUsd = worst.value;
  } else {
    for (const u of usdRows) worstUsd += u.r.worst.value * u.s;
  }
  let addOnsUsd = 0;
  let mmUsd = 0;
  for (const u of usdRows) {
    addOnsUsd += (u.r.riskMatrixMargin - u.r.worst.value) * u.s;
    mmUsd += u.r.maintenanceMargin * u.s;
  }
  const rmmUsd = worstUsd + addOnsUsd;
  if (combined !== undefined) mmUsd = params.mmFactor * rmmUsd;
  const openOrdersUsd = orders.reduce((s, o) => s + o.margin * usdOf(o.currency), 0);

  const collateral: CrossCollateralLine[] = Object.entries(portfolio.collateral)
    .filter(([, balance]) => balance > 0)
    .map(([asset, balance]) => {
      const priceUsd = usdOf(asset);
      const haircut = venueFieldsFor(params, asset).haircut;
      return { asset, balance, priceUsd, valueUsd: balance * priceUsd, haircut, haircutUsd: balance * priceUsd * haircut };
    });
  const haircutUsd = collateral.reduce((s, c) => s + c.haircutUsd, 0);
  const imUsd = rmmUsd + openOrdersUsd + haircutUsd;

  const components: MarginComponent[] = [];
  for (const u of usdRows) {
    const rc = rowComponents(plan, u.r, fxOf(u.r));
    // `aligned`: the per-currency worst cases are replaced by the combined one below; their add-ons stay.
    components.push(...(combined === undefined ? rc : rc.filter((c) => c.name !== 'worstCase')));
  }
  if (combined !== undefined) {
    components.unshift({ name: 'worstCase', group: 'CROSS', value: worstUsd * toAccount, scenario: { id: `${combined.worst.source}:${combined.worst.index}`, label: combined.worst.label } });
  }
  for (const o of orders) components.push({ name: 'openOrdersMargin', group: o.group, value: o.margin * fxOf(o) });
  for (const c of collateral) if (c.haircutUsd > 0) components.push({ name: 'collateralHaircut', group: c.asset, value: c.haircutUsd * toAccount });

  const largest = usdRows.reduce<(typeof usdRows)[number] | undefined>((best, u) => (best === undefined || u.r.worst.value * u.s > best.r.worst.value * best.s ? u : best), undefined);
  const worstScenario =
    combined !== undefined
      ? { id: `${combined.worst.source}:${combined.worst.index}`, label: `CROSS: ${combined.worst.label}`, pnl: combined.worst.pnl * toAccount + 0 }
      : largest === undefined
        ? undefined
        : { id: `${largest.r.worst.source}:${largest.r.worst.index}`, label: `${largest.r.group}: ${largest.r.worst.label}`, pnl: largest.r.worst.pnl * largest.s * toAccount + 0 };
  const ordersOf = new Map(orders.map((o) => [o.key, o.margin]));
  return {
    model: 'deribit-pm',
    account: portfolio.account,
    currency: portfolio.currency,
    initialMargin: imUsd * toAccount,
    maintenanceMargin: mmUsd * toAccount,
    components,
    ...(worstScenario === undefined ? {} : { worstScenario }),
    positions: positionContributions(plan, portfolio, rows, risks, fxOf),
    details: {
      method: 'Deribit X:PM (docs/models/deribit-pm.md X:PM): S:PM risk matrices valued in USD and combined, haircuts on IM; the combination is a reconstruction [U]',
      mode: 'x-pm',
      variant: params.variant,
      cross: {
        currency: 'USD',
        aggregation: params.crossAggregation,
        ...(combined === undefined ? {} : { aggregatedRiskVectors: { standard: combined.standard, extended: combined.extended } }),
        worstCase: combined === undefined ? { value: worstUsd } : { value: worstUsd, index: combined.worst.index, bucket: combined.worst.bucket, side: combined.worst.side, source: combined.worst.source, vol: combined.worst.vol },
        addOns: addOnsUsd,
        riskMatrixMargin: rmmUsd,
        openOrdersMargin: openOrdersUsd,
        collateral,
        haircutMargin: haircutUsd,
        initialMargin: imUsd,
        maintenanceMargin: mmUsd,
        rateToAccountCurrency: toAccount,
      },
      currencies: usdRows.map((u) => ({
        ...rowDetail(plan, u.r, ordersOf.get(u.r.key) ?? 0, fxOf(u.r)),
        priceUsd: u.s,
        aggregatedRiskVectorsUsd: { standard: u.standard, extended: u.extended },
        riskMatrixMarginUsd: u.r.riskMatrixMargin * u.s,
      })),
      ...(orders.length > 0 ? { openOrders: orders.map((o) => ({ group: o.group, currency: o.currency, side: o.side, margin: o.margin })) } : {}),
      initialRiskVectors: initialRiskVectors(plan, portfolio),
    },
  };
}
