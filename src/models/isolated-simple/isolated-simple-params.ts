import { z } from 'zod';
import type { ParameterDoc } from '../margin-model.js';

/** Margin rates by instrument kind, as fractions of |notional| (docs/models/isolated-simple.md). */
const rate = z.number().finite().min(0);
const RatesSchema = z.strictObject({ spot: rate, future: rate, perpetual: rate, option: rate });
const PartialRatesSchema = RatesSchema.partial();

const DEFAULT_INITIAL = { spot: 0.1, future: 0.1, perpetual: 0.1, option: 0.15 };
const DEFAULT_MAINTENANCE = { spot: 0.05, future: 0.05, perpetual: 0.05, option: 0.075 };
const KINDS = ['spot', 'future', 'perpetual', 'option'] as const;

export const IsolatedSimpleParamsSchema = z
  .strictObject({
    /** Kinds left out keep their default rate. */
    initialRate: PartialRatesSchema.default({}).transform((r) => RatesSchema.parse({ ...DEFAULT_INITIAL, ...r })),
    maintenanceRate: PartialRatesSchema.default({}).transform((r) => RatesSchema.parse({ ...DEFAULT_MAINTENANCE, ...r })),
    /** Per-underlying overrides, e.g. { "SPX": { "initialRate": { "future": 0.06 } } }. */
    underlyings: z
      .record(z.string(), z.strictObject({ initialRate: PartialRatesSchema.optional(), maintenanceRate: PartialRatesSchema.optional() }))
      .default({}),
  })
  .superRefine((p, ctx) => {
    // Maintenance above initial would put a fresh position straight into a margin call.
    const check = (initial: Record<string, number>, maintenance: Record<string, number>, path: string[]): void => {
      for (const kind of KINDS) {
        if ((maintenance[kind] ?? 0) > (initial[kind] ?? 0)) {
          ctx.addIssue({ code: 'custom', path: [...path, 'maintenanceRate', kind], message: `maintenance rate ${maintenance[kind]} exceeds the initial rate ${initial[kind]}` });
        }
      }
    };
    check(p.initialRate, p.maintenanceRate, []);
    for (const [name, o] of Object.entries(p.underlyings)) {
      check({ ...p.initialRate, ...o.initialRate }, { ...p.maintenanceRate, ...o.maintenanceRate }, ['underlyings', name]);
    }
  });

export type IsolatedSimpleParams = z.output<typeof IsolatedSimpleParamsSchema>;

export const ISOLATED_SIMPLE_PARAMETER_DOCS: readonly ParameterDoc[] = [
  { name: 'initialRate', description: 'initial margin / |notional| by kind', default: '{"spot":0.1,"future":0.1,"perpetual":0.1,"option":0.15}' },
  { name: 'maintenanceRate', description: 'maintenance margin / |notional| by kind', default: '{"spot":0.05,"future":0.05,"perpetual":0.05,"option":0.075}' },
  { name: 'underlyings', description: 'per-underlying {initialRate, maintenanceRate} overrides', default: '{}' },
];
