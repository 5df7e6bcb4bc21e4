import type { InstrumentSpec } from '../../instruments/instrument-spec.js';
import { instrumentMarketInputs } from '../../pricing/instrument-inputs.js';
import type { MarginResult, MarginResultOf } from '../margin-result.js';
import { IsolatedSimpleParamsSchema } from './isolated-simple-params.js';
import { defineModel } from '../define-model.js';
import { IsolatedSimpleDetailsSchema, type IsolatedSimpleDetails } from './isolated-simple-details.js';

/**
 * Notional of one contract in its settlement currency: linear → multiplier × reference price (quote currency);
 * inverse delta-one → face value / reference (coin); inverse option → multiplier coins of underlying.
 */
export function contractNotional(spec: InstrumentSpec, reference: number): number {
  if (spec.settlement === 'linear') return spec.multiplier * reference;
  return spec.kind === 'option' ? spec.multiplier : spec.multiplier / reference;
}

/**
 * `isolated-simple`: every position on its own, margin = |notional| × rate by kind (with per-underlying overrides).
 * No netting: a hedge adds margin like any other position. Plan: per-instrument notional and rates as typed arrays.
 */
export const isolatedSimpleModel = defineModel({
  id: 'isolated-simple',
  description: 'Per position |notional| × rate by instrument kind; no netting between positions',
  paramsSchema: IsolatedSimpleParamsSchema,
  detailsSchema: IsolatedSimpleDetailsSchema,
  compile(params, context) {
    const specs = context.instruments.specs();
    const notional = new Float64Array(specs.length);
    const initialRate = new Float64Array(specs.length);
    const maintenanceRate = new Float64Array(specs.length);
    specs.forEach((spec, i) => {
      const field = context.fieldOf?.(i) ?? `instruments.${i}`;
      notional[i] = contractNotional(spec, instrumentMarketInputs(spec, context.market, field, { needVol: false }).reference);
      const o = params.underlyings[spec.underlying];
      initialRate[i] = o?.initialRate?.[spec.kind] ?? params.initialRate[spec.kind];
      maintenanceRate[i] = o?.maintenanceRate?.[spec.kind] ?? params.maintenanceRate[spec.kind];
    });
    return {
      evaluate(portfolio): MarginResultOf<IsolatedSimpleDetails> {
        let im = 0;
        let mm = 0;
        const components: MarginResult['components'] = [];
        const positions = portfolio.positions.map((p) => {
          const spec = context.instruments.spec(p.instrument);
          const fx = context.market.fxRate(spec.currency, portfolio.currency);
          const size = Math.abs(p.quantity * notional[p.instrument]!) * fx;
          const initial = size * initialRate[p.instrument]!;
          im += initial;
          mm += size * maintenanceRate[p.instrument]!;
          components.push({ name: 'positionMargin', group: spec.symbol, value: initial });
          return { instrument: spec.symbol, quantity: p.quantity, contribution: initial };
        });
        return {
          model: 'isolated-simple',
          account: portfolio.account,
          currency: portfolio.currency,
          initialMargin: im,
          maintenanceMargin: mm,
          components,
          positions,
        };
      },
    };
  },
});
