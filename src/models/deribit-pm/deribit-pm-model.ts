import type { InstrumentSpec } from '../../instruments/instrument-spec.js';
import { expirySlices } from '../expiry-slices.js';
import { instrumentMarketInputs } from '../../pricing/instrument-inputs.js';
import type { ScenarioSet } from '../../scenarios/scenario-set.js';
import type { CompiledModel, ModelContext } from '../margin-model.js';
import { buildScenarioMatrix, riskUnderlyings, type ScenarioMatrix } from '../scenario-pipeline.js';
import type { ResolvedPortfolio } from '../../portfolio/resolve-portfolio.js';
import type { MarginResultOf } from '../margin-result.js';
import { evaluateDeribitPmBook } from './deribit-pm-batch.js';
import { evaluateDeribitPm } from './deribit-pm-evaluate.js';
import { legacyGridParams } from './deribit-pm-legacy.js';
import { DeribitPmParamsSchema, venueFieldsFor, type DeribitPmParams, type DeribitPmVenueFields } from './deribit-pm-params.js';
import { deribitVolShockFactor, DELTA_STEP, VOL_NAMES, type DeribitPmPlan, type Layout } from './deribit-pm-rows.js';
import { defineModel } from '../define-model.js';
import { DeribitPmDetailsSchema, type DeribitPmDetails } from './deribit-pm-details.js';

export { deribitOffset, deribitVolShockFactor } from './deribit-pm-rows.js';

const DAYS_PER_YEAR = 365;

/**
 * `deribit-pm`: Deribit portfolio margin S:PM (2023–24 structure), crypto-venues.md §1.1. One revaluation on the
 * shared pipeline: options are grouped into slices by time to expiry (the vol shock depends on it), each slice is
 * the standard grid plus the extended table; every instrument reads its own slice. Positions are aggregated per
 * settlement currency (per position in isolated mode); margins are computed in that currency and converted to the
 * account currency at today's index. `mode: "x-pm"` combines the currencies in USD with collateral haircuts on IM
 * (deribit-pm-cross.ts); `variant: "legacy"` runs the pre-2023 PM (deribit-pm-legacy.ts); open orders add the
 * open-orders margin to IM (deribit-pm-evaluate.ts). docs/models/deribit-pm.md.
 */
export const deribitPmModel = defineModel({
  id: 'deribit-pm',
  description: 'Deribit portfolio margin S:PM / X:PM (2023–24; legacy variant): 9×3 grid + extended table, roll and delta shock, open orders, haircuts',
  // Its batch path works account by account: large books are partitioned over worker threads (book-partition.ts).
  partitionBatch: true,
  // Deribit settles every listing in a coin (inverse) or a stablecoin (USDC, USDT linear): a USD-settled contract (an SPX
  // future or option) is not listed there and is refused (INSTRUMENT_NOT_LISTED, "not listed on this venue") rather than
  // margined with parameters published for BTC (deribit-pm-params.ts requireOwnParameters).
  accepts: (spec) => spec.kind === 'spot' || spec.currency !== 'USD',
  paramsSchema: DeribitPmParamsSchema,
  detailsSchema: DeribitPmDetailsSchema,
  // The extended table's dampener is a fixed USD amount and the delta shock grows faster than |Δ| (§1.1).
  homogeneous: false,
  compile(params, context) {
    return compileDeribitPm(params, context);
  },
});

function compileDeribitPm(input: DeribitPmParams, context: ModelContext): CompiledModel<DeribitPmDetails> {
  // The legacy variant runs on the same pipeline with its own grid and adds its contingencies (§1.1 Legacy PM).
  const legacy = input.variant === 'legacy' ? input.legacy : undefined;
  const params = legacy === undefined ? input : legacyGridParams(input, legacy);
  const buckets = params.bucketsCount;
  const layout: Layout = {
    buckets,
    standardCount: (2 * buckets + 1) * VOL_NAMES.length,
    extendedMoves: params.extendedMoves,
    length: (2 * buckets + 1) * VOL_NAMES.length + params.extendedMoves.length,
  };
  const specs = context.instruments.specs();
  const inputs = specs.map((spec, i) => instrumentMarketInputs(spec, context.market, context.fieldOf?.(i) ?? `instruments.${i}`));

  const { slice, sliceTau } = expirySlices(specs, inputs);

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
  const plan: DeribitPmPlan = { params, legacy, context, matrix: compact, layout, inputs };
  const evaluate = (portfolio: ResolvedPortfolio): MarginResultOf<DeribitPmDetails> => evaluateDeribitPm(plan, portfolio);
  // The batch path (deribit-pm-batch.ts): S:PM rows of every account over typed arrays; X:PM and resting orders go to `evaluate`.
  return { evaluate, evaluateBook: (book, out) => evaluateDeribitPmBook(plan, book, out) };
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
      // Capped below −100 % so a very short-dated vol stays positive (reached only with large legacy shocks).
      const down = -Math.min(f.volatilityRangeDown * factor, 0.99);
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

