import { CrossmarginError } from '../../core/errors.js';
import type { ResolvedPortfolio } from '../../portfolio/resolve-portfolio.js';
import type { MarginComponent, MarginResultOf } from '../margin-result.js';
import type { DeribitPmDetails } from './deribit-pm-details.js';
import { crossMarginResult } from './deribit-pm-cross.js';
import { initialRiskVectors, positionContributions, rowComponents, rowDetail, type RowOpenOrders } from './deribit-pm-report.js';
import { requireOwnParameters } from './deribit-pm-params.js';
import { rowRisks, type DeribitPmPlan, type RowRisk } from './deribit-pm-rows.js';

/**
 * Open-orders margin (crypto-venues.md §1.1: IM = risk_matrix_margin + … + open_orders_margin; "open-order IM charged
 * in PM since 18 Aug 2022" [V]). Deribit does not publish the formula; this is a reconstruction with the worst-side
 * rule the other venues publish (§6 Drift "position ± open orders (worst side)", §7 Mango "worst of all-to-base vs
 * all-to-quote"): the book is re-margined with every buy order filled and, separately, every sell order filled, and
 * each row is charged max(0, RMM_with_side − RMM) for the worse side. Cross mode: per settlement currency. Isolated
 * mode: each order is a position of its own, and the side with the larger total (account currency) is charged.
 */
export function openOrdersMargins(plan: DeribitPmPlan, portfolio: ResolvedPortfolio, base: readonly RowRisk[]): RowOpenOrders[] {
  const orders = portfolio.openOrders ?? [];
  if (orders.length === 0) return [];
  const baseline = new Map(base.map((r) => [r.key, r.riskMatrixMargin]));
  const sides = (['buy', 'sell'] as const).map((side) => {
    const filled = orders.filter((o) => (side === 'buy' ? o.quantity > 0 : o.quantity < 0));
    if (filled.length === 0) return [];
    const { risks } = rowRisks(plan, { ...portfolio, positions: [...portfolio.positions, ...filled] });
    return risks.map((r): RowOpenOrders => ({ key: r.key, group: r.group, currency: r.currency, side, margin: Math.max(0, r.riskMatrixMargin - (baseline.get(r.key) ?? 0)) }));
  });
  const [buys, sells] = sides as [RowOpenOrders[], RowOpenOrders[]];
  if (portfolio.mode === 'isolated') {
    const total = (rows: readonly RowOpenOrders[]): number => rows.reduce((s, r) => s + r.margin * plan.context.market.fxRate(r.currency, portfolio.currency), 0);
    return (total(buys) >= total(sells) ? buys : sells).filter((r) => r.margin > 0);
  }
  const byKey = new Map<string, RowOpenOrders>();
  for (const r of [...buys, ...sells]) {
    const seen = byKey.get(r.key);
    if (seen === undefined || r.margin > seen.margin) byKey.set(r.key, r);
  }
  // Rows the orders do not add to (reducing orders, currencies they do not touch) are not charged.
  return [...byKey.values()].filter((r) => r.margin > 0);
}

/** Evaluates one portfolio: S:PM per settlement currency, or X:PM in USD (`mode`), with open orders. */
export function evaluateDeribitPm(plan: DeribitPmPlan, portfolio: ResolvedPortfolio): MarginResultOf<DeribitPmDetails> {
  // 2023 variant: every underlying of the book needs its own parameters or published defaults (deribit-pm-params.ts).
  if (plan.legacy === undefined) {
    for (const p of [...portfolio.positions, ...(portfolio.openOrders ?? [])]) requireOwnParameters(plan.params, plan.context.instruments.spec(p.instrument).underlying);
  }
  const { rows, risks } = rowRisks(plan, portfolio);
  const orders = openOrdersMargins(plan, portfolio, risks);
  const result = plan.params.mode === 'x-pm' ? crossMarginResult(plan, portfolio, rows, risks, orders) : segregatedResult(plan, portfolio, rows, risks, orders);
  if (!(result.initialMargin >= 0) || !(result.maintenanceMargin >= 0)) {
    throw new CrossmarginError('INTERNAL', `deribit-pm produced a negative or non-finite margin (IM ${result.initialMargin}, MM ${result.maintenanceMargin})`);
  }
  return result;
}

/** S:PM (crypto-venues.md §1.1): each settlement currency margined in its coin, converted to the account currency at today's index. */
function segregatedResult(plan: DeribitPmPlan, portfolio: ResolvedPortfolio, rows: readonly number[], risks: readonly RowRisk[], orders: readonly RowOpenOrders[]): MarginResultOf<DeribitPmDetails> {
  const { market } = plan.context;
  const fxOf = (r: { currency: string }): number => market.fxRate(r.currency, portfolio.currency);
  const ordersOf = new Map(orders.map((o) => [o.key, o]));
  const components: MarginComponent[] = [];
  const currencies: Record<string, unknown>[] = [];
  let im = 0;
  let mm = 0;
  let largest: { r: RowRisk; value: number } | undefined;
  for (const r of risks) {
    const fx = fxOf(r);
    const oo = ordersOf.get(r.key)?.margin ?? 0;
    // IM = risk_matrix_margin + spot_margin + mmp_margin + open_orders_margin (§1.1); a portfolio file has no MMP
    // settings and no spot orders, so those two are 0.
    im += (r.riskMatrixMargin + oo) * fx;
    mm += r.maintenanceMargin * fx;
    components.push(...rowComponents(plan, r, fx));
    if (ordersOf.has(r.key)) components.push({ name: 'openOrdersMargin', group: r.group, value: oo * fx });
    currencies.push(rowDetail(plan, r, oo, fx));
    if (largest === undefined || r.worst.value * fx > largest.value) largest = { r, value: r.worst.value * fx };
  }
  // Orders in a currency the book holds no position in: charged on their own.
  for (const o of orders) {
    if (risks.some((r) => r.key === o.key)) continue;
    im += o.margin * fxOf(o);
    components.push({ name: 'openOrdersMargin', group: o.group, value: o.margin * fxOf(o) });
  }
  return {
    model: 'deribit-pm',
    ...(portfolio.account === undefined ? {} : { account: portfolio.account }),
    currency: portfolio.currency,
    initialMargin: im,
    maintenanceMargin: mm,
    components,
    ...(largest === undefined
      ? {}
      : { worstScenario: { id: `${largest.r.worst.source}:${largest.r.worst.index}`, label: `${largest.r.group}: ${largest.r.worst.label}`, pnl: largest.r.worst.pnl * fxOf(largest.r) + 0 } }),
    positions: positionContributions(plan, portfolio, rows, risks, fxOf),
    details: {
      method:
        plan.legacy === undefined
          ? 'Deribit S:PM (docs/models/deribit-pm.md); vol shock, delta shock, roll shock for dated futures and open-orders margin are reconstructions'
          : 'Deribit legacy PM (docs/models/deribit-pm.md Legacy PM): max loss over the price × vol grid + option and futures contingencies',
      mode: 's-pm',
      variant: plan.params.variant,
      currencies,
      ...(orders.length > 0 ? { openOrders: orders.map((o) => ({ group: o.group, currency: o.currency, side: o.side, margin: o.margin })) } : {}),
      initialRiskVectors: initialRiskVectors(plan, portfolio),
    },
  };
}
