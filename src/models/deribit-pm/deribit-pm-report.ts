import type { ResolvedPortfolio } from '../../portfolio/resolve-portfolio.js';
import type { MarginComponent, MarginResult } from '../margin-result.js';
import type { DeribitPmPlan, RowRisk } from './deribit-pm-rows.js';

/** Open-orders margin of one row, in its settlement currency. */
export interface RowOpenOrders {
  readonly key: string;
  readonly group: string;
  readonly currency: string;
  readonly margin: number;
  /** Which side set it. */
  readonly side: 'buy' | 'sell';
}

/** Components of one row in the account currency (rate `fx`): the legacy variant shows its contingencies instead of the shocks. */
export function rowComponents(plan: DeribitPmPlan, r: RowRisk, fx: number): MarginComponent[] {
  const scenario = { id: `${r.worst.source}:${r.worst.index}`, label: r.worst.label };
  const out: MarginComponent[] = [{ name: 'worstCase', group: r.group, value: r.worst.value * fx, scenario }];
  if (plan.legacy !== undefined) {
    out.push({ name: 'optionContingency', group: r.group, value: r.optionContingency * fx });
    out.push({ name: 'futuresContingency', group: r.group, value: r.futuresContingency * fx });
    return out;
  }
  out.push({ name: 'rollShock', group: r.group, value: r.rollShock * fx });
  out.push({ name: 'deltaShock', group: r.group, value: r.deltaShock * fx });
  out.push({ name: 'correlationContingency', group: r.group, value: r.correlationContingency * fx });
  return out;
}

/** The pme/simulate-like block of one row (settlement currency), crypto-venues.md §1.2 "Oracle". */
export function rowDetail(plan: DeribitPmPlan, r: RowRisk, openOrders: number, fx: number): Record<string, unknown> {
  const p = plan.params;
  return {
    group: r.group,
    currency: r.currency,
    rateToAccountCurrency: fx,
    modelParams: { asOf: p.asOf, source: p.source, variant: p.variant, ...r.fields },
    preAggregatedRiskVectors: { standard: r.stdPre, extended: r.extPre },
    extendedDampened: r.extDampened,
    aggregatedRiskVectors: { standard: r.stdAgg, extended: r.extAgg },
    worstCase: { value: r.worst.value, index: r.worst.index, bucket: r.worst.bucket, side: r.worst.side, source: r.worst.source, vol: r.worst.vol },
    deltaTotal: r.deltas,
    rollShock: r.rollShock,
    deltaShock: r.deltaShock,
    correlationContingency: r.correlationContingency,
    ...(plan.legacy === undefined ? {} : { optionContingency: r.optionContingency, futuresContingency: r.futuresContingency }),
    riskMatrixMargin: r.riskMatrixMargin,
    mmFactor: r.fields.mmFactor,
    maintenanceMargin: r.maintenanceMargin,
    initialMargin: r.riskMatrixMargin + openOrders,
    openOrdersMargin: openOrders,
    mmpMargin: 0,
    spotMargin: 0,
  };
}

/** Each position's loss in its row's worst scenario (0 when the row is not charged), account currency. */
export function positionContributions(plan: DeribitPmPlan, portfolio: ResolvedPortfolio, rows: readonly number[], risks: readonly RowRisk[], fxOf: (r: RowRisk) => number): MarginResult['positions'] {
  const { matrix, layout, context } = plan;
  const width = matrix.set.count;
  return portfolio.positions.map((p, i) => {
    const r = risks[rows[i]!]!;
    const j = r.worst.source === 'standard' ? r.worst.index : layout.standardCount + r.worst.index;
    const pnl = r.worst.value > 0 ? p.quantity * matrix.pnl[p.instrument * width + j]! * fxOf(r) : 0;
    return { instrument: context.instruments.spec(p.instrument).symbol, quantity: p.quantity, contribution: -pnl + 0 };
  });
}

/** Per-instrument risk vectors of the positions (pme/simulate `initial_risk_vectors`), settlement currency. */
export function initialRiskVectors(plan: DeribitPmPlan, portfolio: ResolvedPortfolio): Record<string, unknown>[] {
  const { matrix, layout, context } = plan;
  const width = matrix.set.count;
  return portfolio.positions.map((p) => {
    const row = p.instrument * width;
    const v = Array.from(matrix.pnl.subarray(row, row + layout.length), (x) => x * p.quantity + 0);
    return { instrument: context.instruments.spec(p.instrument).symbol, quantity: p.quantity, standard: v.slice(0, layout.standardCount), extended: v.slice(layout.standardCount) };
  });
}

