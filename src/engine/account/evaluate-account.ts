import { CrossmarginError } from '../../core/errors.js';
import { parseWithSchema } from '../../core/validate.js';
import { InstrumentTable } from '../../instruments/instrument-table.js';
import { parseMarketSnapshot, type MarketSnapshot } from '../../market/market-snapshot.js';
import type { MarketSnapshotFile } from '../../market/market-snapshot-schema.js';
import { computeMargin, type ComputeMarginsOptions } from '../../models/compute-margin.js';
import { getModel } from '../../models/model-registry.js';
import type { InstrumentSpec } from '../../instruments/instrument-spec.js';
import type { MarginResult } from '../../models/margin-result.js';
import { PortfolioFileSchema, type PortfolioFile } from '../../portfolio/portfolio-schema.js';
import { resolvePortfolio, type ResolvedPortfolio } from '../../portfolio/resolve-portfolio.js';
import { accountEquity, type EquityBreakdown } from './account-equity.js';
import { parseAccountParams, type AccountParams } from './account-params.js';
import { ACCOUNT_STATES, classifyAccount, type AccountState, type AccountStatus } from './account-state.js';
import { liquidationPrice, type LiquidationSearchOptions } from './liquidation-price.js';
import { scaleUnderlying, type VolDynamics } from './scale-underlying.js';

export interface EvaluateAccountOptions {
  /** Model parameters document (validated by the model's schema; MODEL_PARAMS_INVALID names the field). */
  readonly params?: unknown;
  readonly paramsSource?: string;
  /**
   * Anything else computeMargin takes (a SPAN risk-parameter file, a history loader for the VaR family), passed
   * through on every re-run; `params` / `paramsSource` above win over the same fields here.
   */
  readonly marginOptions?: ComputeMarginsOptions;
  /** Account parameters document (AccountParamsSchema; SCHEMA_INVALID names the field). Defaults apply. */
  readonly accountParams?: unknown;
  /** State of the previous evaluation, for the margin-call hysteresis. */
  readonly previousState?: AccountState;
  /** Where the portfolio came from (a file path), for messages. */
  readonly source?: string;
  /** Bounds and precision of the liquidation-price search. */
  readonly liquidationSearch?: LiquidationSearchOptions;
  /** How vols follow the shifted price in the liquidation search (default sticky-moneyness). */
  readonly vol?: VolDynamics;
}

/** Liquidation price of an account (or isolated position) exposed to one underlying. Prices in its quote currency. */
export interface LiquidationReport {
  /** The one underlying the account is exposed to, when there is exactly one. */
  readonly underlying?: string;
  /** Its index today. */
  readonly index?: number;
  /** The nearer of `below` and `above` (when the account is above its threshold today). */
  readonly price?: number;
  /** Nearest index level below today's at which equity = maintenance × (1 + liquidationBuffer). */
  readonly below?: number;
  /** Nearest index level above today's at which equity = maintenance × (1 + liquidationBuffer). */
  readonly above?: number;
  /** Why there is no price (no or several exposures, already in liquidation, none in the searched range). */
  readonly reason?: string;
}

/** One position of an isolated-mode account, margined and liquidated on its own (docs/accounts.md "Isolated"). */
export interface IsolatedPositionReport {
  readonly instrument: string;
  readonly quantity: number;
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  /** Fraction of every collateral balance assigned to this position: its initial margin / the total. */
  readonly collateralShare: number;
  readonly equity: number;
  /** maintenance / equity; absent when infinite (equity ≤ 0 with a maintenance requirement). */
  readonly marginRatio?: number;
  readonly excess: number;
  readonly state: AccountState;
  readonly reduceOnly: boolean;
  readonly liquidation: LiquidationReport;
}

/** What evaluateAccount reports: JSON-friendly (no Infinity, no class instances); amounts in `currency`. */
export interface AccountReport {
  readonly account: string;
  readonly currency: string;
  readonly mode: 'cross' | 'isolated';
  readonly model: string;
  readonly asOf: string;
  readonly equity: EquityBreakdown;
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  /** maintenance / equity; absent when infinite (equity ≤ 0 with a maintenance requirement: state is liquidation). */
  readonly marginRatio?: number;
  /** equity − initial margin. */
  readonly excess: number;
  readonly state: AccountState;
  readonly reduceOnly: boolean;
  readonly thresholds: AccountStatus['thresholds'];
  readonly liquidation: LiquidationReport;
  /** Isolated mode only: each position on its own. */
  readonly positions?: readonly IsolatedPositionReport[];
  readonly margin: MarginResult;
}

/**
 * Evaluates one account: its margin under `modelId` (computeMargin), its equity (collateral after haircuts plus
 * positions' value), its state (healthy / margin call / liquidation) with margin ratio, excess and reduce-only, and
 * its liquidation price when everything it holds moves with exactly one underlying (docs/accounts.md).
 *
 * The liquidation price re-runs the model and the equity on snapshots where that underlying's index, forwards and
 * (when priced in `fx`) coin price are scaled by k (scaleUnderlying), and finds k where equity = maintenance ×
 * (1 + liquidationBuffer) (liquidationPrice); price = k × today's index.
 */
export function evaluateAccount(portfolioDoc: unknown, market: MarketSnapshot, modelId: string, options: EvaluateAccountOptions = {}): AccountReport {
  const params = parseAccountParams(options.accountParams);
  const previous = checkPreviousState(options.previousState);
  const file: PortfolioFile = parseWithSchema(PortfolioFileSchema, portfolioDoc, options.source);
  const evaluator = new AccountEvaluator(market, modelId, params, options);

  const margin = evaluator.margin(file);
  const { table, resolved } = evaluator.resolve(file);
  const equity = accountEquity(resolved, table, market, params);
  const status = classifyAccount(equity.equity, margin.initialMargin, margin.maintenanceMargin, params, previous);

  const isolated = file.mode === 'isolated';
  const liquidation: LiquidationReport = isolated
    ? { reason: 'isolated mode: each position is liquidated on its own, see positions[].liquidation' }
    : evaluator.liquidation(file, resolved, table, status);

  return {
    account: file.account,
    currency: file.currency,
    mode: file.mode,
    model: margin.model,
    asOf: market.asOf,
    equity,
    initialMargin: margin.initialMargin,
    maintenanceMargin: margin.maintenanceMargin,
    ...finiteRatio(status.marginRatio),
    excess: status.excess,
    state: status.state,
    reduceOnly: status.reduceOnly,
    thresholds: status.thresholds,
    liquidation,
    ...(isolated ? { positions: evaluator.isolatedPositions(file) } : {}),
    margin,
  };
}

function checkPreviousState(previous: unknown): AccountState | undefined {
  if (previous === undefined) return undefined;
  if (typeof previous === 'string' && (ACCOUNT_STATES as readonly string[]).includes(previous)) return previous as AccountState;
  throw new CrossmarginError('SCHEMA_INVALID', `previousState: expected one of ${ACCOUNT_STATES.join(', ')}, got ${String(previous)}`, {
    field: 'previousState',
    details: { allowed: [...ACCOUNT_STATES] },
  });
}

function finiteRatio(ratio: number): { marginRatio?: number } {
  return Number.isFinite(ratio) ? { marginRatio: ratio } : {};
}

/** Underlyings in the snapshot whose price moves the value of `from` in `to` (none when they are the same). */
function conversionExposure(market: MarketSnapshot, from: string, to: string): string[] {
  return from === to ? [] : [from, to].filter((c) => market.has(c));
}

/**
 * Underlyings of the snapshot the account's value or margin depends on: each position's underlying and the prices
 * converting its settlement currency into the account currency; each collateral balance's conversion. Currencies
 * that are not underlyings of the snapshot (USD, stablecoins and fiat priced in `fx`) carry no index to shift and
 * are skipped. Zero quantities and balances expose nothing.
 */
export function exposedUnderlyings(portfolio: ResolvedPortfolio, instruments: InstrumentTable, market: MarketSnapshot): string[] {
  const found = new Set<string>();
  for (const p of portfolio.positions) {
    if (p.quantity === 0) continue;
    const spec = instruments.spec(p.instrument);
    if (market.has(spec.underlying)) found.add(spec.underlying);
    for (const u of conversionExposure(market, spec.currency, portfolio.currency)) found.add(u);
  }
  for (const [ccy, balance] of Object.entries(portfolio.collateral)) {
    if (balance === 0) continue;
    for (const u of conversionExposure(market, ccy, portfolio.currency)) found.add(u);
  }
  return [...found];
}

/** The model, market and parameters of one evaluation, re-run on sub-portfolios and shifted markets. */
class AccountEvaluator {
  private readonly baseFile: MarketSnapshotFile;
  /** Instruments a risk-parameter file defines (SPAN contracts by symbol), so equity resolves what the model does. */
  private readonly catalogue: ReadonlyMap<string, InstrumentSpec> | undefined;

  constructor(
    private readonly market: MarketSnapshot,
    private readonly modelId: string,
    private readonly params: AccountParams,
    private readonly options: EvaluateAccountOptions,
  ) {
    this.baseFile = market.toJSON();
    const risk = options.marginOptions?.riskParameters;
    // A model without `prepare` is refused by computeMargin (USAGE_INVALID) before the catalogue is needed.
    this.catalogue =
      risk === undefined ? undefined : getModel(modelId).prepare?.(risk, options.marginOptions?.riskParametersSource ?? 'risk parameters').catalogue;
  }

  /**
   * The portfolio's positions interned into a fresh table. Collateral stays out of the positions (it enters equity
   * as balances, with haircuts), whatever the model does with it in its own book.
   */
  resolve(file: PortfolioFile): { table: InstrumentTable; resolved: ResolvedPortfolio } {
    const table = new InstrumentTable();
    return { table, resolved: resolvePortfolio(file, table, this.options.source, this.catalogue) };
  }

  margin(file: PortfolioFile, market: MarketSnapshot = this.market): MarginResult {
    return computeMargin({ document: file, ...(this.options.source === undefined ? {} : { source: this.options.source }) }, market, this.modelId, {
      ...this.options.marginOptions,
      ...(this.options.params === undefined ? {} : { params: this.options.params }),
      ...(this.options.paramsSource === undefined ? {} : { paramsSource: this.options.paramsSource }),
    });
  }

  /** Liquidation price of `file` (already resolved into `resolved`/`table`), classified today as `status`. */
  liquidation(file: PortfolioFile, resolved: ResolvedPortfolio, table: InstrumentTable, status: AccountStatus): LiquidationReport {
    const exposures = exposedUnderlyings(resolved, table, this.market);
    if (exposures.length === 0) return { reason: 'no exposure to an underlying price (only currencies priced in fx, e.g. stablecoins)' };
    if (exposures.length > 1) {
      return { reason: `exposed to ${exposures.length} underlyings (${exposures.join(', ')}): a liquidation price needs exactly one` };
    }
    const underlying = exposures[0] as string;
    const index = this.market.underlying(underlying).index;
    const buffer = 1 + this.params.liquidationBuffer;
    const search = liquidationPrice((k) => {
      const shifted = parseMarketSnapshot(
        scaleUnderlying(this.baseFile, underlying, k, this.options.vol === undefined ? {} : { vol: this.options.vol }),
        `${this.market.source ?? 'market'} (${underlying} × ${k})`,
      );
      const margin = this.margin(file, shifted);
      const equity = accountEquity(resolved, table, shifted, this.params, { base: this.market });
      return { equity: equity.equity, maintenance: margin.maintenanceMargin * buffer };
    }, this.options.liquidationSearch);

    const below = search.below === undefined ? undefined : search.below * index;
    const above = search.above === undefined ? undefined : search.above * index;
    const prices = { ...(below === undefined ? {} : { below }), ...(above === undefined ? {} : { above }) };
    if (status.state === 'liquidation' || search.surplus < 0) {
      return {
        underlying,
        index,
        ...prices,
        reason: 'already below the liquidation threshold: below/above are the index levels at which the account would recover',
      };
    }
    if (below === undefined && above === undefined) {
      return { underlying, index, reason: 'equity stays above the liquidation threshold over the whole searched range' };
    }
    // Nearer in relative terms: a fall to 0.8 × index and a rise to 1.25 × index are equally far.
    const nearer =
      below === undefined ? above : above === undefined ? below : Math.abs(Math.log(below / index)) <= Math.abs(Math.log(above / index)) ? below : above;
    return { underlying, index, ...(nearer === undefined ? {} : { price: nearer }), ...prices };
  }

  /**
   * Isolated mode: the account's collateral is split between positions pro rata to the initial margin of each
   * position alone (computeMargin on a one-position portfolio without collateral; equal shares when no position
   * needs any), each balance in the same proportion, and the split is fixed at today's margins. Each position is
   * then evaluated as a one-position portfolio holding its share (so a model that stresses collateral charges the
   * share's risk to it), and its liquidation price searched with the share fixed.
   */
  isolatedPositions(file: PortfolioFile): IsolatedPositionReport[] {
    const alone = file.positions.map((position): PortfolioFile => ({ ...file, positions: [position], collateral: {} }));
    const keys = alone.map((doc) => this.margin(doc).initialMargin);
    const totalKey = keys.reduce((sum, m) => sum + m, 0);
    return alone.map((doc, i) => {
      const share = totalKey > 0 ? (keys[i] as number) / totalKey : 1 / alone.length;
      const collateral = Object.fromEntries(Object.entries(file.collateral).map(([ccy, balance]) => [ccy, balance * share]));
      const withShare: PortfolioFile = { ...doc, collateral };
      const margin = this.margin(withShare);
      const { table, resolved } = this.resolve(withShare);
      const equity = accountEquity(resolved, table, this.market, this.params).equity;
      const status = classifyAccount(equity, margin.initialMargin, margin.maintenanceMargin, this.params);
      const position = resolved.positions[0];
      return {
        instrument: position === undefined ? '' : table.spec(position.instrument).symbol,
        quantity: position?.quantity ?? 0,
        initialMargin: margin.initialMargin,
        maintenanceMargin: margin.maintenanceMargin,
        collateralShare: share,
        equity,
        ...finiteRatio(status.marginRatio),
        excess: status.excess,
        state: status.state,
        reduceOnly: status.reduceOnly,
        liquidation: this.liquidation(withShare, resolved, table, status),
      };
    });
  }
}
