import { CrossmarginError } from '../../core/errors.js';
import type { InstrumentSpec } from '../../instruments/instrument-spec.js';
import { instrumentMarketInputs } from '../../pricing/instrument-inputs.js';
import type { ScenarioSet } from '../../scenarios/scenario-set.js';
import type { CompiledModel, MarginModel, ModelContext } from '../margin-model.js';
import type { MarginComponent, MarginResult } from '../margin-result.js';
import { aggregatePortfolio, buildScenarioMatrix, groupRows, riskUnderlyings, type ScenarioMatrix } from '../scenario-pipeline.js';
import { DERIBIT_PM_PARAMETER_DOCS, DeribitPmParamsSchema, venueFieldsFor, type DeribitPmParams, type DeribitPmVenueFields } from './deribit-pm-params.js';

/** Relative price step of the two extra scenarios the total delta is read from (central difference). */
const DELTA_STEP = 1e-4;
const DAYS_PER_YEAR = 365;

/** Vol labels of a standard bucket, in the order used here (Deribit's order within a bucket is [U], §1.1). */
const VOL_NAMES = ['up', 'same', 'down'] as const;

/**
 * Layout of one "slice" of scenarios: the standard grid (bucket-major, vol up / same / down) then the extended
 * table (vol up only), crypto-venues.md §1.1 STANDARD and EXTENDED.
 */
interface Layout {
  readonly buckets: number;
  readonly standardCount: number;
  readonly extendedMoves: readonly number[];
  /** standardCount + extended moves. */
  readonly length: number;
}

/**
 * Expiry-dependent vol shock factor (30 / max(DTE_floor, DTE))^p: the documented reconstruction of crypto-venues.md
 * §1.1 "Vol shock" [U], p = short-term power below 30 days, long-term power from 30 days on. Configurable.
 */
export function deribitVolShockFactor(dteDays: number, fields: Pick<DeribitPmVenueFields, 'dteFloorDays' | 'shortTermVegaPower' | 'longTermVegaPower'>): number {
  const power = dteDays < 30 ? fields.shortTermVegaPower : fields.longTermVegaPower;
  return Math.pow(30 / Math.max(fields.dteFloorDays, dteDays), power);
}

/** Positive-P&L offset rule per currency (crypto-venues.md §1.1 AGGREGATION): losses count in full, gains at pnl_offset up to the cap. */
export function deribitOffset(pre: number, pnlOffset: number, cap: number): number {
  return pre <= 0 ? pre : Math.min(pre * pnlOffset, cap);
}

/**
 * `deribit-pm`: Deribit portfolio margin S:PM (2023–24 structure), crypto-venues.md §1.1. One revaluation on the
 * shared pipeline: options are grouped into slices by time to expiry (the vol shock depends on it), each slice is
 * the standard grid plus the extended table; every instrument reads its own slice. Positions are aggregated per
 * settlement currency (per position in isolated mode); margins are computed in that currency and converted to the
 * account currency at today's index.
 */
export const deribitPmModel: MarginModel<DeribitPmParams> = {
  id: 'deribit-pm',
  description: 'Deribit portfolio margin S:PM (2023–24): 9×3 grid + extended table, per settlement currency; roll and delta shock',
  paramsSchema: DeribitPmParamsSchema,
  parameters: DERIBIT_PM_PARAMETER_DOCS,
  // The extended table's dampener is a fixed USD amount and the delta shock grows faster than |Δ| (§1.1).
  homogeneous: false,
  compile(params, context) {
    return compileDeribitPm(params, context);
  },
};

function compileDeribitPm(params: DeribitPmParams, context: ModelContext): CompiledModel {
  const buckets = params.bucketsCount;
  const layout: Layout = {
    buckets,
    standardCount: (2 * buckets + 1) * VOL_NAMES.length,
    extendedMoves: params.extendedMoves,
    length: (2 * buckets + 1) * VOL_NAMES.length + params.extendedMoves.length,
  };
  const specs = context.instruments.specs();
  const inputs = specs.map((spec, i) => instrumentMarketInputs(spec, context.market, context.fieldOf?.(i) ?? `instruments.${i}`));

  // Slices: 0 for delta-one instruments (no vol), one per distinct option time to expiry.
  const sliceOfTau = new Map<number, number>([[-1, 0]]);
  const sliceTau: number[] = [-1];
  const slice = specs.map((spec, i) => {
    if (spec.kind !== 'option') return 0;
    const tau = inputs[i]!.tau;
    let s = sliceOfTau.get(tau);
    if (s === undefined) {
      s = sliceTau.length;
      sliceOfTau.set(tau, s);
      sliceTau.push(tau);
    }
    return s;
  });

  const underlyings = riskUnderlyings(context);
  const count = sliceTau.length * layout.length + 2;
  const set = buildSlicedSet(params, underlyings, sliceTau, layout, count);
  const full = buildScenarioMatrix(context, set);

  // Compact matrix: each instrument's own slice, extended entries scaled (§1.1 EXTENDED), then the two delta scenarios.
  const width = layout.length + 2;
  const pnl = new Float64Array(specs.length * width);
  specs.forEach((spec, i) => {
    const fields = venueFieldsFor(params, spec.underlying);
    const from = i * count + slice[i]! * layout.length;
    for (let j = 0; j < layout.standardCount; j++) pnl[i * width + j] = full.pnl[from + j]!;
    layout.extendedMoves.forEach((m, e) => {
      pnl[i * width + layout.standardCount + e] = full.pnl[from + layout.standardCount + e]! * extendedScale(m, fields, spec);
    });
    const deltaFrom = i * count + count - 2;
    pnl[i * width + layout.length] = full.pnl[deltaFrom]!;
    pnl[i * width + layout.length + 1] = full.pnl[deltaFrom + 1]!;
  });
  const compact: ScenarioMatrix = { set: compactSet(set, layout, width, count), pnl, instrumentCount: specs.length };
  return { evaluate: (portfolio) => evaluateDeribitPm(params, context, compact, layout, inputs, portfolio) };
}

/**
 * Extended-table scaling (crypto-venues.md §1.1 EXTENDED): factor × (range/|m|) × (1+m)/(1 + sign(m)·range). The last
 * term is documented for inverse delta-one (it makes their extended P&L exactly the ±range P&L) and applied to all
 * inverse instruments; linear instruments get factor × range/|m| (so linear delta-one also equals ±range): a
 * reconstruction, no linear vector is published.
 */
export function extendedScale(m: number, fields: Pick<DeribitPmVenueFields, 'extendedTableFactor' | 'priceRange'>, spec: Pick<InstrumentSpec, 'settlement'>): number {
  const base = fields.extendedTableFactor * (fields.priceRange / Math.abs(m));
  return spec.settlement === 'inverse' ? (base * (1 + m)) / (1 + Math.sign(m) * fields.priceRange) : base;
}

function buildSlicedSet(params: DeribitPmParams, underlyings: readonly string[], sliceTau: readonly number[], layout: Layout, count: number): ScenarioSet {
  const priceMove = new Float64Array(underlyings.length * count);
  const volShift = new Float64Array(underlyings.length * count);
  underlyings.forEach((name, u) => {
    const f = venueFieldsFor(params, name);
    sliceTau.forEach((tau, sl) => {
      const factor = tau < 0 ? 0 : deribitVolShockFactor(tau * DAYS_PER_YEAR, f);
      const up = f.volatilityRangeUp * factor;
      const down = -f.volatilityRangeDown * factor;
      const base = u * count + sl * layout.length;
      let j = 0;
      for (let k = -layout.buckets; k <= layout.buckets; k++) {
        for (const shift of [up, 0, down]) {
          priceMove[base + j] = (k * f.priceRange) / layout.buckets;
          volShift[base + j] = shift;
          j++;
        }
      }
      for (const m of layout.extendedMoves) {
        priceMove[base + j] = m;
        volShift[base + j] = up;
        j++;
      }
    });
    priceMove[u * count + count - 2] = DELTA_STEP;
    priceMove[u * count + count - 1] = -DELTA_STEP;
  });
  return {
    count,
    underlyings,
    ids: Array.from({ length: count }, (_, s) => String(s)),
    labels: Array.from({ length: count }, (_, s) => `scenario ${s}`),
    priceMove,
    volShift,
    volShiftMode: 'relative',
    timeStep: new Float64Array(count),
    weight: new Float64Array(count).fill(1),
  };
}

/** Human label of compact scenario j: `standard 1 (bucket 1, −16%, vol up)` / `extended 0 (−66%, vol up)`. */
function scenarioLabel(layout: Layout, j: number, range: number): string {
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

function compactSet(full: ScenarioSet, layout: Layout, width: number, fullCount: number): ScenarioSet {
  const n = full.underlyings.length;
  const priceMove = new Float64Array(n * width);
  const volShift = new Float64Array(n * width);
  for (let u = 0; u < n; u++) {
    for (let j = 0; j < layout.length; j++) {
      priceMove[u * width + j] = full.priceMove[u * fullCount + j]!;
      volShift[u * width + j] = full.volShift[u * fullCount + j]!;
    }
    priceMove[u * width + layout.length] = DELTA_STEP;
    priceMove[u * width + layout.length + 1] = -DELTA_STEP;
  }
  return {
    count: width,
    underlyings: full.underlyings,
    ids: Array.from({ length: width }, (_, j) => String(j)),
    labels: Array.from({ length: width }, (_, j) => `scenario ${j}`),
    priceMove,
    volShift,
    volShiftMode: 'relative',
    timeStep: new Float64Array(width),
    weight: new Float64Array(width).fill(1),
  };
}

interface WorstCase {
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

function evaluateDeribitPm(
  params: DeribitPmParams,
  context: ModelContext,
  matrix: ScenarioMatrix,
  layout: Layout,
  inputs: readonly { reference: number; tau: number }[],
  portfolio: Parameters<CompiledModel['evaluate']>[0],
): MarginResult {
  const { market, instruments } = context;
  const width = matrix.set.count;
  const isolated = portfolio.mode === 'isolated';
  const specOf = (i: number): InstrumentSpec => instruments.spec(portfolio.positions[i]!.instrument);
  const symbols = portfolio.positions.map((_, i) => specOf(i).symbol);
  const { rows, names } = groupRows(portfolio.positions.length, (i) =>
    isolated ? { key: `p:${i}`, name: `${symbols[i]!} (${specOf(i).currency})` } : { key: `c:${specOf(i).currency}`, name: specOf(i).currency },
  );
  const rowCurrency = names.map((_, r) => specOf(rows.indexOf(r)).currency);
  // Settlement-currency P&L per row (rate 1): Deribit aggregates in the settlement coin (§1.1).
  const grouped = aggregatePortfolio(matrix, context, portfolio, names.length, (i) => rows[i]!, () => 1);
  // Delta per row and underlying (delta shock is per coin).
  const du = groupRows(portfolio.positions.length, (i) => ({ key: `${rows[i]!}|${specOf(i).underlying}`, name: specOf(i).underlying }));
  const deltaBook = aggregatePortfolio(matrix, context, portfolio, du.names.length, (i) => du.rows[i]!, () => 1);

  const components: MarginComponent[] = [];
  const currencies: Record<string, unknown>[] = [];
  let im = 0;
  let mm = 0;
  let largest: { r: number; worst: WorstCase; value: number } | undefined;
  const worstOfRow: WorstCase[] = [];

  names.forEach((group, r) => {
    const ccy = rowCurrency[r]!;
    const f = venueFieldsFor(params, ccy);
    const toUsd = market.fxRate(ccy, 'USD');
    const fx = market.fxRate(ccy, portfolio.currency);
    const pre = grouped.rowPnl.subarray(r * width, r * width + layout.length);
    const stdPre = Array.from(pre.subarray(0, layout.standardCount));
    const extPre = Array.from(pre.subarray(layout.standardCount));
    const stdAgg = stdPre.map((x) => deribitOffset(x, f.pnlOffset, f.maxOffsetablePnl) + 0);
    const extDampened = extPre.map((x, e) => dampen(x, layout.extendedMoves[e]!, f, toUsd));
    const extAgg = extDampened.map((x) => deribitOffset(x, f.pnlOffset, f.maxOffsetablePnl) + 0);
    const worst = worstCase(stdAgg, extAgg, layout, f.priceRange);
    worstOfRow.push(worst);

    // Roll shock (§1.1, [I]): futures and perpetuals, |position in coin| × max(annualised_move_risk × T, min_annualised_move).
    let rollShock = 0;
    // Delta shock (§1.1, [U]): |Δ| × min(max_delta_shock, m_inc × max(0, |Δ| − threshold/S)), per underlying coin.
    let deltaShock = 0;
    const deltas: Record<string, number> = {};
    portfolio.positions.forEach((p, i) => {
      if (rows[i] !== r) return;
      const spec = specOf(i);
      if (spec.kind !== 'future' && spec.kind !== 'perpetual') return;
      const ref = inputs[p.instrument]!.reference;
      const perContract = spec.settlement === 'inverse' ? spec.multiplier / ref : spec.multiplier * ref;
      rollShock += Math.abs(p.quantity) * perContract * Math.max(f.annualisedMoveRisk * inputs[p.instrument]!.tau, f.minAnnualisedMove);
    });
    du.names.forEach((u, d) => {
      if (!du.keys[d]!.startsWith(`${r}|`) || !market.has(u)) return;
      const up = deltaBook.rowPnl[d * width + layout.length]!;
      const down = deltaBook.rowPnl[d * width + layout.length + 1]!;
      const s = market.underlying(u).index;
      const deltaCoin = (((up - down) / (2 * DELTA_STEP)) * toUsd) / s;
      deltas[u] = deltaCoin + 0;
      const abs = Math.abs(deltaCoin);
      const shockCoin = abs * Math.min(f.maxDeltaShock, f.mInc * Math.max(0, abs - f.deltaTotalLiqShockThresholdUsd / s));
      deltaShock += (shockCoin * s) / toUsd;
    });
    const correlationContingency = 0;
    const riskMatrixMargin = worst.value + deltaShock + rollShock + correlationContingency;
    const maintenance = f.mmFactor * riskMatrixMargin;
    // IM = risk_matrix_margin + spot_margin + mmp_margin + open_orders_margin (§1.1); a portfolio file has no orders,
    // no MMP settings and no spot orders, so the last three are 0 here.
    const initial = riskMatrixMargin;
    im += initial * fx;
    mm += maintenance * fx;
    const scenario = { id: `${worst.source}:${worst.index}`, label: worst.label };
    components.push({ name: 'worstCase', group, value: worst.value * fx, scenario });
    components.push({ name: 'rollShock', group, value: rollShock * fx });
    components.push({ name: 'deltaShock', group, value: deltaShock * fx });
    components.push({ name: 'correlationContingency', group, value: correlationContingency });
    if (largest === undefined || worst.value * fx > largest.value) largest = { r, worst, value: worst.value * fx };
    currencies.push({
      group,
      currency: ccy,
      rateToAccountCurrency: fx,
      modelParams: { asOf: params.asOf, source: params.source, ...f },
      preAggregatedRiskVectors: { standard: stdPre.map((x) => x + 0), extended: extPre.map((x) => x + 0) },
      extendedDampened: extDampened.map((x) => x + 0),
      aggregatedRiskVectors: { standard: stdAgg, extended: extAgg },
      worstCase: { value: worst.value, index: worst.index, bucket: worst.bucket, side: worst.side, source: worst.source, vol: worst.vol },
      deltaTotal: deltas,
      rollShock,
      deltaShock,
      correlationContingency,
      riskMatrixMargin,
      mmFactor: f.mmFactor,
      maintenanceMargin: maintenance,
      initialMargin: initial,
      openOrdersMargin: 0,
      mmpMargin: 0,
      spotMargin: 0,
    });
  });

  const initialRiskVectors = portfolio.positions.map((p, i) => {
    const row = p.instrument * width;
    const v = Array.from(matrix.pnl.subarray(row, row + layout.length), (x) => x * p.quantity + 0);
    return { instrument: symbols[i]!, quantity: p.quantity, standard: v.slice(0, layout.standardCount), extended: v.slice(layout.standardCount) };
  });
  const positions = portfolio.positions.map((p, i) => {
    const r = rows[i]!;
    const w = worstOfRow[r]!;
    const j = w.source === 'standard' ? w.index : layout.standardCount + w.index;
    const charged = w.value > 0;
    const pnl = charged ? p.quantity * matrix.pnl[p.instrument * width + j]! * market.fxRate(rowCurrency[r]!, portfolio.currency) : 0;
    return { instrument: symbols[i]!, quantity: p.quantity, contribution: -pnl + 0 };
  });
  if (!(im >= 0) || !(mm >= 0)) {
    throw new CrossmarginError('INTERNAL', `deribit-pm produced a negative or non-finite margin (IM ${im}, MM ${mm})`);
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
      : { worstScenario: { id: `${largest.worst.source}:${largest.worst.index}`, label: `${names[largest.r]}: ${largest.worst.label}`, pnl: largest.worst.pnl * market.fxRate(rowCurrency[largest.r]!, portfolio.currency) + 0 } }),
    positions,
    details: {
      method: 'Deribit S:PM (crypto-venues.md §1.1); vol shock, delta shock and roll shock for dated futures are reconstructions',
      currencies,
      initialRiskVectors,
    },
  };
}

/** dampen(x, m) = sign(x)·max(0, |x| − D(m)), D(m) = (max(|m|/range, 1) − 1) × dampener_USD / ((1 + sign(m)·range)·S) (§1.1, [I]). */
function dampen(x: number, m: number, f: DeribitPmVenueFields, ccyToUsd: number): number {
  const d = ((Math.max(Math.abs(m) / f.priceRange, 1) - 1) * f.extendedDampenerUsd) / ((1 + Math.sign(m) * f.priceRange) * ccyToUsd);
  return Math.sign(x) * Math.max(0, Math.abs(x) - d) + 0;
}

/** worst_case = max(0, −min(agg_std ∪ agg_ext)) with where it was found (§1.1); ties keep the first entry. */
function worstCase(std: readonly number[], ext: readonly number[], layout: Layout, range: number): WorstCase {
  let best = { pnl: Infinity, source: 'standard' as 'standard' | 'extended', index: 0 };
  std.forEach((x, j) => {
    if (x < best.pnl) best = { pnl: x, source: 'standard', index: j };
  });
  ext.forEach((x, e) => {
    if (x < best.pnl) best = { pnl: x, source: 'extended', index: e };
  });
  const pnl = best.pnl === Infinity ? 0 : best.pnl;
  if (best.source === 'standard') {
    const b = Math.floor(best.index / VOL_NAMES.length);
    const k = b - layout.buckets;
    return {
      value: Math.max(0, -pnl),
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
    value: Math.max(0, -pnl),
    pnl,
    index: best.index,
    bucket: undefined,
    side: m < 0 ? 'left' : 'right',
    source: 'extended',
    vol: 'up',
    label: scenarioLabel(layout, layout.standardCount + best.index, range),
  };
}
