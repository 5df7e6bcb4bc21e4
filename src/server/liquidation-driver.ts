import { CrossmarginError, toCrossmarginError } from '../core/errors.js';
import type { EngineEvent } from '../engine/live/engine-event.js';
import type { LiquidationExecutor, SliceFill } from '../engine/liquidation/liquidation-executor.js';
import { floorFill, tradeCash, unpaidLosses } from '../engine/liquidation/liquidation-fills.js';
import { LIQUIDATION_PLAN_VERSION, planLiquidation, type LiquidationPlan, type LiquidationSlice } from '../engine/liquidation/liquidation-plan.js';
import { SimulatedExecutor } from '../engine/liquidation/simulated-executor.js';
import { resolveInstrument } from '../instruments/resolve-instrument.js';
import type { MarketSnapshot } from '../market/market-snapshot.js';
import type { PortfolioFile } from '../portfolio/portfolio-schema.js';
import { instrumentMarketInputs } from '../pricing/instrument-inputs.js';
import { priceInstrument } from '../pricing/instrument-pricer.js';
import type { LiquidationFillRecord, LiquidationPlanRecord, NewAuditEntry } from '../store/store.js';
import type { MarginService } from './margin-service.js';

/** Events the driver publishes to the dashboard stream (after what they announce is stored). Times epoch ms. */
export type LiquidationStreamEvent =
  | {
      readonly type: 'liquidation-plan';
      readonly accountId: string;
      readonly planId: string;
      readonly at: number;
      readonly asOf: string;
      readonly rule: 'venue' | 'default';
      readonly slices: number;
      /** Expected figures of the plan (account currency). */
      readonly expectedEquity: number;
      readonly badDebt: number;
    }
  | {
      readonly type: 'liquidation-slice';
      readonly accountId: string;
      readonly planId: string;
      readonly at: number;
      readonly asOf: string | undefined;
      readonly slice: number;
      readonly of: number;
      readonly instrument: string;
      /** Signed contracts traded; price in the slice's price currency. */
      readonly quantity: number;
      readonly price: number;
      readonly position: number;
      readonly cashCurrency: string;
      readonly balance: number;
    }
  | {
      readonly type: 'liquidation-complete';
      readonly accountId: string;
      readonly planId: string;
      readonly at: number;
      readonly asOf: string | undefined;
      readonly outcome: LiquidationOutcome;
    };

export type LiquidationStreamListener = (event: LiquidationStreamEvent) => void;

/** What completing a plan records (the store keeps it as the plan's `outcome`). Amounts in the account currency unless named. */
export interface LiquidationOutcome {
  /**
   * `healthy` / `margin-call`: out of liquidation with positions left; `book-empty`: every position closed (a deficit,
   * if any, covered as far as the fund could); `still-in-liquidation`: the plan ran out while the engine still classifies the account in
   * liquidation (the driver plans again); `nothing-to-close`: the rule found nothing to do; `unmarginable`.
   */
  readonly result: 'healthy' | 'margin-call' | 'book-empty' | 'still-in-liquidation' | 'nothing-to-close' | 'unmarginable';
  readonly state: string | undefined;
  readonly equity: number | undefined;
  readonly maintenanceMargin: number | undefined;
  readonly currency: string;
  readonly slicesPlanned: number;
  readonly slicesApplied: number;
  /** Slices not executed because the position was already closed (a partial fill or a trade in between). */
  readonly slicesSkipped: number;
  /** Loss the slices' cash balances could not pay (value at planning fx). */
  readonly unpaid: number;
  /** Of it, paid by converting the account's other balances (collateral conversion fills). */
  readonly paidFromCollateral: number;
  /** What was left: the account's deficit. */
  readonly deficit: number;
  /** The insurance fund's cover of the deficit, in `insuranceFund.currency`. */
  readonly insuranceFund: { readonly currency: string; readonly before: number; readonly cover: number; readonly after: number };
  /** The deficit the fund could not cover (account currency, ≥ 0). */
  readonly badDebt: number;
  readonly executor: string;
}

export interface LiquidationDriverOptions {
  /** Where slices are executed; default: the simulated executor at the engine's current marks. */
  readonly executor?: LiquidationExecutor;
  /** Default-rule settings (engine/liquidation/default-liquidation-rule.ts) for models without a venue rule. */
  readonly defaultRule?: unknown;
  /** Overrides of a venue model's liquidation rule. */
  readonly venueRule?: unknown;
  /** After each fill this process stored (replays not counted), with the count so far: the kill -9 test's hook. */
  readonly afterFill?: (stored: number) => void;
  /** Where failures are reported (the service's logger). */
  readonly onError?: (error: CrossmarginError, accountId: string) => void;
  /** Plans made again in a row for one account when a plan ends with the account still in liquidation. */
  readonly maxReplans?: number;
  /** ISO time of store records (injected by tests). */
  readonly now?: () => number;
}

const SYSTEM = 'system';

/**
 * Carries liquidations out (docs/service.md "Liquidation"): when the live engine reports an account entering
 * liquidation, plans it (planLiquidation, on the engine's document, market and settings and the insurance fund's
 * balance), stores the plan, then executes its slices one at a time through the executor, each recorded by the
 * store at most once per (plan, slice) (store first: the position, the cash floored at a zero balance, the penalty to
 * the fund) and mirrored into the engine. When the slices are done: an unpaid loss is paid from the account's other
 * balances (collateral conversion fills), the insurance fund covers what is left up to its balance, the rest is bad
 * debt, and the plan is completed with its outcome. A plan that leaves the account in liquidation is followed by a
 * new one.
 *
 * Work is serialised per account (one plan at a time, slices in order) and each slice's store write and engine
 * mirror run in the service's change queue. `resume()` continues every stored active plan after a restart: applied
 * slices are skipped, so none is repeated or missed.
 */
export class LiquidationDriver {
  private readonly executor: LiquidationExecutor;
  private readonly listeners = new Set<LiquidationStreamListener>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private unsubscribe: (() => void) | undefined;
  private closed = false;
  private stored = 0;

  constructor(
    private readonly service: MarginService,
    private readonly options: LiquidationDriverOptions = {},
  ) {
    this.executor = options.executor ?? new SimulatedExecutor({ markOf: (symbol) => this.markOf(symbol) });
  }

  /** Starts listening to the engine: an account entering liquidation is planned and liquidated. */
  start(): void {
    this.unsubscribe ??= this.service.host.subscribe((event: EngineEvent) => {
      if (event.type === 'liquidation' || (event.type === 'state-transition' && event.to === 'liquidation')) this.schedule(event.accountId);
    });
  }

  /**
   * After a restart: continues every active plan, and plans every account the engine has in liquidation without one
   * (a crash between the engine's event and the plan's save). Resolves once the work is scheduled (see idle()).
   */
  async resume(): Promise<void> {
    const active = await this.service.store.activeLiquidationPlans();
    for (const plan of active) this.schedule(plan.accountId);
    const engine = this.service.engine;
    for (const id of engine.accountIds()) {
      if (stateOf(this.service, id) === 'liquidation') this.schedule(id);
    }
  }

  /** Listens to plan / slice / completion events (after they were stored). Returns the unsubscribe function. */
  subscribe(listener: LiquidationStreamListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Resolves when no liquidation work is running or queued (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  /** Stops taking work and waits for the slice in progress; the rest resumes on the next start. */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.idle();
  }

  // ---- work per account --------------------------------------------------------------------------------------

  private schedule(accountId: string): void {
    if (this.closed) return;
    if (this.running.has(accountId)) {
      this.again.add(accountId);
      return;
    }
    const loop = async (): Promise<void> => {
      for (;;) {
        this.again.delete(accountId);
        try {
          await this.liquidate(accountId);
        } catch (error) {
          this.options.onError?.(toCrossmarginError(error), accountId);
        }
        // Checked and cleared in one synchronous step, so an event arriving now is never lost.
        if (!this.again.has(accountId) || this.closed) {
          this.running.delete(accountId);
          return;
        }
      }
    };
    // Started on a later tick: the engine publishes its events before the change that made them has returned.
    this.running.set(accountId, Promise.resolve().then(loop));
  }

  /** The account's active plan carried out, then (while it stays in liquidation) new ones, up to maxReplans. */
  private async liquidate(accountId: string): Promise<void> {
    const maxReplans = this.options.maxReplans ?? 3;
    for (let round = 0; round <= maxReplans && !this.closed; round++) {
      const plan = await this.activePlan(accountId);
      if (plan === undefined) return;
      if (!(await this.execute(plan))) return;
      const outcome = await this.finish(plan);
      if (outcome.result !== 'still-in-liquidation' || outcome.slicesApplied === 0) return;
    }
  }

  /** The stored active plan of the account, or a new one when the engine has it in liquidation (saved first). */
  private async activePlan(accountId: string): Promise<LiquidationPlan | undefined> {
    const store = this.service.store;
    const latest = await store.latestLiquidationPlan(accountId);
    if (latest?.status === 'active') return planOf(latest);
    const made = await this.service.runExclusive(async () => {
      if (stateOf(this.service, accountId) !== 'liquidation') return undefined;
      const plan = await this.plan(accountId);
      const record = await store
        .saveLiquidationPlan({ id: plan.id, accountId, json: plan, createdAt: this.iso() }, this.audit('liquidation.plan', accountId, { planId: plan.id, rule: plan.rule.kind, slices: plan.slices.length, expected: plan.expected, badDebt: plan.badDebt }))
        .catch(async (error: unknown) => {
          // Another active plan of the account (saved before a crash, listed after this one): continue that one.
          const e = toCrossmarginError(error);
          const other = e.code === 'CONFLICT' ? (await store.activeLiquidationPlans()).find((p) => p.accountId === accountId) : undefined;
          if (other === undefined) throw e;
          return other;
        });
      // The same plan stored and ended before (same account, market and book): nothing left to do.
      return record.status === 'active' ? { plan: planOf(record), fresh: record.id === plan.id } : undefined;
    });
    if (made === undefined) return undefined;
    if (made.fresh) {
      const p = made.plan;
      this.publish({ type: 'liquidation-plan', accountId, planId: p.id, at: this.now(), asOf: p.asOf, rule: p.rule.kind, slices: p.slices.length, expectedEquity: p.expected.equity, badDebt: p.badDebt });
    }
    return made.plan;
  }

  /** Plans on the engine's current document, market and settings, with the fund's balance in the plan's cash currency. */
  private async plan(accountId: string): Promise<LiquidationPlan> {
    const engine = this.service.engine;
    const market = requireMarket(engine.currentMarket());
    const settings = engine.settings();
    const input = {
      document: engine.account(accountId),
      market,
      model: settings.model,
      params: settings.params,
      marginOptions: settings.historyLoader === undefined ? {} : { historyLoader: settings.historyLoader },
      accountParams: settings.accountParams,
      defaultRule: this.options.defaultRule,
      venueRule: this.options.venueRule,
    };
    const first = planLiquidation(input);
    const currency = fundCurrencyOf(first);
    const balance = (await this.service.store.insuranceFundBalances())[currency] ?? 0;
    if (!(balance > 0)) return first;
    // Planned again with the fund's balance (account currency) for the expected cover; the slices do not depend on it.
    return planLiquidation({ ...input, insuranceFund: balance * market.fxRate(currency, first.currency) });
  }

  /** Executes the plan's slices not yet applied, in order. False when stopped by close(). */
  private async execute(plan: LiquidationPlan): Promise<boolean> {
    const store = this.service.store;
    const applied = new Set((await store.listLiquidationFills(plan.id)).map((f) => f.slice));
    for (const slice of plan.slices) {
      if (applied.has(slice.index)) continue;
      if (this.closed) return false;
      const held = (await store.listPositions(plan.accountId)).find((p) => p.instrument === slice.instrument)?.quantity ?? 0;
      // Never more than is held, never across zero: a position reduced meanwhile (a partial fill, a trade) is closed as far as it goes.
      if (held === 0 || Math.sign(held) === Math.sign(slice.quantity)) continue;
      // The slice that closes the position (in the plan) closes exactly what is held, so no float dust is left.
      const quantity = slice.positionAfter === 0 ? -held : Math.sign(slice.quantity) * Math.min(Math.abs(slice.quantity), Math.abs(held));
      // The account recovered on its own (the market moved its way): the rest of the plan is not needed.
      if (stateOf(this.service, plan.accountId) === 'healthy') break;
      const fill = checkFill(await this.executor.executeSlice(plan, quantity === slice.quantity ? slice : { ...slice, quantity }), plan, slice, quantity);
      const record = await this.service.runExclusive(() => this.applyFill(plan, slice, fill), [plan.accountId]);
      this.publish({
        type: 'liquidation-slice',
        accountId: plan.accountId,
        planId: plan.id,
        at: this.now(),
        asOf: this.service.engine.currentMarket()?.asOf,
        slice: slice.index,
        of: plan.slices.length,
        instrument: slice.instrument,
        quantity: record.quantity,
        price: record.price,
        position: record.position,
        cashCurrency: record.cashCurrency,
        balance: record.balance,
      });
    }
    return true;
  }

  /** Store first (the fill, floored at a zero balance), then the engine. */
  private async applyFill(plan: LiquidationPlan, slice: LiquidationSlice, fill: SliceFill): Promise<LiquidationFillRecord> {
    const store = this.service.store;
    const [positions, balances] = await Promise.all([store.listPositions(plan.accountId), store.listCollateral(plan.accountId)]);
    // A trade of the holder between the executor's call and now may have reduced the position: never record more than is held.
    const held = positions.find((p) => p.instrument === slice.instrument)?.quantity ?? 0;
    const quantity = Math.sign(held) === -Math.sign(fill.quantity) ? Math.sign(fill.quantity) * Math.min(Math.abs(fill.quantity), Math.abs(held)) : 0;
    const penalty = fill.quantity === 0 ? 0 : fill.penalty * (quantity / fill.quantity);
    const balance = balances.find((c) => c.currency === slice.cashCurrency)?.amount ?? 0;
    const floored = floorFill(tradeCash(slice, quantity, fill.price), penalty, balance);
    const record = await store.applyLiquidationFill(
      {
        planId: plan.id,
        accountId: plan.accountId,
        slice: slice.index,
        instrument: slice.instrument,
        quantity,
        price: fill.price,
        cashDelta: floored.cashDelta,
        cashCurrency: slice.cashCurrency,
        fundReceived: floored.fundReceived,
        at: this.iso(),
      },
      (r) => this.audit('liquidation.fill', plan.accountId, { planId: plan.id, slice: r.slice, instrument: r.instrument, quantity: r.quantity, price: r.price, cashDelta: r.cashDelta, cashCurrency: r.cashCurrency, fundReceived: r.fundReceived, unpaid: floored.unpaid, executor: this.executor.name }),
    );
    if (!record.replayed) {
      this.stored++;
      this.options.afterFill?.(this.stored);
    }
    await this.mirror(plan.accountId, slice.instrument, record.position, record.cashCurrency, record.balance);
    return record;
  }

  /**
   * Ends a plan: pays an unpaid loss from the account's other balances, the fund covers what is left up to its
   * balance (ledger line `cover`), the rest is bad debt; then the plan is completed with its outcome (one
   * transaction). Each step is idempotent, so a restart in between finishes it once.
   */
  private async finish(plan: LiquidationPlan): Promise<LiquidationOutcome> {
    const outcome = await this.service.runExclusive(async () => {
      const store = this.service.store;
      const accountId = plan.accountId;
      let fills = await store.listLiquidationFills(plan.id);
      const trades = fills.filter((f) => f.slice < plan.slices.length);
      const unpaid = unpaidLosses(plan.slices, trades);
      let paid = conversionsPaid(plan, fills);
      if (unpaid.value - paid > tolerance(unpaid.value)) {
        await this.convertCollateral(plan, unpaid.value - paid, fills.length === 0 ? plan.slices.length : Math.max(plan.slices.length, ...fills.map((f) => f.slice + 1)));
        fills = await store.listLiquidationFills(plan.id);
        paid = conversionsPaid(plan, fills);
      }
      const deficit = Math.max(0, unpaid.value - paid);
      const fundCurrency = fundCurrencyOf(plan, unpaid.byCurrency);
      const market = this.service.engine.currentMarket();
      const fx = market === undefined ? 1 : safeFx(market, fundCurrency, plan.currency);
      const ledger = (await store.listInsuranceFund({ accountId })).filter((e) => e.planId === plan.id && e.reason === 'cover');
      const fundNow = (await store.insuranceFundBalances())[fundCurrency] ?? 0;
      let cover = -ledger.reduce((s, e) => s + e.amount, 0);
      // Before: the balance as it was before this plan's cover (a restart finds the cover already written).
      const fundBefore = fundNow + cover;
      if (ledger.length === 0 && deficit > 0 && fundNow > 0) {
        cover = Math.min(deficit / fx, fundNow);
        // The fund pays what the account could not: nothing is credited to the account, whose balances are spent.
        await store.addInsuranceFundEntry({ currency: fundCurrency, amount: -cover, accountId, planId: plan.id, reason: 'cover', at: this.iso() });
      }
      const badDebt = Math.max(0, deficit - cover * fx);
      const margin = marginOf(this.service, accountId);
      const positionsLeft = (await store.listPositions(accountId)).length > 0;
      const outcome: LiquidationOutcome = {
        result: resultOf(plan, margin?.state, positionsLeft),
        state: margin?.state,
        equity: margin?.equity,
        maintenanceMargin: margin?.maintenanceMargin,
        currency: plan.currency,
        slicesPlanned: plan.slices.length,
        slicesApplied: trades.length,
        slicesSkipped: plan.slices.length - trades.length,
        unpaid: unpaid.value,
        paidFromCollateral: paid,
        deficit,
        insuranceFund: { currency: fundCurrency, before: fundBefore, cover, after: fundBefore - cover },
        badDebt,
        executor: this.executor.name,
      };
      const record = await store.completeLiquidationPlan(
        {
          planId: plan.id,
          status: 'completed',
          outcome,
          at: this.iso(),
          // The bad debt is recorded with the completion; the fund's cover was paid above (the account gets nothing).
          ...(deficit > 0 ? { fundCover: { currency: fundCurrency, amount: 0, badDebt } } : {}),
        },
        this.audit('liquidation.complete', accountId, { planId: plan.id, outcome }),
      );
      // A completion already stored (a retry) answers with its own outcome.
      return (record.outcome as LiquidationOutcome | undefined) ?? outcome;
    });
    this.publish({ type: 'liquidation-complete', accountId: plan.accountId, planId: plan.id, at: this.now(), asOf: this.service.engine.currentMarket()?.asOf, outcome });
    return outcome;
  }

  /**
   * Collateral conversion: the account's other balances (account currency first, then by code) are sold at the
   * market's rate to pay `owed` (account currency). Each sale is a fill of the plan past its last slice (quantity 0,
   * price = the rate, cash = the balance sold), so it is applied once like any slice.
   */
  private async convertCollateral(plan: LiquidationPlan, owed: number, firstIndex: number): Promise<void> {
    const market = this.service.engine.currentMarket();
    if (market === undefined) return;
    const store = this.service.store;
    const balances = (await store.listCollateral(plan.accountId)).filter((c) => c.amount > 0);
    balances.sort((a, b) => (a.currency === plan.currency ? -1 : b.currency === plan.currency ? 1 : a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
    let left = owed;
    let index = firstIndex;
    for (const b of balances) {
      if (left <= tolerance(owed)) break;
      const rate = safeFx(market, b.currency, plan.currency);
      if (!(rate > 0)) continue;
      const value = b.amount * rate;
      const sold = value <= left ? b.amount : left / rate;
      const record = await store.applyLiquidationFill(
        { planId: plan.id, accountId: plan.accountId, slice: index++, instrument: b.currency, quantity: 0, price: rate, cashDelta: sold === b.amount ? -b.amount : -sold, cashCurrency: b.currency, fundReceived: 0, at: this.iso() },
        (r) => this.audit('liquidation.collateral-conversion', plan.accountId, { planId: plan.id, slice: r.slice, currency: b.currency, sold, rate, owed: left }),
      );
      await this.mirror(plan.accountId, undefined, 0, record.cashCurrency, record.balance);
      left -= sold * rate;
    }
  }

  /** Puts the stored position and balance into the engine (absolute values, so a repeat changes nothing). */
  private async mirror(accountId: string, instrument: string | undefined, position: number, currency: string, balance: number): Promise<void> {
    const engine = this.service.engine;
    const doc = engine.account(accountId);
    if (instrument !== undefined) {
      const delta = position - positionIn(doc, instrument);
      if (delta !== 0) await engine.applyTrade(accountId, instrument, delta);
    }
    if ((doc.collateral[currency] ?? 0) !== balance) await engine.setCollateral(accountId, currency, balance);
  }

  /** The live mark of an instrument (reference price, or option premium per contract), for the simulated executor. */
  private markOf(symbol: string): number | undefined {
    const market = this.service.engine.currentMarket();
    if (market === undefined) return undefined;
    try {
      const spec = resolveInstrument(symbol, 'instrument');
      return spec.kind === 'option' ? priceInstrument(spec, market, 'instrument').value : instrumentMarketInputs(spec, market, 'instrument', { needVol: false }).reference;
    } catch {
      return undefined;
    }
  }

  private publish(event: LiquidationStreamEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure (a closed socket) is its own.
      }
    }
  }

  private audit(action: string, target: string, payload: unknown): NewAuditEntry {
    return { keyId: SYSTEM, action, target, payload, at: this.iso() };
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }
}

/** The plan document of a stored record (written by this module; a newer version is refused rather than guessed). */
function planOf(record: LiquidationPlanRecord): LiquidationPlan {
  const plan = record.json as LiquidationPlan;
  if (plan?.version !== LIQUIDATION_PLAN_VERSION || !Array.isArray(plan.slices)) {
    throw new CrossmarginError('INTERNAL', `liquidation plan "${record.id}": stored document has version ${String(plan?.version)}, expected ${LIQUIDATION_PLAN_VERSION}`);
  }
  return plan;
}

function requireMarket(market: MarketSnapshot | undefined): MarketSnapshot {
  if (market === undefined) throw new CrossmarginError('USAGE_INVALID', 'liquidation: the engine has no market yet', { field: 'market' });
  return market;
}

/** The engine's state of an account, undefined when it has none (never margined) or is unknown. */
function stateOf(service: MarginService, accountId: string): string | undefined {
  return marginOf(service, accountId)?.state;
}

function marginOf(service: MarginService, accountId: string): { state: string; equity: number; maintenanceMargin: number } | undefined {
  try {
    const m = service.engine.margin(accountId);
    return { state: m.state, equity: m.equity, maintenanceMargin: m.result.maintenanceMargin };
  } catch {
    return undefined;
  }
}

function resultOf(plan: LiquidationPlan, state: string | undefined, positionsLeft: boolean): LiquidationOutcome['result'] {
  if (plan.slices.length === 0) return 'nothing-to-close';
  if (!positionsLeft) return 'book-empty';
  if (state === 'healthy' || state === 'margin-call') return state;
  if (state === 'unmarginable' || state === undefined) return 'unmarginable';
  return 'still-in-liquidation';
}

/** The fund currency of a plan: where its largest unpaid loss is, else its first slice's cash currency, else the account's. */
function fundCurrencyOf(plan: LiquidationPlan, unpaid: Readonly<Record<string, number>> = {}): string {
  const largest = Object.entries(unpaid).sort((a, b) => b[1] - a[1])[0]?.[0];
  return largest ?? plan.slices[0]?.cashCurrency ?? plan.currency;
}

/** Value paid by the plan's collateral conversion fills (past its last slice), account currency. */
function conversionsPaid(plan: LiquidationPlan, fills: readonly LiquidationFillRecord[]): number {
  return fills.filter((f) => f.slice >= plan.slices.length).reduce((s, f) => s + -f.cashDelta * f.price, 0);
}

function tolerance(amount: number): number {
  return 1e-9 * Math.max(1, Math.abs(amount));
}

function safeFx(market: MarketSnapshot, from: string, to: string): number {
  try {
    return market.fxRate(from, to);
  } catch {
    return Number.NaN;
  }
}

/** Net position of `symbol` in a portfolio document (names resolved, so a full spec and its symbol match). */
function positionIn(doc: PortfolioFile, symbol: string): number {
  let total = 0;
  doc.positions.forEach((p, i) => {
    if (resolveInstrument(p.instrument, `positions.${i}.instrument`).symbol === symbol) total += p.quantity;
  });
  return total;
}

/** An executor's fill must be for this slice, finite, and in its cash currency, never more than the slice. */
function checkFill(fill: SliceFill, plan: LiquidationPlan, slice: LiquidationSlice, asked: number): SliceFill {
  const bad = (why: string): CrossmarginError => new CrossmarginError('INTERNAL', `liquidation executor: fill of slice ${slice.index} of plan ${plan.id}: ${why}`);
  if (fill.planId !== plan.id || fill.slice !== slice.index || fill.instrument !== slice.instrument) throw bad('answers another slice');
  if (![fill.quantity, fill.price, fill.cashDelta, fill.penalty].every(Number.isFinite) || fill.penalty < 0 || !(fill.price > 0)) throw bad('non-finite or negative figures');
  if (fill.cashCurrency !== slice.cashCurrency) throw bad(`cash in ${fill.cashCurrency}, the slice settles in ${slice.cashCurrency}`);
  if (fill.quantity !== 0 && Math.sign(fill.quantity) !== Math.sign(asked)) throw bad('trades the wrong way');
  if (Math.abs(fill.quantity) > Math.abs(asked) * (1 + 1e-12)) throw bad(`fills ${fill.quantity}, more than the ${asked} asked`);
  return fill;
}
