import { z } from 'zod';
import type { ParameterDoc } from '../margin-model.js';

/** Margin rates by instrument kind, as fractions of |notional| (docs/models/isolated-simple.md). */
const rate = z.number().finite().min(0);
const RatesSchema = z.strictObject({ spot: rate, future: rate, perpetual: rate, option: rate });
const PartialRatesSchema = RatesSchema.partial();

export const IsolatedSimpleParamsSchema = z.strictObject({
  initialRate: RatesSchema.default({ spot: 0.1, future: 0.1, perpetual: 0.1, option: 0.15 }),
  maintenanceRate: RatesSchema.default({ spot: 0.05, future: 0.05, perpetual: 0.05, option: 0.075 }),
  /** Per-underlying overrides, e.g. { "SPX": { "initialRate": { "future": 0.06 } } }. */
  underlyings: z
    .record(z.string(), z.strictObject({ initialRate: PartialRatesSchema.optional(), maintenanceRate: PartialRatesSchema.optional() }))
    .default({}),
});

export type IsolatedSimpleParams = z.output<typeof IsolatedSimpleParamsSchema>;

export const ISOLATED_SIMPLE_PARAMETER_DOCS: readonly ParameterDoc[] = [
  { name: 'initialRate', description: 'initial margin / |notional| by kind', default: '{"spot":0.1,"future":0.1,"perpetual":0.1,"option":0.15}' },
  { name: 'maintenanceRate', description: 'maintenance margin / |notional| by kind', default: '{"spot":0.05,"future":0.05,"perpetual":0.05,"option":0.075}' },
  { name: 'underlyings', description: 'per-underlying {initialRate, maintenanceRate} overrides', default: '{}' },
];
