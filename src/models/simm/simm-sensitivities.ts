import { CrossmarginError } from '../../core/errors.js';
import type { InstrumentSpec } from '../../instruments/instrument-spec.js';
import type { MarketSnapshot } from '../../market/market-snapshot.js';
import type { CrifProductClass, CrifRiskType } from '../../portfolio/crif/crif-row.js';
import { CRIF_TENORS } from '../../portfolio/crif/read-crif.js';
import { priceInstrument } from '../../pricing/instrument-pricer.js';
import type { ScenarioSet } from '../../scenarios/scenario-set.js';
import type { ModelContext } from '../margin-model.js';
import { buildScenarioMatrix, riskUnderlyings } from '../scenario-pipeline.js';
import type { SimmCrifRow } from './simm-details.js';
import type { SimmMapping, SimmParams } from './simm-params.js';

/**
 * SIMM sensitivities of the engine's instruments on today's snapshot (docs/models/simm.md "On crossmargin books"),
 * by the SIMM definitions for Equity, Commodity and FX (ISDA SIMM methodology, "Definition of sensitivity"):
 * - delta: V(S × 1.01) − V(S), USD, the underlying's price (index and every forward) up 1 % relative;
 * - vega: V(σ + 0.01) − V(σ), USD per vol point (absolute), the implied vol of the option's strike up one point.
 *   This is the CRIF amount SIMM expects for these risk classes: the methodology itself multiplies it by the
 *   risk-weight-implied σ = RW √(365/14) / Φ⁻¹(0.99) (VR = HVR Σ σ vega), not by the option's implied vol;
 * - curvature is not a CRIF row: computeSimm derives it from these vega rows (CVR = Σ SF(t) σ vega), as the
 *   methodology does for vanilla options.
 * Both bumps are one revaluation of the instruments through the shared scenario pipeline (full repricing by the
 * project's pricers, sticky strike), so the figures are the engine's own prices moved, never greeks.
 */

/** A sensitivity of one contract (or one unit of collateral), USD; `quantity ×` it is the CRIF amount. */
export interface UnitSensitivity {
  readonly productClass: CrifProductClass;
  readonly riskType: CrifRiskType;
  readonly qualifier: string;
  readonly bucket: string;
  readonly label1: string;
  readonly usd: number;
}

/** Where a name went and why (see SimmMappingDetailSchema). */
export interface ResolvedMapping extends SimmMapping {
  readonly name: string;
  readonly source: 'default' | 'parameter' | 'currency' | 'stablecoin';
  readonly teamChoice: boolean;
  /** The params field that chose it (errors name it). */
  readonly field: string;
}

/** Relative price bump and absolute vol bump of SIMM's delta and vega definitions. */
export const DELTA_BUMP = 0.01;
export const VEGA_BUMP = 0.01;

/** Days of a SIMM tenor label (2w = 14 days, N m = N × 365/12, N y = N × 365), the convention of src/risk/simm. */
function tenorDays(label: string): number {
  const n = Number(label.slice(0, -1));
  const unit = label.slice(-1);
  return unit === 'w' ? 7 * n : unit === 'm' ? (n * 365) / 12 : n * 365;
}
const TENOR_DAYS = CRIF_TENORS.map(tenorDays);

/**
 * The vega tenors of an expiry `days` away and their weights: linear interpolation between the two neighbouring SIMM
 * tenors (methodology, "vega … allocated to the two nearest tenors"); before 2w all on 2w, after 30y all on 30y.
 */
export function vegaTenorWeights(days: number): { label: string; weight: number }[] {
  const first = TENOR_DAYS[0]!;
  const last = TENOR_DAYS[TENOR_DAYS.length - 1]!;
  if (days <= first) return [{ label: CRIF_TENORS[0], weight: 1 }];
  if (days >= last) return [{ label: CRIF_TENORS[CRIF_TENORS.length - 1]!, weight: 1 }];
  const hi = TENOR_DAYS.findIndex((d) => d >= days);
  const lo = hi - 1;
  const w = (TENOR_DAYS[hi]! - days) / (TENOR_DAYS[hi]! - TENOR_DAYS[lo]!);
  return [
    { label: CRIF_TENORS[lo]!, weight: w },
    { label: CRIF_TENORS[hi]!, weight: 1 - w },
  ].filter((x) => x.weight > 0);
}

/** The two bump scenarios over `underlyings`: every price +1 % (scenario 0), every vol +1 point (scenario 1). */
export function simmBumpSet(underlyings: readonly string[]): ScenarioSet {
  const n = 2;
  const priceMove = new Float64Array(underlyings.length * n);
  const volShift = new Float64Array(underlyings.length * n);
  underlyings.forEach((_, u) => {
    priceMove[u * n] = DELTA_BUMP;
    volShift[u * n + 1] = VEGA_BUMP;
  });
  return {
    count: n,
    underlyings,
    ids: ['delta', 'vega'],
    labels: ['price +1 %', 'vol +1 point'],
    priceMove,
    volShift,
    volShiftMode: 'absolute',
    timeStep: new Float64Array(n),
    weight: new Float64Array(n).fill(1),
  };
}

const ISO_LIKE = /^[A-Z]{3}$/;

/** Resolves names (underlyings, currencies) to their SIMM placement under the parameters, memoised. */
export class SimmMapper {
  private readonly cache = new Map<string, ResolvedMapping>();
  constructor(
    private readonly params: SimmParams,
    private readonly market: MarketSnapshot,
  ) {}

  /** Placement of `name`; a currency held at its fx rate (no underlying block) follows the currency rules. */
  map(name: string): ResolvedMapping {
    const known = this.cache.get(name);
    if (known !== undefined) return known;
    const resolved = this.resolve(name);
    if (resolved.riskClass === 'FX' && !ISO_LIKE.test(name)) {
      throw new CrossmarginError('MODEL_PARAMS_INVALID', `${resolved.field}: "${name}" is mapped to FX, which needs a three-letter currency name; map it to Equity or Commodity`, {
        field: resolved.field,
        details: { name },
      });
    }
    this.cache.set(name, resolved);
    return resolved;
  }

  /** Every placement used so far, in first-use order. */
  used(): ResolvedMapping[] {
    return [...this.cache.values()];
  }

  private resolve(name: string): ResolvedMapping {
    const own = this.params.underlyings[name];
    if (own !== undefined) return { name, ...own, source: 'parameter', teamChoice: false, field: `underlyings.${name}.riskClass` };
    if (!this.market.has(name)) {
      if (this.params.stablecoins.includes(name)) return { name, riskClass: 'None', source: 'stablecoin', teamChoice: true, field: 'stablecoins' };
      // A currency the snapshot values only by an fx rate is FX risk by SIMM's own definition.
      if (ISO_LIKE.test(name)) return { name, riskClass: 'FX', source: 'currency', teamChoice: false, field: `underlyings.${name}.riskClass` };
    }
    return { name, ...this.params.defaultMapping, source: 'default', teamChoice: true, field: 'defaultMapping.riskClass' };
  }
}

const PRODUCT_CLASS: Readonly<Record<'Equity' | 'Commodity' | 'FX', CrifProductClass>> = { Equity: 'Equity', Commodity: 'Commodity', FX: 'RatesFX' };
const DELTA_TYPE: Readonly<Record<'Equity' | 'Commodity' | 'FX', CrifRiskType>> = { Equity: 'Risk_Equity', Commodity: 'Risk_Commodity', FX: 'Risk_FX' };
const VEGA_TYPE: Readonly<Record<'Equity' | 'Commodity' | 'FX', CrifRiskType>> = { Equity: 'Risk_EquityVol', Commodity: 'Risk_CommodityVol', FX: 'Risk_FXVol' };

/** The delta row of a USD amount on `m` (none for None, and none for USD itself: SIMM's calculation currency). */
function deltaOf(m: ResolvedMapping, usd: number): UnitSensitivity[] {
  if (m.riskClass === 'None' || usd === 0 || (m.riskClass === 'FX' && m.name === 'USD')) return [];
  return [{ productClass: PRODUCT_CLASS[m.riskClass], riskType: DELTA_TYPE[m.riskClass], qualifier: m.name, bucket: m.bucket ?? '', label1: '', usd }];
}

/** A holding of `units` of currency or coin `name` worth `usd` today: its delta is 1 % of that value (linear). */
export function holdingSensitivities(mapper: SimmMapper, name: string, usd: number): UnitSensitivity[] {
  return name === 'USD' ? [] : deltaOf(mapper.map(name), DELTA_BUMP * usd);
}

/**
 * Per-contract sensitivities of every instrument of the context, index = instrument id: one revaluation under
 * the two bumps, converted to USD at today's rates. A coin-settled contract is worth V_coin × S in USD, and the bump
 * moves S too: ΔV_usd = fx (1.01 ΔV_coin + 0.01 V_coin). Any other non-USD settlement currency holds the contract's
 * value V × fx, whose currency risk is that currency's delta (0.01 V fx).
 */
export function instrumentSensitivities(context: ModelContext, mapper: SimmMapper): UnitSensitivity[][] {
  const underlyings = riskUnderlyings(context);
  const matrix = buildScenarioMatrix(context, simmBumpSet(underlyings));
  const specs = context.instruments.specs();
  return specs.map((spec, i) => {
    const field = context.fieldOf?.(i) ?? `instruments.${i}`;
    const priced = underlyings.includes(spec.underlying);
    if (!priced) {
      // A currency holding as a position (USDC, EUR): its value in USD is its delta's base.
      return holdingSensitivities(mapper, spec.underlying, spec.multiplier * context.market.fxRate(spec.underlying, 'USD'));
    }
    return pricedSensitivities(spec, field, context.market, mapper, matrix.pnl[2 * i]!, matrix.pnl[2 * i + 1]!);
  });
}

function pricedSensitivities(spec: InstrumentSpec, field: string, market: MarketSnapshot, mapper: SimmMapper, pnlDelta: number, pnlVega: number): UnitSensitivity[] {
  const m = mapper.map(spec.underlying);
  const fx = market.fxRate(spec.currency, 'USD');
  const price = spec.currency === 'USD' && spec.kind !== 'option' ? undefined : priceInstrument(spec, market, field);
  const value = price?.value ?? 0; // settlement currency, one contract today (delta-one: 0, marked to market)
  const out: UnitSensitivity[] = [];
  if (spec.currency === spec.underlying) {
    out.push(...deltaOf(m, fx * ((1 + DELTA_BUMP) * pnlDelta + DELTA_BUMP * value)));
  } else {
    out.push(...deltaOf(m, fx * pnlDelta));
    if (value !== 0) out.push(...holdingSensitivities(mapper, spec.currency, value * fx));
  }
  if (spec.kind === 'option' && m.riskClass !== 'None' && pnlVega !== 0 && price !== undefined) {
    const qualifier = m.riskClass === 'FX' ? `${m.name}USD` : m.name;
    for (const t of vegaTenorWeights(price.tau * 365)) {
      out.push({ productClass: PRODUCT_CLASS[m.riskClass], riskType: VEGA_TYPE[m.riskClass], qualifier, bucket: m.bucket ?? '', label1: t.label, usd: fx * pnlVega * t.weight });
    }
  }
  return out;
}

/** CRIF rows of `quantity` × the unit sensitivities, for trade `tradeId` of portfolio `portfolioId` (USD amounts). */
export function crifRowsOf(units: readonly UnitSensitivity[], quantity: number, tradeId: string, portfolioId: string): SimmCrifRow[] {
  return units
    .map((u) => ({ u, usd: u.usd * quantity }))
    .filter(({ usd }) => usd !== 0)
    .map(({ u, usd }) => ({
      tradeId,
      portfolioId,
      productClass: u.productClass,
      riskType: u.riskType,
      qualifier: u.qualifier,
      bucket: u.bucket,
      label1: u.label1,
      label2: '',
      amount: usd,
      amountCurrency: 'USD',
      amountUsd: usd,
    }));
}
