import { CrossmarginError } from '../../core/errors.js';
import { parseWithSchema } from '../../core/validate.js';
import { isDeltaOne, type InstrumentKind, type InstrumentSpec, type Settlement } from '../../instruments/instrument-spec.js';
import { InstrumentTable } from '../../instruments/instrument-table.js';
import { resolveInstrument } from '../../instruments/resolve-instrument.js';
import type { MarketSnapshot } from '../../market/market-snapshot.js';
import { compileModelRun, prepareModelRun, type ComputeMarginsOptions } from '../../models/compute-margin.js';
import type { CompiledModel, ModelContext } from '../../models/margin-model.js';
import type { MarginResult } from '../../models/margin-result.js';
import { getModel } from '../../models/model-registry.js';
import { liquidateByVenueRule } from './liquidate-by-venue-rule.js';
import { liquidationRuleFor, VENUE_LIQUIDATION_RULES, type LiquidationRule } from './liquidation-params.js';
import { entryAfterTrade } from '../../portfolio/entry-after-trade.js';
import { PortfolioFileSchema, type PortfolioFile } from '../../portfolio/portfolio-schema.js';
import { resolvePortfolio } from '../../portfolio/resolve-portfolio.js';
import { inverseDeltaOnePnl } from '../../pricing/delta-one.js';
import { instrumentMarketInputs } from '../../pricing/instrument-inputs.js';
import { priceInstrument } from '../../pricing/instrument-pricer.js';
import { accountEquity } from '../account/account-equity.js';
import { parseAccountParams, type AccountParams } from '../account/account-params.js';
import { closeCash, closeConcession, closeNotional, impactPrice, type ClosedContract } from './close-cash.js';
import { DEFAULT_RULE_SOURCE, parseDefaultLiquidationRule, type DefaultLiquidationRule } from './default-liquidation-rule.js';
import { liquidationPlanId } from './plan-id.js';

/** Version of the plan document (stored as JSON): bump on an incompatible change of its shape. */
export const LIQUIDATION_PLAN_VERSION = 1 as const;

/** Why planning stopped adding slices. */
export type PlanStop = 'not-liquidatable' | 'healthy' | 'book-empty' | 'max-steps';

/** The rule a plan follows: a venue's dated rule (the `liquidate` command's), or the service's default rule. */
export type LiquidationPlanRule =
  | { readonly kind: 'venue'; readonly model: string; readonly asOf: string; readonly source: string; readonly settings: LiquidationRule }
  | { readonly kind: 'default'; readonly model: string; readonly asOf: 'default'; readonly source: string; readonly settings: DefaultLiquidationRule };

/**
 * One slice: a close of part of one position, and what it is expected to do. Prices in `priceCurrency`; amounts in the
 * account currency unless named otherwise. Every figure under `expected` is an expectation at planning time.
 */
export interface LiquidationSlice {
  /** 0-based position in the plan (the store's slice number). */
  readonly index: number;
  readonly instrument: string;
  readonly kind: InstrumentKind;
  readonly settlement: Settlement;
  /** Contract size (see instrument-spec.ts for its unit per kind and settlement). */
  readonly multiplier: number;
  /** Signed position before the slice, contracts. */
  readonly positionBefore: number;
  /** Signed contracts traded (a long is closed by a negative quantity). */
  readonly quantity: number;
  readonly positionAfter: number;
  /** Mark at planning: reference price (delta-one, spot) or premium per contract (options), in `priceCurrency`. */
  readonly markPrice: number;
  /** Price concession against the holder, a fraction of the mark. */
  readonly impact: number;
  readonly priceCurrency: string;
  readonly settlementCurrency: string;
  /** Entry price of the position (futures, perpetuals), when it has one: the realised P&L is measured from it. */
  readonly entryPrice?: number;
  /** Currency whose balance the slice's cash moves (the settlement currency, or the venue's settle-into currency). */
  readonly cashCurrency: string;
  /** Units of `cashCurrency` per unit of the settlement currency at planning. */
  readonly settlementToCash: number;
  /** Account-currency value of one unit of `cashCurrency` at planning. */
  readonly cashToAccount: number;
  readonly expected: {
    /** Fill price, `priceCurrency`: mark × (1 ∓ impact). */
    readonly price: number;
    /** Change of the `cashCurrency` balance: realised P&L from the entry price (or the mark), premium or proceeds, less the penalty. */
    readonly cashDelta: number;
    /** The penalty in `cashCurrency` (paid to the insurance fund). */
    readonly penaltyCash: number;
    /** P&L of the close against the mark (≤ 0: the concession), account currency. */
    readonly realisedPnl: number;
    /** Penalty, account currency (≥ 0). */
    readonly penalty: number;
    /** Equity after the slice (the basis is the plan's `equityBasis`), account currency. */
    readonly equityAfter: number;
    readonly maintenanceMarginAfter: number;
    /** Default rule only: the initial margin after the slice. */
    readonly initialMarginAfter?: number;
  };
}

/**
 * A liquidation plan (docs/service.md "Liquidation"): which positions close in which slices, at what expected price,
 * and where equity, maintenance margin and the insurance fund are expected to end. JSON-serialisable and
 * deterministic: the same inputs give the same document, under the same id.
 */
export interface LiquidationPlan {
  readonly version: typeof LIQUIDATION_PLAN_VERSION;
  /** Deterministic: account, market asOf, model, positions and balances (plan-id.ts). */
  readonly id: string;
  readonly accountId: string;
  /** Account currency: every amount not named otherwise. */
  readonly currency: string;
  readonly model: string;
  /** asOf of the market the plan was computed on. */
  readonly asOf: string;
  /** Every figure is an expectation at planning time, never an executed one (fills are recorded apart). */
  readonly figures: 'expected';
  readonly note: string;
  readonly rule: LiquidationPlanRule;
  /**
   * What `equity` means: `venue` — the venue rule's equity (book value or the venue's named component, no haircuts;
   * futures' P&L from entry counted in it); `account` — the engine's account equity (docs/accounts.md "Equity":
   * collateral after haircuts plus positions' value).
   */
  readonly equityBasis: 'venue' | 'account';
  readonly start: {
    readonly equity: number;
    readonly maintenanceMargin: number;
    readonly initialMargin?: number;
    /** Liquidation applies below this equity. */
    readonly liquidationBelow: number;
    readonly liquidatable: boolean;
    readonly positions: readonly PlanPosition[];
    readonly collateral: Readonly<Record<string, number>>;
  };
  readonly slices: readonly LiquidationSlice[];
  readonly stoppedBy: PlanStop;
  readonly expected: {
    readonly equity: number;
    readonly maintenanceMargin: number;
    /** The plan stops adding slices once equity reaches this level. */
    readonly stopLevel: number;
    /** Σ concessions against the mark (≤ 0). */
    readonly realisedPnl: number;
    /** Σ penalties (≥ 0), received by the insurance fund. */
    readonly penalties: number;
    /** Equity after the insurance fund's cover. */
    readonly equityAfterInsurance: number;
    readonly positions: readonly PlanPosition[];
    /** Balances after the slices (a negative one is a debt the account cannot pay from that balance). */
    readonly collateral: Readonly<Record<string, number>>;
  };
  /** The fund, account currency: it receives the penalties and covers a negative end equity up to its balance. */
  readonly insuranceFund: { readonly before: number; readonly penaltiesReceived: number; readonly cover: number; readonly after: number };
  /** Negative end equity the fund cannot cover (≥ 0). */
  readonly badDebt: number;
}

export interface PlanPosition {
  readonly instrument: string;
  readonly quantity: number;
  readonly entryPrice?: number;
}

export interface PlanLiquidationInput {
  /** The account's portfolio document (DESIGN.md "Portfolio file"): the live engine's `account(id)`. */
  readonly document: unknown;
  readonly market: MarketSnapshot;
  /** Margin model id; a model with a venue liquidation rule (VENUE_LIQUIDATION_RULES) is liquidated by it. */
  readonly model: string;
  /** Model parameters document (defaults apply). */
  readonly params?: unknown;
  /** History loader / risk-parameter file of the model, as for computeMargins. */
  readonly marginOptions?: Pick<ComputeMarginsOptions, 'historyLoader' | 'riskParameters' | 'riskParametersSource'>;
  /** Account parameters (haircuts, liquidation buffer); parsed or raw, defaults apply. */
  readonly accountParams?: unknown;
  /** Insurance fund balance available to the account, account currency (≥ 0); default 0. */
  readonly insuranceFund?: number;
  /** Default-rule settings (DefaultLiquidationRuleSchema), for models without a venue rule. */
  readonly defaultRule?: unknown;
  /** Overrides of the venue's rule (as the `liquidate` command's `--rule` file). */
  readonly venueRule?: unknown;
}

/** True when `model` is liquidated by a venue's dated rule (it has an entry in VENUE_LIQUIDATION_RULES). */
export function hasVenueRule(model: string): boolean {
  return Object.hasOwn(VENUE_LIQUIDATION_RULES, model);
}

/**
 * Plans the liquidation of one account (pure: no I/O, no clock; the inputs are not modified).
 *
 * - Venue models (deribit-pm, deribit-sm, dydx-v4, drift, mango-health, binance-pm): the venue's rule, exactly as
 *   the `liquidate` command runs it (liquidateByVenueRule). Futures' P&L from their entry price is first settled into
 *   the rule's cash currency, since the venue rule takes the book as marked to market.
 * - Every other model: the default rule (default-liquidation-rule.ts), re-margining with the model compiled once on
 *   the market, and the engine's account equity (haircuts, entry prices).
 *
 * A negative end equity is covered by the insurance fund (its balance plus the penalties it received) up to what it
 * holds; the rest is bad debt.
 */
export function planLiquidation(input: PlanLiquidationInput): LiquidationPlan {
  const file: PortfolioFile = parseWithSchema(PortfolioFileSchema, input.document, 'account');
  const fund = input.insuranceFund ?? 0;
  if (!Number.isFinite(fund) || fund < 0) {
    throw new CrossmarginError('USAGE_INVALID', `insuranceFund: must be a finite amount ≥ 0 (got ${fund})`, { field: 'insuranceFund' });
  }
  const accountParams = parseAccountParams(input.accountParams);
  const lines = netPositions(file, input.market);
  const id = liquidationPlanId({ accountId: file.account, asOf: input.market.asOf, model: input.model, positions: file.positions, collateral: file.collateral });
  const common = {
    version: LIQUIDATION_PLAN_VERSION,
    id,
    accountId: file.account,
    currency: file.currency,
    model: input.model,
    asOf: input.market.asOf,
    figures: 'expected' as const,
    note: `Expected figures at planning time (market as of ${input.market.asOf}, fills at the mark moved by the rule's impact): executed fills may differ; they are recorded with the plan.`,
  };
  const planned = hasVenueRule(input.model) ? planByVenueRule(file, lines, input, fund) : planByDefaultRule(file, lines, input, accountParams, fund);
  return { ...common, ...planned };
}

type PlanBody = Omit<LiquidationPlan, 'version' | 'id' | 'accountId' | 'currency' | 'model' | 'asOf' | 'figures' | 'note'>;

/** One net position of the book (positions of one instrument are netted, as a venue holds one per instrument). */
interface BookLine {
  /** The instrument as the document names it (a name or a full spec), for the documents re-margined. */
  readonly input: PortfolioFile['positions'][number]['instrument'];
  readonly spec: InstrumentSpec;
  readonly field: string;
  readonly initial: number;
  quantity: number;
  readonly entryPrice: number | undefined;
  /** Reference price (delta-one, spot) or premium per contract (options), settlement/quote currency. */
  readonly mark: number;
}

function netPositions(file: PortfolioFile, market: MarketSnapshot): BookLine[] {
  const bySymbol = new Map<string, { input: BookLine['input']; spec: InstrumentSpec; field: string; quantity: number; entryPrice: number | undefined }>();
  file.positions.forEach((p, i) => {
    const field = `positions.${i}.instrument`;
    const spec = resolveInstrument(p.instrument, field);
    const seen = bySymbol.get(spec.symbol);
    if (seen === undefined) {
      bySymbol.set(spec.symbol, { input: p.instrument, spec, field, quantity: p.quantity, entryPrice: p.entryPrice });
      return;
    }
    // Two lines of one instrument: averaged as a trade at the second line's entry price would be.
    const deltaOne = isDeltaOne(spec);
    seen.entryPrice = deltaOne ? entryAfterTrade(spec.settlement, seen.quantity, seen.entryPrice, p.quantity, p.entryPrice) : undefined;
    seen.quantity += p.quantity;
  });
  return [...bySymbol.values()]
    .filter((l) => l.quantity !== 0)
    .map((l) => ({ ...l, initial: l.quantity, mark: markOf(l.spec, market, l.field) }));
}

function markOf(spec: InstrumentSpec, market: MarketSnapshot, field: string): number {
  return spec.kind === 'option' ? priceInstrument(spec, market, field).value : instrumentMarketInputs(spec, market, field, { needVol: false }).reference;
}

function contractOf(line: BookLine): ClosedContract {
  return { kind: line.spec.kind, settlement: line.spec.settlement, multiplier: line.spec.multiplier, markPrice: line.mark, entryPrice: line.entryPrice };
}

function priceCurrencyOf(spec: InstrumentSpec): string {
  return spec.kind !== 'option' && spec.settlement === 'inverse' ? 'USD' : spec.currency;
}

function positionsOf(lines: readonly BookLine[]): PlanPosition[] {
  return lines.filter((l) => l.quantity !== 0).map((l) => ({ instrument: l.spec.symbol, quantity: l.quantity, ...(l.entryPrice === undefined ? {} : { entryPrice: l.entryPrice }) }));
}

/** Unrealised P&L of a future or perpetual from its entry price to the mark, settlement currency (0 without an entry price). */
function unrealisedFromEntry(line: BookLine): number {
  if (line.entryPrice === undefined || (line.spec.kind !== 'future' && line.spec.kind !== 'perpetual')) return 0;
  const face = line.quantity * line.spec.multiplier;
  return line.spec.settlement === 'inverse' ? inverseDeltaOnePnl(face, line.entryPrice, line.mark) : face * (line.mark - line.entryPrice);
}

/** The fund covers a negative end equity up to its balance plus the penalties it received; the rest is bad debt. */
function fundCover(endEquity: number, before: number, penalties: number): { insuranceFund: LiquidationPlan['insuranceFund']; badDebt: number; equityAfterInsurance: number } {
  const deficit = Math.max(0, -endEquity);
  const available = before + penalties;
  const cover = Math.min(deficit, available);
  return { insuranceFund: { before, penaltiesReceived: penalties, cover, after: available - cover }, badDebt: deficit - cover, equityAfterInsurance: endEquity + cover };
}

// ---- venue rule ---------------------------------------------------------------------------------------------------

function planByVenueRule(file: PortfolioFile, lines: BookLine[], input: PlanLiquidationInput, fund: number): PlanBody {
  const { market } = input;
  const model = getModel(input.model);
  const params = parseWithSchema(model.paramsSchema, input.params ?? {}, 'params', 'MODEL_PARAMS_INVALID');
  const rule = liquidationRuleFor(input.model, input.venueRule ?? {}, 'venueRule');
  const instruments = new InstrumentTable();
  const source = `account ${file.account}`;
  const resolved = resolvePortfolio(file, instruments, source);
  // The venue rule takes the book as marked to market (its futures count 0): the P&L from entry is settled first into
  // the currency the rule pays cash into, so the venue's equity is the account's (a debt may make a balance negative).
  const collateral: Record<string, number> = { ...resolved.collateral };
  for (const line of lines) {
    const pnl = unrealisedFromEntry(line);
    if (pnl === 0) continue;
    const into = rule.settleInto ?? line.spec.currency;
    collateral[into] = (collateral[into] ?? 0) + pnl * market.fxRate(line.spec.currency, into);
  }
  const fieldOf = (i: number): string => resolved.positions.find((p) => p.instrument === i)?.field ?? `instruments.${i}`;
  const context: ModelContext = { instruments, market, fieldOf };
  const result = liquidateByVenueRule({ portfolio: { ...resolved, collateral }, context, model: model.compile(params, context), modelId: input.model, rule, insuranceFund: fund });

  const bySymbol = new Map(lines.map((l) => [l.spec.symbol, l]));
  const slices = result.steps.map((step, index): LiquidationSlice => {
    const line = bySymbol.get(step.instrument);
    if (line === undefined) throw new CrossmarginError('INTERNAL', `venue liquidation closed ${step.instrument}, which the book does not hold`);
    const spec = line.spec;
    const before = line.quantity;
    // Float dust snapped to zero, as the venue rule does: the slice then closes exactly what is left.
    const closesAll = Math.abs(before - step.quantityClosed) <= 1e-12 * Math.abs(line.initial);
    const traded = closesAll ? -before : -step.quantityClosed;
    line.quantity = closesAll ? 0 : before + traded;
    const into = rule.settleInto ?? spec.currency;
    const settlementToCash = market.fxRate(spec.currency, into);
    const penaltySettlement = step.penalty / market.fxRate(spec.currency, file.currency);
    const cash = closeCash(contractOf(line), traded, step.price);
    return {
      index,
      instrument: spec.symbol,
      kind: spec.kind,
      settlement: spec.settlement,
      multiplier: spec.multiplier,
      positionBefore: before,
      quantity: traded,
      positionAfter: line.quantity,
      markPrice: step.markPrice,
      impact: step.markPrice > 0 ? Math.abs(step.price / step.markPrice - 1) : 0,
      priceCurrency: step.priceCurrency,
      settlementCurrency: spec.currency,
      ...(line.entryPrice === undefined ? {} : { entryPrice: line.entryPrice }),
      cashCurrency: into,
      settlementToCash,
      cashToAccount: market.fxRate(into, file.currency),
      expected: {
        price: step.price,
        cashDelta: (cash - penaltySettlement) * settlementToCash,
        penaltyCash: penaltySettlement * settlementToCash,
        realisedPnl: step.realisedPnl,
        penalty: step.penalty,
        equityAfter: step.venueEquityAfter,
        maintenanceMarginAfter: step.maintenanceMarginAfter,
      },
    };
  });
  return {
    rule: { kind: 'venue', model: input.model, asOf: rule.asOf, source: rule.source, settings: rule },
    equityBasis: 'venue',
    start: {
      equity: result.start.venueEquity,
      maintenanceMargin: result.start.maintenanceMargin,
      liquidationBelow: result.start.startLevel,
      liquidatable: result.start.liquidatable,
      positions: positionsOfStart(lines),
      collateral: { ...file.collateral },
    },
    slices,
    stoppedBy: result.stoppedBy,
    expected: {
      equity: result.end.venueEquity,
      maintenanceMargin: result.end.maintenanceMargin,
      stopLevel: result.end.stopLevel,
      realisedPnl: result.realisedPnl,
      penalties: result.penalties,
      equityAfterInsurance: result.equityAfterInsurance,
      positions: positionsOf(lines),
      collateral: expectedBalances(file.collateral, slices),
    },
    insuranceFund: { before: result.insuranceFund.before, penaltiesReceived: result.insuranceFund.penaltiesReceived, cover: result.insuranceFund.covered, after: result.insuranceFund.after },
    badDebt: result.badDebt,
  };
}

function positionsOfStart(lines: readonly BookLine[]): PlanPosition[] {
  return lines.map((l) => ({ instrument: l.spec.symbol, quantity: l.initial, ...(l.entryPrice === undefined ? {} : { entryPrice: l.entryPrice }) }));
}

/** Balances after the slices' cash (signed: a negative balance is what the account could not pay from it). */
function expectedBalances(start: Readonly<Record<string, number>>, slices: readonly LiquidationSlice[]): Record<string, number> {
  const out: Record<string, number> = { ...start };
  for (const s of slices) out[s.cashCurrency] = (out[s.cashCurrency] ?? 0) + s.expected.cashDelta;
  return out;
}

// ---- default rule -------------------------------------------------------------------------------------------------

interface Measure {
  readonly result: MarginResult;
  readonly equity: number;
}

function planByDefaultRule(file: PortfolioFile, lines: BookLine[], input: PlanLiquidationInput, accountParams: AccountParams, fund: number): PlanBody {
  const { market } = input;
  const rule = parseDefaultLiquidationRule(input.defaultRule);
  const options: ComputeMarginsOptions = { ...input.marginOptions, ...(input.params === undefined ? {} : { params: input.params }) };
  const run = prepareModelRun(input.model, options);
  const stresses = run.model.stressesCollateral === true;
  const catalogue = run.prepared?.catalogue;
  const source = `account ${file.account}`;
  const instruments = new InstrumentTable();
  // Signed balances: cash may take one below zero (a debt); the documents re-margined hold max(0, balance).
  const balances: Record<string, number> = { ...file.collateral };
  const docOf = (): PortfolioFile => ({
    account: file.account,
    currency: file.currency,
    mode: file.mode,
    positions: lines
      .filter((l) => l.quantity !== 0)
      .map((l) => ({ instrument: l.input, quantity: l.quantity, ...(l.entryPrice === undefined ? {} : { entryPrice: l.entryPrice }) })),
    collateral: Object.fromEntries(Object.entries(balances).filter(([, b]) => b > 0)),
  });
  // Compiled once on every instrument the plan can hold: the positions and, when the model stresses collateral, each
  // currency the slices may pay cash into (a balance the account does not hold yet).
  const compileDoc = { ...docOf(), collateral: { ...docOf().collateral, ...Object.fromEntries(lines.filter((l) => !(l.spec.currency in balances)).map((l) => [l.spec.currency, 1])) } };
  const first = resolvePortfolio(compileDoc, instruments, source, catalogue, { collateralAsPositions: stresses });
  const fieldOf = (i: number): string => first.positions.find((p) => p.instrument === i)?.field ?? `instruments.${i}`;
  const compiled: CompiledModel = compileModelRun(run, instruments, market, fieldOf, options);
  const measure = (): Measure => {
    const doc = docOf();
    const result = compiled.evaluate(resolvePortfolio(doc, instruments, source, catalogue, { collateralAsPositions: stresses }));
    const held = accountEquity(resolvePortfolio(doc, instruments, source, catalogue), instruments, market, accountParams).equity;
    let debt = 0;
    for (const [ccy, b] of Object.entries(balances)) if (b < 0) debt += -b * market.fxRate(ccy, file.currency);
    return { result, equity: held - debt };
  };

  const liquidationFactor = 1 + accountParams.liquidationBuffer;
  const stopFactor = 1 + Math.max(rule.buffer, accountParams.liquidationBuffer);
  let now = measure();
  const start = {
    equity: now.equity,
    maintenanceMargin: now.result.maintenanceMargin,
    initialMargin: now.result.initialMargin,
    liquidationBelow: now.result.maintenanceMargin * liquidationFactor,
    liquidatable: now.equity < now.result.maintenanceMargin * liquidationFactor,
    positions: positionsOfStart(lines),
    collateral: { ...file.collateral },
  };
  const slices: LiquidationSlice[] = [];
  let penalties = 0;
  let realised = 0;
  let stoppedBy: PlanStop = 'not-liquidatable';
  if (start.liquidatable) {
    for (;;) {
      if (now.equity >= now.result.maintenanceMargin * stopFactor) {
        stoppedBy = 'healthy';
        break;
      }
      const line = largestContributor(lines, now.result);
      if (line === undefined) {
        stoppedBy = 'book-empty';
        break;
      }
      if (slices.length >= rule.maxSlices) {
        stoppedBy = 'max-steps';
        break;
      }
      const spec = line.spec;
      const before = line.quantity;
      // A remainder within float dust of zero is closed with this slice, exactly: no 1e-17 contract is left behind.
      const rest = Math.abs(before) - rule.sliceFraction * Math.abs(line.initial);
      const traded = rest <= 1e-12 * Math.abs(line.initial) ? -before : -Math.sign(before) * rule.sliceFraction * Math.abs(line.initial);
      const contract = contractOf(line);
      const price = impactPrice(line.mark, traded, rule.impact);
      const toAccount = market.fxRate(spec.currency, file.currency);
      const concession = closeConcession(contract, traded, price) * toAccount;
      // The fee comes only out of what is left above zero equity: a bankrupt account pays none (the fund would pay it back).
      const penalty = Math.min(rule.penaltyRate * closeNotional(contract, traded, market.fxRate(spec.underlying, spec.currency)) * toAccount, Math.max(0, now.equity + concession));
      const penaltySettlement = penalty / toAccount;
      const cashDelta = closeCash(contract, traded, price) - penaltySettlement;
      balances[spec.currency] = (balances[spec.currency] ?? 0) + cashDelta;
      line.quantity = traded === -before ? 0 : before + traded;
      penalties += penalty;
      realised += concession;
      now = measure();
      slices.push({
        index: slices.length,
        instrument: spec.symbol,
        kind: spec.kind,
        settlement: spec.settlement,
        multiplier: spec.multiplier,
        positionBefore: before,
        quantity: traded,
        positionAfter: line.quantity,
        markPrice: line.mark,
        impact: rule.impact,
        priceCurrency: priceCurrencyOf(spec),
        settlementCurrency: spec.currency,
        ...(line.entryPrice === undefined ? {} : { entryPrice: line.entryPrice }),
        cashCurrency: spec.currency,
        settlementToCash: 1,
        cashToAccount: toAccount,
        expected: {
          price,
          cashDelta,
          penaltyCash: penaltySettlement,
          realisedPnl: concession + 0,
          penalty,
          equityAfter: now.equity,
          maintenanceMarginAfter: now.result.maintenanceMargin,
          initialMarginAfter: now.result.initialMargin,
        },
      });
    }
  }
  const cover = fundCover(now.equity, fund, penalties);
  return {
    rule: { kind: 'default', model: input.model, asOf: 'default', source: DEFAULT_RULE_SOURCE, settings: rule },
    equityBasis: 'account',
    start,
    slices,
    stoppedBy,
    expected: {
      equity: now.equity,
      maintenanceMargin: now.result.maintenanceMargin,
      stopLevel: now.result.maintenanceMargin * stopFactor,
      realisedPnl: realised,
      penalties,
      equityAfterInsurance: cover.equityAfterInsurance,
      positions: positionsOf(lines),
      collateral: { ...balances },
    },
    insuranceFund: cover.insuranceFund,
    badDebt: cover.badDebt,
  };
}

/** The open position contributing most to the maintenance margin (the model's positions[].contribution; ties: first). */
function largestContributor(lines: readonly BookLine[], result: MarginResult): BookLine | undefined {
  const contribution = new Map<string, number>();
  for (const p of result.positions) contribution.set(p.instrument, (contribution.get(p.instrument) ?? 0) + p.contribution);
  let best: BookLine | undefined;
  let bestValue = -Infinity;
  for (const line of lines) {
    if (line.quantity === 0) continue;
    const c = contribution.get(line.spec.symbol) ?? 0;
    if (best === undefined || c > bestValue) {
      best = line;
      bestValue = c;
    }
  }
  return best;
}
