import { CrossmarginError } from '../../core/errors.js';
import type { InstrumentSpec } from '../../instruments/instrument-spec.js';
import { instrumentMarketInputs } from '../../pricing/instrument-inputs.js';
import { priceInstrument } from '../../pricing/instrument-pricer.js';
import type { MarginComponent, MarginResult, MarginResultOf } from '../margin-result.js';
import { DeribitSmParamsSchema, type DeribitSmFuturesRates, type DeribitSmOptionRates, type DeribitSmParams } from './deribit-sm-params.js';
import { defineModel } from '../define-model.js';
import { DeribitSmDetailsSchema, type DeribitSmDetails } from './deribit-sm-details.js';

/** IM and MM of one position, in its settlement coin. */
export interface DeribitSmCharge {
  readonly initial: number;
  readonly maintenance: number;
}

/**
 * Inverse future/perpetual, crypto-venues.md §1 "Standard margin, inverse futures/perps":
 * IM = size × (initialBase + initialIncrement × size / step), MM likewise; size in coin.
 */
export function deribitSmFutureCharge(sizeCoin: number, rates: DeribitSmFuturesRates): DeribitSmCharge {
  const steps = sizeCoin / rates.incrementStepCoins;
  return {
    initial: sizeCoin * (rates.initialBase + rates.initialIncrement * steps),
    maintenance: sizeCoin * (rates.maintenanceBase + rates.maintenanceIncrement * steps),
  };
}

/**
 * Short inverse option per 1-coin contract, in coin, crypto-venues.md §1 "Inverse options per 1-coin contract":
 * call IM = max(0.15 − OTM/S, 0.10) + mark, MM = 0.075 + mark; put IM = max(max(0.15 − OTM/S, 0.10) + mark, MM),
 * MM = max(0.075, 0.075 × mark) + mark. `mark` is the option's coin price, `underlyingMark` S in USD.
 */
export function deribitSmShortOptionCharge(right: 'call' | 'put', strike: number, underlyingMark: number, mark: number, rates: DeribitSmOptionRates): DeribitSmCharge {
  const otm = right === 'call' ? Math.max(strike - underlyingMark, 0) : Math.max(underlyingMark - strike, 0);
  const base = Math.max(rates.initialBase - otm / underlyingMark, rates.initialFloor) + mark;
  if (right === 'call') return { initial: base, maintenance: rates.maintenance + mark };
  const maintenance = Math.max(rates.maintenance, rates.maintenance * mark) + mark;
  return { initial: Math.max(base, maintenance), maintenance };
}

/**
 * `deribit-sm`: Deribit standard margin (S:SM), crypto-venues.md §1. Per position (quantities of one instrument are
 * netted first, since the futures rate depends on the size): inverse futures/perpetuals at the size-dependent rate of
 * their settlement coin, short inverse options by the per-contract formula, long options 0 (premium paid; reported in
 * `details.longOptionPremium`). Margins are in the settlement coin, converted to the account currency at today's
 * index. Linear (USDC/USD-settled) instruments are refused with INSTRUMENT_SPEC_INVALID naming the position.
 */
export const deribitSmModel = defineModel({
  id: 'deribit-sm',
  description: 'Deribit standard margin S:SM: inverse futures/perps at size-dependent rates, inverse options per contract (§1)',
  paramsSchema: DeribitSmParamsSchema,
  detailsSchema: DeribitSmDetailsSchema,
  // The futures rate grows with the position size (§1), so margin is not proportional to size.
  homogeneous: false,
  // Deribit's standard-margin rules are for its coin-settled (inverse) contracts; linear ones are refused.
  accepts: (spec) => spec.settlement === 'inverse',
  compile(params, context) {
    const { instruments, market } = context;
    return {
      evaluate(portfolio): MarginResultOf<DeribitSmDetails> {
        // Net by instrument, keeping the first position's field for messages; instrument-id order for determinism.
        const net = new Map<number, { quantity: number; field: string }>();
        for (const p of portfolio.positions) {
          const entry = net.get(p.instrument);
          if (entry === undefined) net.set(p.instrument, { quantity: p.quantity, field: p.field });
          else entry.quantity += p.quantity;
        }
        let im = 0;
        let mm = 0;
        const components: MarginComponent[] = [];
        const positions: MarginResult['positions'] = [];
        const longOptionPremium: Record<string, number> = {};
        for (const [id, { quantity, field }] of [...net.entries()].sort((a, b) => a[0] - b[0])) {
          const spec = instruments.spec(id);
          const charge = positionCharge(spec, quantity, field, params, context.market);
          const fx = market.fxRate(spec.currency, portfolio.currency);
          const initial = charge.initial * fx;
          const maintenance = charge.maintenance * fx;
          im += initial;
          mm += maintenance;
          if (charge.premium !== undefined) longOptionPremium[spec.symbol] = charge.premium * fx;
          components.push({ name: charge.component, group: spec.symbol, value: initial });
          positions.push({ instrument: spec.symbol, quantity, contribution: initial });
        }
        if (!(im >= 0 && mm >= 0 && Number.isFinite(im) && Number.isFinite(mm))) {
          throw new CrossmarginError('INTERNAL', `deribit-sm produced a negative or non-finite margin (IM ${im}, MM ${mm})`);
        }
        return {
          model: 'deribit-sm',
          account: portfolio.account,
          currency: portfolio.currency,
          initialMargin: im,
          maintenanceMargin: mm,
          components,
          positions,
          details: { asOf: params.asOf, source: params.source, longOptionPremium },
        };
      },
    };
  },
});

interface PositionCharge extends DeribitSmCharge {
  readonly component: 'futureMargin' | 'shortOptionMargin' | 'longOption';
  /** Premium of a long option, settlement coin (margin 0). */
  readonly premium?: number;
}

function positionCharge(spec: InstrumentSpec, quantity: number, field: string, params: DeribitSmParams, market: Parameters<typeof priceInstrument>[1]): PositionCharge {
  if (spec.settlement !== 'inverse') {
    // §1 covers inverse (coin-settled) contracts only; linear USDC contracts are not modelled here.
    throw new CrossmarginError('INSTRUMENT_SPEC_INVALID', `${field}: ${spec.symbol} is ${spec.settlement}-settled; deribit-sm covers inverse (coin-settled) futures, perpetuals and options only`, {
      field,
      details: { instrument: spec.symbol, settlement: spec.settlement },
    });
  }
  const size = Math.abs(quantity);
  if (spec.kind === 'option') {
    const price = priceInstrument(spec, market, field);
    // unitPrice is the coin price per 1 coin of underlying; multiplier is coins per contract.
    if (quantity >= 0) return { component: 'longOption', initial: 0, maintenance: 0, premium: size * spec.multiplier * price.unitPrice };
    const c = deribitSmShortOptionCharge(spec.right as 'call' | 'put', spec.strike as number, price.forward, price.unitPrice, params.options);
    const coins = size * spec.multiplier;
    return { component: 'shortOptionMargin', initial: coins * c.initial, maintenance: coins * c.maintenance };
  }
  const rates = params.futures[spec.currency];
  if (rates === undefined) {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `${field}: deribit-sm has no futures rates for settlement coin ${spec.currency} (known: ${Object.keys(params.futures).join(', ')})`, {
      field,
      details: { instrument: spec.symbol, currency: spec.currency },
    });
  }
  // size in coin = |quantity| × face / reference price (§1: the rate depends on the size in coin).
  const reference = instrumentMarketInputs(spec, market, field, { needVol: false }).reference;
  const c = deribitSmFutureCharge((size * spec.multiplier) / reference, rates);
  return { component: 'futureMargin', ...c };
}
