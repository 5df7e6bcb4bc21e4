import type { InstrumentSpec } from '../../instruments/instrument-spec.js';
import type { ResolvedPortfolio } from '../../portfolio/resolve-portfolio.js';
import type { ModelContext } from '../margin-model.js';
import { aggregatePortfolio, groupRows, type ScenarioMatrix } from '../scenario-pipeline.js';
import { legacyContingencies } from './deribit-pm-legacy.js';
import type { DeribitPmLegacyParams } from './deribit-pm-legacy-params.js';
import { venueFieldsFor, type DeribitPmParams, type DeribitPmVenueFields } from './deribit-pm-params.js';
import { dampen, deltaCoinOf, deltaShockTerm, offsetPnl, riskMatrixMarginOf, rollPerContract, rollShockTerm, worstLossOf } from './deribit-pm-row-math.js';

export { DELTA_STEP, deribitOffset } from './deribit-pm-row-math.js';

/** Vol labels of a standard bucket, in the order used here (Deribit's order within a bucket is [U], §1.1). */
export const VOL_NAMES = ['up', 'same', 'down'] as const;

/**
 * Layout of one "slice" of scenarios: the standard grid (bucket-major, vol up / same / down) then the extended
 * table (vol up only), crypto-venues.md §1.1 STANDARD and EXTENDED.
 */
export interface Layout {
  readonly buckets: number;
  readonly standardCount: number;
  readonly extendedMoves: readonly number[];
  /** standardCount + extended moves. */
  readonly length: number;
}

/** What evaluate needs from compile: the compact matrix (each instrument's own slice) and per-instrument inputs. */
export interface DeribitPmPlan {
  /** Effective S:PM parameters (for the legacy variant: its grid mapped onto the 2023 fields). */
  readonly params: DeribitPmParams;
  /** Set for the legacy variant: its contingencies are added to the risk-matrix margin. */
  readonly legacy: DeribitPmLegacyParams | undefined;
  readonly context: ModelContext;
  readonly matrix: ScenarioMatrix;
  readonly layout: Layout;
  readonly inputs: readonly { readonly reference: number; readonly tau: number }[];
}

export interface WorstCase {
  readonly value: number;
  readonly pnl: number;
  /** 0-based index in its vector. */
  readonly index: number;
  /** Standard: 1 = −range … 2·buckets+1 = +range; extended: undefined. */
  readonly bucket: number | undefined;
  readonly side: 'left' | 'center' | 'right';
  readonly source: 'standard' | 'extended';
  readonly vol: 'up' | 'same' | 'down';
  readonly label: string;
}

/** One settlement currency (or, in isolated mode, one position): its risk vectors and add-ons, in its settlement coin. */
export interface RowRisk {
  readonly key: string;
  readonly group: string;
  readonly currency: string;
  readonly fields: DeribitPmVenueFields;
  readonly stdPre: number[];
  readonly extPre: number[];
  readonly extDampened: number[];
  readonly stdAgg: number[];
  readonly extAgg: number[];
  readonly worst: WorstCase;
  readonly deltas: Record<string, number>;
  readonly rollShock: number;
  readonly deltaShock: number;
  readonly correlationContingency: number;
  /** Legacy variant only (§1.1 Legacy PM), else 0. */
  readonly optionContingency: number;
  readonly futuresContingency: number;
  readonly riskMatrixMargin: number;
  readonly maintenanceMargin: number;
}

/**
 * Expiry-dependent vol shock factor (30 / max(DTE_floor, DTE))^p: the documented reconstruction of crypto-venues.md
 * §1.1 "Vol shock" [U], p = short-term power below 30 days, long-term power from 30 days on. Configurable.
 */
export function deribitVolShockFactor(dteDays: number, fields: Pick<DeribitPmVenueFields, 'dteFloorDays' | 'shortTermVegaPower' | 'longTermVegaPower'>): number {
  const power = dteDays < 30 ? fields.shortTermVegaPower : fields.longTermVegaPower;
  return Math.pow(30 / Math.max(fields.dteFloorDays, dteDays), power);
}

/** Row key of a position: its settlement currency (cross), or itself (isolated). */
export function rowKeyOf(portfolio: ResolvedPortfolio, spec: InstrumentSpec, i: number): { key: string; name: string } {
  return portfolio.mode === 'isolated' ? { key: `p:${i}`, name: `${spec.symbol} (${spec.currency})` } : { key: `c:${spec.currency}`, name: spec.currency };
}

/**
 * The S:PM risk of every row of `portfolio` (crypto-venues.md §1.1): pre-aggregated vectors on the shared pipeline
 * (settlement coin, rate 1), offset and dampening, worst case, roll and delta shock (and the legacy contingencies),
 * risk-matrix margin and MM. Returns each position's row and the rows' risks in first-seen order.
 */
export function rowRisks(plan: DeribitPmPlan, portfolio: ResolvedPortfolio): { rows: number[]; risks: RowRisk[] } {
  const { context, matrix, layout, inputs, params } = plan;
  const { market, instruments } = context;
  const width = matrix.set.count;
  const specOf = (i: number): InstrumentSpec => instruments.spec(portfolio.positions[i]!.instrument);
  const { rows, keys, names } = groupRows(portfolio.positions.length, (i) => rowKeyOf(portfolio, specOf(i), i));
  const rowCurrency = names.map((_, r) => specOf(rows.indexOf(r)).currency);
  // Settlement-currency P&L per row (rate 1): Deribit aggregates in the settlement coin (§1.1).
  const grouped = aggregatePortfolio(matrix, context, portfolio, names.length, (i) => rows[i]!, () => 1);
  // Delta per row and underlying (delta shock is per coin).
  const du = groupRows(portfolio.positions.length, (i) => ({ key: `${rows[i]!}|${specOf(i).underlying}`, name: specOf(i).underlying }));
  const deltaBook = aggregatePortfolio(matrix, context, portfolio, du.names.length, (i) => du.rows[i]!, () => 1);

  const risks = names.map((group, r): RowRisk => {
    const ccy = rowCurrency[r]!;
    const f = venueFieldsFor(params, ccy);
    const toUsd = market.fxRate(ccy, 'USD');
    const pre = grouped.rowPnl.subarray(r * width, r * width + layout.length);
    const stdPre = Array.from(pre.subarray(0, layout.standardCount), (x) => x + 0);
    const extPre = Array.from(pre.subarray(layout.standardCount), (x) => x + 0);
    // The scalar steps are shared with the batch path (deribit-pm-row-math.ts), which takes the same values in the same order.
    const stdAgg = stdPre.map((x) => offsetPnl(x, f));
    const extDampened = extPre.map((x, e) => dampen(x, layout.extendedMoves[e]!, f, toUsd));
    const extAgg = extDampened.map((x) => offsetPnl(x, f));
    const worst = worstCase(stdAgg, extAgg, layout, f.priceRange);

    // Roll shock (§1.1, [I]): futures and perpetuals, |position in coin| × max(annualised_move_risk × T, min_annualised_move).
    // A venue position is net per instrument, so entries of one instrument (and filled orders) are netted first.
    const netByInstrument = new Map<number, number>();
    portfolio.positions.forEach((p, i) => {
      const spec = specOf(i);
      if (rows[i] !== r || (spec.kind !== 'future' && spec.kind !== 'perpetual')) return;
      netByInstrument.set(p.instrument, (netByInstrument.get(p.instrument) ?? 0) + p.quantity);
    });
    let rollShock = 0;
    for (const [id, quantity] of netByInstrument) {
      rollShock += rollShockTerm(quantity, rollPerContract(instruments.spec(id), inputs[id]!.reference), inputs[id]!.tau, f);
    }
    // Delta shock (§1.1, [U]): |Δ| × min(max_delta_shock, m_inc × max(0, |Δ| − threshold/S)), per underlying coin.
    let deltaShock = 0;
    const deltas: Record<string, number> = {};
    du.names.forEach((u, d) => {
      if (!du.keys[d]!.startsWith(`${r}|`) || !market.has(u)) return;
      const up = deltaBook.rowPnl[d * width + layout.length]!;
      const down = deltaBook.rowPnl[d * width + layout.length + 1]!;
      const s = market.underlying(u).index;
      const deltaCoin = deltaCoinOf(up, down, toUsd, s);
      deltas[u] = deltaCoin + 0;
      deltaShock += deltaShockTerm(deltaCoin, s, toUsd, f);
    });
    let legacy = { option: 0, futures: 0 };
    if (plan.legacy !== undefined) {
      const inRow = portfolio.positions.filter((_, i) => rows[i] === r);
      legacy = legacyContingencies(plan, inRow.map((p) => p.instrument), inRow.map((p) => p.quantity), ccy);
    }
    const correlationContingency = 0;
    const riskMatrixMargin = riskMatrixMarginOf(worst.value, deltaShock, rollShock, correlationContingency, legacy.option, legacy.futures);
    return {
      key: keys[r]!,
      group,
      currency: ccy,
      fields: f,
      stdPre,
      extPre,
      extDampened,
      stdAgg,
      extAgg,
      worst,
      deltas,
      rollShock,
      deltaShock,
      correlationContingency,
      optionContingency: legacy.option,
      futuresContingency: legacy.futures,
      riskMatrixMargin,
      maintenanceMargin: f.mmFactor * riskMatrixMargin,
    };
  });
  return { rows, risks };
}

/** Human label of compact scenario j: `standard 1 (bucket 1, −16%, vol up)` / `extended 0 (−66%, vol up)`. */
export function scenarioLabel(layout: Layout, j: number, range: number): string {
  if (j < layout.standardCount) {
    const b = Math.floor(j / VOL_NAMES.length);
    const k = b - layout.buckets;
    const pct = Number(((k * range * 100) / layout.buckets).toPrecision(4));
    return `standard ${j} (bucket ${b + 1}, ${pct > 0 ? '+' : ''}${pct}%, vol ${VOL_NAMES[j % VOL_NAMES.length]})`;
  }
  if (j < layout.length) {
    const m = layout.extendedMoves[j - layout.standardCount]!;
    return `extended ${j - layout.standardCount} (${m > 0 ? '+' : ''}${Number((m * 100).toPrecision(4))}%, vol up)`;
  }
  return j === layout.length ? 'delta +' : 'delta −';
}

/** worst_case = max(0, −min(agg_std ∪ agg_ext)) with where it was found (§1.1); ties keep the first entry. */
export function worstCase(std: readonly number[], ext: readonly number[], layout: Layout, range: number): WorstCase {
  let best = { pnl: Infinity, source: 'standard' as 'standard' | 'extended', index: 0 };
  std.forEach((x, j) => {
    if (x < best.pnl) best = { pnl: x, source: 'standard', index: j };
  });
  ext.forEach((x, e) => {
    if (x < best.pnl) best = { pnl: x, source: 'extended', index: e };
  });
  const pnl = best.pnl === Infinity ? 0 : best.pnl;
  const value = worstLossOf(best.pnl);
  if (best.source === 'standard') {
    const b = Math.floor(best.index / VOL_NAMES.length);
    const k = b - layout.buckets;
    return {
      value,
      pnl,
      index: best.index,
      bucket: b + 1,
      side: k < 0 ? 'left' : k > 0 ? 'right' : 'center',
      source: 'standard',
      vol: VOL_NAMES[best.index % VOL_NAMES.length]!,
      label: scenarioLabel(layout, best.index, range),
    };
  }
  const m = layout.extendedMoves[best.index]!;
  return {
    value,
    pnl,
    index: best.index,
    bucket: undefined,
    side: m < 0 ? 'left' : 'right',
    source: 'extended',
    vol: 'up',
    label: scenarioLabel(layout, layout.standardCount + best.index, range),
  };
}
