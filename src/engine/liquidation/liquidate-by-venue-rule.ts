import { CrossmarginError } from '../../core/errors.js';
import { parseWithSchema } from '../../core/validate.js';
import { InstrumentTable } from '../../instruments/instrument-table.js';
import type { InstrumentKind } from '../../instruments/instrument-spec.js';
import type { MarketSnapshot } from '../../market/market-snapshot.js';
import { resolvePortfolio, type ResolvedPortfolio } from '../../portfolio/resolve-portfolio.js';
import type { CompiledModel, ModelContext } from '../../models/margin-model.js';
import type { MarginResult } from '../../models/margin-result.js';
import { getModel } from '../../models/model-registry.js';
import { bookPortfolio, bookValue, closeFill, workingBook, type WorkingBook, type WorkingPosition } from './liquidation-book.js';
import { liquidationRuleFor, type LiquidationRule } from './liquidation-params.js';
import { maintenanceFractionOf, venueHealth, type VenueHealth } from './venue-health.js';

/** One close. Amounts in the account currency unless named otherwise. */
export interface LiquidationStep {
  readonly step: number;
  readonly instrument: string;
  readonly kind: InstrumentKind;
  /** Contracts closed, signed as the position was held (a long closes a positive quantity). */
  readonly quantityClosed: number;
  /** Execution price (reference price for delta-one and spot, premium per contract for options), settlement currency. */
  readonly price: number;
  readonly markPrice: number;
  /** Currency of `price`: the quote (USD for inverse delta-one) or, for options, the settlement currency. */
  readonly priceCurrency: string;
  readonly settlementCurrency: string;
  /** P&L of the close against the mark (≤ 0: the price concession). */
  readonly realisedPnl: number;
  /** Penalty paid to the insurance fund. */
  readonly penalty: number;
  /** Book value after the step (collateral + option premiums + spot). */
  readonly equityAfter: number;
  /** The equity the venue compares (book value or its named component). */
  readonly venueEquityAfter: number;
  readonly maintenanceMarginAfter: number;
}

export type LiquidationStop = 'not-liquidatable' | 'healthy' | 'book-empty' | 'max-steps';

export interface LiquidationResult {
  readonly model: string;
  readonly account: string;
  /** Account currency of every amount. */
  readonly currency: string;
  readonly rule: LiquidationRule;
  readonly start: { readonly equity: number; readonly venueEquity: number; readonly maintenanceMargin: number; readonly startLevel: number; readonly liquidatable: boolean };
  readonly steps: LiquidationStep[];
  readonly stoppedBy: LiquidationStop;
  readonly end: { readonly equity: number; readonly venueEquity: number; readonly maintenanceMargin: number; readonly stopLevel: number };
  readonly realisedPnl: number;
  readonly penalties: number;
  /** The fund receives the penalties and covers a negative end equity up to its balance. */
  readonly insuranceFund: { readonly before: number; readonly penaltiesReceived: number; readonly covered: number; readonly after: number; readonly change: number };
  /** Negative equity the fund could not cover (≥ 0): socialised / deleveraged by the venue (§8). */
  readonly badDebt: number;
  /** Book value after the fund's cover (0 when it covered everything). */
  readonly equityAfterInsurance: number;
  readonly positions: { readonly instrument: string; readonly quantity: number }[];
  readonly collateral: Readonly<Record<string, number>>;
}

export interface LiquidateInput {
  readonly portfolio: ResolvedPortfolio;
  readonly context: ModelContext;
  readonly model: CompiledModel;
  readonly modelId: string;
  readonly rule: LiquidationRule;
  /** Balance of the insurance fund, account currency (≥ 0). */
  readonly insuranceFund: number;
}

const KIND_RANK: Readonly<Record<InstrumentKind, number>> = { future: 0, perpetual: 0, option: 1, spot: 2 };

/**
 * Liquidation by venue rule (crypto-venues.md §8): while the venue's equity is below its maintenance margin, close an
 * increment of the position that contributes most to the margin (or futures first, Deribit) at the mark adjusted
 * against the holder, charge the penalty to the insurance fund, and re-margin with the compiled venue model. Stops
 * when equity ≥ the stop level, the book is empty or `maxSteps` is reached. A negative end equity is covered by the
 * insurance fund up to its balance; the rest is bad debt. Pure: the inputs are not modified.
 *
 * Conservation (tested): book value after − before = Σ realised P&L − Σ penalties; fund after = before + penalties −
 * covered ≥ 0; covered + bad debt = max(0, −end equity).
 */
export function liquidateByVenueRule(input: LiquidateInput): LiquidationResult {
  const { portfolio, context, model, rule } = input;
  const { market, instruments } = context;
  if (!(input.insuranceFund >= 0) || !Number.isFinite(input.insuranceFund)) {
    throw new CrossmarginError('USAGE_INVALID', `insuranceFund: must be a finite amount ≥ 0 (got ${input.insuranceFund})`, { field: 'insuranceFund' });
  }
  const ccy = portfolio.currency;
  const book = workingBook(portfolio, instruments, market);
  const measure = (): { result: MarginResult; value: number; health: VenueHealth } => {
    const result = model.evaluate(bookPortfolio(portfolio, book));
    const value = bookValue(book, market, ccy);
    return { result, value, health: venueHealth(result, value, rule, market) };
  };
  let now = measure();
  const start = { equity: now.value, venueEquity: now.health.equity, maintenanceMargin: now.health.maintenanceMargin, startLevel: now.health.startLevel, liquidatable: now.health.equity < now.health.startLevel };
  const steps: LiquidationStep[] = [];
  let penalties = 0;
  let realised = 0;
  let stoppedBy: LiquidationStop = 'not-liquidatable';
  if (start.liquidatable) {
    for (;;) {
      if (now.health.equity >= now.health.stopLevel) {
        stoppedBy = 'healthy';
        break;
      }
      const p = pick(book, now.result, rule);
      if (p === undefined) {
        stoppedBy = 'book-empty';
        break;
      }
      if (steps.length >= rule.maxSteps) {
        stoppedBy = 'max-steps';
        break;
      }
      const slice = p.spec.kind === 'option' ? rule.incrementContracts.option : p.spec.kind === 'spot' ? undefined : rule.incrementContracts.deltaOne;
      const size = slice ?? rule.incrementFraction * Math.abs(p.initial);
      const closed = Math.sign(p.quantity) * Math.min(Math.abs(p.quantity), size);
      const fill = closeFill(p, closed, priceAdjust(p, now, rule), market);
      const fx = market.fxRate(p.spec.currency, ccy);
      const realisedAcct = fill.realisedPnl * fx;
      let penaltyAcct = (rule.penaltyRateByCurrency[p.spec.currency] ?? rule.penaltyRate) * fill.notional * fx;
      // dYdX (§5): the fee comes only out of what is left above zero equity.
      if (rule.penaltyCappedAtEquity) penaltyAcct = Math.min(penaltyAcct, Math.max(0, now.value + realisedAcct));
      const into = rule.settleInto ?? p.spec.currency;
      book.collateral[into] = (book.collateral[into] ?? 0) + (fill.cashFlow - penaltyAcct / fx) * market.fxRate(p.spec.currency, into);
      // Snap float dust to zero so a fully closed position leaves the book.
      p.quantity = Math.abs(p.quantity - closed) <= 1e-12 * Math.abs(p.initial) ? 0 : p.quantity - closed;
      penalties += penaltyAcct;
      realised += realisedAcct;
      now = measure();
      steps.push({
        step: steps.length + 1,
        instrument: p.spec.symbol,
        kind: p.spec.kind,
        quantityClosed: closed,
        price: fill.price,
        markPrice: p.mark,
        priceCurrency: p.spec.kind !== 'option' && p.spec.settlement === 'inverse' ? 'USD' : p.spec.currency,
        settlementCurrency: p.spec.currency,
        realisedPnl: realisedAcct + 0,
        penalty: penaltyAcct,
        equityAfter: now.value,
        venueEquityAfter: now.health.equity,
        maintenanceMarginAfter: now.health.maintenanceMargin,
      });
    }
  }
  const shortfall = Math.max(0, -now.value);
  const available = input.insuranceFund + penalties;
  const covered = Math.min(shortfall, available);
  const after = available - covered;
  return {
    model: input.modelId,
    account: portfolio.account,
    currency: ccy,
    rule,
    start,
    steps,
    stoppedBy,
    end: { equity: now.value, venueEquity: now.health.equity, maintenanceMargin: now.health.maintenanceMargin, stopLevel: now.health.stopLevel },
    realisedPnl: realised,
    penalties,
    insuranceFund: { before: input.insuranceFund, penaltiesReceived: penalties, covered, after, change: after - input.insuranceFund },
    badDebt: shortfall - covered,
    equityAfterInsurance: now.value + covered,
    positions: book.positions.filter((p) => p.quantity !== 0).map((p) => ({ instrument: p.spec.symbol, quantity: p.quantity })),
    collateral: { ...book.collateral },
  };
}

/** Next position: the largest margin contribution (ties: first in the book), or by kind first (futures-first). */
function pick(book: WorkingBook, result: MarginResult, rule: LiquidationRule): WorkingPosition | undefined {
  const contribution = new Map<string, number>();
  for (const p of result.positions) contribution.set(p.instrument, (contribution.get(p.instrument) ?? 0) + p.contribution);
  let best: WorkingPosition | undefined;
  let bestKey: [number, number] = [Infinity, -Infinity];
  for (const p of book.positions) {
    if (p.quantity === 0) continue;
    const rank = rule.order === 'futures-first' ? KIND_RANK[p.spec.kind] : 0;
    const c = contribution.get(p.spec.symbol) ?? 0;
    if (rank < bestKey[0] || (rank === bestKey[0] && c > bestKey[1])) {
      best = p;
      bestKey = [rank, c];
    }
  }
  return best;
}

/** Fraction of the mark conceded: the fixed slippage, or dYdX's ABR × SMMR × MMF (§5 fillable price). */
function priceAdjust(p: WorkingPosition, now: { result: MarginResult; health: VenueHealth }, rule: LiquidationRule): number {
  if (rule.price === 'mark-slippage') return rule.slippage;
  const mm = now.health.maintenanceMargin;
  const abr = mm > 0 ? Math.min(1, Math.max(0, rule.bankruptcyAdjustment * (1 - now.health.equity / mm))) : 0;
  return Math.min(1, abr * rule.spreadToMaintenanceMarginRatio * maintenanceFractionOf(now.result, p.spec.underlying));
}

export interface LiquidateOptions {
  /** Model parameters document (defaults apply). */
  readonly params?: unknown;
  readonly paramsSource?: string;
  /** Overrides of the venue's liquidation rule (a `--rule` file). */
  readonly rule?: unknown;
  readonly ruleSource?: string;
  /** Insurance fund balance, account currency; default 0. */
  readonly insuranceFund?: number;
  readonly source?: string;
}

/** Front door: resolve a portfolio document, compile the venue model on it, and liquidate by the venue's rule. */
export function liquidatePortfolio(document: unknown, market: MarketSnapshot, modelId: string, options: LiquidateOptions = {}): LiquidationResult {
  const model = getModel(modelId);
  if (model.needsHistory === true) {
    // Liquidation re-margins the book at every step on one snapshot: the venue models need no history.
    throw new CrossmarginError('USAGE_INVALID', `model: "${modelId}" needs price history; liquidate runs venue models (deribit-pm, deribit-sm, dydx-v4, drift, mango-health, binance-pm, …)`, { field: 'model' });
  }
  const params = parseWithSchema(model.paramsSchema, options.params ?? {}, options.paramsSource ?? 'params', 'MODEL_PARAMS_INVALID');
  const rule = liquidationRuleFor(modelId, options.rule ?? {}, options.ruleSource ?? 'rule');
  const instruments = new InstrumentTable();
  const portfolio = resolvePortfolio(document, instruments, options.source);
  const fieldOf = (i: number): string => portfolio.positions.find((p) => p.instrument === i)?.field ?? `instruments.${i}`;
  const context: ModelContext = { instruments, market, fieldOf };
  return liquidateByVenueRule({ portfolio, context, model: model.compile(params, context), modelId, rule, insuranceFund: options.insuranceFund ?? 0 });
}
