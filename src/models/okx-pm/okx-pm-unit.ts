import { CrossmarginError } from '../../core/errors.js';
import type { InstrumentSpec } from '../../instruments/instrument-spec.js';
import type { ModelContext } from '../margin-model.js';
import { okxBasis, okxDerivMmr, okxIncremental, okxRate, okxStablecoinHedge, okxStressLoss, okxTermStructure } from './okx-pm-components.js';
import type { OkxPmParams } from './okx-pm-params.js';
import { mr46TierOf, mr7TierOf, OKX_DELTA_STEP, type OkxPlan } from './okx-pm-scenarios.js';

/**
 * The arithmetic of one OKX risk unit and of an account's totals (crypto-venues.md §2), shared by the per-account
 * path (okx-pm-model.ts) and the batch path (okx-pm-batch.ts): both feed these functions the same numbers in the
 * same order, so their margins agree bit for bit (issue 14).
 */

/** How an instrument's settlement-currency amounts become USD (§2, [I] from TV-O1). */
export interface OkxInstrumentRates {
  /** Settlement currency → USD at today's rate. */
  readonly fxUsd: number;
  /** Stablecoin-margined: P&L counts at par with USD (its basis is MR9's charge). */
  readonly stable: boolean;
  /** Weight of one contract's scenario P&L in the unit's USD P&L: 1 / fxUsd for stablecoins (index_USD / price), else fxUsd. */
  readonly scenarioRate: number;
  /** Factor of the central-difference delta into USD: 1 for stablecoins (coins × index_USD), else fxUsd. */
  readonly deltaRate: number;
}

export function okxInstrumentRates(params: OkxPmParams, context: ModelContext, spec: InstrumentSpec): OkxInstrumentRates {
  const fxUsd = context.market.fxRate(spec.currency, 'USD');
  const stable = params.stablecoins.includes(spec.currency);
  return { fxUsd, stable, scenarioRate: stable ? 1 / fxUsd : fxUsd, deltaRate: stable ? 1 : fxUsd };
}

/** USD delta of `quantity` contracts of `instrument`: central difference over the ±OKX_DELTA_STEP scenarios. */
export function okxPositionDelta(plan: OkxPlan, instrument: number, quantity: number, deltaRate: number): number {
  const { layout, matrix } = plan;
  const at = instrument * layout.length;
  return ((quantity * (matrix.pnl[at + layout.deltaUp]! - matrix.pnl[at + layout.deltaDown]!)) / (2 * OKX_DELTA_STEP)) * deltaRate;
}

/**
 * One risk unit as index ranges over the caller's arrays: its rows (each one expiry slice of the unit) and its
 * member positions, both in the account's order.
 */
export interface OkxUnitInput {
  readonly underlying: string;
  /** Account P&L per row and compact scenario, USD, `[row * layout.length + j]`. */
  readonly rowPnl: Float64Array;
  /** The unit's rows are `rows[rowFrom .. rowTo − 1]`, ascending; `rowSlice[row]` is a row's slice (0: delta-one). */
  readonly rows: ArrayLike<number>;
  readonly rowFrom: number;
  readonly rowTo: number;
  readonly rowSlice: ArrayLike<number>;
  /** The unit's positions are `members[memberFrom .. memberTo − 1]`, indices into instrument / quantity / delta. */
  readonly members: ArrayLike<number>;
  readonly memberFrom: number;
  readonly memberTo: number;
  readonly instrument: ArrayLike<number>;
  readonly quantity: ArrayLike<number>;
  /** USD delta per position (okxPositionDelta). */
  readonly delta: ArrayLike<number>;
  /** Receives the unit's P&L per compact scenario (length layout.length), USD: the rows summed in row order. */
  readonly pnl: Float64Array;
}

/** MR1…MR9 of one unit, USD, and what explains them. */
export interface OkxUnitCharges {
  readonly mr1: { readonly loss: number; readonly index: number };
  readonly ext: { readonly loss: number; readonly index: number };
  readonly mr2: number;
  readonly mr3: number;
  readonly mr4: number;
  readonly mr5: number;
  readonly mr6: number;
  readonly mr7Raw: number;
  readonly mr7: number;
  /** USD value of the unit's coin held short as spot (borrowed coin); its margin is the account's borrowing (okxBorrowing). */
  readonly borrowedUsd: number;
  readonly mr9: number;
  readonly hedged: Record<string, number>;
  readonly deltaUsd: number;
  readonly deltaByCurrency: Record<string, number>;
  readonly derivMmr: number;
}

/** MR1…MR9 of one risk unit, USD (crypto-venues.md §2 pseudo-code). Fills `unit.pnl`. */
export function okxUnitCharges(params: OkxPmParams, plan: OkxPlan, context: ModelContext, unit: OkxUnitInput): OkxUnitCharges {
  const { layout } = plan;
  const L = layout.length;
  const { pnl, rowPnl } = unit;
  pnl.fill(0);
  for (let k = unit.rowFrom; k < unit.rowTo; k++) {
    const at = unit.rows[k]! * L;
    for (let j = 0; j < L; j++) pnl[j] = pnl[j]! + rowPnl[at + j]!;
  }
  const tier46 = mr46TierOf(params, unit.underlying);
  const mr1 = okxStressLoss(pnl.subarray(0, layout.gridCount));
  const ext = okxStressLoss([pnl[layout.extremeUp]!, pnl[layout.extremeDown]!]);
  const mr6 = params.mr6Factor * ext.loss;
  const mr2 = Math.max(0, -pnl[layout.theta]!);
  // Slice 0 (delta-one) has no vega; each option row is one expiry of the unit.
  const vegas: number[] = [];
  for (let k = unit.rowFrom; k < unit.rowTo; k++) {
    const r = unit.rows[k]!;
    if (unit.rowSlice[r]! > 0) vegas.push(rowPnl[r * L + layout.vega]!);
  }
  const mr3 = okxTermStructure(vegas, params.termStructureFactor);
  const spec = (m: number): InstrumentSpec => context.instruments.spec(unit.instrument[m]!);
  const tauOf = (m: number): number => plan.inputs[unit.instrument[m]!]!.tau;
  const byTau = (keep: (s: InstrumentSpec) => boolean): { deltaUsd: number; tauYears: number }[] => {
    const t = new Map<number, number>();
    for (let k = unit.memberFrom; k < unit.memberTo; k++) {
      const m = unit.members[k]!;
      if (keep(spec(m))) t.set(tauOf(m), (t.get(tauOf(m)) ?? 0) + unit.delta[m]!);
    }
    return [...t.entries()].sort((a, b) => a[0] - b[0]).map(([tauYears, deltaUsd]) => ({ deltaUsd, tauYears }));
  };
  const mr4 = okxBasis(byTau((s) => s.kind === 'future' || s.kind === 'perpetual'), tier46.annualisedMoveRisk, tier46.minBasisMove);
  const mr5 = okxRate(byTau((s) => s.kind === 'option'), params.rateShock);
  const tier7 = mr7TierOf(params, unit.underlying);
  let mr7Raw = 0;
  const deltaByCurrency: Record<string, number> = {};
  let deltaUsd = 0;
  let spotCoins = 0;
  for (let k = unit.memberFrom; k < unit.memberTo; k++) {
    const m = unit.members[k]!;
    const s = spec(m);
    const q = unit.quantity[m]!;
    const d = unit.delta[m]!;
    mr7Raw += s.kind === 'option' ? Math.abs(q * s.multiplier) * plan.inputs[unit.instrument[m]!]!.index * tier7.optionRate : Math.abs(d) * tier7.rate;
    // Coin-margined (inverse) contracts are USD contracts: their delta is in the USD leg of MR9.
    const ccy = s.settlement === 'inverse' ? 'USD' : s.currency;
    deltaByCurrency[ccy] = (deltaByCurrency[ccy] ?? 0) + d;
    deltaUsd += d;
    if (s.kind === 'spot') spotCoins += q * s.multiplier;
  }
  const mr7 = okxIncremental(mr7Raw, tier7.scaling);
  const hedge = okxStablecoinHedge(deltaByCurrency, params.stablecoins, (c) => context.market.fxRate(c, 'USD'), params.mr9Bands);
  const mr9 = hedge.charge;
  const borrowedUsd = spotCoins < 0 ? -spotCoins * context.market.underlying(unit.underlying).index : 0;
  const derivMmr = okxDerivMmr({ mr1: mr1.loss, mr2, mr3, mr4, mr5, mr6, mr7, mr9 });
  return { mr1, ext, mr2, mr3, mr4, mr5, mr6, mr7Raw, mr7, borrowedUsd, mr9, hedged: hedge.hedged, deltaUsd, deltaByCurrency, derivMmr };
}

/** The account's borrowing (MR8, account level): per currency, the liability and its USD margins. */
export interface OkxBorrowing {
  /** Σ_currency borrowing MMR, USD (position builder `borrowMmr`). */
  readonly mmr: number;
  /** Σ_currency borrowing IMR, USD (position builder `assets[].borrowImr`, summed). */
  readonly imr: number;
  /** Per borrowed currency, in name order: liability in coins and USD, its MMR and IMR (USD). */
  readonly currencies: readonly { currency: string; coins: number; usd: number; mmr: number; imr: number }[];
}

/**
 * Account-level borrowing (OKX help 11951498951821: "MMR = Σ risk-unit derivatives MMR + account level borrowing MMR";
 * position builder `borrowMmr`, `assets[].borrowImr`). A currency's liability is its negative spot balance: the net of
 * the account's spot positions in that currency (`kind: "spot"`, coins = quantity × multiplier, keyed by the spot's
 * `underlying`: `USDT`, `BTC`, …), added in the caller's (position) order. Collateral balances are not netted (the
 * model does not read collateral). Each liability in USD (today's rate) is charged on the currency's `borrowRates`
 * tables; a currency without one pays `borrowTiers` as MMR and imrFactor × that as IMR (placeholder [U]).
 * Currencies are summed in name order so that both evaluation paths agree bit for bit.
 */
export function okxBorrowing(params: OkxPmParams, context: ModelContext, spot: ReadonlyMap<string, number>): OkxBorrowing {
  let mmr = 0;
  let imr = 0;
  const currencies: { currency: string; coins: number; usd: number; mmr: number; imr: number }[] = [];
  for (const currency of [...spot.keys()].sort()) {
    const coins = spot.get(currency)!;
    if (!(coins < 0)) continue;
    const usd = -coins * context.market.fxRate(currency, 'USD');
    const rate = params.borrowRates[currency];
    const m = okxIncremental(usd, rate === undefined ? params.borrowTiers : rate.mmr);
    const i = rate === undefined ? params.imrFactor * m : okxIncremental(usd, rate.imr);
    mmr += m;
    imr += i;
    currencies.push({ currency, coins: -coins, usd, mmr: m, imr: i });
  }
  return { mmr, imr, currencies };
}

/** Adds a spot position's coins to `spot` (currency → net coins), if it is spot: the input of okxBorrowing. */
export function okxAddSpot(spot: Map<string, number>, spec: InstrumentSpec, quantity: number): void {
  if (spec.kind !== 'spot') return;
  spot.set(spec.underlying, (spot.get(spec.underlying) ?? 0) + quantity * spec.multiplier);
}

/**
 * An account's margins in its currency (USD amounts in): MMR = Σ_units derivMMR + borrowing MMR and
 * IMR = imrFactor × Σ_units derivMMR + borrowing IMR (position-builder example of 2025-01-15, TV-O3: totalImr
 * 9,643.45070718144 = 1.3 × (1,183.8207318516 + 191.6629744572) + borrowImr 7,855.32188898), `derivMmr` summed in
 * unit order by the caller; both converted at `toAccount` (USD → account currency). Refuses a negative or
 * non-finite margin.
 */
export function okxAccountMargins(derivMmr: number, borrow: { mmr: number; imr: number }, imrFactor: number, toAccount: number): { initialMargin: number; maintenanceMargin: number } {
  const mmr = derivMmr + borrow.mmr;
  const imr = imrFactor * derivMmr + borrow.imr;
  if (!(mmr >= 0) || !(imr >= 0)) throw new CrossmarginError('INTERNAL', `okx-pm produced a negative or non-finite margin (MMR ${mmr}, IMR ${imr})`);
  return { initialMargin: imr * toAccount, maintenanceMargin: mmr * toAccount };
}
