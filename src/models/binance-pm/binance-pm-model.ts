import type { MarginResult, MarginResultOf } from '../margin-result.js';
import { venueBook, venueFxRate } from '../venues/venue-book.js';
import { BINANCE_MARGIN_MMR, BinancePmParamsSchema, type BinanceBracket } from './binance-pm-params.js';
import { defineModel } from '../define-model.js';
import { BinancePmDetailsSchema, type BinancePmDetails } from './binance-pm-details.js';

/**
 * Tiered maintenance (crypto-venues.md §3): futuresMM = |MMR_bracket · notional| − cum, where the bracket is the one
 * whose floor |notional| reaches and cum = Σ_{k ≤ bracket} floor_k·(mmr_k − mmr_{k−1}) makes the charge continuous.
 * Notional is position·markPrice (UM) or contracts·multiplier in coin (CM); the result is in the notional's unit.
 */
export function binanceFuturesMM(notional: number, brackets: readonly BinanceBracket[]): { mm: number; mmr: number; cum: number } {
  const n = Math.abs(notional);
  let cum = 0;
  let k = 0;
  for (let i = 1; i < brackets.length && n >= brackets[i]!.notionalFloor; i++) {
    cum += brackets[i]!.notionalFloor * (brackets[i]!.mmr - brackets[i - 1]!.mmr);
    k = i;
  }
  const mmr = brackets[k]!.mmr;
  return { mm: n * mmr - cum, mmr, cum };
}

/** §3 MarginMM = loan · MMR(leverage): 3x 10 %, 5x 8 %, 10x 5 % (Classic). */
export function binanceMarginMM(loan: number, leverage: 3 | 5 | 10): number {
  return Math.abs(loan) * (BINANCE_MARGIN_MMR[String(leverage)] as number);
}

/** §3 unrealised P&L: UM (USDT) = qty·(mark − entry); CM (coin) = faceUsd·(1/entry − 1/mark). */
export function binanceUnrealisedPnl(kind: 'UM' | 'CM', size: number, entry: number, mark: number): number {
  return kind === 'UM' ? size * (mark - entry) : size * (1 / entry - 1 / mark);
}

/** §3 adjustedEquity = Σ_asset min(v·collateralRate, v), v = (asset − loan + futuresAsset + uPnL)·assetIndexPrice. */
export function binanceAdjustedEquity(assets: readonly { value: number; collateralRate: number }[]): number {
  return assets.reduce((s, a) => s + Math.min(a.value * a.collateralRate, a.value), 0);
}

/** §3 Pro zones by uniMMR. */
export function binanceProZone(uniMMR: number): string {
  if (uniMMR > 1.5) return 'free';
  if (uniMMR > 1.2) return 'reminder';
  if (uniMMR > 1.05) return 'reduce-only';
  if (uniMMR > 1) return 'liquidation';
  return 'liquidation (loss may be claimed)';
}

/**
 * `binance-pm`: Binance Portfolio Margin uniMMR (§3). MM = Σ futuresMM (tiered brackets) + Σ MarginMM on loans
 * (negative collateral balances). IM = Σ max(notional/futuresLeverage, futuresMM) + Σ max(loan/(marginLeverage − 1),
 * MarginMM) (§3 order IM formulas applied to the positions). The book is at mark: uPnL = 0.
 */
export const binancePmModel = defineModel({
  id: 'binance-pm',
  description: 'Binance Portfolio Margin: uniMMR = adjusted equity / (tiered futures MM + margin-loan MM)',
  paramsSchema: BinancePmParamsSchema,
  detailsSchema: BinancePmDetailsSchema,
  // Tiered maintenance rates grow with notional (§3): margin is not proportional to size.
  homogeneous: false,
  compile(params, context) {
    const q = params.quoteCurrency;
    return {
      evaluate(portfolio): MarginResultOf<BinancePmDetails> {
        const book = venueBook(portfolio, context, q, { venue: 'Binance PM' });
        const fx = venueFxRate(context, q, portfolio.currency, 'Binance PM', q, `reporting the margin in the account currency ${portfolio.currency}`);
        const components: MarginResult['components'] = [];
        let mm = 0;
        let im = 0;
        // Spot positions on a listed underlying are balances (§3 MarginAsset − MarginLoan): a negative one is a margin loan.
        const balances = new Map<string, number>(Object.entries(book.collateral));
        for (const p of portfolio.positions) {
          const s = context.instruments.spec(p.instrument);
          const m = book.markets.find((x) => x.market === s.underlying);
          if (s.kind !== 'spot' || m === undefined) continue;
          balances.set(m.market, (balances.get(m.market) ?? 0) + p.quantity * s.multiplier);
          m.base -= p.quantity * s.multiplier;
        }
        const derivatives = book.markets.filter((m) => m.base !== 0 || m.optionNotional > 0);
        const futures = derivatives.map((m) => {
          const notional = Math.abs(m.base) * m.oraclePrice + m.optionNotional;
          const b = params.brackets[m.market] ?? params.defaultBrackets;
          const f = binanceFuturesMM(notional, b);
          const fim = Math.max(notional / params.futuresLeverage, f.mm);
          mm += f.mm;
          im += fim;
          components.push({ name: 'futuresMM', group: m.market, value: f.mm * fx });
          return { market: m.market, base: m.base, markPrice: m.oraclePrice, notional, mmr: f.mmr, cum: f.cum, futuresMM: f.mm, futuresIM: fim };
        });
        const assets: { asset: string; amount: number; value: number; collateralRate: number; marginMM?: number }[] = [];
        for (const asset of [...balances.keys()].sort()) {
          const amount = balances.get(asset) as number;
          if (amount === 0) continue;
          const value = amount * context.market.fxRate(asset, q);
          const collateralRate = params.collateralRates[asset] ?? params.defaultCollateralRate;
          if (amount < 0) {
            const marginMM = binanceMarginMM(value, params.marginLeverage);
            mm += marginMM;
            im += Math.max(Math.abs(value) / (params.marginLeverage - 1), marginMM);
            components.push({ name: 'marginMM', group: asset, value: marginMM * fx });
            assets.push({ asset, amount, value, collateralRate, marginMM });
          } else assets.push({ asset, amount, value, collateralRate });
        }
        const adjustedEquity = binanceAdjustedEquity(assets);
        const uniMMR = mm > 0 ? adjustedEquity / mm : null;
        components.push({ name: 'adjustedEquity', group: 'account', value: adjustedEquity * fx });
        const positions = portfolio.positions.map((p) => {
          const spec = context.instruments.spec(p.instrument);
          const row = spec.kind === 'spot' ? undefined : futures.find((r) => r.market === spec.underlying);
          const total = portfolio.positions
            .filter((x) => context.instruments.spec(x.instrument).underlying === spec.underlying && context.instruments.spec(x.instrument).kind !== 'spot')
            .reduce((s, x) => s + Math.abs(x.quantity), 0);
          return { instrument: spec.symbol, quantity: p.quantity, contribution: row === undefined ? 0 : ((Math.abs(p.quantity) * row.futuresMM) / Math.max(1e-300, total)) * fx };
        });
        return {
          model: 'binance-pm',
          account: portfolio.account,
          currency: portfolio.currency,
          initialMargin: im * fx,
          maintenanceMargin: mm * fx,
          components,
          positions,
          details: {
            venueParams: { asOf: params.asOf, source: params.source },
            quoteCurrency: q,
            adjustedEquity,
            uniMMR,
            zone: uniMMR === null ? 'free' : binanceProZone(uniMMR),
            futures,
            assets,
            ...(book.approximations.length > 0 ? { approximations: book.approximations } : {}),
          },
        };
      },
    };
  },
});
