import { CrossmarginError } from '../../core/errors.js';
import type { MarginResult, MarginResultOf } from '../margin-result.js';
import { venueBook, venueFxRate } from '../venues/venue-book.js';
import { MangoHealthParamsSchema, type MangoPerpMarket, type MangoToken } from './mango-health-params.js';
import { defineModel } from '../define-model.js';
import { MangoHealthDetailsSchema, type MangoHealthDetails } from './mango-health-details.js';

/** §7 health types: Init (new positions if ≥ 0), Maint (liquidatable if < 0), LiquidationEnd (liquidation stops when ≥ 0). */
export type MangoHealthType = 'init' | 'maint' | 'liquidationEnd';

export interface MangoTokenInput {
  readonly token: string;
  /** Native balance in token units (borrows negative). */
  readonly balance: number;
  /** Oracle price, quote currency. */
  readonly oraclePrice: number;
  /** §7 stable price; Init uses min(oracle, stable) for assets and max for liabilities. Absent = oracle. */
  readonly stablePrice?: number;
  readonly weights: MangoToken;
}

export interface MangoPerpInput {
  readonly market: string;
  /** Token the perp settles in (its health pnl is added to that token's balance before weighting, §7). */
  readonly settleToken: string;
  readonly baseLots: number;
  readonly baseLotSize: number;
  /** Quote position (quote currency): −entry cost plus realised, funding-adjusted. */
  readonly quote: number;
  /** Open bid / ask lots (both ≥ 0). */
  readonly bidsLots: number;
  readonly asksLots: number;
  /** Price of resting orders, quote per base unit; absent = oracle. */
  readonly orderPrice?: number;
  readonly oraclePrice: number;
  readonly stablePrice?: number;
  readonly weights: MangoPerpMarket;
}

export interface MangoHealth {
  readonly health: number;
  /** Σ weighted assets and Σ weighted liabilities (positive), quote currency. */
  readonly assets: number;
  readonly liabs: number;
  /** §7 ratio = 100·(assets − liabs)/liabs; null when there are no liabilities. */
  readonly ratio: number | null;
}

/** §7 prices: Maint / LiquidationEnd oracle; Init asset min(oracle, stable), liab max(oracle, stable). */
function typedPrice(oracle: number, stable: number | undefined, type: MangoHealthType, asset: boolean): number {
  if (type !== 'init' || stable === undefined) return oracle;
  return asset ? Math.min(oracle, stable) : Math.max(oracle, stable);
}

/** How the Init weights of one token are scaled by its bank's totals (bank.rs scaled_init_*_weight), and why. */
export interface MangoWeightScaling {
  /** Factor on init_asset_weight (≤ 1) and on init_liab_weight (≥ 1). */
  readonly assetScale: number;
  readonly liabScale: number;
  /** What was applied, or why nothing was ("bankTotalDeposits absent: …"): echoed in details.tokens[].weightScaling. */
  readonly note: string;
  /** A scale start is configured but the bank total it needs is absent (the Init health may be overstated): per side. */
  readonly missingBankDeposits: boolean;
  readonly missingBankBorrows: boolean;
}

export const MANGO_NO_SCALING: MangoWeightScaling = { assetScale: 1, liabScale: 1, note: 'no scale start configured: not scaled', missingBankDeposits: false, missingBankBorrows: false };

/**
 * Mango v4 `programs/mango-v4/src/state/bank.rs` `scaled_init_asset_weight` / `scaled_init_liab_weight`, with the price
 * the health cache passes (`health/cache.rs` new_health_cache: "Use the liab price for computing weight scaling", i.e.
 * the Init liability price max(oracle, stable)):
 *   deposits_quote = bank deposits · price;  asset scale = deposits_quote ≤ start ? 1 : start / deposits_quote
 *   borrows_quote  = bank borrows · price;   liab scale  = borrows_quote ≤ start ? 1 : borrows_quote / start
 * The bank totals are the **bank's**, not the account's; the bank holds at least this account's balance, so the larger of
 * the two is used. A start absent is the program's f64::MAX (no scaling); a bank total absent means the scale cannot be
 * computed and is not applied — said in `note` and `missingBankDeposits` / `missingBankBorrows`.
 */
export function mangoWeightScaling(t: MangoToken, liabPrice: number, accountBalance: number): MangoWeightScaling {
  const notes: string[] = [];
  let missingDeposits = false;
  let missingBorrows = false;
  let assetScale = 1;
  let liabScale = 1;
  if (t.depositWeightScaleStartQuote === undefined) notes.push('deposits: no depositWeightScaleStartQuote, not scaled');
  else if (t.bankTotalDeposits === undefined) {
    missingDeposits = true;
    notes.push('deposits: bankTotalDeposits absent, Init asset weight not scaled (health may be overstated)');
  } else {
    const depositsQuote = Math.max(t.bankTotalDeposits, accountBalance, 0) * liabPrice;
    if (depositsQuote > t.depositWeightScaleStartQuote) assetScale = t.depositWeightScaleStartQuote / depositsQuote;
    notes.push(`deposits: bank ${depositsQuote} quote vs start ${t.depositWeightScaleStartQuote}, scale ${assetScale}`);
  }
  if (t.borrowWeightScaleStartQuote === undefined) notes.push('borrows: no borrowWeightScaleStartQuote, not scaled');
  else if (t.bankTotalBorrows === undefined) {
    missingBorrows = true;
    notes.push('borrows: bankTotalBorrows absent, Init liability weight not scaled (health may be overstated)');
  } else {
    const borrowsQuote = Math.max(t.bankTotalBorrows, -accountBalance, 0) * liabPrice;
    if (borrowsQuote > t.borrowWeightScaleStartQuote) liabScale = borrowsQuote / t.borrowWeightScaleStartQuote;
    notes.push(`borrows: bank ${borrowsQuote} quote vs start ${t.borrowWeightScaleStartQuote}, scale ${liabScale}`);
  }
  return { assetScale, liabScale, note: notes.join('; '), missingBankDeposits: missingDeposits, missingBankBorrows: missingBorrows };
}

/** §7 token weights: Init → init_scaled_* (init_* × the bank scaling); LiquidationEnd → init_* (unscaled); Maint → maint_*. */
export function mangoTokenWeight(t: MangoToken, type: MangoHealthType, asset: boolean, scaling: MangoWeightScaling = MANGO_NO_SCALING): number {
  if (type === 'maint') return asset ? t.maintAssetWeight : t.maintLiabWeight;
  if (asset) return t.initAssetWeight * (type === 'init' ? scaling.assetScale : 1);
  return t.initLiabWeight * (type === 'init' ? scaling.liabScale : 1);
}

/**
 * §7 perp health pnl: uhupnl = quote + min(case(bids), case(asks)),
 * case(o) = (base + o)·baseLot·w_base·price − o·baseLot·orderPrice (asks as negative o);
 * hupnl = uhupnl > 0 ? uhupnl·overall_asset_weight (Init, LiqEnd → init; Maint → maint) : uhupnl.
 */
export function mangoPerpHealthPnl(p: MangoPerpInput, type: MangoHealthType): number {
  const w = p.weights;
  const orderPrice = p.orderPrice ?? p.oraclePrice;
  const side = (o: number): number => {
    const lots = p.baseLots + o;
    const asset = lots >= 0;
    const wBase = type === 'maint' ? (asset ? w.maintBaseAssetWeight : w.maintBaseLiabWeight) : asset ? w.initBaseAssetWeight : w.initBaseLiabWeight;
    return lots * p.baseLotSize * wBase * typedPrice(p.oraclePrice, p.stablePrice, type, asset) - o * p.baseLotSize * orderPrice;
  };
  const uhupnl = p.quote + Math.min(side(p.bidsLots), side(-p.asksLots));
  if (uhupnl <= 0) return uhupnl;
  return uhupnl * (type === 'maint' ? w.maintOverallAssetWeight : w.initOverallAssetWeight);
}

/** §7 health = Σ_token (bal > 0 ? bal·price_asset·w_asset : bal·price_liab·w_liab), perp hupnl folded into the settle token. */
export function mangoHealth(tokens: readonly MangoTokenInput[], perps: readonly MangoPerpInput[], type: MangoHealthType): MangoHealth {
  const balances = new Map<string, number>(tokens.map((t) => [t.token, t.balance]));
  for (const p of perps) {
    const settle = tokens.find((t) => t.token === p.settleToken);
    if (settle === undefined) throw new CrossmarginError('SCHEMA_INVALID', `perp ${p.market}: settle token ${p.settleToken} has no balance entry`, { field: p.market });
    balances.set(p.settleToken, (balances.get(p.settleToken) ?? 0) + mangoPerpHealthPnl(p, type) / settle.oraclePrice);
  }
  let assets = 0;
  let liabs = 0;
  for (const t of tokens) {
    const bal = balances.get(t.token) ?? 0;
    if (bal === 0) continue;
    const asset = bal > 0;
    const value = Math.abs(bal) * typedPrice(t.oraclePrice, t.stablePrice, type, asset);
    // The bank-level scaling is priced at the Init liability price (health/cache.rs) whatever the side.
    const scaling = type === 'init' ? mangoWeightScaling(t.weights, typedPrice(t.oraclePrice, t.stablePrice, 'init', false), bal) : MANGO_NO_SCALING;
    const w = mangoTokenWeight(t.weights, type, asset, scaling);
    if (asset) assets += value * w;
    else liabs += value * w;
  }
  return { health: assets - liabs, assets, liabs, ratio: liabs > 0 ? (100 * (assets - liabs)) / liabs : null };
}

/**
 * `mango-health`: Mango v4 account health (§7). The book is at mark: each perp market's quote position is
 * −base·oracle (entry at the oracle), no resting orders. Margin mapping (stated in docs/models/mango-health.md):
 * with E = Σ assets − Σ liabilities at oracle prices (unweighted equity),
 *   initialMargin = E − health(Init)   (= Σ assets·(1 − w_a) + Σ liabs·(w_l − 1) + stable-price haircuts),
 *   maintenanceMargin = E − health(Maint),
 * so health(Init) ≥ 0 ⇔ E ≥ initialMargin and the account is liquidatable ⇔ E < maintenanceMargin.
 */
export const mangoHealthModel = defineModel({
  id: 'mango-health',
  description: 'Mango v4: health = Σ assets × asset weight − Σ liabilities × liability weight (Init / Maint / LiquidationEnd)',
  // Options are not listed on this venue: a book holding one is refused (INSTRUMENT_NOT_LISTED), not approximated.
  accepts: (spec) => spec.kind !== 'option',
  paramsSchema: MangoHealthParamsSchema,
  detailsSchema: MangoHealthDetailsSchema,
  compile(params, context) {
    const q = params.quoteCurrency;
    const tokenWeights = (token: string): MangoToken => params.tokens[token] ?? params.defaultToken;
    const checkOracle = (market: string, price: number, confFilter: number): void => {
      const conf = params.oracleConfidence[market];
      if (conf !== undefined && conf > confFilter * price) {
        throw new CrossmarginError(
          'MARKET_DATA_INVALID',
          `oracleConfidence.${market}: oracle of market ${market} rejected (§7): confidence ${conf} > confFilter ${confFilter} × price ${price}`,
          { field: `oracleConfidence.${market}`, details: { market, confidence: conf, price, confFilter } },
        );
      }
    };
    return {
      evaluate(portfolio): MarginResultOf<MangoHealthDetails> {
        const book = venueBook(portfolio, context, q, { venue: 'Mango v4', listsOptions: false });
        const fx = venueFxRate(context, q, portfolio.currency, 'Mango v4', q, `reporting the margin in the account currency ${portfolio.currency}`);
        const balances = new Map<string, number>();
        for (const [token, amount] of Object.entries(book.collateral)) balances.set(token, (balances.get(token) ?? 0) + amount);
        balances.set(q, balances.get(q) ?? 0);
        const perps: MangoPerpInput[] = [];
        // Spot positions on a listed underlying are token balances (borrows negative); the rest is perp exposure.
        for (const p of portfolio.positions) {
          const s = context.instruments.spec(p.instrument);
          const m = book.markets.find((x) => x.market === s.underlying);
          if (s.kind !== 'spot' || m === undefined) continue;
          balances.set(m.market, (balances.get(m.market) ?? 0) + p.quantity * s.multiplier);
          m.base -= p.quantity * s.multiplier;
        }
        for (const m of book.markets) {
          const weights = params.perpMarkets[m.market] ?? params.defaultPerpMarket;
          checkOracle(m.market, m.oraclePrice, weights.confFilter);
          const stable = params.stablePrices[m.market];
          const common = { market: m.market, settleToken: q, baseLotSize: 1, bidsLots: 0, asksLots: 0, oraclePrice: m.oraclePrice, weights, ...(stable !== undefined ? { stablePrice: stable } : {}) };
          if (m.base !== 0) perps.push({ ...common, baseLots: m.base, quote: -m.base * m.oraclePrice });
          // Options (approximation, venue-book.ts): |notional| carried as a short perp of that size.
          if (m.optionNotional > 0) perps.push({ ...common, baseLots: -m.optionNotional / m.oraclePrice, quote: m.optionNotional });
        }
        const tokens: MangoTokenInput[] = [...balances.keys()].sort().map((token) => {
          const weights = tokenWeights(token);
          const oraclePrice = context.market.fxRate(token, q);
          if (token !== q) checkOracle(token, oraclePrice, weights.confFilter);
          const stable = params.stablePrices[token];
          return { token, balance: balances.get(token) as number, oraclePrice, weights, ...(stable !== undefined ? { stablePrice: stable } : {}) };
        });
        // A configured scale start without the bank total it needs: the Init weight is left unscaled, which can overstate
        // health (bank.rs scales by the bank's deposits / borrows) — listed with the book's other approximations.
        const approximations = [...book.approximations];
        for (const t of tokens) {
          const sc = mangoWeightScaling(t.weights, typedPrice(t.oraclePrice, t.stablePrice, 'init', false), t.balance);
          if (t.balance > 0 && sc.missingBankDeposits) {
            approximations.push(`${t.token}: deposit weight scaling not applied (tokens.${t.token}.bankTotalDeposits absent): Init health may be overstated`);
          }
          if (t.balance < 0 && sc.missingBankBorrows) {
            approximations.push(`${t.token}: borrow weight scaling not applied (tokens.${t.token}.bankTotalBorrows absent): Init health may be overstated`);
          }
        }
        const init = mangoHealth(tokens, perps, 'init');
        const maint = mangoHealth(tokens, perps, 'maint');
        const liqEnd = mangoHealth(tokens, perps, 'liquidationEnd');
        // Unweighted equity at oracle prices: token values plus perp pnl (zero at mark).
        const equity =
          tokens.reduce((s, t) => s + t.balance * t.oraclePrice, 0) + perps.reduce((s, p) => s + p.quote + p.baseLots * p.baseLotSize * p.oraclePrice, 0);
        const im = Math.max(0, equity - init.health);
        const mm = Math.max(0, Math.min(im, equity - maint.health));
        const components: MarginResult['components'] = perps.map((p) => ({
          name: 'perpHealthChargeInitial',
          group: p.market,
          value: -mangoPerpHealthPnl(p, 'init') * fx,
        }));
        for (const t of tokens) {
          if (t.balance === 0) continue;
          const single = mangoHealth([t], [], 'init');
          const charge = t.balance * t.oraclePrice - single.health;
          if (charge !== 0) components.push({ name: t.balance > 0 ? 'assetHaircutInitial' : 'liabilityChargeInitial', group: t.token, value: charge * fx });
        }
        const perMarket = new Set(perps.map((p) => p.market));
        const positions = portfolio.positions.map((p) => {
          const spec = context.instruments.spec(p.instrument);
          const siblings = portfolio.positions
            .filter((x) => context.instruments.spec(x.instrument).underlying === spec.underlying && context.instruments.spec(x.instrument).kind !== 'spot')
            .reduce((s, x) => s + Math.abs(x.quantity), 0);
          const charge = perps.filter((x) => x.market === spec.underlying).reduce((s, x) => s - mangoPerpHealthPnl(x, 'init'), 0);
          return { instrument: spec.symbol, quantity: p.quantity, contribution: perMarket.has(spec.underlying) && spec.kind !== 'spot' ? ((Math.abs(p.quantity) * charge) / Math.max(1e-300, siblings)) * fx : 0 };
        });
        const h = (x: MangoHealth) => ({ health: x.health, assets: x.assets, liabs: x.liabs, healthRatio: x.ratio });
        return {
          model: 'mango-health',
          account: portfolio.account,
          currency: portfolio.currency,
          initialMargin: im * fx,
          maintenanceMargin: mm * fx,
          components,
          positions,
          details: {
            venueParams: { asOf: params.asOf, source: params.source },
            quoteCurrency: q,
            equity,
            init: h(init),
            maint: h(maint),
            liquidationEnd: h(liqEnd),
            liquidatable: maint.health < 0,
            tokens: tokens.map((t) => {
              const sc = mangoWeightScaling(t.weights, typedPrice(t.oraclePrice, t.stablePrice, 'init', false), t.balance);
              return {
                token: t.token,
                balance: t.balance,
                oraclePrice: t.oraclePrice,
                ...(t.stablePrice !== undefined ? { stablePrice: t.stablePrice } : {}),
                initAssetWeightScale: sc.assetScale,
                initLiabWeightScale: sc.liabScale,
                weightScaling: sc.note,
              };
            }),
            perps: perps.map((p) => ({ market: p.market, base: p.baseLots * p.baseLotSize, oraclePrice: p.oraclePrice, initHealthPnl: mangoPerpHealthPnl(p, 'init'), maintHealthPnl: mangoPerpHealthPnl(p, 'maint') })),
            ...(approximations.length > 0 ? { approximations } : {}),
          },
        };
      },
    };
  },
});
